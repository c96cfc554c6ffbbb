"""`rnnlu explain`: the explained forward pass is the model's own, and the gate numbers come from it."""

import json
import subprocess
import sys

import numpy as np
import pytest

from rnnlu.engine.cells import sigmoid
from rnnlu.engine.config import ModelConfig
from rnnlu.engine.model import Model
from rnnlu.engine.tokenize import tokenize
from rnnlu.engine.vocab import Vocab
from rnnlu.errors import RnnluError
from rnnlu.explain import explain

TEXT = "great acting but a boring , awful plot"


@pytest.fixture(scope="module")
def gru_model(tiny_model):
    return Model.load(tiny_model)


def random_model(cell, bidirectional=True, layers=2, head="classify", seed=0):
    """A random network from the torch module, its tensors as NumPy (as tests/test_engine.py does)."""
    torch = pytest.importorskip("torch")
    from rnnlu.nn.network import Network

    torch.manual_seed(seed)
    words = ["great", "acting", "but", "a", "boring", ",", "awful", "plot", "not", "happy"]
    labels = ["negative", "neutral", "positive"]
    config = ModelConfig(task="sentiment", cell=cell, bidirectional=bidirectional, layers=layers, embedding_dim=12,
                         hidden_size=10, vocab_size=len(words) + 2, labels=labels)
    tensors = {k: v.detach().numpy().copy() for k, v in Network(config).eval().state_dict().items()}
    if head != "classify":
        config = ModelConfig(**{**config.to_dict(), "head": head})
    return Model(config, Vocab(words), tensors, name=f"random-{cell}")


def gru_step(x, h, r, z, w_ih, w_hh, b_ih, b_hh):
    """One GRU step rebuilt from the traced r and z (the candidate n is recomputed from them)."""
    xn = (x @ w_ih.T + b_ih)[2 * len(h):]
    hn = (h @ w_hh.T + b_hh)[2 * len(h):]
    n = np.tanh(xn + r * hn)
    return (1.0 - z) * n + z * h


# ---- the library ------------------------------------------------------------------------------------
def test_probabilities_equal_predict_proba(gru_model):
    ex = explain(gru_model, TEXT)
    tokens = tokenize(TEXT)
    assert ex.tokens == tokens and [w.token for w in ex.words] == tokens
    expected = gru_model.predict_proba([tokens])[0]
    np.testing.assert_allclose([ex.probabilities[l] for l in gru_model.labels], expected, atol=1e-6)
    assert ex.label == gru_model.labels[int(np.argmax(expected))]


def test_traced_forward_equals_untraced(gru_model):
    ex = explain(gru_model, TEXT)
    plain = gru_model.forward([tokenize(TEXT)])
    np.testing.assert_array_equal(ex.forward.outputs, plain.outputs)
    np.testing.assert_array_equal(ex.forward.logits, plain.logits)
    assert plain.traces == [] and len(ex.forward.traces) == 2


def test_gru_trace_reproduces_hidden_states(gru_model):
    """h_t = (1 - z_t) * n_t + z_t * h_{t-1}, with r and z taken from the trace, gives the outputs."""
    ex = explain(gru_model, TEXT)
    fwd, tokens = ex.forward, ex.tokens
    x = gru_model.encoder.embedding[fwd.ids[0]]
    hidden = gru_model.config.hidden_size
    for trace in fwd.traces:
        weights = gru_model.encoder.layers[trace.layer][int(trace.reverse)]
        out = fwd.outputs[0, :, hidden:] if trace.reverse else fwd.outputs[0, :, :hidden]
        order = range(len(tokens) - 1, -1, -1) if trace.reverse else range(len(tokens))
        h = np.zeros(hidden, dtype=np.float32)
        for t in order:
            h = gru_step(x[t], h, trace.gates["reset"][0, t], trace.gates["update"][0, t], *weights)
            np.testing.assert_allclose(h, out[t], atol=1e-5)
            h = out[t]
        # the per-word numbers are the means of these gates over the hidden units
        direction = "backward" if trace.reverse else "forward"
        for t, word in enumerate(ex.words):
            reading = next(g for g in word.gates if g.direction == direction and g.layer == trace.layer + 1)
            assert reading.values["update"] == pytest.approx(float(trace.gates["update"][0, t].mean()), abs=1e-6)
            assert reading.values["rewrite"] == pytest.approx(1 - reading.values["update"])
            assert 0 < reading.values["reset"] < 1


