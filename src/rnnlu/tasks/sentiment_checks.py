"""Sentiment behaviour checks: negation, negated negatives, contrast, "neither ... nor ... but".

Templates x word lists, expanded in a fixed order (no randomness), so every run checks the same
items. The expected answers follow the usual reading (and SST's labels): "not bad" is positive,
after "but" the second clause decides.
"""

from __future__ import annotations

from itertools import product

from rnnlu.checks import CheckItem

POSITIVE = ["good", "great", "wonderful", "excellent", "enjoyable", "delightful", "brilliant", "lovely",
            "pleasant", "impressive", "fantastic", "charming"]
NEGATIVE = ["bad", "terrible", "awful", "boring", "dull", "disappointing", "horrible", "poor", "mediocre",
            "unpleasant", "annoying", "dreadful"]
HAPPY = ["happy", "pleased", "satisfied", "impressed", "thrilled", "glad"]
SUBJECTS = ["the movie", "the food", "the service", "the hotel", "this phone", "the flight", "the book",
            "the staff"]
NOUNS = ["hotel", "restaurant", "airline", "phone", "camera", "film"]
SUPERLATIVES = [("best", "largest"), ("cheapest", "newest"), ("biggest", "most famous"), ("fanciest", "oldest")]

DESCRIPTIONS = {
    "plain polarity": "control: 'the food was great' (both methods should pass)",
    "simple negation": "'not good', 'not at all happy', 'never enjoyable': negative",
    "negated negative": "'not bad', 'never boring', 'the food was not terrible': positive",
    "contrast (but)": "'X but Y': the clause after 'but' decides",
    "neither/nor ... but": "'neither the best nor the largest ..., but Y': Y decides",
}


def _pick(items: list, step: int, count: int) -> list:
    """Every ``step``-th item (wrapping): a spread-out, repeatable sample of a long product."""
    return [items[(i * step) % len(items)] for i in range(min(count, len(items)))]


def sentiment_checks() -> list[CheckItem]:
    out: list[CheckItem] = []
    pairs = list(product(SUBJECTS, range(len(POSITIVE))))
    for subj, i in _pick(pairs, 7, 24):
        be = "is" if subj.startswith("this") else "was"
        out.append(CheckItem("plain polarity", f"{subj} {be} {POSITIVE[i]}", "positive"))
        out.append(CheckItem("plain polarity", f"{subj} {be} {NEGATIVE[i]}", "negative"))
    for i, word in enumerate(POSITIVE):
        subj = SUBJECTS[i % len(SUBJECTS)]
        be = "is" if subj.startswith("this") else "was"
        out += [CheckItem("simple negation", f"not {word}", "negative"),
                CheckItem("simple negation", f"{subj} {be} not {word}", "negative"),
                CheckItem("simple negation", f"{subj} {be} not at all {word}", "negative"),
                CheckItem("simple negation", f"it was never {word}", "negative")]
    for feeling in HAPPY:
        out += [CheckItem("simple negation", f"I am not at all {feeling}", "negative"),
                CheckItem("simple negation", f"we were not {feeling} with it", "negative")]
    for i, word in enumerate(NEGATIVE):
        subj = SUBJECTS[(i + 3) % len(SUBJECTS)]
        be = "is" if subj.startswith("this") else "was"
        out += [CheckItem("negated negative", f"not {word}", "positive"),
                CheckItem("negated negative", f"never {word}", "positive"),
                CheckItem("negated negative", f"{subj} {be} not {word} at all", "positive"),
                CheckItem("negated negative", f"{subj} {be} never {word}", "positive")]
    clauses = list(product(SUBJECTS, range(len(POSITIVE))))
    for n, (subj, i) in enumerate(_pick(clauses, 5, 30)):
        other = SUBJECTS[(SUBJECTS.index(subj) + 1 + n % 3) % len(SUBJECTS)]
        be1 = "is" if subj.startswith("this") else "was"
        be2 = "is" if other.startswith("this") else "was"
        pos, neg = POSITIVE[i], NEGATIVE[(i + n) % len(NEGATIVE)]
        out += [CheckItem("contrast (but)", f"{subj} {be1} {pos} but {other} {be2} {neg}", "negative"),
                CheckItem("contrast (but)", f"{subj} {be1} {neg} but {other} {be2} {pos}", "positive")]
    for n, ((sup1, sup2), noun) in enumerate(product(SUPERLATIVES, NOUNS)):
        pos, neg = POSITIVE[n % len(POSITIVE)], NEGATIVE[(n + 5) % len(NEGATIVE)]
        lead = f"it is neither the {sup1} nor the {sup2} {noun} in town, but"
        out += [CheckItem("neither/nor ... but", f"{lead} the quality of service I get is {pos}", "positive"),
                CheckItem("neither/nor ... but", f"{lead} the quality of service I get is {neg}", "negative")]
    return out
