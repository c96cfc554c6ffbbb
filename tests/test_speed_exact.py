"""The speed-ups change nothing: the fast tokenizer equals NLTK's over whole texts, and the
engine's fast paths equal the plain step-by-step engine (which tests/test_engine.py ties to torch)."""

import gzip
import itertools
import random
from pathlib import Path

import pytest

from rnnlu import tokenize as tk

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

TRICKY = [
    "call (555) 123-4567 now", "555 123 4567", "1 800 555 1234", "+1 (800) 555-1234 ok", "12 345 6789",
    "wait . . . ok", "x .  . y", "end .\t. tab", "a . b . c", "so.... good", "...", ". .",
    "a&#32;b", "5&#32;123 4567", "hi&nbsp;there", "&amp;amp;", "&lt;3 you", "x &#xZZ; y", "&#10;.&#32;.",
    "@8pm", "@o8 x", "@user: hi", "@_", "@9,", "@ab_9!!", "(@ab)", "#ab…", "#a", "#1st", "##tag", "#tag's",
    "d:", "D:<", ":-)", ":) :(", "(:", "8)", "<3", "</3", "->", "<--", "<b>tag</b>",
    "don't!!", "\"(don't!!)\"", "rock'n'roll", "o'", "'tis", "well-made.", "x_y", "_x", "a--b",
    "soooooo gooooood!!!!!!", "???!!!...", "hmm......ok", "\u2026\u2026", "word\u2026",
    "I can't believe it's not butter", "They won't go (yet)", "it 's great", "do n't", "-LRB- a -RRB-",
    "``quoted''", "\u2018single\u2019", "http://t.co/x.", "www.example.com/path).", "example.com, ok",
    "mail me: a.b@example.com", "\U0001F44D\U0001F3FD good", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
    "\U0001F1EC\U0001F1E7 flag", "caf\u00e9 na\u00efve \u0130stanbul", "\u00b2 \u0660\u0661\u0662",
    "sep\x1carated\x1dtext", "line\u2028break", "non\u00a0breaking", "wide\u3000space", "10/10 3.5 -2 +7",
    "", "   ", "a", "!", "\t\n",
]


def _sample(n_per_file: int = 300) -> list[str]:
    texts = []
    rng = random.Random(7)
    for path in sorted(DATA.glob("sentiment/**/*.tsv")) + sorted(DATA.glob("tweets/**/*.gz")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in itertools.islice(f, 20000)]
        for line in rng.sample(lines, min(n_per_file, len(lines))):
            texts.append(line.split("\t", 1)[1] if ".tsv" in path.name and "\t" in line else line)
    return texts


@pytest.mark.parametrize("text", TRICKY)
def test_fast_tokenizer_equals_nltk_on_tricky_strings(text):
    assert tk.tokenize(text) == tk.tokenize_exact(text)


def test_fast_tokenizer_equals_nltk_on_real_texts():
    texts = _sample()
    if not texts:
        pytest.skip(f"no data under {DATA}")
    differ = [t for t in texts if tk.tokenize(t) != tk.tokenize_exact(t)]
    assert not differ, differ[:5]


def test_fast_tokenizer_answers_alike_when_a_chunk_is_remembered():
    tk._fast().chunk.cache_clear()
    first = [tk.tokenize(t) for t in TRICKY]
    misses = tk._fast().chunk.cache_info().misses
    assert [tk.tokenize(t) for t in TRICKY] == first
    info = tk._fast().chunk.cache_info()
    assert info.misses == misses and info.hits > 0  # the second pass read every chunk from memory


def test_python_letters_are_letters_to_nltks_pattern():
    """The shortcut for chunks of letters relies on str.isalpha() never accepting a character
    that NLTK's pattern (the ``regex`` module, maybe another Unicode version) does not read as one."""
    import regex

    letter = regex.compile(r"[^\W\d_]", regex.VERBOSE | regex.I | regex.UNICODE)
    odd = [hex(c) for c in range(0x110000) if chr(c).isalpha() and not letter.match(chr(c))]
    assert not odd


def test_whitespace_is_whitespace_to_both_pythons_split_and_nltk():
    """Chunks come from str.split(); NLTK's \\s must agree on every character it is not told apart from."""
    import regex

    space = regex.compile(r"\s", regex.VERBOSE | regex.I | regex.UNICODE)
    differ = {c for c in range(0x110000) if bool(space.match(chr(c))) != chr(c).isspace()}
    assert differ == {0x1C, 0x1D, 0x1E, 0x1F}  # the four that send a text down the whole-text path
    assert all(tk._ODD_SPACE_RE.match(chr(c)) for c in differ)
