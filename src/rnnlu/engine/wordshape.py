"""What a tagger reads of a word besides its identity: its lookup key and its case class.

Tagging needs case ("Apple" vs "apple") but a vocabulary of case-kept words is sparse. A tag model
(``config.case_features``) therefore looks words up lower-cased, with digits as 0 ("2018" -> "0000"),
handles and links as placeholders, and adds one learned vector for the word's case class. The case
vectors live in the rows after the n-gram buckets of the n-gram table (``subword.weight``), so the
engine sums them like any n-gram row and needs nothing new. Character n-grams are taken from the
word as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from rnnlu.engine.subwords import bucket_matrix, distinct_tokens

CASES = ("lower", "title", "upper", "digit", "mixed", "other")
_URL_RE = re.compile(r"^(https?://|www\.)", re.IGNORECASE)
_DIGIT_RE = re.compile(r"\d")


@lru_cache(maxsize=200_000)
def case_class(token: str) -> int:
    """Index into CASES: lower ("coin"), title ("Bitcoin"), upper ("BTC"), digit ("2018"), mixed ("iPhone"), other."""
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return CASES.index("digit") if any(c.isdigit() for c in token) else CASES.index("other")
    if all(c.islower() for c in letters):
        return CASES.index("lower")
    if all(c.isupper() for c in letters):
        return CASES.index("upper") if len(letters) > 1 else CASES.index("title")
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return CASES.index("title")
    return CASES.index("mixed")


@lru_cache(maxsize=200_000)
def word_key(token: str) -> str:
    """The vocabulary key of a surface token: lower-cased, digits as 0, handles and links as placeholders."""
    if token.startswith("@") and len(token) > 1:
        return "<user>"
    if _URL_RE.match(token):
        return "<url>"
    return _DIGIT_RE.sub("0", token.lower())


def case_rows(buckets: int) -> int:
    """Rows of the n-gram table: padding, the buckets, then one per case class."""
    return buckets + 1 + len(CASES)


def feature_rows(token_lists: Sequence[Sequence[str]], buckets: int, steps: int) -> np.ndarray:
    """[B, steps, K] rows of the n-gram table per token: its n-grams' buckets, then its case class."""
    distinct, at, real = distinct_tokens(token_lists, steps)
    if buckets:
        rows, counts = bucket_matrix(distinct, buckets)
        rows = np.concatenate([rows, np.zeros((len(distinct), 1), dtype=np.int64)], axis=1)
    else:
        rows, counts = np.zeros((len(distinct), 1), dtype=np.int64), np.zeros(len(distinct), dtype=np.int64)
    cases = np.fromiter(map(case_class, distinct), dtype=np.int64, count=len(distinct))
    rows[np.arange(len(distinct)), counts] = (buckets + 1 if buckets else 1) + cases
    width = int(counts.max(initial=0)) + 1
    out = np.zeros((len(token_lists), steps, width), dtype=np.int64)
    out[real] = rows[at, :width]
    return out
