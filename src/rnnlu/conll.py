"""Token-per-line files: CoNLL-U (Universal Dependencies) and ``token<TAB>tag`` (CoNLL / WNUT style).

Both keep their own tokens. A blank line ends a sentence. CoNLL-2003-style files with more tab-separated
columns (``token<TAB>...<TAB>tag``, as Tweebank's NER) take the first column as the token and the last
as the tag; their ``-DOCSTART-`` lines are document breaks, not tokens. In CoNLL-U the tag is the UPOS column;
comment lines (``# text = ...``) are read for the sentence's text, and multi-word token ranges
(``3-4``) and empty nodes (``8.1``) are skipped, as UD's own evaluation does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rnnlu.errors import RnnluError
from rnnlu.io import _open_binary, decode_lines


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]                  # empty when the file carries no tags
    line: int                        # line number of the sentence's first token
    text: str | None = None          # from a CoNLL-U "# text =" comment
    space_after: list[bool] = field(default_factory=list)


def read_sentences(path: str | Path, need_tags: bool = True) -> Iterator[Sentence]:
    """Stream sentences from a CoNLL-U or ``token<TAB>tag`` file (a ``token`` alone is fine if not ``need_tags``).

    A malformed line raises one error naming the file and line number.
    """
    path = Path(path)
    with _open_binary(path) as stream:
        tokens: list[str] = []
        tags: list[str] = []
        spaces: list[bool] = []
        text, start = None, 0
        conllu = None
        for number, raw in decode_lines(stream, str(path), max_chars=1 << 20):
            line = raw.rstrip("\r\n")
            if not line.strip():
                if tokens:
                    yield Sentence(tokens, tags, start, text, spaces)
                tokens, tags, spaces, text = [], [], [], None
                continue
            if line.startswith("#") and not tokens and (conllu is not False) and ("\t" not in line or line.startswith("# ")):
                if line.startswith("# text ="):
                    text = line.split("=", 1)[1].strip()
                continue
            if line.startswith("-DOCSTART-"):
                if tokens:
                    yield Sentence(tokens, tags, start, text, spaces)
                tokens, tags, spaces, text = [], [], [], None
                continue
            cols = line.split("\t")
            if conllu is None:
                conllu = len(cols) == 10
            if conllu:
                if len(cols) != 10:
                    raise RnnluError(f"{path}:{number}: a CoNLL-U line needs 10 tab-separated columns, found {len(cols)}")
                if "-" in cols[0] or "." in cols[0]:
                    continue  # multi-word token range / empty node
                if not cols[0].isdigit():
                    raise RnnluError(f"{path}:{number}: CoNLL-U word id {cols[0]!r} is not a number")
                token, tag = cols[1], cols[3]
                spaces.append("SpaceAfter=No" not in cols[9])
            else:
                if len(cols) == 1 and not need_tags:
                    token, tag = cols[0], ""
                elif len(cols) < 2 and need_tags:
                    raise RnnluError(f"{path}:{number}: expected `token<TAB>tag` (or 10 CoNLL-U columns), "
                                     f"found {len(cols)} column{'s' if len(cols) != 1 else ''}")
                else:
                    token, tag = cols[0], cols[-1]
                spaces.append(True)
            token, tag = token.strip(), tag.strip()
            if not token or (need_tags and not tag):
                raise RnnluError(f"{path}:{number}: empty {'token' if not token else 'tag'}")
            if not tokens:
                start = number
            tokens.append(token)
            tags.append(tag)
        if tokens:
            yield Sentence(tokens, tags, start, text, spaces)


def sentence_text(sentence: Sentence) -> tuple[str, list[tuple[int, int]]]:
    """The sentence's text and each token's character offsets in it.

    The ``# text`` comment when every token is found in it in order; else the tokens joined by
    spaces (none where CoNLL-U says ``SpaceAfter=No``).
    """
    if sentence.text:
        offsets, pos = [], 0
        for token in sentence.tokens:
            at = sentence.text.find(token, pos)
            if at < 0:
                break
            offsets.append((at, at + len(token)))
            pos = at + len(token)
        else:
            return sentence.text, offsets
    parts, offsets, pos = [], [], 0
    spaces = sentence.space_after or [True] * len(sentence.tokens)
    for token, space in zip(sentence.tokens, spaces):
        offsets.append((pos, pos + len(token)))
        parts.append(token + (" " if space else ""))
        pos += len(token) + (1 if space else 0)
    return "".join(parts).rstrip(" "), offsets
