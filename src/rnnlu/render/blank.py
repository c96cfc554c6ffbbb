"""How `rnnlu fill-blank` presents its answers (table, model-vs-baseline line) and `rnnlu evaluate fill-blank`'s report.

Rows of the other formats come from ``render.results``."""

from __future__ import annotations

import json
from pathlib import Path

from rnnlu.render.console import terminal

EMPTY_HINT = "give a sentence with ___ (and its options), lines on stdin, or a file with rows"


def comparison_line(run) -> str:
    return (f"model and n-gram baseline agree on {run.agree:,} of {run.total:,} blanks "
            f"({run.agree / run.total:.1%})")


def print_table(pairs: list, run) -> None:
    from rich.table import Table

    from rnnlu.io import safe_markup as escape  # markup and escape sequences shown, never obeyed

    answers, compare = [a for _, a in pairs], run.compare
    model = run.model_name
    table = Table(title=f"fill-blank · model {escape(model)}", title_justify="left")
    table.add_column("sentence")
    table.add_column("answer", style="bold")
    table.add_column("options (probability)")
    if compare:
        table.add_column("n-gram baseline")
        table.add_column("counts it used")
    for a in answers:
        opts = "  ".join(f"{escape(o['word'])} {o['probability']:.3f}" + ("?" if not o.get("known", True) else "")
                         for o in a.options)
        row = [escape(a.item.text), escape(a.answer), opts]
        if compare:
            b = a.baseline
            differs = b is not None and b.answer != a.answer
            row.append(("[yellow]" if differs else "") + escape(b.answer if b else "") + ("[/]" if differs else ""))
            row.append(escape(_counts_text(b)) if b else "")
        table.add_row(*row)
    console = terminal()
    console.print(table)
    unknown = sorted({w for a in answers for w in a.unknown})
    if unknown:
        console.print(f"? not in the model's vocabulary, scored as an unknown word: {', '.join(unknown)}", style="dim")


def _counts_text(b) -> str:
    if b.level == 0:
        return "no counts: first option"
    used = {o: {g: n for g, n in grams.items() if len(g.split()) == b.level} for o, grams in b.counts.items()}
    return " | ".join(f"{o}: " + ", ".join(f"'{g}' {n}" for g, n in grams.items()) for o, grams in used.items())


def show_blank_explanation(ex, fmt: str, svg: Path | None = None, html: Path | None = None) -> None:
    """One row per word: which pass carries it to the blank, how much it rewrote that memory, the share
    of units that kept their memory, and how much leaving it out moves the answer."""
    if fmt == "json":
        print(json.dumps(ex.to_dict(), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    from rnnlu.io import safe_markup as escape  # markup and escape sequences shown, never obeyed

    gate = {"gru": "update z", "lstm": "forget f"}.get(ex.cell, "")
    opts = "  ".join(f"{escape(o['word'])} {o['probability']:.3f}" for o in ex.options)
    title = f"fill-blank · {ex.model} ({ex.architecture}) · answer [bold]{escape(ex.answer)}[/]  ({opts})"
    if ex.with_topic:
        topic = "  ".join(f"{escape(o['word'])} {o['probability']:.3f}" for o in ex.with_topic["options"])
        title += f" · with the topic table (as `rnnlu fill-blank` answers): [bold]{escape(ex.with_topic['answer'])}[/]  ({topic})"
    table = Table(title=title,
                  title_justify="left")
    for col, just in (("word", "left"), ("read by", "left"), ("memory rewritten", "right"),
                      (f"units kept ({gate} > 0.9)" if gate else "units kept", "right"),
                      (f"mean {gate}" if gate else "gate mean", "right"), ("p(answer) moved", "right")):
        table.add_column(col, justify=just)
    for w in ex.words:
        if w.side == "blank":
            table.add_row("[bold]___[/]", "", "", "", "", "")
            continue
        bar = "█" * int(round(min(w.rewrote or 0.0, 1.0) * 5))
        contribution = "" if w.contribution is None else f"{w.contribution:+.3f}"
        style = "red" if (w.contribution or 0) > 0.05 else "blue" if (w.contribution or 0) < -0.05 else ""
        table.add_row(escape(w.token) + ("" if w.known else "?"), "→ forward" if w.side == "left" else "← backward",
                      "" if w.rewrote is None else f"{w.rewrote:.2f} {bar}",
                      "" if w.kept_units is None else f"{w.kept_units:.0%}",
                      "" if w.gate_mean is None else f"{w.gate_mean:.2f}",
                      f"[{style}]{contribution}[/]" if style else contribution)
    console = Console(record=bool(svg or html), highlight=False, width=110 if (svg or html) else None)
    console.print(table)
    console.print("memory rewritten: |h_t - h_prev| / |h_prev| of the pass that carries the word to the blank; "
                  "units kept: share whose gate held the old memory; p(answer) moved: with minus without the word.",
                  style="dim")
    from rnnlu.engine.modelfile import atomic_write

    if svg:
        with atomic_write(svg) as f:
            f.write(console.export_svg(title="rnnlu explain", clear=False))
    if html:
        with atomic_write(html) as f:
            f.write(console.export_html(clear=False))
