"""Raw text for pretraining and for text-derived training examples: files, folders, lines, sentences.

`rnnlu pretrain` reads its corpora through these, and so does `rnnlu train sentiment --augment-neutral`
(sentences of plain prose that hold no opinion word). No torch here.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

from rnnlu.errors import RnnluError

TEXT_SUFFIXES = (".txt", ".txt.gz", ".tsv", ".tokens")


def corpus_files(path: str) -> list[Path]:
    """A file, or every text file under a folder (sorted, so runs are repeatable)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(TEXT_SUFFIXES))
        if files:
            return files
        raise RnnluError(f"{path} holds no text files ({', '.join(TEXT_SUFFIXES)})")
    raise RnnluError(f"corpus {path} does not exist")


# WikiText's markup: section titles on lines of their own ("= = Description = ="), and the joins of
# numbers and hyphenated words split into tokens of their own ("1 @,@ 000", "off @-@ world").
_WIKITEXT_TITLE = re.compile(r"^(=\s)+.*?(\s=)+$")
_WIKITEXT_JOIN = re.compile(r" @([-,.])@ ")


def undo_wikitext(line: str) -> str:
    """A line without WikiText's markup: a section title becomes an empty line (a paragraph break)
    and the split joins are joined again ("off-world", "1,000"). Other text passes unchanged."""
    if _WIKITEXT_TITLE.match(line):
        return ""
    return _WIKITEXT_JOIN.sub(r"\1", line) if "@" in line else line


def read_lines(path: Path, wikitext: bool = False) -> Iterator[str]:
    """Lines of text. ``.gz`` is unpacked; a ``.tsv`` line gives its last field (the text of `label<TAB>text`).
    With ``wikitext``, WikiText's markup is undone (:func:`undo_wikitext`)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            for line in f:
                if path.name.endswith(".tsv"):
                    line = line.rsplit("\t", 1)[-1]
                line = undo_wikitext(line.strip()) if wikitext else line.strip()
                if line:
                    yield line
    except OSError as e:
        raise RnnluError(f"cannot read {path}: {e}") from None


_SENTENCE_END = re.compile(r"[.!?][\"'\u2019\u201d)\]]*$")
_SENTENCE_SPLIT = re.compile(r"(?<![A-Z])(?<!Mr)(?<!Mrs)(?<!Dr)(?<!St)(?<!Messrs)[.!?][\"'\u2019\u201d)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z])")


def read_wrapped(path: Path, wikitext: bool = False) -> Iterator[str]:
    """Sentences of wrapped text: lines joined until one ends a sentence or a blank line ends the
    paragraph, then paragraphs cut after ``.``/``!``/``?`` before a capital (Mr./Mrs./Dr. kept).
    With ``wikitext``, WikiText's markup is undone (:func:`undo_wikitext`: a section title ends the paragraph)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            buffer: list[str] = []
            for line in f:
                line = undo_wikitext(line.strip()) if wikitext else line.strip()
                if line:
                    buffer.append(line)
                if buffer and (not line or _SENTENCE_END.search(line)):
                    paragraph = " ".join(buffer)
                    buffer = []
                    start = 0
                    for m in _SENTENCE_SPLIT.finditer(paragraph):
                        yield paragraph[start : m.end()].strip()
                        start = m.end()
                    if paragraph[start:].strip():
                        yield paragraph[start:].strip()
            if buffer:
                yield " ".join(buffer)
    except OSError as e:
        raise RnnluError(f"cannot read {path}: {e}") from None
