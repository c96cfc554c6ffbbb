"""Options shared by the answering commands (sentiment, tag, fill-blank), declared once.

Each is an ``Annotated`` type: a command writes ``csv: CsvOption = None`` and gets the same flag, help
and metavar as every other command. :func:`open_input` turns them into one :class:`rnnlu.io.Source`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

FORMAT_HELP = ("table | json | jsonl | csv | tsv (default: table on a terminal, else csv for --csv input, "
               "jsonl for --jsonl, tsv otherwise)")

CsvOption = Annotated[Optional[Path], typer.Option("--csv", help="Read a CSV file (TSV if it ends in .tsv); every column is kept.")]
ColumnOption = Annotated[Optional[str], typer.Option(help="The --csv column holding the text (default: 'text').")]
JsonlOption = Annotated[Optional[Path], typer.Option("--jsonl", help="Read a JSON-lines file.")]
FieldOption = Annotated[Optional[str], typer.Option(help="The --jsonl field holding the text (default: 'text').")]
# fill-blank reads sentences with a blank: the same options, said in its words
SentenceColumnOption = Annotated[Optional[str], typer.Option("--column", help="The --csv column holding the sentence with ___ (default: 'text').")]
SentenceFieldOption = Annotated[Optional[str], typer.Option("--field", help="The --jsonl field holding the sentence with ___ (default: 'text').")]
ModelOption = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (see `rnnlu models`) or path to a .safetensors file.")]
FormatOption = Annotated[Optional[str], typer.Option("--format", "-f", help=FORMAT_HELP)]
OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write results to this file (atomically) instead of stdout.")]
MaxCharsOption = Annotated[int, typer.Option(help="Refuse texts longer than this many characters.")]
ReportFormatOption = Annotated[str, typer.Option("--format", "-f", help="table | json")]
WorkersOption = Annotated[Optional[int], typer.Option(help="Processes answering side by side on inputs of more than 1,024 texts (sentiment), 512 (tag), 256 (fill-blank). Default: one per idle core; 1: this process only. Same answers, same order.", show_default=False)]
AssociationOption = Annotated[bool, typer.Option("--association/--no-association", help="fill-blank: also score options by the sentence's topic (the bundled word-association table); never between forms of one word (hate/hates).")]
SchemeOption = Annotated[Optional[str], typer.Option(help="tag: pos | ner | coin (default: the --model's own).", show_default=False)]


def compare_option(what: str):
    """``--compare/-c`` with the command's own description of what the baseline shows."""
    return Annotated[bool, typer.Option("--compare", "-c", help=what)]


def texts_argument(what: str):
    """The TEXT arguments; omitted, the command reads stdin one text per line."""
    return Annotated[Optional[list[str]], typer.Argument(help=what, show_default=False)]


def open_input(texts, csv, column, jsonl, field, max_chars):
    """The one input a command was given (arguments, --csv, --jsonl, or stdin), as a Source."""
    from rnnlu import io

    return io.open_source(texts, csv, column, jsonl, field, stdin=sys.stdin.buffer,
                          stdin_is_tty=sys.stdin.isatty(), max_chars=max_chars)


def output_format(fmt: str | None, output: Path | None, source_kind: str) -> str:
    """The format asked for, else the one that suits where the output goes and what the input was."""
    from rnnlu import io

    return io.choose_format(fmt, output, source_kind, sys.stdout.isatty())


def check_workers(workers: int | None) -> None:
    """``--workers``: None (automatic) or a positive count; zero or less is a usage error."""
    from rnnlu.errors import UsageError

    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be 1 or more, not {workers}")


def report_format(fmt: str) -> str:
    """Reports (evaluate, check, select, explain) print a table or JSON."""
    from rnnlu.errors import UsageError

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose table or json")
    return fmt
