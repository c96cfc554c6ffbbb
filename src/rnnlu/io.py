"""Readers and writers shared by every command: arguments, stdin lines, CSV, JSONL and TSV in;
table, JSON, JSONL, CSV and TSV out. Input streams; bad rows are reported with their line number."""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rnnlu.errors import RnnluError, UsageError
from rnnlu.modelfile import atomic_write

MAX_CHARS = 100_000
FORMATS = ("table", "json", "jsonl", "csv", "tsv")
csv.field_size_limit(1 << 30)  # our own, clearer, per-text limit applies instead


@dataclass
class Record:
    """One input text with where it came from; ``fields`` keeps every column of a CSV/JSONL row."""

    line: int
    text: str
    fields: dict = field(default_factory=dict)


@dataclass
class Source:
    """An input stream of records, plus the input's own column names (kept in CSV output)."""

    records: Iterable[Record]
    name: str
    columns: list[str] = field(default_factory=list)
    kind: str = "lines"              # args | lines | csv | jsonl
    size: int | None = None          # bytes, when known (for a progress bar)
    position: Callable[[], int] | None = None


# ---- readers -------------------------------------------------------------------------------------
def _open_binary(path: str | Path) -> IO[bytes]:
    path = Path(path)
    if path.is_dir():
        raise RnnluError(f"{path} is a folder; pass a file")
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise RnnluError(f"file not found: {path}") from None
    except OSError as e:
        raise RnnluError(f"cannot open {path}: {e.strerror}") from None


