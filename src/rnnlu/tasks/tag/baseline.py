"""Tag baselines. pos/ner: each word's most frequent tag in the training data (unknown words: the most
frequent tag overall), stored in the model file. coin: the alias dictionary, where every alias tags itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rnnlu.errors import RnnluError


class FrequentTagBaseline:
    name = "most frequent tag per word"

    def __init__(self, table: dict[str, str], default: str):
        self.table, self.default = table, default
        self.lower = {}
        for word, tag in table.items():
            self.lower.setdefault(word.lower(), tag)

    @classmethod
    def fit(cls, token_lists: Sequence[Sequence[str]], tag_lists: Sequence[Sequence[str]]) -> "FrequentTagBaseline":
        overall: Counter = Counter()
        per_word: dict[str, Counter] = {}
        for tokens, tags in zip(token_lists, tag_lists):
            for token, tag in zip(tokens, tags):
                overall[tag] += 1
                per_word.setdefault(token, Counter())[tag] += 1
        rank = {tag: i for i, (tag, _) in enumerate(sorted(overall.items(), key=lambda kv: (-kv[1], kv[0])))}
        table = {w: min(c, key=lambda t: (-c[t], rank[t])) for w, c in per_word.items()}
        return cls(table, min(rank, key=rank.get) if rank else "")

    def to_dict(self) -> dict:
        """Compact: the words grouped under their tag."""
        by_tag: dict[str, list[str]] = {}
        for word, tag in sorted(self.table.items()):
            by_tag.setdefault(tag, []).append(word)
        return {"kind": "frequent", "default": self.default, "words": by_tag}

    @classmethod
    def from_dict(cls, data: dict) -> "FrequentTagBaseline":
        table = {w: tag for tag, words in data.get("words", {}).items() for w in words}
        return cls(table, data.get("default", ""))

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        return [self.table.get(t) or self.lower.get(t.lower()) or self.default for t in tokens]


class DictionaryBaseline:
    """The coin alias dictionary (``rnnlu.tasks.tag.coin.baseline.dictionary_tags``)."""

    name = "alias dictionary"

    def __init__(self):
        try:
            from rnnlu.tasks.tag.coin.baseline import dictionary_tags
        except ImportError as e:
            raise RnnluError(f"the coin alias dictionary is not available in this install ({e})") from None
        self.tag = dictionary_tags

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        return list(self.tag(list(tokens))) if tokens else []


def baseline_for(model) -> "FrequentTagBaseline | DictionaryBaseline":
    """The baseline a tag model is shown beside: stored in its file (pos/ner) or the coin dictionary."""
    data = model.extra.get("baseline") if hasattr(model, "extra") else None
    if model.config.scheme == "coin":
        return DictionaryBaseline()
    if not data:
        raise RnnluError(f"model {model.name!r} carries no baseline table; retrain it with this version of rnnlu")
    return FrequentTagBaseline.from_dict(data)
