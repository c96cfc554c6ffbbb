"""The n-gram word-count baseline: count positive vs negative lexicon entries, label by the sign.

It knows no grammar on purpose: "not at all happy" counts one positive word. That is the method
the recurrent models are measured against. Word lists: Hu & Liu's opinion lexicon (CC BY 4.0,
Bing Liu; see ``lexicons/README.txt``), shipped inside the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


@dataclass
class BaselineResult:
    label: str                                    # positive | negative | neutral (tie)
    score: int                                    # positives minus negatives
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)


def _read_list(name: str) -> list[str]:
    text = resources.files("rnnlu.tasks.sentiment.lexicons").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith(";")]


class WordCountBaseline:
    """Counts lexicon n-grams (longest match first, up to ``max_ngram`` tokens) in a token list."""

    def __init__(self, positive: list[str], negative: list[str], max_ngram: int = 3):
        self.max_ngram = max_ngram
        self.polarity: dict[tuple[str, ...], int] = {}
        for words, sign in ((positive, 1), (negative, -1)):
            for entry in words:
                key = tuple(entry.lower().split())
                if 0 < len(key) <= max_ngram:
                    self.polarity[key] = sign

    @classmethod
    @lru_cache(maxsize=1)
    def opinion_lexicon(cls) -> "WordCountBaseline":
        """Hu & Liu (2004) positive and negative word lists."""
        return cls(_read_list("positive-words.txt"), _read_list("negative-words.txt"))

    def __call__(self, tokens: list[str]) -> BaselineResult:
        pos, neg = [], []
        i = 0
        while i < len(tokens):
            for n in range(min(self.max_ngram, len(tokens) - i), 0, -1):
                key = tuple(tokens[i : i + n])
                sign = self.polarity.get(key)
                if sign is not None:
                    (pos if sign > 0 else neg).append(" ".join(key))
                    i += n
                    break
            else:
                i += 1
        score = len(pos) - len(neg)
        label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
        return BaselineResult(label, score, pos, neg)
