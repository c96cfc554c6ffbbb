"""Blank items: a sentence with one ``___`` and the options for it, from an argument or a file.

Accepted spellings of the options, right after the blank: ``(hate/hates)``, ``(hate or hates)``,
``[hate|hates]``, ``(hate, hates)``; or given apart (``--options hate,hates``). No options: the
model's top words. Files: the MSR Sentence Completion layout (header ``id sentence a b c d e
answer ...``), the agreement layout (``name<TAB>sentence<TAB>correct<TAB>wrong``), or any TSV/CSV
with ``text`` (or ``sentence``), ``options`` and ``answer`` columns.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from rnnlu.errors import RnnluError, UsageError

BLANK_RE = re.compile(r"_{2,}")
_INLINE_RE = re.compile(r"^\s*(\(([^()]*)\)|\[([^\[\]]*)\])")
_SPLIT_RE = re.compile(r"\s*(?:/|\||,|\bor\b)\s*")


@dataclass
class BlankItem:
    text: str                      # as given (with the blank, options removed)
    left: str                      # text before the blank
    right: str                     # text after the blank (and after inline options)
    options: list[str] = field(default_factory=list)
    answer: str | None = None      # gold answer, when read from a labelled file
    name: str = ""                 # e.g. the agreement file's test name (attractor count)
    line: int = 0
    record: object = None          # the input record it came from (its columns are kept in the output)


_SEPARATORS = (re.compile(r"\s*/\s*"), re.compile(r"\s*\|\s*"), re.compile(r"\s+or\s+"), re.compile(r"\s*,\s*"))


def split_options(spec: str) -> list[str]:
    """'hate/hates', 'hate or hates', 'hate|hates', 'hate, hates' -> ['hate', 'hates'].

    The first kind of separator found (in that order) splits, so '1,000/2,000' gives two options."""
    spec = spec.strip()
    parts = [spec]
    for sep in _SEPARATORS:
        if sep.search(spec):
            parts = [p.strip() for p in sep.split(spec)]
            break
    if any(not p for p in parts):
        raise UsageError(f"cannot read the options {spec!r}: an option is empty; write them as (one/two)")
    return parts


def parse_item(text: str, options: list[str] | None = None, line: int = 0) -> BlankItem:
    """One sentence with exactly one blank; inline options after it are taken out of the text."""
    blanks = BLANK_RE.findall(text)
    where = f"line {line}: " if line else ""
    if not blanks:
        raise UsageError(f"{where}no blank in {text[:60]!r}: mark the missing word with ___")
    if len(blanks) > 1:
        raise UsageError(f"{where}{len(blanks)} blanks in {text[:60]!r}: give one ___ per sentence")
    m = BLANK_RE.search(text)
    left, rest = text[: m.start()], text[m.end():]
    inline = _INLINE_RE.match(rest)
    found: list[str] = []
    if inline and not options:  # options given apart (--options, a file's columns): brackets are text
        spec = inline.group(2) if inline.group(2) is not None else inline.group(3)
        if _SPLIT_RE.search(spec) or not spec.strip() or " " not in spec.strip():
            if not spec.strip():
                raise UsageError(f"{where}the brackets after the blank are empty: write the options in them, "
                                 "e.g. ___ (hate/hates), or leave the brackets out for the top words")
            found = split_options(spec) if _SPLIT_RE.search(spec) else [spec.strip()]   # "(hates)": one option
            rest = rest[inline.end():]
    if options:
        found = [o.strip() for o in options]
        if any(not o for o in found):
            raise UsageError(f"{where}an option is empty; give them as --options hate,hates")
    if found and len(found) < 2:
        raise UsageError(f"{where}only one option ({found[0]!r}): give two or more, or none for the top words")
    if len(set(o.lower() for o in found)) < len(found):
        raise UsageError(f"{where}an option is given twice in {found}")
    if not (left + rest).strip():
        raise UsageError(f"{where}the sentence is only a blank: give the words around it")
    shown = (left + "___" + rest).strip()
    return BlankItem(shown, left, rest, found, line=line)


def read_items(path: str | Path) -> list[BlankItem]:
    """A labelled blank file (MSR, agreement, or text/options/answer columns) -> items with answers.

    Blank lines are skipped; any other row that cannot be read (too few fields, no blank, an answer
    that is not among its options) stops with one line naming the file and line: a score over a
    silently shortened file would not be the file's score.
    """
    path = Path(path)
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise RnnluError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise RnnluError(f"{path} is not UTF-8 text; convert it (e.g. iconv -t utf-8)") from None
    lines = raw.splitlines()
    delimiter = "\t" if (lines and "\t" in lines[0]) or path.suffix == ".tsv" else ","
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    rows = [(n, row) for n, row in enumerate(csv.reader(lines, delimiter=delimiter, quoting=quoting), start=1)
            if any(cell.strip() for cell in row)]
    if not rows:
        raise RnnluError(f"{path} holds no items")
    header = [h.strip().lower() for h in rows[0][1]]
    text_col = next((c for c in ("text", "sentence") if c in header), None)
    if {"sentence", "a", "b", "answer"} <= set(header):
        layout, body = "msr", rows[1:]
    elif text_col and "answer" in header:
        layout, body = "columns", rows[1:]
    else:
        layout, body = "agreement", rows
    items = []
    for n, row in body:
        try:
            items.append(_read_row(layout, header, text_col, row, n))
        except RnnluError as e:
            raise RnnluError(f"{path}:{n}: {str(e).removeprefix(f'line {n}: ')}") from None
    return items


def _read_row(layout: str, header: list[str], text_col: str | None, row: list[str], n: int) -> BlankItem:
    if layout == "agreement":
        if len(row) != 4:
            raise RnnluError(f"expected name<TAB>sentence<TAB>correct<TAB>wrong (or a header with text, options, "
                             f"answer), got {len(row)} fields")
        item = parse_item(row[1], [row[2], row[3]], line=n)
        item.answer, item.name = row[2], row[0]
        return item
    if len(row) != len(header):
        raise RnnluError(f"row has {len(row)} fields but the header has {len(header)}")
    rec = dict(zip(header, row))
    if layout == "msr":
        letters = [h for h in header if len(h) == 1 and h.isalpha()]
        item = parse_item(rec["sentence"], [rec[k] for k in letters], line=n)
        letter = rec["answer"].strip().lower()
        if not rec.get("answer_word") and letter not in letters:
            raise RnnluError(f"answer {rec['answer']!r} names no option column ({', '.join(letters)})")
        item.answer = rec.get("answer_word") or rec[letter]
        item.name = rec.get("id", "")
    else:
        opts = split_options(rec["options"]) if rec.get("options", "").strip() else None
        item = parse_item(rec[text_col], opts, line=n)
        item.answer = rec["answer"].strip()
    if item.options and item.answer.lower() not in (o.lower() for o in item.options):
        raise RnnluError(f"the answer {item.answer!r} is not among the options {item.options}")
    return item
