"""Tag schemes: which tags a file may hold, how spans are read off them, and how answers are decoded."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rnnlu.errors import UsageError

UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
        "SCONJ", "SYM", "VERB", "X"]
NER_TYPES = ["corporation", "creative-work", "group", "location", "person", "product"]
NER_TAGS = ["O"] + [f"{p}-{t}" for t in NER_TYPES for p in ("B", "I")]
_TICKER_RE = re.compile(r"^[A-Z0-9]{2,10}$")


@dataclass(frozen=True)
class Scheme:
    name: str
    spans: str              # none | bio | runs: how spans are read off the tags
    headline: str           # the metric dev and test are judged by
    what: str               # one line for help and errors
    outside: str = ""       # the tag of "no span" (bio: O, runs: U)

    def valid(self, tag: str) -> bool:
        if self.name == "pos":
            return tag in UPOS
        if self.name == "ner":
            return tag in NER_TAGS
        return tag == "U" or bool(_TICKER_RE.match(tag))

    def expected(self) -> str:
        if self.name == "pos":
            return "one of the 17 UD UPOS tags (" + " ".join(UPOS) + ")"
        if self.name == "ner":
            return "O, or B-/I- with a WNUT-17 type (" + ", ".join(NER_TYPES) + ")"
        return "U, or a coin ticker in capitals (BTC, ETH, ...)"


SCHEMES = {
    "pos": Scheme("pos", "none", "accuracy", "the 17 universal POS tags of Universal Dependencies"),
    "ner": Scheme("ner", "bio", "span_f1", "WNUT-17 entities in BIO (person, location, corporation, product, "
                  "creative-work, group)", outside="O"),
    "coin": Scheme("coin", "runs", "span_f1", "a ticker on every token that names a coin, U on all others", outside="U"),
}


def get_scheme(name: str) -> Scheme:
    if name not in SCHEMES:
        raise UsageError(f"unknown tag scheme {name!r}; choose one of: {', '.join(SCHEMES)}")
    return SCHEMES[name]
