"""The NumPy engine must compute exactly what the torch network computes, from the same tensors."""

import numpy as np
import pytest
import torch

from rnnlu.engine.cells import Encoder, pool, softmax
from rnnlu.engine.config import ModelConfig
from rnnlu.engine.model import Model
from rnnlu.engine.vocab import Vocab
from rnnlu.nn.network import Network


def make(cell, bidirectional, layers, pooling="max", seed=0):
    torch.manual_seed(seed)
    config = ModelConfig(task="sentiment", cell=cell, bidirectional=bidirectional, layers=layers, embedding_dim=12,
                         hidden_size=10, vocab_size=30, labels=["negative", "neutral", "positive"], pooling=pooling)
    net = Network(config).eval()
    tensors = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    return config, net, tensors


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
def test_numpy_encoder_equals_torch(cell, bidirectional, layers):
    config, net, tensors = make(cell, bidirectional, layers)
    rng = np.random.default_rng(1)
    lengths = np.array([7, 3, 1, 5])
    ids = np.zeros((4, 7), dtype=np.int64)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(2, 30, n)
    with torch.no_grad():
        expected = net.encode(torch.from_numpy(ids), torch.from_numpy(lengths)).numpy()
    encoder = Encoder(config, tensors)
    got, _ = encoder(ids, lengths)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert np.all(got[1, 3:] == 0)  # padding stays zero
    fast = encoder.fast(ids, lengths)  # the folded fast path
    np.testing.assert_allclose(fast, expected, atol=1e-5)
    assert np.all(fast[1, 3:] == 0)


@pytest.mark.parametrize("pooling", ["max", "mean", "last"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_numpy_head_equals_torch(pooling, bidirectional):
    config, net, tensors = make("gru", bidirectional, 1, pooling=pooling, seed=3)
    model = Model(config, Vocab([f"w{i}" for i in range(28)]), tensors)
    tokens = [["w3", "w4", "w5"], ["w7"], ["w9", "w2", "w11", "w12", "w13"]]
    ids = torch.tensor([[5, 6, 7, 0, 0], [9, 0, 0, 0, 0], [11, 4, 13, 14, 15]])
    with torch.no_grad():
        expected = torch.softmax(net(ids, torch.tensor([3, 1, 5])), -1).numpy()
    np.testing.assert_allclose(model.predict_proba(tokens), expected, atol=1e-5)


def test_gate_trace_matches_outputs():
    """The traced GRU gates reproduce the hidden states: h_t = (1 - z) * n + z * h_{t-1}."""
    config, _, tensors = make("gru", False, 1)
    ids = np.array([[3, 4, 5, 6]])
    out, traces = Encoder(config, tensors)(ids, np.array([4]), trace=True)
    z = traces[0].gates["update"][0]
    assert z.shape == (4, 10) and np.all((z > 0) & (z < 1))
    out_again, _ = Encoder(config, tensors)(ids, np.array([4]))
    np.testing.assert_array_equal(out, out_again)


def test_pool_ignores_padding():
    out = np.array([[[1.0, 2.0], [5.0, -1.0], [99.0, 99.0]]], dtype=np.float32)
    np.testing.assert_allclose(pool(out, np.array([2]), "max", 1), [[5.0, 2.0]])
    np.testing.assert_allclose(pool(out, np.array([2]), "mean", 1), [[3.0, 0.5]])
    np.testing.assert_allclose(pool(out, np.array([2]), "last", 1), [[5.0, -1.0]])


def test_softmax_rows_sum_to_one():
    p = softmax(np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert p[0, 0] == pytest.approx(1.0)
