"""Character n-gram vectors: stable hashing, equal torch/NumPy sums, unseen words read by their pieces."""

import numpy as np
import pytest
import torch

from rnnlu.engine.cells import Encoder
from rnnlu.engine.config import ModelConfig
from rnnlu.engine.model import Model
from rnnlu.engine.subwords import MAX_NGRAMS, _fnv1a, bucket_ids, bucket_rows, ngrams, pad_buckets
from rnnlu.engine.vocab import Vocab
from rnnlu.nn.network import Network


def test_ngrams_mark_word_edges_and_skip_placeholders():
    assert ngrams("not") == ["<no", "<not", "<not>", "not", "not>", "ot>"]
    assert ngrams("<url>") == [] and ngrams("") == []
    long = ngrams("antidisestablishmentarianism")
    assert len(long) == MAX_NGRAMS and {len(g) for g in long} == {3, 4, 5}


def test_bucket_ids_are_stable_across_runs_and_leave_row_zero_for_padding():
    # FNV-1a, not Python's per-process salted hash(): pinned to the published test vectors
    assert _fnv1a("a") == 0xE40C292C and _fnv1a("foobar") == 0xBF9CF968
    assert bucket_ids("no", 1000)[0] == 1 + _fnv1a("<no") % 1000  # first piece of "<no>", shifted past row 0
    assert all(1 <= i <= 1000 for i in bucket_ids("wonderfully", 1000))
    rows = pad_buckets([["good", "<url>"], ["ok"]], 50, steps=3)
    assert rows.shape[:2] == (2, 3)
    assert (rows[0, 1] == 0).all() and (rows[0, 2] == 0).all() and (rows[1, 0] > 0).sum() == len(ngrams("ok"))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_numpy_model_with_subwords_equals_torch(cell):
    torch.manual_seed(0)
    config = ModelConfig(task="sentiment", cell=cell, bidirectional=True, embedding_dim=12, hidden_size=10,
                         vocab_size=6, labels=["negative", "positive"], subword_buckets=40)
    net = Network(config).eval()
    torch.nn.init.normal_(net.subword.weight)  # trained tables are not zero
    tensors = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    model = Model(config, Vocab(["<pad>", "<unk>", "good", "bad", "film", "not"]), tensors)
    tokens = [["good", "film"], ["not", "goodish", "filmic", "zzz"], ["unseen"]]
    ids, lengths = torch.tensor([[2, 4, 0, 0], [5, 1, 1, 1], [1, 0, 0, 0]]), torch.tensor([2, 4, 1])
    subs = torch.from_numpy(pad_buckets(tokens, 40, 4))
    with torch.no_grad():
        expected = torch.softmax(net(ids, lengths, subs), -1).numpy()
        without = torch.softmax(net(ids, lengths), -1).numpy()
    np.testing.assert_allclose(model.predict_proba(tokens), expected, atol=1e-5)
    assert not np.allclose(expected, without, atol=1e-3)  # the n-grams change the answer
    out, _ = Encoder(config, tensors)(ids.numpy(), lengths.numpy(), subword_ids=subs.numpy())
    assert np.all(out[0, 2:] == 0)  # padding stays zero


def test_unseen_word_is_read_by_its_pieces_after_training(fixture_files, tmp_path):
    """Trained with n-grams, never-seen forms of training words lean their way ('terribly' from 'terrible');
    words-only, they are all <unk> and get one answer."""
    from rnnlu.training.train import TrainOptions, train

    def run(buckets):
        out = tmp_path / f"m{buckets}.safetensors"
        train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                           out=str(out), hidden=16, embedding_dim=16, epochs=25, min_freq=1, patience=30, seed=1,
                           dropout=0.0, word_dropout=0.3, lr=0.02, batch_size=8, subword_buckets=buckets))
        return Model.load(out)

    with_pieces, words_only = run(2000), run(0)
    assert "subword.weight" in with_pieces.tensors and "subword.weight" not in words_only.tensors
    unseen = ["wonderfully", "greatest", "terribly", "awfulness"]
    texts = [["it", "was", w] for w in unseen]
    p_words = words_only.predict_proba(texts)
    np.testing.assert_allclose(p_words, np.repeat(p_words[:1], len(unseen), axis=0), atol=1e-6)
    positive = with_pieces.predict_proba(texts)[:, with_pieces.labels.index("positive")]
    assert (positive[:2] > 0.5).all() and (positive[2:] < 0.5).all(), dict(zip(unseen, positive))


def test_bucket_rows_of_many_words_equal_bucket_ids_word_by_word():
    """The NumPy hashing of many words at once gives exactly the per-word rows: every length around the
    n-gram sizes and the cap, placeholders, non-ASCII words, punctuation, several table sizes."""
    import random
    import string

    rng = random.Random(3)
    words = ["", "a", "ab", "abc", "abcd", "<url>", "<num>", "<", ">", "<a", "a>", "x" * 40, "naïve", "日本語",
             "😀", "#hashtag", "@user", "don't", "a b", "10/10"]
    words += ["".join(rng.choice(string.printable[:94]) for _ in range(rng.randint(1, 30))) for _ in range(500)]
    for buckets in (1, 7, 20000, 2**31 - 1):
        assert bucket_rows(words, buckets) == [bucket_ids(w, buckets) for w in words]


def test_pad_buckets_equals_the_rows_built_token_by_token():
    """The vectorised [B, steps, K] rows equal bucket_ids written one token at a time: lists longer and
    shorter than ``steps``, empty lists, repeated, placeholder and non-ASCII tokens."""
    import random
    import string

    rng = random.Random(5)
    pool = ["", "a", "<url>", "naïve", "😀", "x" * 33, "ab" * 150, "don't"] + [
        "".join(rng.choice(string.ascii_letters + "'#@-") for _ in range(rng.randint(1, 12))) for _ in range(60)]
    lists = [[rng.choice(pool) for _ in range(rng.randint(0, 9))] for _ in range(40)] + [[]]
    for steps in (1, 5, 9):
        got = pad_buckets(lists, 977, steps)
        rows = [[bucket_ids(t, 977) for t in tokens[:steps]] for tokens in lists]
        width = max(1, max((len(r) for tokens in rows for r in tokens), default=0))
        want = np.zeros((len(lists), steps, width), dtype=np.int64)
        for b, tokens in enumerate(rows):
            for t, ids in enumerate(tokens):
                want[b, t, : len(ids)] = ids
        assert got.dtype == want.dtype and np.array_equal(got, want)
