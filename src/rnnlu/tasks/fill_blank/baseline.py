"""The word-count baseline for blanks: n-gram counts around the blank, with back-off.

For each option w, with the words l2 l1 before the blank and r1 r2 after it:

    level 3   c(l2 l1 w) + c(l1 w r1) + c(w r1 r2)      trigrams that contain the blank
    level 2   c(l1 w) + c(w r1)                          bigrams
    level 1   c(w)                                       how common the word is

The answer is the option with the largest count at the highest level where any option has one.
It sees two words on each side and nothing else: "dogs , ___ cats" is all it reads of the wife
sentence. Counts come from the same corpus as the model; the file keeps n-grams seen at least
``min_count`` times, their keys hashed to 32 bits and counts stored on a log scale in one byte
(pruning and rounding are recorded in the file and its card).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnlu.engine.modelfile import load_tensors, save_tensors
from rnnlu.errors import RnnluError

BOUNDARY = "<s>"     # stands before and after every sentence (id 0)


def _hash(keys: np.ndarray) -> np.ndarray:
    """64-bit n-gram keys -> 32-bit hashes (a multiplicative hash; collisions are rare and harmless)."""
    x = (keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)
    return x.astype(np.uint32).view(np.int32)


def _key(ids: list[int]) -> int:
    k = 0
    for i in ids:
        k = (k << 16) | i
    return k | (len(ids) << 60)


def _encode_count(c: np.ndarray) -> np.ndarray:
    """Counts -> one byte: exact up to 64, then a log scale (about 3% steps) up to ~10^10."""
    c = np.asarray(c, dtype=np.float64)
    out = np.where(c <= 64, c, 64 + np.round(np.log(np.maximum(c, 1) / 64) / np.log(1.03)))
    return np.clip(out, 0, 255).astype(np.uint8)


def _decode_count(b: int) -> int:
    return int(b) if b <= 64 else int(round(64 * 1.03 ** (int(b) - 64)))


@dataclass
class BaselineAnswer:
    answer: str
    level: int                                    # 3, 2, 1 (or 0: no counts at all, first option)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)   # option -> n-gram -> count


class NgramBaseline:
    def __init__(self, words: list[str], keys: np.ndarray, counts: np.ndarray, meta: dict | None = None):
        self.words = words
        self.stoi = {w: i for i, w in enumerate(words)}
        order = np.argsort(keys, kind="stable")
        self.keys, self.counts = keys[order], counts[order]
        self.meta = meta or {}

    # ---- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, words: list[str], sentences, min_count: int = 3, max_entries: int = 0) -> "NgramBaseline":
        """Count 1-3-grams over ``sentences`` (sequences of word ids into ``words``; id 0 is kept free
        for the sentence boundary); keep those seen ``min_count``+ times (unigrams: all), the most
        frequent ``max_entries`` at most."""
        if words[0] != BOUNDARY:
            raise ValueError("words[0] must be the boundary marker")
        lengths = np.fromiter((len(s) + 1 for s in sentences), dtype=np.int64)
        stream = np.zeros(int(lengths.sum()) + 1, dtype=np.uint64)
        pos = 1
        for s in sentences:
            stream[pos : pos + len(s)] = s
            pos += len(s) + 1
        all_keys, all_counts = [], []
        for n in (1, 2, 3):
            k = np.zeros(len(stream) - n + 1, dtype=np.uint64)
            for j in range(n):
                k = (k << np.uint64(16)) | stream[j : len(stream) - n + 1 + j]
            k |= np.uint64(n) << np.uint64(60)
            if n == 1:
                k = k[stream[: len(k)] != 0]
            uniq, cnt = np.unique(k, return_counts=True)
            if n > 1:
                keep = cnt >= min_count
                uniq, cnt = uniq[keep], cnt[keep]
            all_keys.append(uniq)
            all_counts.append(cnt)
        keys, counts = np.concatenate(all_keys), np.concatenate(all_counts)
        if max_entries and len(keys) > max_entries:
            top = np.argsort(-counts, kind="stable")[:max_entries]
            keys, counts = keys[top], counts[top]
        meta = {"min_count": min_count, "entries": int(len(keys)), "max_entries": max_entries}
        return cls(words, _hash(keys), _encode_count(counts), meta)

    # ---- files ------------------------------------------------------------------------------
    def save(self, path: str | Path, extra: dict | None = None) -> None:
        meta = {"format": "rnnlu-ngram", "version": 1, "words": self.words, **self.meta, **(extra or {})}
        save_tensors(path, {"keys": self.keys, "counts": self.counts}, meta)

    @classmethod
    def load(cls, path: str | Path) -> "NgramBaseline":
        tensors, meta = load_tensors(path)
        if meta.get("format") != "rnnlu-ngram":
            raise RnnluError(f"{path} is not an n-gram count file")
        return cls(meta["words"], tensors["keys"], tensors["counts"], meta)

    # ---- answering --------------------------------------------------------------------------
    def count(self, words: list[str]) -> int:
        ids = [self.stoi.get(w) for w in words]
        if any(i is None for i in ids):
            return 0
        h = _hash(np.array([_key(ids)], dtype=np.uint64))[0]
        at = int(np.searchsorted(self.keys, h))
        return _decode_count(self.counts[at]) if at < len(self.keys) and self.keys[at] == h else 0

    def answer(self, left: list[str], right: list[str], options: list[str]) -> BaselineAnswer:
        l2, l1 = ([BOUNDARY, BOUNDARY] + left)[-2:]
        r1, r2 = (right + [BOUNDARY, BOUNDARY])[:2]
        levels = {
            3: lambda w: [[l2, l1, w], [l1, w, r1], [w, r1, r2]],
            2: lambda w: [[l1, w], [w, r1]],
            1: lambda w: [[w]],
        }
        counts: dict[str, dict[str, int]] = {o: {} for o in options}
        for level in (3, 2, 1):
            totals = []
            for o in options:
                c = 0
                for gram in levels[level](o):
                    n = self.count(gram)
                    counts[o][" ".join(gram)] = n
                    c += n
                totals.append(c)
            if max(totals) > 0:
                return BaselineAnswer(options[int(np.argmax(totals))], level, counts)
        return BaselineAnswer(options[0], 0, counts)
