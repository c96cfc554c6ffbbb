"""Character n-grams of a word, hashed into a fixed number of buckets (as in fastText).

A word's vector is its own vector plus the sum of its n-gram vectors, so a word the model never
saw ("supremacists", "#draintheswamp") still reads as something close to the words that share its
pieces. The hash is FNV-1a on UTF-8 bytes: the same buckets on every machine and Python run.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

MIN_N, MAX_N = 3, 5
MAX_NGRAMS = 24  # per word; longer words keep their first n-grams of each length in turn


def ngrams(word: str) -> list[str]:
    """The word's 3- to 5-letter pieces, with < and > marking its edges ("<no", "not", "ot>", ...).

    Placeholders ("<url>", "<unk>") and empty words have none.
    """
    if not word or (word.startswith("<") and word.endswith(">")):
        return []
    marked = f"<{word}>"
    by_length = [[marked[i : i + n] for i in range(len(marked) - n + 1)] for n in range(MIN_N, MAX_N + 1)]
    pieces: list[str] = []
    for i in range(max(map(len, by_length))):  # interleave, so a cap keeps every length
        pieces += [grams[i] for grams in by_length if i < len(grams)]
    return pieces[:MAX_NGRAMS]


def _fnv1a(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


@lru_cache(maxsize=200_000)
def bucket_ids(word: str, buckets: int) -> tuple[int, ...]:
    """Rows of the n-gram table for ``word``: 1..buckets (0 is the all-zero padding row)."""
    return tuple(1 + _fnv1a(g) % buckets for g in ngrams(word))


def pad_buckets(token_lists: Sequence[Sequence[str]], buckets: int, steps: int) -> np.ndarray:
    """[B, steps, K] bucket rows per token, 0 where there are none (K: the most any token has)."""
    rows = [[bucket_ids(t, buckets) for t in tokens[:steps]] for tokens in token_lists]
    width = max((len(ids) for tokens in rows for ids in tokens), default=0)
    out = np.zeros((len(token_lists), steps, max(1, width)), dtype=np.int64)
    for b, tokens in enumerate(rows):
        for t, ids in enumerate(tokens):
            out[b, t, : len(ids)] = ids
    return out
