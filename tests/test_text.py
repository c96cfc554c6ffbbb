"""Tokeniser, baseline and metrics."""

import pytest

from rnnlu.engine.tokenize import tokenize
from rnnlu.engine.vocab import Vocab
from rnnlu.metrics import score
from rnnlu.tasks.sentiment.baseline import WordCountBaseline


@pytest.mark.parametrize("raw, ptb", [
    ("I can't believe it's not butter", "i ca n't believe it 's not butter"),
    ("They won't go (yet)", "they wo n't go -lrb- yet -rrb-"),
    ("It\u2019s GREAT", "it 's great"),
])
def test_raw_text_and_ptb_text_tokenise_alike(raw, ptb):
    assert tokenize(raw) == tokenize(ptb)


def test_tweets_keep_emoticons_and_normalise_handles_links_numbers():
    assert tokenize("@bob loved it :-) http://t.co/x 3.5 stars #great") == [
        "<user>", "loved", "it", ":-)", "<url>", "<num>", "stars", "#great"]


def test_vocab_maps_unknown_words_to_unk():
    vocab = Vocab.build([["a", "b", "a"], ["a", "c"]], min_freq=2)
    assert vocab.itos == ["<pad>", "<unk>", "a"]
    assert vocab.encode(["a", "zzz"]) == [2, 1]


def test_unknown_hashtag_backs_off_to_its_word_and_known_hashtag_keeps_its_own_id():
    vocab = Vocab(["<pad>", "<unk>", "happy", "#happy", "trump"])
    assert vocab.encode(["#happy", "#trump", "#nope", "nope", "#"]) == [3, 4, 1, 1, 1]
    assert vocab.encode(["<pad>"]) == [1]  # text never becomes padding


def test_baseline_counts_lexicon_words_and_labels_by_sign():
    b = WordCountBaseline.opinion_lexicon()
    r = b(tokenize("a good , moving film with an awful ending but great music"))
    assert (r.label, r.score, r.positive, r.negative) == ("positive", 1, ["good", "great"], ["awful"])
    assert b(tokenize("the train leaves at noon")).label == "neutral"
    assert b(tokenize("bad , boring , dull")).label == "negative"


def test_baseline_ignores_negation_by_design():
    assert WordCountBaseline.opinion_lexicon()(tokenize("I am not at all happy")).label == "positive"


def test_baseline_matches_longest_ngram_first():
    b = WordCountBaseline(positive=["well done", "done"], negative=["over done"])
    r = b(["well", "done", "but", "over", "done"])
    assert r.positive == ["well done"] and r.negative == ["over done"] and r.label == "neutral"


def test_metrics_on_a_hand_checked_confusion_matrix():
    gold = ["pos", "pos", "pos", "neg", "neg", "neu"]
    pred = ["pos", "pos", "neg", "neg", "pos", "neu"]
    s = score(gold, pred, ["neg", "neu", "pos"])
    assert s.confusion == [[1, 0, 1], [0, 1, 0], [1, 0, 2]]
    assert s.accuracy == pytest.approx(4 / 6)
    by = {c.label: c for c in s.per_class}
    # pos: precision 2/3, recall 2/3; neg: precision 1/2, recall 1/2; neu: 1/1
    assert by["pos"].precision == pytest.approx(2 / 3) and by["pos"].recall == pytest.approx(2 / 3)
    assert by["neg"].f1 == pytest.approx(0.5)
    assert s.macro_recall == pytest.approx((2 / 3 + 0.5 + 1) / 3)
    assert s.macro_f1 == pytest.approx((2 / 3 + 0.5 + 1) / 3)


def test_macro_averages_skip_labels_absent_from_gold():
    s = score(["pos", "neg"], ["pos", "neu"], ["neg", "pos"])
    assert s.labels == ["neg", "pos", "neu"]
    assert s.macro_recall == pytest.approx(0.5)


def test_tokenizer_loads_without_all_of_nltk_and_leaves_nltk_importable():
    import subprocess
    import sys

    code = ("import sys; from rnnlu.engine.tokenize import tokenize; t = tokenize(\"I can't\"); "
            "light = 'nltk.text' not in sys.modules and 'scipy' not in sys.modules; "
            "import nltk; from nltk.tokenize import TweetTokenizer; "
            "print(t, light, callable(nltk.word_tokenize), TweetTokenizer().tokenize('a b') == ['a', 'b'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['i', 'ca', \"n't\"] True True True"
