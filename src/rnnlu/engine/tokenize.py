"""Offline tokenisation: NLTK's TweetTokenizer, normalised to the Penn Treebank conventions of SST.

Raw text ("I can't") and pre-tokenised corpora ("i ca n't", "-lrb-") end up as the same tokens,
so one vocabulary serves reviews, tweets and novels.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from itertools import chain

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
    """NLTK's TweetTokenizer class (see :func:`_casual`)."""
    return _casual().TweetTokenizer


@lru_cache(maxsize=1)
def _casual():
    """NLTK's ``nltk.tokenize.casual`` module, without running ``nltk/__init__.py``.

    That file imports most of NLTK (and scipy, pydantic, ...) for features we never use: about
    0.2 s of a 0.3 s answer. Where nltk is not imported yet, ``nltk`` and ``nltk.tokenize`` are
    briefly stood in for by bare package objects pointing at the real folders, so only
    ``casual.py`` and the few modules it needs load. The stand-ins are removed at once: a later
    ``import nltk`` (by the user's code) runs the real package as usual.
    """
    import importlib.util
    import types

    if "nltk" in sys.modules:
        from nltk.tokenize import casual

        return casual
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        from nltk.tokenize import casual  # raises the usual ImportError

        return casual
    root = list(spec.submodule_search_locations)[0]
    stand_ins = {}
    for name, folder in (("nltk", root), ("nltk.tokenize", f"{root}/tokenize")):
        module = types.ModuleType(name)
        module.__path__ = [folder]
        stand_ins[name] = sys.modules[name] = module
    try:
        from nltk.tokenize import casual
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return casual


def normalise_token(token: str) -> str:
    """Map tokens with no useful identity (links, handles, numbers) onto shared placeholders."""
    if token.startswith("@") and len(token) > 1:
        return USER
    if _URL_RE.match(token):
        return URL
    if _NUMBER_RE.match(token) and token not in ("10/10",):
        return NUMBER
    return token


def _ptb(text: str) -> str:
    """Curly quotes, PTB bracket names and split clitics ("do n't") read as plain text."""
    if "\u2019" in text or "\u2018" in text or "`" in text:
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    if "''" in text or "b-" in text or "B-" in text:  # every key of _PTB_BRACKETS holds one of these
        text = _BRACKET_RE.sub(lambda m: _PTB_BRACKETS[m.group(0).lower()], text)
    if "'" in text:  # every clitic holds one
        text = _JOIN_CLITIC_RE.sub(r"\1\2", text)
    return text


def _finish(words) -> list[str]:
    """TweetTokenizer's words -> ours: PTB clitic split, placeholders for links, handles, numbers."""
    tokens: list[str] = []
    for tok in words:
        m = _SPLIT_CLITIC_RE.match(tok)
        if m and m.group(1).isalpha():
            tokens.append(m.group(1))
            tokens.append(m.group(2))
        else:
            tokens.append(normalise_token(tok))
    return tokens


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lower-cased tokens; clitics split off as in PTB ("ca", "n't")."""
    return _fast().tokenize(_ptb(text))


def tokenize_exact(text: str) -> list[str]:
    """:func:`tokenize` the plain way, step by step over the whole text (the reference for tests)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _BRACKET_RE.sub(lambda m: _PTB_BRACKETS[m.group(0).lower()], text)
    text = _JOIN_CLITIC_RE.sub(r"\1\2", text)
    return _finish(_tweet_tokenizer().tokenize(text))


