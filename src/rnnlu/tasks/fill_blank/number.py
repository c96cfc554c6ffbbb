"""Present-tense verb forms and their partner of the other number (hates <-> hate, is <-> are).

Read from the POS-tagged Universal Dependencies treebanks in ``../shared/data/tagging/ud`` (every
word form whose UPOS is VERB/AUX with ``Tense=Pres``, grouped by lemma). The fill-blank trainer
uses the pairs to teach agreement on purpose: wherever a word of a pair occurs in the corpus, the
model must also prefer it over its partner (:mod:`rnnlu.nn.blank`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

EXTRA = {"was": "were", "were": "was"}   # the one past tense that agrees in number


def number_pairs(ud_root: str | Path, min_count: int = 2) -> dict[str, str]:
    """{form: partner} over every ``*.conllu`` under ``ud_root`` (lower-cased, both directions)."""
    singular: dict[str, Counter] = defaultdict(Counter)
    plural: dict[str, Counter] = defaultdict(Counter)
    for path in sorted(Path(ud_root).rglob("*train*.conllu")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) != 10 or not cols[0].isdigit() or cols[3] not in ("VERB", "AUX"):
                    continue
                feats, form, lemma = cols[5], cols[1].lower(), cols[2].lower()
                if "Tense=Pres" not in feats or "VerbForm=Fin" not in feats or "'" in form:
                    continue
                if "Number=Sing" in feats and "Person=3" in feats:
                    singular[lemma][form] += 1
                elif cols[4] == "VBP" or "Number=Plur" in feats:
                    if form != "am":
                        plural[lemma][form] += 1
    pairs: dict[str, str] = {}
    for lemma, forms in singular.items():
        if lemma not in plural:
            continue
        s, s_n = forms.most_common(1)[0]
        p, p_n = plural[lemma].most_common(1)[0]
        if s != p and s_n + p_n >= min_count:
            pairs.setdefault(s, p)
            pairs.setdefault(p, s)
    for a, b in EXTRA.items():
        pairs.setdefault(a, b)
    return pairs
