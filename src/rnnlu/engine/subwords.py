"""Character n-grams of a word, hashed into a fixed number of buckets (as in fastText).

A word's vector is its own vector plus the sum of its n-gram vectors, so a word the model never
saw ("supremacists", "#draintheswamp") still reads as something close to the words that share its
pieces. The hash is FNV-1a on UTF-8 bytes: the same buckets on every machine and Python run.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

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


def bucket_matrix(words: Sequence[str], buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bucket_ids` of many words at once, as a matrix: rows [N, MAX_NGRAMS] (0 after each word's
    own pieces) and the number of pieces of each word [N].

    ASCII words are hashed together by NumPy: FNV-1a over the byte columns of all the marked words at
    once (uint32 arithmetic wraps as the hash does), five steps give the 3-, 4- and 5-grams at every
    start, and each word length picks its own pieces in :func:`ngrams`' order. Any other word takes
    :func:`bucket_ids`. Building a batch's rows was mostly this hashing, one byte at a time."""
    rows = np.zeros((len(words), MAX_NGRAMS), dtype=np.int64)
    counts = np.zeros(len(words), dtype=np.int64)
    hashed_here: list[int] = []
    for k, word in enumerate(words):
        if word.isascii() and word and not (word.startswith("<") and word.endswith(">")) and buckets < 1 << 32:
            hashed_here.append(k)
        else:
            ids = bucket_ids(word, buckets)
            rows[k, : len(ids)] = ids
            counts[k] = len(ids)
    if not hashed_here:
        return rows, counts
    marked = [f"<{words[k]}>" for k in hashed_here]
    lengths = np.fromiter(map(len, marked), dtype=np.int64, count=len(marked))
    where = np.asarray(hashed_here, dtype=np.int64)
    # A kept piece starts before MAX_NGRAMS (at least one piece per start), so no word needs more than
    # its first MAX_NGRAMS + MAX_N - 1 characters: one long word does not widen the arrays of all.
    starts = min(int(lengths.max()), MAX_NGRAMS)
    width = starts + MAX_N - 1
    columns = np.frombuffer("".join(m[:width].ljust(width, "\0") for m in marked).encode("ascii"), dtype=np.uint8)
    columns = columns.reshape(len(marked), width).astype(np.uint32)
    by_n = np.empty((MAX_N - MIN_N + 1, len(marked), starts), dtype=np.uint32)  # [n - MIN_N, word, start]
    h = np.full((len(marked), starts), _FNV_OFFSET, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for n in range(1, MAX_N + 1):
            h ^= columns[:, n - 1 : n - 1 + starts]
            h *= _FNV_PRIME
            if n >= MIN_N:
                by_n[n - MIN_N] = h
    for length in sorted(set(lengths.tolist())):  # (np.unique would import numpy.ma: 15 ms of a one-text call)
        pieces = _pieces_of_length(length)
        if not pieces:
            continue
        group = np.flatnonzero(lengths == length)
        at, n = np.array(pieces, dtype=np.int64).T
        ids = by_n[n[None, :] - MIN_N, group[:, None], at[None, :]]
        rows[where[group], : len(pieces)] = (ids % np.uint32(buckets)).astype(np.int64) + 1
        counts[where[group]] = len(pieces)
    return rows, counts


def bucket_rows(words: Sequence[str], buckets: int) -> list[tuple[int, ...]]:
    """:func:`bucket_ids` of many words at once, the same rows (by :func:`bucket_matrix`)."""
    rows, counts = bucket_matrix(words, buckets)
    return [tuple(row[:count]) for row, count in zip(rows.tolist(), counts.tolist())]


def distinct_tokens(token_lists: Sequence[Sequence[str]], steps: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The distinct tokens among the first ``steps`` of each list, where each (list, step) token is in
    them (flattened, padding left out), and the mask [B, steps] of real tokens."""
    lengths = np.fromiter((min(len(t), steps) for t in token_lists), dtype=np.int64, count=len(token_lists))
    flat = list(chain.from_iterable(t if len(t) <= steps else t[:steps] for t in token_lists))
    position = {token: i for i, token in enumerate(dict.fromkeys(flat))}
    at = np.fromiter(map(position.__getitem__, flat), dtype=np.int64, count=len(flat))
    return list(position), at, np.arange(steps)[None, :] < lengths[:, None]


def pad_buckets(token_lists: Sequence[Sequence[str]], buckets: int, steps: int) -> np.ndarray:
    """[B, steps, K] bucket rows per token, 0 where there are none (K: the most any token has)."""
    distinct, at, real = distinct_tokens(token_lists, steps)
    rows, counts = bucket_matrix(distinct, buckets)
    width = max(1, int(counts.max(initial=0)))
    out = np.zeros((len(token_lists), steps, width), dtype=np.int64)
    out[real] = rows[at, :width]
    return out
