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
    return _import_tweet_tokenizer()(preserve_case=False, reduce_len=True, strip_handles=False)


def _import_tweet_tokenizer():
    """NLTK's TweetTokenizer class, without running ``nltk/__init__.py``.

    That file imports most of NLTK (and scipy, pydantic, ...) for features we never use: about
    0.2 s of a 0.3 s answer. Where nltk is not imported yet, ``nltk`` and ``nltk.tokenize`` are
    briefly stood in for by bare package objects pointing at the real folders, so only
    ``casual.py`` and the few modules it needs load. The stand-ins are removed at once: a later
    ``import nltk`` (by the user's code) runs the real package as usual.
    """
    import importlib.util
    import types

    if "nltk" in sys.modules:
        from nltk.tokenize.casual import TweetTokenizer

        return TweetTokenizer
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        from nltk.tokenize.casual import TweetTokenizer  # raises the usual ImportError

        return TweetTokenizer
    root = list(spec.submodule_search_locations)[0]
    stand_ins = {}
    for name, folder in (("nltk", root), ("nltk.tokenize", f"{root}/tokenize")):
        module = types.ModuleType(name)
        module.__path__ = [folder]
        stand_ins[name] = sys.modules[name] = module
    try:
        from nltk.tokenize.casual import TweetTokenizer
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return TweetTokenizer


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


# ---- surface tokens (tagging) ----------------------------------------------------------------------
@lru_cache(maxsize=1)
def _surface_tokenizer():
    return _import_tweet_tokenizer()(preserve_case=True, reduce_len=False, strip_handles=False)


_SURFACE_CLITIC_RE = re.compile(r"^(.+?)(n't|N'T|'s|'S|'re|'RE|'ve|'VE|'ll|'LL|'d|'D|'m|'M)$")


def surface_tokens(text: str) -> list[tuple[str, int, int]]:
    """Tokens as written (case, links, handles and numbers kept), each with its character offsets.

    Used where the surface form matters (tagging): ``(token, start, end)`` with
    ``text[start:end] == token`` for every token the tokenizer did not rewrite. Clitics split
    off as in Universal Dependencies and the Penn Treebank ("don't" -> "do", "n't";
    "it's" -> "it", "'s"). Curly apostrophes are read as straight ones for the split only.
    """
    plain = text.replace("\u2019", "'").replace("\u2018", "'")
    spans: list[tuple[str, int, int]] = []
    pos = 0
    for tok in _surface_tokenizer().tokenize(plain):
        start = plain.find(tok, pos)
        if start < 0:  # the tokenizer rewrote it (an HTML entity): keep its place, no offsets to trust
            start = end = pos
        else:
            end = start + len(tok)
            pos = end
        m = _SURFACE_CLITIC_RE.match(tok)
        if m and m.group(1).isalpha() and end - start == len(tok):
            cut = start + len(m.group(1))
            spans.append((text[start:cut], start, cut))
            spans.append((text[cut:end], cut, end))
        else:
            spans.append((text[start:end] if end > start else tok, start, end))
    return spans
