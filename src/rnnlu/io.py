"""Readers and writers shared by every command: arguments, stdin lines, CSV, JSONL and TSV in;
table, JSON, JSONL, CSV and TSV out. Input streams; bad rows are reported with their line number."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO

from rnnlu.engine.modelfile import atomic_write
from rnnlu.errors import RnnluError, UsageError

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
        if number == 1:
            _refuse_other_unicode(raw, name)
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


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def _refuse_other_unicode(first: bytes, name: str) -> None:
    """A UTF-16/32 byte-order mark: say which encoding it is (not the latin-1 hint for stray bytes)."""
    for bom, encoding in _BOMS:
        if first.startswith(bom):
            raise RnnluError(f"{name} is {encoding} (it starts with a {encoding} byte-order mark); rnnlu reads UTF-8: "
                             f"convert it first, e.g. `iconv -f {encoding} -t UTF-8 FILE > FILE.utf8`")


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
    except csv.Error as e:
        stream.close()
        raise RnnluError(f"{path}:1: malformed CSV header ({e})") from None
    header = [h.strip() for h in header]
    _refuse_duplicate_columns(header, path, stream)
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


def _refuse_duplicate_columns(header: list[str], path, stream=None) -> None:
    """Two columns of one name would be read as one and written as the other: refuse the file."""
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if name in seen:
            if stream is not None:
                stream.close()
            shown = repr(name) if name else "(empty name)"
            raise RnnluError(f"{path}: the header names column {shown} twice (again as column {number}); "
                             "give every column its own name")
        seen.add(name)


def parse_json_line(text: str, name: str, number: int):
    """One JSON value from one line, or an RnnluError naming the line (never another exception)."""
    try:
        obj = json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as e:
        raise RnnluError(f"{name}:{number}: not valid JSON ({e.msg} at column {e.colno})") from None
    except RecursionError:
        raise RnnluError(f"{name}:{number}: JSON nested too deeply to read") from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise RnnluError(f"{name}:{number}: JSON value cannot be read ({str(e).split(';')[0]})") from None
    if "\\u" in text:  # escaped lone surrogates ("\ud800") decode to text that cannot be written out
        _refuse_lone_surrogates(obj, name, number)
    return obj


def _not_json(word: str):
    """NaN and Infinity are not JSON; Python reads them, but the output would then not be JSON either."""
    raise ValueError(f"{word} is not a JSON value")


def _refuse_lone_surrogates(obj, name: str, number: int) -> None:
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as e:
                raise RnnluError(f"{name}:{number}: JSON string holds a lone surrogate "
                                 f"\\u{ord(item[e.start]):04x} (half of a character pair, not valid Unicode); "
                                 "fix or drop that line") from None


def jsonl_source(path: str | Path, field_name: str, max_chars: int = MAX_CHARS) -> Source:
    stream = _open_binary(path)

    def records():
        with stream:
            for number, text in decode_lines(stream, str(path), max_chars=1 << 62):
                if not text.strip():
                    continue
                obj = parse_json_line(text, str(path), number)
                if not isinstance(obj, dict) or field_name not in obj:
                    keys = ", ".join(obj) if isinstance(obj, dict) else type(obj).__name__
                    raise RnnluError(f"{path}:{number}: no field {field_name!r} (found: {keys})")
                value = obj[field_name]
                if not isinstance(value, str):
                    raise RnnluError(f"{path}:{number}: field {field_name!r} is not a string")
                _check_length(value, str(path), number, max_chars)
                yield Record(number, value, obj)

    return Source(records(), str(path), [field_name], "jsonl", Path(path).stat().st_size, stream.tell)


def args_source(texts: list[str], max_chars: int = MAX_CHARS) -> Source:
    for i, t in enumerate(texts, start=1):
        _check_length(t, "argument", i, max_chars)
    return Source([Record(i, t) for i, t in enumerate(texts, start=1)], "arguments", kind="args")


def open_source(texts: list[str] | None, csv_path: Path | None = None, column: str | None = None,
                jsonl_path: Path | None = None, field_name: str | None = None,
                stdin: IO[bytes] | None = None, stdin_is_tty: bool = False, max_chars: int = MAX_CHARS) -> Source:
    """Pick the one input the user gave: TEXT arguments, --csv, --jsonl, or lines on stdin."""
    if max_chars < 1:
        raise UsageError(f"--max-chars must be at least 1 (got {max_chars})")
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
    """(line, label, text) from ``label<TAB>text`` files (no header) or CSV/TSV files with a header;
    a ``.gz`` file is unpacked as it is read."""
    path = Path(path)
    packed = path.name.lower().endswith(".gz")
    try:
        yield from _labelled_rows(path, packed, text_column, label_column)
    except (EOFError, OSError) as e:   # a damaged or cut-off .gz file
        if not packed:
            raise
        raise RnnluError(f"{path}: not a readable gzip file ({e}); unpack it or copy it again") from None


def _labelled_rows(path: Path, packed: bool, text_column: str, label_column: str) -> Iterator[tuple[int, str, str]]:
    raw = _open_binary(path)
    with (gzip.open(raw, "rb") if packed else raw) as stream:
        lines = decode_lines(stream, str(path), max_chars=1 << 62, keep_ends=True)
        first = next(lines, None)
        if first is None:
            return
        delimiter = "," if Path(path.name[:-3] if packed else path.name).suffix.lower() == ".csv" else "\t"
        try:
            header = next(csv.reader([first[1]], delimiter=delimiter), [])
        except csv.Error as e:   # e.g. a bare carriage return inside the first line
            raise RnnluError(f"{path}:{first[0]}: not a readable {delimiter!r}-separated line ({e})") from None
        if text_column in header and label_column in header:
            _refuse_duplicate_columns([h.strip() for h in header], path)
            ti, li = header.index(text_column), header.index(label_column)
            current = [first[0]]

            def text_lines():
                for number, text in lines:
                    current[0] = number
                    yield text

            try:
                for row in csv.reader(text_lines(), delimiter=delimiter):
                    if row and len(row) != len(header):
                        raise RnnluError(f"{path}:{current[0]}: row has {len(row)} fields but the header has {len(header)}")
                    if row:
                        yield current[0], row[li], row[ti]
            except csv.Error as e:   # e.g. a bare carriage return inside a line
                raise RnnluError(f"{path}:{current[0]}: not a readable {delimiter!r}-separated line ({e})") from None
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


# ---- input columns beside result columns ---------------------------------------------------------
INPUT_PREFIX = "input_"


def input_renames(input_names: Iterable[str], result_names: Iterable[str]) -> dict[str, str]:
    """Input columns that share a result column's name, and the ``input_NAME`` each is kept under.

    Result columns always keep their names (a labelled file's own ``label`` must never pass for the
    model's answer); ``input_`` is repeated until the name is free.
    """
    input_names, result_names = list(input_names), set(result_names)
    taken = result_names | set(input_names)
    renames = {}
    for name in input_names:
        if name in result_names:
            new = INPUT_PREFIX + name
            while new in taken:
                new = INPUT_PREFIX + new
            taken.add(new)
            renames[name] = new
    return renames


def merge_columns(input_columns: list[str], result_columns: list[str]) -> list[str]:
    """Output columns: the input's (clashing ones renamed, see ``input_renames``), then the results'."""
    renames = input_renames(input_columns, result_columns)
    return [renames.get(c, c) for c in input_columns] + list(result_columns)


def merge_row(fields: dict, result: dict) -> dict:
    """One output row: the input's fields (clashing ones renamed as in ``merge_columns``), then the result."""
    renames = _renames_of(tuple(fields), tuple(result))
    if not renames:
        return {**fields, **result}
    row = {renames.get(k, k): v for k, v in fields.items()}
    row.update(result)
    return row


@lru_cache(maxsize=64)
def _renames_of(input_names: tuple, result_names: tuple) -> dict[str, str]:
    """:func:`input_renames`, once per shape of row (every row of a file has the same names). Read only."""
    return input_renames(input_names, result_names)


# ---- text for a terminal ----------------------------------------------------------------------------
_INVISIBLE = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}  # bidi overrides