class _FastTweetTokens:
    """TweetTokenizer's answer, reproduced exactly, one whitespace-separated chunk at a time.

    NLTK runs its large pattern over the whole text. No token it finds starts with whitespace, and
    only two of its constructs can contain it: phone numbers ("(555) 123-4567", "1 800 555 1234",
    separators ``[ *-.)]``) and spaced dots (". . ."). When neither can occur (checked with a
    wider pattern: a digit, separators holding a space, a digit; or dot, whitespace, dot), the
    tokens of the text are the tokens of its chunks, in order, and each chunk is tokenized once
    and remembered: tweets repeat the same few thousand chunks. Texts that fail the check, or
    that hold characters Python and NLTK disagree on as whitespace, take the whole-text path.
    HTML entities are decoded over the whole text first (one may decode to a space); the steps
    after it (shortening "soooo", capping "!!!!!!", the pattern, lower case) work within a chunk.
    The equality is tested on every text of the bundled data sets (``bench/tokenize_exact.py``).
    """

    def __init__(self):
        self._nltk_loaded = False
        self.chunk = lru_cache(maxsize=CHUNK_MEMORY)(self._chunk)
        self.surface_chunk = lru_cache(maxsize=CHUNK_MEMORY)(self._surface_chunk)

    def _nltk(self) -> None:
        """Load NLTK's pieces on first need: chunks of the common shapes never need them, so a
        short text often answers without importing NLTK or ``regex`` at all."""
        if self._nltk_loaded:
            return
        import regex

        casual = _casual()
        self.words = _tweet_tokenizer().PHONE_WORD_RE  # the pattern TweetTokenizer uses (phone numbers on)
        self.emoticon = casual.EMOTICON_RE
        self.hang = casual.HANG_RE
        self.lengthening = casual.redos.compile(r"(.)\1{2,}")  # as in casual.reduce_lengthening
        self.entities = casual._replace_html_entities
        self.words_ascii = _stdlib_copy(self.words)
        # A superset of the places where a phone number or spaced dots could take in whitespace
        # (NLTK's \d and \s; for ASCII text, stdlib re's say the same or more: _SPANS_ASCII_RE).
        self.spans = regex.compile(_SPANS, regex.UNICODE)
        self._nltk_loaded = True

    def _findall(self, text: str) -> list[str]:
        """NLTK's pattern over text without a run longer than MAX_RUN: for ASCII text by stdlib ``re``
        (the same pattern and answers, a third of the time of NLTK's timed ``regex`` call). The two
        engines differ on ASCII only in \\s at \\x1c-\\x1f (stdlib's takes them in): such text stays NLTK's."""
        plain = text.isascii() and not _ODD_SPACE_RE.search(text)
        return (self.words_ascii if plain else self.words).findall(text)

    def _chunk(self, chunk: str) -> tuple[str, ...]:
        # NLTK's "(.)\1{2,}" -> "\1\1\1"; afterwards no character repeats 4 times, so its cap on
        # repeated punctuation (HANG_RE) has nothing left to do inside a chunk.
        chunk = _LENGTHENING_RE.sub(_three, chunk)
        if chunk.isalpha():  # letters only: one word, lower-cased, nothing to normalise
            return (chunk.lower(),)
        simple = _simple_chunk(chunk)
        if simple is None:
            simple = _url_chunk(chunk)
        if simple is not None:
            return simple
        self._nltk()
        search = self.emoticon.search
        words = []
        for w in self._findall(chunk):
            low = w.lower()
            words.append(w if low != w and search(w) else low)
        return tuple(_finish(words))

    def tokenize(self, text: str) -> list[str]:
        text = _bounded_runs(self._decoded(text))
        if self._spans_whitespace(text):
            return self._whole(text)
        return list(chain.from_iterable(map(self.chunk, text.split())))

    def surface(self, text: str) -> list[str]:
        """``TweetTokenizer(preserve_case=True, reduce_len=False).tokenize(text)``, exactly, chunk by
        chunk: the same shortcut without the lower-casing and shortening (tagging keeps the surface)."""
        text = _bounded_runs(self._decoded(text))
        if self._spans_whitespace(text):
            return self._surface_words(text)
        return list(chain.from_iterable(map(self.surface_chunk, text.split())))

    def _surface_chunk(self, chunk: str) -> tuple[str, ...]:
        if chunk.isalpha():
            return (chunk,)
        if not _REPEATED_4_RE.search(chunk):  # else the cap on "!!!!" has work to do: NLTK's way
            simple = _simple_chunk(chunk, surface=True)
            if simple is None:
                simple = _url_chunk(chunk, surface=True)
            if simple is not None:
                return simple
        return tuple(self._surface_words(chunk))  # the cap (HANG_RE) cannot reach past a chunk's ends

    def _surface_words(self, text: str) -> list[str]:
        """NLTK's steps after decoding, case kept: cap runs of punctuation, then its pattern."""
        self._nltk()
        return self._whole_words(self.hang.sub(r"\1\1\1", text))

    def _whole_words(self, text: str) -> list[str]:
        """NLTK's pattern over a whole text (its phone numbers may take in spaces), under NLTK's time limit.
        Past it (a hostile text: digits, then a long run of separators), the words are read chunk by chunk,
        as for any text whose tokens cannot take in whitespace: the answer differs from NLTK's at most
        where a phone number would have spanned a space, and the text is not lost."""
        if " " not in text and "\t" not in text and "\n" not in text:
            return self._findall(text)
        try:
            return self.words.findall(text)
        except TimeoutError:
            return list(chain.from_iterable(map(self._findall, text.split())))

    def _decoded(self, text: str) -> str:
        """HTML entities decoded over the whole text (one may decode to a space), as NLTK's first step.

        Where every "&" begins one of the four entities tweets carry (``&amp; &lt; &gt; &quot;``), NLTK's
        one left-to-right pass gives exactly these replacements, ``&amp;`` last so that the "&" it makes
        is not read again ("&amp;lt;" stays "&lt;"); any other "&" takes NLTK's own function."""
        if "&" in text:
            common = text.count("&amp;") + text.count("&lt;") + text.count("&gt;") + text.count("&quot;")
            if common == text.count("&"):
                return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
            self._nltk()
            text = self.entities(text)
        return text

    def _spans_whitespace(self, text: str) -> bool:
        """Whether a token could take in whitespace here (a phone number, spaced dots), or the text holds
        characters Python and NLTK disagree on as whitespace: then only the whole-text path is exact."""
        if text.isascii():
            return _SPANS_ASCII_RE.search(text) is not None
        self._nltk()
        return bool(_ODD_SPACE_RE.search(text) or self.spans.search(text))

    def _whole(self, text: str) -> list[str]:
        """TweetTokenizer.tokenize on already-decoded text (its entity step must not run twice)."""
        self._nltk()
        text = self.lengthening.sub(r"\1\1\1", text)
        safe = self.hang.sub(r"\1\1\1", text)
        search = self.emoticon.search
        return _finish([w if search(w) else w.lower() for w in self._whole_words(safe)])


