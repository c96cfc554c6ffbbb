"""What every command's terminal output shares: the console, label colours, a batch progress bar, row files."""

from __future__ import annotations

import sys
from pathlib import Path

from rnnlu import io


def terminal(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


LABEL_STYLE = {"positive": "green", "negative": "red", "neutral": "yellow"}


visible, _safe = io.visible, io.safe_markup  # input, cards and names shown as written, never obeyed


def styled(label: str) -> str:
    """A label in its colour (markup), the label itself escaped."""
    style = LABEL_STYLE.get(label, "")
    return f"[{style}]{_safe(label)}[/]" if style else _safe(label)


def batch_progress(source: io.Source):
    """A transient progress bar on stderr for batch input, when stderr is a terminal."""
    if source.kind == "args" or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[texts]} texts")]
    if source.size:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=terminal(stderr=True), transient=True)


def write_rows(rows: list[dict], path: Path) -> None:
    """Write plain dict rows to a file whose extension names the format (atomically)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "tsv", "jsonl", "json"):
        fmt = "csv"
    columns = list(dict.fromkeys(k for row in rows for k in row)) or ["line", "text", "gold", "predicted"]
    with io.output_stream(path) as stream:
        writer = io.Writer(stream, fmt, columns)
        for row in rows:
            writer.write(row)
        writer.close()
