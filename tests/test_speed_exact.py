"""The speed-ups change nothing: the fast tokenizer equals NLTK's over whole texts, and the
engine's fast paths equal the plain step-by-step engine (which tests/test_engine.py ties to torch)."""

import gzip
import itertools
import random
from pathlib import Path

import pytest

from rnnlu.engine import tokenize as tk

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

TRICKY = [
    "call (555) 123-4567 now", "555 123 4567", "1 800 555 1234", "+1 (800) 555-1234 ok", "12 345 6789",
    "wait . . . ok", "x .  . y", "end .\t. tab", "a . b . c", "so.... good", "...", ". .",
    "a&#32;b", "5&#32;123 4567", "hi&nbsp;there", "&amp;amp;", "&lt;3 you", "&amp;lt;3", "AT&amp;T &gt;&gt; &quot;x&quot;", "&amp;&amp;", "&ampx;", "&amp", "a & b &amp; c",
    "&quot;&lt;&quot;", "&AMP; &Lt;", "&amp;#39;", "&lt &gt;", "x &#xZZ; y", "&#10;.&#32;.",
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
    "https://t.co/AbC1.)", "https://t.co/aaaaB!!", "http://bit.ly/1AbC...", "https://t.co/x:)", "https://t.co/x\u2026",
    "https://t.co/x////", "https://t.co/x----!", "HTTPS://T.CO/X", "https://", "https://-", "https://t.co/x\"",
    "https://t.co/a_b-c/", "https://t.co/x?q=1", "https://t.co/x(1)", "https://t.co/x.,!?\")", "http://8", "https://t.co/x!!!!",
    "Roundup: (57%). $20 12:30am w/Sly D.C., +1500 2000s B+ ****ing", "x\x1cy 555 123 4567", "a\x1f:) 1 . . 2",
    "MT@wingoz: #Trilogy#babymakinmusic 9.35....damn!. [INFO]", "Do: po: @o: shop: D: P:",
    "".join(chr(33 + i % 94) for i in range(1000)), "<a" * 500 + " x",
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


@pytest.mark.parametrize("text", TRICKY)
def test_fast_surface_tokens_equal_nltk_on_tricky_strings(text):
    assert tk.surface_tokens(text) == tk.surface_tokens_exact(text)


def test_fast_surface_tokens_equal_nltk_on_real_texts():
    texts = _sample(150)
    for path in sorted(DATA.glob("tagging/crypto/*.txt.gz")):  # coin tweets: tickers, $, links, emoji
        with gzip.open(path, "rt", encoding="utf-8") as f:
            texts += [line.rstrip("\n") for line in itertools.islice(f, 1500)]
    if not texts:
        pytest.skip(f"no data under {DATA}")
    differ = [t for t in texts if tk.surface_tokens(t) != tk.surface_tokens_exact(t)]
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


# ---- the engine's fast path --------------------------------------------------------------------
def _model(cell, bidirectional, layers, buckets, pooling="max", head="classify", seed=0):
    import numpy as np
    import torch

    from rnnlu.engine.config import ModelConfig
    from rnnlu.engine.model import Model
    from rnnlu.engine.vocab import Vocab
    from rnnlu.nn.network import Network

    torch.manual_seed(seed)
    labels = ["negative", "neutral", "positive"] if head == "classify" else ["A", "B", "C", "D"]
    config = ModelConfig(task="sentiment", cell=cell, bidirectional=bidirectional, layers=layers, embedding_dim=12,
                         hidden_size=10, vocab_size=30, labels=labels, pooling=pooling, head=head,
                         subword_buckets=buckets)
    net = Network(config).eval()
    if buckets:  # trained n-gram vectors are not zero; padding row 0 stays zero
        with torch.no_grad():
            net.subword.weight[1:].normal_(0, 0.3)
    tensors = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    return Model(config, Vocab([f"w{i}" for i in range(28)]), tensors), net, np


def _texts(rng):
    words = [f"w{i}" for i in range(28)] + ["unseen", "#w3", "w4w4", "other"]
    return [[words[j] for j in rng.integers(0, len(words), n)] for n in (7, 3, 1, 5, 9, 3, 0, 12, 2, 7)]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("buckets", [0, 50])
def test_fast_probabilities_equal_the_plain_engine_and_torch(cell, bidirectional, layers, buckets):
    import torch

    from rnnlu.engine.cells import softmax
    from rnnlu.engine.subwords import pad_buckets

    model, net, np = _model(cell, bidirectional, layers, buckets)
    texts = _texts(np.random.default_rng(1))
    plain = softmax(model.forward(texts, trace=True).logits)   # the step-by-step equations, unfolded
    fast = model.predict_proba(texts, batch_size=4)            # several batches: rows built once, reused
    np.testing.assert_allclose(fast, plain, atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(texts[::-1], batch_size=3), plain[::-1], atol=1e-5)
    fwd = model.forward(texts)
    subword = torch.from_numpy(pad_buckets(texts, buckets, fwd.ids.shape[1])) if buckets else None
    with torch.no_grad():
        expected = torch.softmax(net(torch.from_numpy(fwd.ids), torch.from_numpy(fwd.lengths), subword), -1).numpy()
    nonempty = fwd.lengths > 0
    np.testing.assert_allclose(fast[nonempty], expected[nonempty], atol=1e-5)


@pytest.mark.parametrize("pooling", ["max", "mean", "last"])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_fast_pooling_equals_the_plain_engine(pooling, cell, bidirectional):
    from rnnlu.engine.cells import softmax

    model, _, np = _model(cell, bidirectional, 1, 0, pooling=pooling, seed=2)
    texts = _texts(np.random.default_rng(3))
    np.testing.assert_allclose(model.predict_proba(texts), softmax(model.forward(texts, trace=True).logits), atol=1e-5)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_fast_tag_logits_equal_the_plain_engine(cell):
    model, _, np = _model(cell, True, 2, 50, head="tag", seed=4)
    texts = [t for t in _texts(np.random.default_rng(5)) if t]
    got = model.tag_log_proba(texts, batch_size=3)
    logits = model.forward(texts, trace=True).logits
    for row, tokens in enumerate(texts):
        want = logits[row, : len(tokens)]
        want = want - want.max(-1, keepdims=True)
        want = want - np.log(np.exp(want).sum(-1, keepdims=True))
        np.testing.assert_allclose(got[row], want, atol=1e-5)


def test_input_rows_start_afresh_when_full_and_answers_stay_the_same():
    from rnnlu.engine import cells as engine

    model, _, np = _model("gru", True, 1, 50, seed=6)
    texts = _texts(np.random.default_rng(7))
    want = model.predict_proba(texts)
    model._input_rows = engine.InputRows(model.encoder, model._describe_tokens)
    model._input_rows.capacity = 8  # fewer rows than one batch's distinct tokens
    np.testing.assert_allclose(model.predict_proba(texts, batch_size=2), want, atol=1e-6)
    assert len(model._input_rows.row) <= max(8, max(len(set(t)) * 2 for t in texts))


def test_fast_encoder_equals_the_plain_one_with_padding_zero():
    import numpy as np

    from rnnlu.engine.cells import Encoder

    for cell in ("rnn", "gru", "lstm"):
        model, _, _ = _model(cell, True, 2, 0, seed=8)
        ids = np.array([[3, 4, 5, 6, 7], [8, 9, 0, 0, 0], [2, 0, 0, 0, 0]])
        lengths = np.array([5, 2, 1])
        enc = Encoder(model.config, model.tensors)
        fast = enc.fast(ids, lengths)
        plain, traces = enc(ids, lengths)
        assert traces == []
        np.testing.assert_allclose(fast, plain, atol=1e-6)
        assert np.all(fast[1, 2:] == 0) and np.all(fast[2, 1:] == 0)


def test_ascii_span_check_takes_in_everything_nltks_would():
    """For ASCII text the stdlib pattern stands in for the ``regex`` one: same digits, and its
    whitespace is NLTK's or more, so no text that needs the whole-text path can miss it."""
    import re

    import regex

    flags = regex.VERBOSE | regex.I | regex.UNICODE
    for c in map(chr, range(128)):
        assert bool(re.match(r"\d", c)) == bool(regex.match(r"\d", c, flags))
        assert bool(re.match(r"\s", c)) >= bool(regex.match(r"\s", c, flags))
    for text in ("call 555 123 4567", "wait . . . ok", "(555) 123-4567", "a\x1cb"):
        assert tk._SPANS_ASCII_RE.search(text)


def test_a_plain_short_text_needs_no_nltk():
    import subprocess
    import sys

    code = ("import sys; from rnnlu.engine.tokenize import tokenize; t = tokenize(\"I can't believe it's good!\"); "
            "print(t == ['i', 'ca', \"n't\", 'believe', 'it', \"'s\", 'good', '!'], 'regex' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"]


def test_a_tweet_with_a_plain_link_needs_no_nltk():
    import subprocess
    import sys

    code = ("import sys; from rnnlu.engine.tokenize import tokenize, surface_tokens; "
            "t = tokenize('new post https://t.co/AbC12xY!'); s = [w for w, _, _ in surface_tokens('see https://t.co/Q1-z_.')]; "
            "print(t == ['new', 'post', '<url>', '!'], s == ['see', 'https://t.co/Q1-z_', '.'], 'regex' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "False"]


def test_fp32_copies_of_half_tables_give_the_same_rows_bit_for_bit():
    from rnnlu.engine import cells as engine
    from rnnlu.engine.model import Model

    model, _, np = _model("gru", True, 1, 50, seed=9)
    half = {k: (v.astype(np.float16) if k in ("embedding.weight", "subword.weight") else v)
            for k, v in model.tensors.items()}
    texts = _texts(np.random.default_rng(10))
    want = Model(model.config, model.vocab, half).predict_proba(texts, batch_size=3)
    model = Model(model.config, model.vocab, half)
    model._input_rows = engine.InputRows(model.encoder, model._describe_tokens)
    model._input_rows.FP32_AFTER = 0
    got = model.predict_proba(texts, batch_size=3)
    assert model._input_rows.fp32 is not None and model._input_rows.fp32[0].dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_a_run_longer_than_max_run_is_read_in_pieces():
    """Runs without whitespace past MAX_RUN characters (no real text has one) are cut, so no pattern can
    backtrack over them for long; runs up to MAX_RUN are NLTK's, as the tricky strings show."""
    run = "".join("ab<cd#ef"[i % 8] for i in range(2 * tk.MAX_RUN + 5))
    pieces = [run[: tk.MAX_RUN], run[tk.MAX_RUN : 2 * tk.MAX_RUN], run[2 * tk.MAX_RUN :]]
    assert tk.tokenize("start " + run + " end") == tk.tokenize_exact("start " + " ".join(pieces) + " end")
    text = "x " + run
    spans = tk.surface_tokens(text)
    assert all(text[a:b] == tok for tok, a, b in spans)  # offsets still point into the text as given
    assert "".join(tok for tok, _, _ in spans[1:]) == run


def test_the_linear_phone_check_finds_what_the_plain_pattern_finds():
    import re

    plain = re.compile(r"\d[ *\-.\)]* [ *\-.\)]*\(?\d|\.\s+\.|[\x1c-\x1f]")
    rng = random.Random(5)
    strings = ["".join(rng.choice("0123456789 *-.)(ab\x1c\t") for _ in range(rng.randint(1, 14))) for _ in range(30000)]
    assert [bool(tk._SPANS_ASCII_RE.search(x)) for x in strings] == [bool(plain.search(x)) for x in strings]


def test_a_whole_text_past_nltks_time_limit_is_read_chunk_by_chunk(monkeypatch):
    """NLTK's pattern over a whole text (phone numbers) raises TimeoutError past its limit: the text is then
    read chunk by chunk, as a text whose tokens cannot take in a space, not lost."""
    fast = tk._fast()
    fast._nltk()

    class OutOfTime:
        def findall(self, text):
            raise TimeoutError("regular-expression match exceeded its time limit")

    text = "call 555 123 4567 now :)"
    monkeypatch.setattr(fast, "words", OutOfTime())
    assert tk.tokenize(text) == ["call", "<num>", "<num>", "<num>", "now", ":)"]
    assert [t for t, _, _ in tk.surface_tokens(text)] == ["call", "555", "123", "4567", "now", ":)"]