def test_leave_one_out_equals_independent_predictions(gru_model):
    ex = explain(gru_model, TEXT)
    tokens = tokenize(TEXT)
    best = gru_model.labels.index(ex.label)
    full = gru_model.predict_proba([tokens])[0, best]
    for i, word in enumerate(ex.words):
        without = gru_model.predict_proba([tokens[:i] + tokens[i + 1:]])[0]
        assert word.contribution == pytest.approx(full - without[best], abs=1e-5)
        np.testing.assert_allclose(list(word.probabilities_without.values()), without, atol=1e-6)


def test_baseline_words_are_reported(gru_model):
    ex = explain(gru_model, "not at all happy")
    assert ex.baseline.positive == ["happy"] and ex.baseline.label == "positive"


def test_leave_one_out_uses_one_batched_call(gru_model, monkeypatch):
    calls = []
    original = gru_model.predict_proba
    monkeypatch.setattr(gru_model, "predict_proba", lambda tokens, **kw: calls.append(len(tokens)) or original(tokens, **kw))
    explain(gru_model, TEXT)
    assert calls == [len(tokenize(TEXT))]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_random_two_layer_models(cell):
    model = random_model(cell)
    ex = explain(model, TEXT + " not happy , unknownword")
    tokens = ex.tokens
    plain = model.forward([tokens])
    np.testing.assert_array_equal(ex.forward.outputs, plain.outputs)
    np.testing.assert_allclose([ex.probabilities[l] for l in model.labels], model.predict_proba([tokens])[0], atol=1e-6)
    assert ex.layers == [(1, "forward"), (1, "backward"), (2, "forward"), (2, "backward")]
    assert not ex.words[-1].known and ex.words[0].known
    expected_keys = {"lstm": ["input", "forget", "output", "cell_norm"], "gru": ["update", "rewrite", "reset"], "rnn": []}
    assert all(list(g.values) == expected_keys[cell] for w in ex.words for g in w.gates)


def test_lstm_trace_reproduces_outputs():
    """h_t = o_t * tanh(c_t) with o and c taken from the trace; |c| and the gate means are the trace's."""
    model = random_model("lstm", layers=2, seed=4)
    ex = explain(model, TEXT)
    hidden = model.config.hidden_size
    # outputs of layer 1 are the input of layer 2; the last layer's are the model's outputs
    for trace in ex.forward.traces[-2:]:
        out = ex.forward.outputs[0, :, hidden:] if trace.reverse else ex.forward.outputs[0, :, :hidden]
        o, c = trace.gates["output"][0], trace.gates["cell"][0]
        np.testing.assert_allclose(o * np.tanh(c), out, atol=1e-6)
    for trace in ex.forward.traces:
        direction = "backward" if trace.reverse else "forward"
        for t, word in enumerate(ex.words):
            reading = next(g for g in word.gates if g.direction == direction and g.layer == trace.layer + 1)
            assert reading.values["cell_norm"] == pytest.approx(float(np.linalg.norm(trace.gates["cell"][0, t])), rel=1e-5)
            for gate in ("input", "forget", "output"):
                assert reading.values[gate] == pytest.approx(float(trace.gates[gate][0, t].mean()), abs=1e-6)


def test_lstm_leave_one_out():
    model = random_model("lstm", bidirectional=False, layers=1, seed=2)
    ex = explain(model, TEXT)
    best = model.labels.index(ex.label)
    variants = [ex.tokens[:i] + ex.tokens[i + 1:] for i in range(len(ex.tokens))]
    full = model.predict_proba([ex.tokens])[0, best]
    expected = [full - model.predict_proba([v])[0, best] for v in variants]
    np.testing.assert_allclose([w.contribution for w in ex.words], expected, atol=1e-5)
    assert ex.layers == [(1, "forward")]


def test_tag_head_gets_gates_but_no_contributions():
    ex = explain(random_model("gru", layers=1, head="tag"), "great acting")
    assert ex.label is None and ex.probabilities is None
    assert all(w.contribution is None for w in ex.words) and len(ex.words[0].gates) == 2
    assert "contribution" not in ex.to_dict()["tokens"][0]


