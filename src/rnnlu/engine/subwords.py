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


@lru_cache(maxsize=64)
def _pieces_of_length(marked_length: int) -> tuple[tuple[int, int], ...]:
    """(start, n) of each n-gram :func:`ngrams` keeps for a marked word of this many characters, in its order."""
    counts = {n: max(0, marked_length - n + 1) for n in range(MIN_N, MAX_N + 1)}
    order = [(i, n) for i in range(max(counts.values(), default=0)) for n in range(MIN_N, MAX_N + 1) if i < counts[n]]
    return tuple(order[:MAX_NGRAMS])


_FNV_OFFSET, _FNV_PRIME = np.uint32(0x811C9DC5), np.uint32(0x01000193)


def bucket_rows(words: Sequence[str], buckets: int) -> list[tuple[int, ...]]:
    """:func:`bucket_ids` of many words at once, the same rows: ASCII words of one length are hashed
    together by NumPy (FNV-1a over byte columns, uint32 arithmetic wraps as the hash does); any other
    word takes :func:`bucket_ids`. Building a batch's rows was mostly this hashing, one byte at a time."""
    out: list[tuple[int, ...] | None] = [None] * len(words)
    by_length: dict[int, list[int]] = {}
    for k, word in enumerate(words):
        if word.isascii() and word and not (word.startswith("<") and word.endswith(">")) and buckets < 1 << 32:
            by_length.setdefault(len(word) + 2, []).append(k)
        else:
            out[k] = bucket_ids(word, buckets)
    for length, where in by_length.items():
        marked = np.frombuffer("".join(f"<{words[k]}>" for k in where).encode("ascii"), dtype=np.uint8)
        columns = marked.reshape(len(where), length).astype(np.uint32)
        pieces = _pieces_of_length(length)
        hashed = np.empty((len(where), len(pieces)), dtype=np.uint32)
        at = {piece: j for j, piece in enumerate(pieces)}
        with np.errstate(over="ignore"):
            for start in sorted({i for i, _ in pieces}):
                h = np.full(len(where), _FNV_OFFSET, dtype=np.uint32)
                for n in range(1, MAX_N + 1):
                    if start + n > length:
                        break
                    h = (h ^ columns[:, start + n - 1]) * _FNV_PRIME
                    if (start, n) in at:
                        hashed[:, at[(start, n)]] = h
        ids = (hashed % np.uint32(buckets)).astype(np.int64) + 1
        for k, row in zip(where, ids.tolist()):
            out[k] = tuple(row)
    return out  # type: ignore[return-value]


def rows_by_token(token_lists: Sequence[Sequence[str]], buckets: int, steps: int) -> dict[str, tuple[int, ...]]:
    """Bucket rows of every distinct token the first ``steps`` of each list holds."""
    distinct = list(dict.fromkeys(t for tokens in token_lists for t in tokens[:steps]))
    return dict(zip(distinct, bucket_rows(distinct, buckets)))


def pad_buckets(token_lists: Sequence[Sequence[str]], buckets: int, steps: int) -> np.ndarray:
    """[B, steps, K] bucket rows per token, 0 where there are none (K: the most any token has)."""
    of = rows_by_token(token_lists, buckets, steps)
    rows = [[of[t] for t in tokens[:steps]] for tokens in token_lists]
    width = max((len(ids) for tokens in rows for ids in tokens), default=0)
    out = np.zeros((len(token_lists), steps, max(1, width)), dtype=np.int64)
    for b, tokens in enumerate(rows):
        for t, ids in enumerate(tokens):
            out[b, t, : len(ids)] = ids
    return out
