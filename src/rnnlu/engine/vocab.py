"""Token <-> id mapping with padding and unknown-word handling."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

PAD, UNK = "<pad>", "<unk>"


class Vocab:
    """Index 0 is padding, 1 is the unknown word; the rest are ordered by frequency.

    With ``hashtag_backoff`` an unknown hashtag reads as its word ("#melania" -> "melania").
    """

    def __init__(self, tokens: list[str], hashtag_backoff: bool = True):
        if tokens[:2] != [PAD, UNK]:
            tokens = [PAD, UNK] + [t for t in tokens if t not in (PAD, UNK)]
        self.itos = tokens
        self.stoi = {t: i for i, t in enumerate(tokens)}
        self.hashtag_backoff = hashtag_backoff

    @classmethod
    def build(cls, token_lists: Iterable[list[str]], max_size: int = 20000, min_freq: int = 2) -> "Vocab":
        counts = Counter(t for tokens in token_lists for t in tokens)
        kept = [t for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_freq]
        return cls([PAD, UNK] + kept[: max(0, max_size - 2)])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: list[str]) -> list[int]:
        """Ids of ``tokens``; unknown ones are 1, and text never becomes 0 (padding)."""
        get = self.stoi.get
        if not self.hashtag_backoff:
            return [get(t) or 1 for t in tokens]
        return [get(t) or (get(t[1:], 1) if t.startswith("#") else 1) for t in tokens]