def test_one_word_and_empty_texts(gru_model):
    ex = explain(gru_model, "good")
    # one word left out leaves nothing to read: no evidence, every label equally likely
    assert ex.words[0].contribution == pytest.approx(ex.probabilities[ex.label] - 1 / len(gru_model.labels))
    with pytest.raises(RnnluError, match="nothing to explain"):
        explain(gru_model, "   ")
    with pytest.raises(RnnluError, match="at most 5"):
        explain(gru_model, "one two three four five six", max_tokens=5)


def test_to_dict_is_json(gru_model):
    data = json.loads(json.dumps(explain(gru_model, TEXT).to_dict()))
    assert len(data["tokens"]) == len(tokenize(TEXT)) and data["baseline"]["positive"] == ["great"] and "awful" in data["baseline"]["negative"]


# ---- the command ------------------------------------------------------------------------------------
def ok(result):
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_cli_json_has_one_entry_per_token(run_cli, tiny_model):
    data = json.loads(ok(run_cli("explain", "-m", tiny_model, "-f", "json", TEXT)))
    tokens = tokenize(TEXT)
    assert [t["token"] for t in data["tokens"]] == tokens
    assert data["label"] in ("positive", "negative") and data["model"] == "tiny"
    for entry in data["tokens"]:
        assert [(g["layer"], g["direction"]) for g in entry["gates"]] == [(1, "forward"), (1, "backward")]
        for g in entry["gates"]:
            assert 0 < g["update"] < 1 and 0 < g["reset"] < 1 and g["rewrite"] == pytest.approx(1 - g["update"])
        assert isinstance(entry["contribution"], float)


def test_cli_table_and_svg_html(run_cli, tiny_model, tmp_path):
    svg, html = tmp_path / "out.svg", tmp_path / "out.html"
    res = run_cli("explain", "-m", tiny_model, "I am not at all happy", "--svg", svg, "--html", html)
    out = ok(res)
    assert "happy" in out and "update gate z: share of old memory kept" in out and "contrib" in out
    assert svg.read_text().lstrip().startswith("<svg") and "happy" in svg.read_text()
    assert "<html" in html.read_text() and "background-color" in html.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_cli_empty_text_is_one_clear_error(run_cli, tiny_model):
    res = run_cli("explain", "-m", tiny_model, "")
    err = res.stderr.decode()
    assert res.returncode == 1 and "Traceback" not in err
    assert err.startswith("rnnlu: error: nothing to explain") and len(err.strip().splitlines()) == 1


def test_cli_bad_format_task_and_svg_folder(run_cli, tiny_model, tmp_path):
    res = run_cli("explain", "-m", tiny_model, "-f", "xml", "good")
    assert res.returncode == 2 and "unknown format 'xml'" in res.stderr.decode()
    res = run_cli("explain", "--task", "poetry", "good")
    assert res.returncode == 2 and "unknown task 'poetry'" in res.stderr.decode()
    res = run_cli("explain", "-m", tiny_model, "good", "--svg", tmp_path / "no" / "such" / "x.svg")
    assert res.returncode == 1 and "does not exist" in res.stderr.decode()


def test_explain_does_not_import_torch(tiny_model):
    code = ("import sys\nfrom rnnlu.explain import explain\nfrom rnnlu.registry import load_model\n"
            f"print(explain(load_model({str(tiny_model)!r}), 'good').label, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["positive", "False"], out.stderr


def test_unknown_words_are_marked_and_the_legend_says_how_they_were_read():
    from rich.console import Console

    from rnnlu.render.explain import _explanation_picture

    def legend(model):
        ex = explain(model, "#boring plot , #zzzword")
        assert [w.known for w in ex.words] == [True, True, True, False]  # "#boring" backs off to "boring"
        console = Console(width=200, record=True)
        for part in _explanation_picture(ex):
            console.print(part)
        return console.export_text()

    model = random_model("gru", layers=1)
    assert "word? = not in the model's vocabulary: read as the unknown word" in legend(model)
    config = ModelConfig(**{**model.config.to_dict(), "subword_buckets": 50})
    pieces = Model(config, model.vocab, {**model.tensors, "subword.weight": np.zeros((51, 12), np.float32)})
    assert "word? = not in the model's vocabulary: read by its character n-grams" in legend(pieces)
