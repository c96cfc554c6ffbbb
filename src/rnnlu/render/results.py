"""Every answering command's output, written one way: a table on a terminal, else rows in any format.

A task's run (:class:`rnnlu.tasks.base.TaskRun`) streams ``(record, answer)`` pairs; each answer gives
its own result columns (``answer.row(compare, flat)``). This module keeps the input's columns beside
them, writes JSON/JSONL/CSV/TSV atomically, shows a progress bar for batch input, and prints the
model-vs-baseline line. What differs per task (its table, its own formats such as tag's ``conll``, the
wording of that line) comes from the task's presenter: ``render.sentiment``, ``render.tag``,
``render.blank``.
"""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from pathlib import Path
from types import ModuleType

from rnnlu import io
from rnnlu.errors import RnnluError
from rnnlu.render.console import batch_progress, terminal


def write_answers(run, source: io.Source, fmt: str, output: Path | None, presenter: ModuleType) -> None:
    """Write ``run``'s answers as ``fmt``; ``presenter`` has ``print_table(pairs, run)``, ``comparison_line(run)``
    and optionally ``FORMATS`` (name -> answer -> text) for formats of the task's own."""
    progress = batch_progress(source)
    own_formats = getattr(presenter, "FORMATS", {})
    with progress or nullcontext():
        bar = progress.add_task("answering", total=source.size, texts=0) if progress else None
        pairs = _with_progress(run.answers, source, progress, bar)
        first = next(pairs, None)
        if first is None and not run.bad:
            what = getattr(presenter, "EMPTY_HINT", "give TEXT arguments, lines on stdin, or a file with rows")
            raise RnnluError(f"no input texts in {source.name}: {what}")
        pairs = itertools.chain([first] if first is not None else [], pairs)
        if fmt == "table":
            shown = list(pairs)  # printed once the progress bar is gone, not glued to it
        else:
            with io.output_stream(output) as stream:
                if fmt in own_formats:
                    for _, answer in pairs:
                        stream.write(own_formats[fmt](answer, run))
                else:
                    _write_rows(stream, fmt, run, source, pairs)
    if fmt == "table":
        presenter.print_table(shown, run)
    elif run.compare and run.total > 1:
        terminal(stderr=True).print(presenter.comparison_line(run), soft_wrap=True)


def _write_rows(stream, fmt: str, run, source: io.Source, pairs) -> None:
    """JSON/JSONL/CSV/TSV: the input's columns (CSV: all; JSONL: all fields), then the answer's (which win a clash)."""
    base = list(source.columns) if source.kind in ("csv", "jsonl") else [] if "text" in run.columns else ["text"]
    writer = io.Writer(stream, fmt, io.merge_columns(base, run.columns))
    flat = fmt in ("csv", "tsv")
    for record, answer in pairs:
        ours = answer.row(run.compare, flat)
        writer.write(io.merge_row(input_fields(record, ours), ours))
    writer.close()


def input_fields(record: io.Record, ours: dict) -> dict:
    """The input's own fields (not the reader's private ``_`` ones); a bare text unless the answer carries it."""
    fields = {k: v for k, v in (record.fields or {}).items() if not k.startswith("_")}
    return fields or ({} if "text" in ours else {"text": record.text})


def _with_progress(pairs, source: io.Source, progress, bar):
    for n, pair in enumerate(pairs, start=1):
        if progress is not None and n % 256 == 0:
            progress.update(bar, completed=source.position() if source.position else None, texts=n)
        yield pair