CHUNK_MEMORY = 1 << 16  # distinct chunks remembered: about 20 MB when full
# Characters read as one run without whitespace. NLTK's pattern takes time quadratic in a run's length
# on some shapes ("<a<b<c...": each "<" looks for its ">" to the run's end), so a longer run (no text
# of ours has one; tweets hold at most 280 characters) is read in pieces of this many characters.
MAX_RUN = 1000
_ASCII_SPACE_RE = re.compile(r"([ \t\n\r\f\v]+)")


def _bounded_runs(text: str) -> str:
    """``text`` with a space after every MAX_RUN characters of any longer run without ASCII whitespace."""
    if len(text) <= MAX_RUN:
        return text
    parts = _ASCII_SPACE_RE.split(text)  # runs at even places, the whitespace between at odd ones
    if max(len(part) for part in parts[::2]) <= MAX_RUN:
        return text
    return "".join(part if len(part) <= MAX_RUN or k % 2 else
                   " ".join(part[i : i + MAX_RUN] for i in range(0, len(part), MAX_RUN))
                   for k, part in enumerate(parts))


def _stdlib_copy(pattern):
    """NLTK's compiled pattern recompiled by stdlib ``re`` when its flags are the ones this was proven with
    (verbose, ignore case, Unicode: ``bench/tokenize_exact.py``, every text, identical); else NLTK's own."""
    import regex

    expected = regex.VERBOSE | regex.IGNORECASE | regex.UNICODE
    if pattern.flags & ~regex.VERSION0 != expected:
        return pattern
    try:
        return re.compile(pattern.pattern, re.VERBOSE | re.IGNORECASE | re.UNICODE)
    except re.error:
        return pattern


_LENGTHENING_RE = re.compile(r"(.)\1{2,}")
_REPEATED_4_RE = re.compile(r"(.)\1{3,}")  # where NLTK's HANG_RE could cap a run of punctuation


def _three(m: re.Match) -> str:
    return m.group(1) * 3


_LEAD = '("'
_TAIL = ',.!?")\u2026'
_TAIL_RE = re.compile(r"\.\.+|.")  # a run of dots is one token ("..."), every other character one each
_INNER = str.maketrans("", "", "'-_")
_HANDLE = str.maketrans("", "", "_0123456789")


def _simple_chunk(chunk: str, surface: bool = False) -> tuple[str, ...] | None:
    """The commonest chunk shapes, tokenized as NLTK's pattern would, or None for any other.

    Any of ( " first, then a word of letters (inner ' - _ allowed, as in "don't", "well-made"),
    "#" + two or more letters, or "@" + letters, digits and _ (no "8" first or second), then any of , . ! ? " ) and the
    ellipsis character. In NLTK's pattern only its word, hashtag and handle branches can match
    such a head: every other branch needs a digit, one of ":;=8<>/", "@" later on, or a letter
    after a dot (emoticons need eyes ":;=8", links ":" or a dot, phone numbers digits). The
    characters around it are tokens of their own, except that a run of dots is one ("..."). With
    ``surface`` the word is kept as written (case, handle, clitics), as the surface tokenizer keeps it.
    """
    body = chunk.lstrip(_LEAD)
    head = body.rstrip(_TAIL)
    if not head:
        return None
    if head.isalpha():
        word = (head,) if surface else (head.lower(),)
    elif head[0] == "@":
        rest = head[1:].translate(_HANDLE)
        if not (rest.isalpha() or (rest == "" and len(head) > 1)) or "8" in head[1:3]:
            return None  # "@8", "@o8": emoticons (mouth, nose, eyes) before they are handles
        word = (head,) if surface else (USER,)
    elif head[0] == "#":
        if len(head) < 3 or not head[1:].isalpha():
            return None
        word = (head,) if surface else (head.lower(),)
    elif head[0].isalpha() and head[-1].isalpha() and head.translate(_INNER).isalpha():
        word = (head,) if surface else tuple(_finish([head.lower()]))
    else:
        return None
    if len(head) == len(chunk):
        return word
    lead = tuple(chunk[: len(chunk) - len(body)])
    return (*lead, *word, *_TAIL_RE.findall(body, len(head)))


