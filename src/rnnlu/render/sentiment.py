"""How `rnnlu sentiment` presents its answers: the table, and the model-vs-baseline line.

The rows of every other format are written by ``render.results`` from ``SentimentResult.row``.
"""

from __future__ import annotations

from rnnlu import io
from rnnlu.render.console import styled, terminal
from rnnlu.tasks.sentiment.run import SentimentRun

_safe = io.safe_markup  # input shown as written, never obeyed as markup


def comparison_line(run: SentimentRun) -> str:
    a = run.agreement
    return (f"model and word-count baseline agree on {a.agree:,} of {a.total:,} texts ({a.rate:.1%}); "
            f"they differ on {a.total - a.agree:,}")


def print_table(pairs: list[tuple], run: SentimentRun) -> None:
    """One row per (record, SentimentResult): text, label, each label's probability (and the baseline's)."""
    from rich.table import Table

    console = terminal()
    if not pairs:
        console.print("no texts")
        return
    table = Table(title=f"sentiment · model {_safe(run.model_name)}", title_justify="left", show_lines=False)
    table.add_column("text", overflow="fold", min_width=min(30, max(len(r.text) for _, r in pairs)))
    table.add_column("label")
    for label in run.labels:
        table.add_column(f"p({label[:3]})", justify="right")
    if run.compare:
        table.add_column("baseline")
        table.add_column("words counted", overflow="fold", min_width=12)
    for _, result in pairs:
        label = result.label
        cells = [_safe(result.text), styled(label)]
        cells += [f"{result.probabilities[l]:.2f}" for l in run.labels]
        if run.compare:
            b = result.baseline
            mark = "" if b.label == label else " ≠"
            words = " ".join([f"+{w}" for w in b.positive] + [f"-{w}" for w in b.negative])
            cells += [f"{styled(b.label)}{mark}", _safe(words) or "—"]
        table.add_row(*cells)
    console.print(table)
    if run.compare and run.agreement.total > 1:
        console.print(comparison_line(run))
