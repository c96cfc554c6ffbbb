"""Help a user reads: plain metavars (``--csv FILE``, not ``<list[Path]>``), whole one-line summaries,
and an example for each command."""

from __future__ import annotations

import typer

SUMMARIES = {  # the command list's one line per command (click cuts longer ones with "...")
    "sentiment": "Label texts positive / negative / neutral.",
    "tag": "Tag tokens: coin tickers, POS tags or named entities.",
    "fill-blank": "Fill a blank by reading both sides of it.",
    "models": "List the models, or show one model's card.",
    "train": "Train a model; writes it with its model card.",
    "pretrain": "Pretrain a language model (for train --init-from) or train a fill-blank model.",
    "evaluate": "Score a model on a labelled file.",
    "check": "Behavioural checks: negation, contrast, ...",
    "select": "Choose an architecture on dev data.",
    "explain": "Show the gates and each word's part in the answer.",
}


EXAMPLES = {
    "sentiment": ['rnnlu sentiment "I am not at all happy" --compare', "cat reviews.txt | rnnlu sentiment -o labelled.tsv",
                  "rnnlu sentiment --csv reviews.csv --column review -o labelled.csv"],
    "tag": ['rnnlu tag "I sold my BTC for ETH"', 'rnnlu tag --scheme pos "The cat sat on the mat"'],
    "models": ["rnnlu models", "rnnlu models sentiment-bigru"],
    "train": ["rnnlu train sentiment --train train.tsv --dev dev.tsv --arch bilstm --out my-bilstm"],
    "pretrain": ["rnnlu pretrain --corpus texts/ --arch bigru --epochs 3 --out ./lm.safetensors"],
    "evaluate": ["rnnlu evaluate sentiment --data test.tsv --model my-bilstm --compare --errors errors.csv"],
    "check": ["rnnlu check sentiment --model sentiment-gru"],
    "select": ["rnnlu select sentiment --train train.tsv --dev dev.tsv --epochs 3 --include-rnn"],
    "explain": ['rnnlu explain "I am not at all happy" --svg happy.svg'],
}


def _metavar(param) -> str:
    if getattr(param, "param_type_name", "") == "argument":
        return (param.name or "value").upper().removesuffix("S") if param.name != "texts" else "TEXT"
    # typer >= 0.29 names the Python type (``list[Path]``); older typer has a click type (``TyperPath``)
    bare = (param.bare_type() if hasattr(param, "bare_type") else type(param.type).__name__).lower()
    return "FILE" if "path" in bare else "N" if "int" in bare else "X" if "float" in bare else "TEXT"


def decorated_command(app: typer.Typer):
    """The click command behind ``app``, with help a user reads: ``--csv FILE`` rather than Python
    types (``<list[Path]>``), whole one-line summaries, and an example for each command."""
    command = typer.main.get_command(app)
    for name, sub in getattr(command, "commands", {}).items():
        if name in SUMMARIES:
            sub.short_help = SUMMARIES[name]
        if name in EXAMPLES and "Example" not in (sub.help or ""):
            sub.help = (sub.help or "") + "\n\n\b\nExample" + ("s" if len(EXAMPLES[name]) > 1 else "") + ":\n" + \
                "\n".join(f"  $ {line}" for line in EXAMPLES[name])
        for param in sub.params:
            if getattr(param, "is_flag", False) or param.name == "help":
                continue
            if param.metavar is None:
                param.metavar = _metavar(param)
            if param.param_type_name == "argument":
                many = "..." if param.nargs != 1 else ""
                shown = param.metavar + many if param.required else f"[{param.metavar}]{many}"
                param._usage_display_name = lambda shown=shown: shown  # typer >= 0.29
                param.get_usage_pieces = lambda *args, shown=shown, **kwargs: [shown]  # typer < 0.29
                param.display_type_rich = lambda ctx: None
    return command