_URL_TAIL = ',.!?")'
_PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9./_\-]*[A-Za-z0-9/_\-]")


def _url_chunk(chunk: str, surface: bool = False) -> tuple[str, ...] | None:
    """A plain link ("https://t.co/AbC12", then any of , . ! ? " )), as NLTK's pattern reads it, or None.

    Its URL branch comes first in the pattern and takes every character of such a head (letters, digits
    and ``./_-``; its last character is none of the punctuation a link may not end with); the tail
    characters are then tokens of their own, a run of dots one token. A third of the chunks the
    common shapes miss in tweets are such links, nearly all distinct (so the chunk memory cannot help).
    """
    head = chunk.rstrip(_URL_TAIL)
    if not _PLAIN_URL_RE.fullmatch(head):
        return None
    word = (head,) if surface else (URL,)
    return word if len(head) == len(chunk) else (*word, *_TAIL_RE.findall(chunk, len(head)))


# str.split() also splits at these four; NLTK's pattern reads them as characters.
_ODD_SPACE_RE = re.compile("[\x1c-\x1f]")
# _FastTweetTokens.spans for ASCII text; stdlib re's \s also takes in \x1c-\x1f, so those go whole too.
# Possessive runs: "a digit, a run of separators holding a space, then a digit" in time linear in the text
# (the plain form backtracks over every split of a long run: 3 s for "1 - - - ..." of 16,000 characters).
_SPANS = r"\d[*\-.\)]*+\ [\ *\-.\)]*+\(?\d|\.\s+\."
_SPANS_ASCII_RE = re.compile(_SPANS + r"|[\x1c-\x1f]")


@lru_cache(maxsize=1)
def _fast() -> _FastTweetTokens:
    return _FastTweetTokens()


# ---- surface tokens (tagging) ----------------------------------------------------------------------
@lru_cache(maxsize=1)
def _surface_tokenizer():
    return _import_tweet_tokenizer()(preserve_case=True, reduce_len=False, strip_handles=False)


_SURFACE_CLITIC_RE = re.compile(r"^(.+?)(n't|N'T|'s|'S|'re|'RE|'ve|'VE|'ll|'LL|'d|'D|'m|'M)$")


def surface_tokens(text: str) -> list[tuple[str, int, int]]:
    """Tokens as written (case, links, handles and numbers kept), each with its character offsets.
    The tokens are NLTK's TweetTokenizer's (case kept, no shortening), found chunk by chunk as
    :class:`_FastTweetTokens` does; :func:`surface_tokens_exact` is the plain reference.

    Used where the surface form matters (tagging): ``(token, start, end)`` with
    ``text[start:end] == token`` for every token the tokenizer did not rewrite. Clitics split
    off as in Universal Dependencies and the Penn Treebank ("don't" -> "do", "n't";
    "it's" -> "it", "'s"). Curly apostrophes are read as straight ones for the split only.
    """
    return _surface_spans(text, _fast().surface)


def surface_tokens_exact(text: str) -> list[tuple[str, int, int]]:
    """:func:`surface_tokens` with NLTK's TweetTokenizer run over the whole text (the reference for tests)."""
    return _surface_spans(text, _surface_tokenizer().tokenize)


def _surface_spans(text: str, words) -> list[tuple[str, int, int]]:
    plain = text.replace("\u2019", "'").replace("\u2018", "'")
    spans: list[tuple[str, int, int]] = []
    pos = 0
    for tok in words(plain):
        start = plain.find(tok, pos)
        if start < 0:  # the tokenizer rewrote it (an HTML entity): keep its place, no offsets to trust
            start = end = pos
        else:
            end = start + len(tok)
            pos = end
        m = _SURFACE_CLITIC_RE.match(tok) if "'" in tok else None  # every clitic holds a "'"
        if m and m.group(1).isalpha() and end - start == len(tok):
            cut = start + len(m.group(1))
            spans.append((text[start:cut], start, cut))
            spans.append((text[cut:end], cut, end))
        else:
            spans.append((text[start:end] if end > start else tok, start, end))
    return spans