def decode_lines(stream: IO[bytes], name: str, max_chars: int = MAX_CHARS,
                 keep_ends: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (line number, text), decoding UTF-8 strictly; line endings dropped unless ``keep_ends``."""
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RnnluError(
                f"{name}:{number}: not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1}); "
                "convert the input to UTF-8 first, e.g. `iconv -f latin1 -t utf-8`"
            ) from None
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not keep_ends:
            text = text.rstrip("\r\n")
        if len(text) > max_chars:
            raise RnnluError(f"{name}:{number}: line is {len(text):,} characters long (limit {max_chars:,}); "
                             "split it into shorter texts or raise --max-chars")
        yield number, text


def _check_length(text: str, name: str, line: int, max_chars: int) -> None:
    if len(text) > max_chars:
        raise RnnluError(f"{name}:{line}: text is {len(text):,} characters long (limit {max_chars:,}); "
                         "split it into shorter texts or raise --max-chars")


def lines_source(stream: IO[bytes], name: str = "<stdin>", max_chars: int = MAX_CHARS) -> Source:
    records = (Record(n, text) for n, text in decode_lines(stream, name, max_chars))
    return Source(records, name, kind="lines")


def csv_source(path: str | Path, column: str | None, delimiter: str = ",", max_chars: int = MAX_CHARS) -> Source:
    """Stream a CSV file with a header row; every column is kept in ``Record.fields``."""
    stream = _open_binary(path)
    numbered = decode_lines(stream, str(path), max_chars=1 << 62, keep_ends=True)
    current = [0]

    def text_lines():
        for number, text in numbered:
            current[0] = number
            yield text

    reader = csv.reader(text_lines(), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        stream.close()
        raise RnnluError(f"{path} is empty: a CSV file needs a header row naming its columns") from None
    header = [h.strip() for h in header]
    if column is None:
        column = "text" if "text" in header else None
        if column is None:
            stream.close()
            raise UsageError(f"{path}: say which column holds the text with --column; columns: {', '.join(header)}")
    if column not in header:
        stream.close()
        raise RnnluError(f"{path}: no column {column!r}; columns: {', '.join(header)}")
    index = header.index(column)

    def records():
        with stream:
            start = current[0] + 1
            try:
                for row in reader:
                    line = start
                    start = current[0] + 1
                    if not row:  # blank line between rows
                        continue
                    if len(row) != len(header):
                        raise RnnluError(f"{path}:{line}: row has {len(row)} fields but the header has {len(header)}; "
                                         "fix the row (quote fields that contain the delimiter)")
                    _check_length(row[index], str(path), line, max_chars)
                    yield Record(line, row[index], dict(zip(header, row)))
            except csv.Error as e:
                raise RnnluError(f"{path}:{current[0]}: malformed CSV ({e})") from None

    return Source(records(), str(path), header, "csv", Path(path).stat().st_size, stream.tell)


def jsonl_source(path: str | Path, field_name: str, max_chars: int = MAX_CHARS) -> Source:
    stream = _open_binary(path)

    def records():
        with stream:
            for number, text in decode_lines(stream, str(path), max_chars=1 << 62):
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as e:
                    raise RnnluError(f"{path}:{number}: not valid JSON ({e.msg})") from None
                if not isinstance(obj, dict) or field_name not in obj:
                    keys = ", ".join(obj) if isinstance(obj, dict) else type(obj).__name__
                    raise RnnluError(f"{path}:{number}: no field {field_name!r} (found: {keys})")
                value = obj[field_name]
                if not isinstance(value, str):
                    raise RnnluError(f"{path}:{number}: field {field_name!r} is not a string")
                _check_length(value, str(path), number, max_chars)
                yield Record(number, value, obj)

    return Source(records(), str(path), [], "jsonl", Path(path).stat().st_size, stream.tell)


def args_source(texts: list[str], max_chars: int = MAX_CHARS) -> Source:
    for i, t in enumerate(texts, start=1):
        _check_length(t, "argument", i, max_chars)
    return Source([Record(i, t) for i, t in enumerate(texts, start=1)], "arguments", kind="args")


def open_source(texts: list[str] | None, csv_path: Path | None = None, column: str | None = None,
                jsonl_path: Path | None = None, field_name: str | None = None,
                stdin: IO[bytes] | None = None, stdin_is_tty: bool = False, max_chars: int = MAX_CHARS) -> Source:
    """Pick the one input the user gave: TEXT arguments, --csv, --jsonl, or lines on stdin."""
    given = [name for name, v in (("TEXT", texts), ("--csv", csv_path), ("--jsonl", jsonl_path)) if v]
    if len(given) > 1:
        raise UsageError(f"give one input, not {' and '.join(given)}")
    if column and not csv_path:
        raise UsageError("--column goes with --csv FILE")
    if field_name and not jsonl_path:
        raise UsageError("--field goes with --jsonl FILE")
    if texts:
        return args_source(texts, max_chars)
    if csv_path:
        delimiter = "\t" if str(csv_path).endswith((".tsv", ".tab")) else ","
        return csv_source(csv_path, column, delimiter, max_chars)
    if jsonl_path:
        return jsonl_source(jsonl_path, field_name or "text", max_chars)
    if stdin is None or stdin_is_tty:
        raise UsageError("no input: pass TEXT arguments, pipe lines on stdin, or use --csv FILE --column NAME")
    return lines_source(stdin, "<stdin>", max_chars)


def read_labelled_rows(path: str | Path, text_column: str = "text", label_column: str = "label") -> Iterator[tuple[int, str, str]]:
    """(line, label, text) from ``label<TAB>text`` files (no header) or CSV/TSV files with a header."""
    path = Path(path)
    with _open_binary(path) as stream:
        lines = decode_lines(stream, str(path), max_chars=1 << 62, keep_ends=True)
        first = next(lines, None)
        if first is None:
            return
        delimiter = "," if path.suffix.lower() == ".csv" else "\t"
        header = next(csv.reader([first[1]], delimiter=delimiter), [])
        if text_column in header and label_column in header:
            ti, li = header.index(text_column), header.index(label_column)
            current = [first[0]]

            def text_lines():
                for number, text in lines:
                    current[0] = number
                    yield text

            for row in csv.reader(text_lines(), delimiter=delimiter):
                if row and len(row) != len(header):
                    raise RnnluError(f"{path}:{current[0]}: row has {len(row)} fields but the header has {len(header)}")
                if row:
                    yield current[0], row[li], row[ti]
            return
        if delimiter == ",":
            raise RnnluError(f"{path}: a CSV training file needs columns {label_column!r} and {text_column!r}; "
                             f"found: {', '.join(header)}")
        for number, text in itertools.chain([first], lines):
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            label, sep, body = text.partition("\t")
            if not sep:
                raise RnnluError(f"{path}:{number}: expected `label<TAB>text`")
            yield number, label, body


# ---- writers -------------------------------------------------------------------------------------
class Writer:
    """Streams result rows (dicts) to a text stream in one of FORMATS (all but ``table``)."""

    def __init__(self, stream: IO[str], fmt: str, columns: list[str]):
        self.stream, self.fmt, self.columns, self.count = stream, fmt, columns, 0
        if fmt in ("csv", "tsv"):
            self.csv = csv.writer(stream, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
            self.csv.writerow(columns)
        elif fmt == "json":
            stream.write("[")

    def write(self, row: dict) -> None:
        if self.fmt in ("csv", "tsv"):
            values = [_cell(row.get(c, "")) for c in self.columns]
            if self.fmt == "tsv":
                values = [v.replace("\t", " ").replace("\n", " ") for v in values]
            self.csv.writerow(values)
        elif self.fmt == "jsonl":
            self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            self.stream.write(("," if self.count else "") + "\n  " + json.dumps(row, ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
        self.stream.flush()


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (list, tuple)):
        return " ".join(map(str, value))
    return "" if value is None else str(value)


def choose_format(fmt: str | None, output: Path | None, source_kind: str, stdout_is_tty: bool) -> str:
    """--format wins; else the output file's extension; else a table on a terminal; else by input."""
    if fmt:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        if fmt == "table" and output:
            raise UsageError("--format table is for the terminal; write files as json, jsonl, csv or tsv")
        return fmt
    if output:
        ext = output.suffix.lower().lstrip(".")
        return ext if ext in FORMATS and ext != "table" else "csv" if source_kind == "csv" else "jsonl"
    if stdout_is_tty:
        return "table"
    return {"csv": "csv", "jsonl": "jsonl"}.get(source_kind, "tsv")


class output_stream:
    """stdout, or a file written atomically (it appears whole, or not at all)."""

    def __init__(self, output: Path | None):
        self.output = output
        self._atomic = atomic_write(output, newline="") if output else None

    def __enter__(self) -> IO[str]:
        return self._atomic.__enter__() if self._atomic else sys.stdout

    def __exit__(self, *exc):
        return self._atomic.__exit__(*exc) if self._atomic else False
