"""`rnnlu sentiment`'s answers: a table on a terminal, else rows in any output format."""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from pathlib import Path

from rnnlu import io
from rnnlu.errors import RnnluError
from rnnlu.render.console import batch_progress, styled, terminal
from rnnlu.tasks.sentiment.run import SentimentRun, sentiment_row

_safe = io.safe_markup  # input shown as written, never obeyed as markup


def write_results(run: SentimentRun, source: io.Source, fmt: str, output: Path | None, compare: bool) -> None:
    progress = batch_progress(source)
    with progress or nullcontext():
        task_id = progress.add_task("labelling", total=source.size, texts=0) if progress else None
        rows = _rows(run, source, progress, task_id)
        first = next(rows, None)
        if first is None:
            raise RnnluError(f"no input texts in {source.name}: give TEXT arguments, lines on stdin, or a file with rows")
        rows = itertools.chain([first], rows)
        if fmt == "table":
            table_rows = list(rows)  # printed once the progress bar is gone, not glued to it
        else:
            with io.output_stream(output) as stream:
                columns = _columns(run, source)
                writer = io.Writer(stream, fmt, columns)
                for _, row in rows:
                    writer.write(row)
                writer.close()
    if fmt == "table":
        _print_table(table_rows, run)
    if compare and fmt != "table" and run.agreement.total > 1:
        terminal(stderr=True).print(_agreement_line(run))


def _rows(run: SentimentRun, source: io.Source, progress, task_id):
    for n, (record, result) in enumerate(run.results, start=1):
        row = io.merge_row(record.fields or {"text": record.text}, sentiment_row(result, run.compare))
        if progress is not None and (n % 256 == 0):
            progress.update(task_id, completed=source.position() if source.position else None, texts=n)
        yield result, row


def _columns(run: SentimentRun, source: io.Source) -> list[str]:
    """CSV/TSV columns: the input's (CSV: all; JSONL: the text field), then the results' (which win a clash)."""
    base = list(source.columns) if source.kind in ("csv", "jsonl") else ["text"]
    ours = ["label", *[f"p_{label}" for label in run.labels], "model"]
    if run.compare:
        ours += ["baseline_label", "baseline_score", "baseline_words"]
    return io.merge_columns(base, ours)


def _agreement_line(run: SentimentRun) -> str:
    a = run.agreement
    return (f"model and word-count baseline agree on {a.agree:,} of {a.total:,} texts ({a.rate:.1%}); "
            f"they differ on {a.total - a.agree:,}")


def _print_table(rows: list[tuple], run: SentimentRun) -> None:
    """Rows of (SentimentResult, output columns); the table shows the result itself."""
    from rich.table import Table

    console = terminal()
    if not rows:
        console.print("no texts")
        return
    table = Table(title=f"sentiment · model {_safe(run.model_name)}", title_justify="left", show_lines=False)
    table.add_column("text", overflow="fold", min_width=min(30, max(len(r.text) for r, _ in rows)))
    table.add_column("label")
    for label in run.labels:
        table.add_column(f"p({label[:3]})", justify="right")
    if run.compare:
        table.add_column("baseline")
        table.add_column("words counted", overflow="fold", min_width=12)
    for result, _ in rows:
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
        console.print(_agreement_line(run))
