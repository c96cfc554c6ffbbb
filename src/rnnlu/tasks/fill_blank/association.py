"""Which words keep company: a topical prior for choosing among a blank's options.

The recurrent model reads the few words around the blank well and the sentence's topic poorly ("The
farmer milked the ___": *trees*). Word association brings the topic back, as latent semantic analysis
did for the MSR Sentence Completion challenge:

    v(w)       a unit vector per content word: SVD of positive PMI counts of word pairs seen within
               ``window`` words of each other in the fill-blank corpus (:mod:`build_association`)
    sim(o)     mean over the sentence's content words c of  v(o) . v(c)
    score(o)   log P_model(o | both sides) + weight * sim(o)     (probabilities renormalised over the options)

``weight`` is stored in the file (chosen on a dev set, see its card). The prior stays out of the way
where topic says nothing: options that are forms of one word (*hate/hates*, *is/are*: number agreement
is grammar's), options it holds no vector for (they get the mean of the others), and sentences with no
content word it knows.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from rnnlu.errors import RnnluError

FORMAT = "rnnlu-association"
SCALE = 127.0   # vectors are unit length, stored as round(127 * v) in int8
_IRREGULAR = {frozenset(p) for p in (
    ("is", "are"), ("was", "were"), ("has", "have"), ("does", "do"), ("am", "are"), ("am", "is"),
    # pronouns and determiners that differ by number
    ("himself", "themselves"), ("herself", "themselves"), ("itself", "themselves"), ("myself", "ourselves"),
    ("yourself", "yourselves"), ("he", "they"), ("she", "they"), ("it", "they"), ("him", "them"),
    ("her", "them"), ("his", "their"), ("her", "their"), ("its", "their"), ("i", "we"), ("me", "us"),
    ("my", "our"), ("this", "these"), ("that", "those"),
    # irregular plurals
    ("child", "children"), ("person", "people"), ("mouse", "mice"), ("foot", "feet"), ("tooth", "teeth"),
    ("goose", "geese"), ("ox", "oxen"), ("die", "dice"), ("criterion", "criteria"), ("phenomenon", "phenomena"))}


def _number_stem(word: str) -> str:
    """A form with its negation split off ("is n't" -> "is"), so "isn't/aren't" pair like "is/are"."""
    return word[: -len(" n't")] if word.endswith(" n't") else word


def forms_of_one_word(options: list[str]) -> bool:
    """Two options that differ only by number or person (hate/hates, try/tries, is/are, isn't/aren't,
    himself/themselves, this/these, child/children, woman/women, leaf/leaves)."""
    if len(options) != 2:
        return False
    low = [o.lower().replace("n't", " n't").replace("  ", " ") for o in options]
    if low[0].endswith(" n't") != low[1].endswith(" n't"):
        return False
    a, b = sorted((_number_stem(o) for o in low), key=len)
    return (frozenset((a, b)) in _IRREGULAR or b in (a + "s", a + "es")
            or (a.endswith("y") and b == a[:-1] + "ies")
            or (a.endswith("man") and b == a[:-3] + "men")                   # woman/women, policeman
            or (a.endswith("f") and b == a[:-1] + "ves")                     # leaf/leaves, wolf/wolves
            or (a.endswith("fe") and b == a[:-2] + "ves"))                   # wife/wives, knife/knives


class WordAssociation:
    def __init__(self, words: list[str], vectors: np.ndarray, weight: float, meta: dict | None = None):
        if vectors.ndim != 2 or len(words) != vectors.shape[0]:
            raise ValueError(f"{len(words)} words for {vectors.shape[0]} vectors")
        self.index = {w: i for i, w in enumerate(words)}
        self.vectors = vectors.astype(np.float32) / SCALE if vectors.dtype == np.int8 else vectors.astype(np.float32)
        self.weight = float(weight)
        self.meta = meta or {}

    @classmethod
    def load(cls, path: str | Path) -> "WordAssociation":
        from rnnlu.engine.modelfile import load_tensors

        tensors, meta = load_tensors(path)
        try:
            if meta.get("format") != FORMAT:
                raise ValueError("not a word-association file")
            vectors, weight = tensors["vectors"], float(meta["weight"])
            words = zlib.decompress(tensors["words"].tobytes()).decode("utf-8").split("\n")
            if vectors.dtype != np.int8 or not np.isfinite(weight):
                raise ValueError("vectors must be int8 and the weight a number")
            return cls(words, vectors, weight, meta)
        except (KeyError, TypeError, ValueError, zlib.error, UnicodeDecodeError) as e:
            raise RnnluError(f"{path}: damaged word-association file ({e}); rebuild it with "
                             "`python -m rnnlu.tasks.fill_blank.build_association`") from None

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        """Vectors as int8; the words, one per line, zlib-compressed (a third of their size in JSON)."""
        from rnnlu.engine.modelfile import save_tensors

        words = sorted(self.index, key=self.index.get)
        q = np.clip(np.round(self.vectors * SCALE), -127, 127).astype(np.int8)
        packed = np.frombuffer(zlib.compress("\n".join(words).encode("utf-8"), 9), dtype=np.uint8)
        save_tensors(path, {"vectors": q, "words": packed}, {**self.meta, **(extra or {}), "format": FORMAT,
                                                             "weight": self.weight})

    def similarity(self, words: list[str], context: list[str]) -> float | None:
        """Mean association of ``words`` (an option's tokens) with the context's known words; None if unknown."""
        own = [self.index[w] for w in words if w in self.index]
        ctx = [self.index[w] for w in context if w in self.index]
        if not own or not ctx:
            return None
        return float((self.vectors[own] @ self.vectors[ctx].T).mean())

    def bonus(self, options: list[list[str]], context: list[str]) -> list[float] | None:
        """``weight * sim`` per option (to add to its log-probability), or None where topic cannot tell them apart."""
        if forms_of_one_word([" ".join(o) for o in options]):
            return None
        sims = [self.similarity(o, context) for o in options]
        known = [s for s in sims if s is not None]
        if not known or len(known) == len(sims) == 1:
            return None
        fill = sum(known) / len(known)
        return [self.weight * (fill if s is None else s) for s in sims]

    def rescore(self, options: list[list[str]], context: list[str], log_probs: list[float]) -> list[float] | None:
        """The options' probabilities under log P_model + bonus, renormalised over them; None where no bonus applies."""
        bonus = self.bonus(options, context)
        if bonus is None:
            return None
        total = np.asarray(log_probs, dtype=np.float64) + np.asarray(bonus, dtype=np.float64)
        p = np.exp(total - total.max())
        return (p / p.sum()).tolist()