def visible(value) -> str:
    """Control characters (terminal escape sequences, bidi overrides) shown as ``\\x1b``, never sent."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(f"\\x{ord(c):02x}" if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0
                   else f"\\u{ord(c):04x}" if ord(c) in _INVISIBLE else c for c in text)


def safe_markup(value) -> str:
    """Text from a file, a card or the user, for rich markup: ``[/bold]`` shown as written, control
    characters made visible (``visible``). Every table of every command prints input through this."""
    from rich.markup import escape

    return escape(visible(value))


# ---- writers -------------------------------------------------------------------------------------
# json.dumps(row, ensure_ascii=False), without building a new encoder for every row (a tenth of a row's cost)
_JSON_ROW = json.JSONEncoder(ensure_ascii=False).encode


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
            get = row.get
            values = [_cell(get(c, "")) for c in self.columns]
            if self.fmt == "tsv":
                line = "\t".join(values)  # one look for a tab or newline inside a cell, not two per cell
                if "\n" in line or line.count("\t") != len(values) - 1:
                    values = [v.replace("\t", " ").replace("\n", " ") for v in values]
            self.csv.writerow(values)
        elif self.fmt == "jsonl":
            self.stream.write(_JSON_ROW(row) + "\n")
        else:
            self.stream.write(("," if self.count else "") + "\n  " + _JSON_ROW(row))
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
        self.stream.flush()


def _cell(value) -> str:
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        return f"{value:.4f}"
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
