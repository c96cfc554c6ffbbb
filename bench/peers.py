"""Peers measured beside rnnlu where they are installed: VADER and NLTK's perceptron tagger.

Neither is a dependency of rnnlu. Nothing is ever downloaded: NLTK's tagger counts only when its
data is already on this machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Peer:
    name: str
    available: bool
    why_not: str = ""
    version: str = ""


def vader() -> Peer:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: F401
    except ImportError:
        return Peer("VADER", False, "not installed (pip install vaderSentiment)")
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("vaderSentiment")
    except PackageNotFoundError:
        v = "?"
    return Peer("VADER", True, version=v)


def nltk_tagger() -> Peer:
    try:
        import nltk
    except ImportError:
        return Peer("NLTK pos_tag", False, "not available (nltk not installed)")
    try:
        nltk.data.find("taggers/averaged_perceptron_tagger_eng")
    except LookupError:
        return Peer("NLTK pos_tag", False, "not available (tagger data averaged_perceptron_tagger_eng not found "
                                           "offline; this benchmark never downloads it)")
    return Peer("NLTK pos_tag", True, version=nltk.__version__)


# ---- in-process scorers: setup once, then a function over one item ------------------------------
def vader_scorer() -> Callable[[str], object]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer().polarity_scores


def nltk_tagger_fn() -> Callable[[list[str]], object]:
    from nltk.tag import pos_tag

    return lambda tokens: pos_tag(tokens, lang="eng")


# ---- the same peers as whole processes (python -c SCRIPT) ---------------------------------------
# stdin: one text per line; stdout: one TSV line of scores per text, as `rnnlu sentiment -f tsv` writes.
VADER_BATCH = """\
import sys
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
score = SentimentIntensityAnalyzer().polarity_scores
write = sys.stdout.write
for line in sys.stdin:
    s = score(line.rstrip("\\n"))
    write(f"{s['neg']}\\t{s['neu']}\\t{s['pos']}\\t{s['compound']}\\n")
"""

VADER_ONE = ("from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer; "
             "print(SentimentIntensityAnalyzer().polarity_scores({text!r}))")
