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


def split_options(spec: str) -> list[str]:
    """'hate/hates', 'hate or hates', 'hate|hates', 'hate, hates' -> ['hate', 'hates']."""
    parts = [p.strip() for p in _SPLIT_RE.split(spec.strip())]
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
    if inline:
        spec = inline.group(2) if inline.group(2) is not None else inline.group(3)
        if _SPLIT_RE.search(spec):                       # "(hate/hates)"
            found = split_options(spec)
            rest = rest[inline.end():]
        elif spec.strip() and " " not in spec.strip() and not options:  # "(hates)": one option is no choice
            found = [spec.strip()]
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
    """A labelled blank file (MSR, agreement, or text/options/answer columns) -> items with answers."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RnnluError(f"cannot read {path}: {e}") from None
    delimiter = "\t" if "\t" in raw.split("\n", 1)[0] or path.suffix == ".tsv" else ","
    rows = list(csv.reader(raw.splitlines(), delimiter=delimiter, quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL))
    if not rows:
        raise RnnluError(f"{path} is empty")
    header = [h.strip().lower() for h in rows[0]]
    items = []
    if {"sentence", "a", "b", "answer"} <= set(header):          # MSR Sentence Completion
        letters = [h for h in header if len(h) == 1 and h.isalpha()]
        for n, row in enumerate(rows[1:], start=2):
            rec = dict(zip(header, row))
            opts = [rec[k] for k in letters]
            item = parse_item(rec["sentence"], opts, line=n)
            item.answer = rec.get("answer_word") or rec[rec["answer"].strip().lower()]
            item.name = rec.get("id", "")
            items.append(item)
        return items
    text_col = next((c for c in ("text", "sentence") if c in header), None)
    if text_col and "answer" in header:                          # generic columns
        for n, row in enumerate(rows[1:], start=2):
            rec = dict(zip(header, row))
            opts = split_options(rec["options"]) if rec.get("options") else None
            item = parse_item(rec[text_col], opts, line=n)
            item.answer = rec["answer"].strip()
            items.append(item)
        return items
    for n, row in enumerate(rows, start=1):                      # name, sentence, correct, wrong
        if len(row) != 4:
            raise RnnluError(f"{path}:{n}: expected name<TAB>sentence<TAB>correct<TAB>wrong (or a header with "
                             f"text, options, answer), got {len(row)} fields")
        item = parse_item(row[1], [row[2], row[3]], line=n)
        item.answer, item.name = row[2], row[0]
        items.append(item)
    return items
