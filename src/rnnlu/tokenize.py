"""Offline tokenisation: NLTK's TweetTokenizer, normalised to the Penn Treebank conventions of SST.

Raw text ("I can't") and pre-tokenised corpora ("i ca n't", "-lrb-") end up as the same tokens,
so one vocabulary serves reviews, tweets and novels.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

_PTB_BRACKETS = {"-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}",
                 "``": '"', "''": '"'}
_BRACKET_RE = re.compile("|".join(re.escape(k) for k in _PTB_BRACKETS), re.IGNORECASE)
# "it 's", "do n't" (already split, PTB style) -> "it's", "don't" so both spellings tokenise alike.
_JOIN_CLITIC_RE = re.compile(r"(\w) (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE)
_SPLIT_CLITIC_RE = re.compile(r"^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$")
_URL_RE = re.compile(r"^(https?://|www\.)", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^[+-]?\d[\d,.:/]*$")

URL, USER, NUMBER = "<url>", "<user>", "<num>"


@lru_cache(maxsize=1)
def _tweet_tokenizer():
    # nltk's package __init__ imports scipy when it is installed (for collocation statistics we
    # never use), which triples start-up time. Hide scipy while nltk loads, then put it back.
    hidden = [m for m in ("scipy", "scipy.stats") if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]
    try:
        from nltk.tokenize.casual import TweetTokenizer
    finally:
        for m in hidden:
            sys.modules.pop(m, None)
    return TweetTokenizer(preserve_case=False, reduce_len=True, strip_handles=False)


def normalise_token(token: str) -> str:
    """Map tokens with no useful identity (links, handles, numbers) onto shared placeholders."""
    if token.startswith("@") and len(token) > 1:
        return USER
    if _URL_RE.match(token):
        return URL
    if _NUMBER_RE.match(token) and token not in ("10/10",):
        return NUMBER
    return token


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lower-cased tokens; clitics split off as in PTB ("ca", "n't")."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _BRACKET_RE.sub(lambda m: _PTB_BRACKETS[m.group(0).lower()], text)
    text = _JOIN_CLITIC_RE.sub(r"\1\2", text)
    tokens: list[str] = []
    for tok in _tweet_tokenizer().tokenize(text):
        m = _SPLIT_CLITIC_RE.match(tok)
        if m and m.group(1).isalpha():
            tokens.append(m.group(1))
            tokens.append(m.group(2))
        else:
            tokens.append(normalise_token(tok))
    return tokens
