"""Property-based tests (Hypothesis): whatever bytes or structures come in, the readers and the
model-file loader give results or one RnnluError, never another exception."""

import io as stdio
import json
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rnnlu import io  # noqa: E402
from rnnlu.engine.model import Model  # noqa: E402
from rnnlu.engine.modelfile import save_tensors  # noqa: E402
from rnnlu.errors import RnnluError  # noqa: E402

# RNNLU_HYPOTHESIS_EXAMPLES=5000 for a long hunt; the default keeps the suite quick.
SETTINGS = settings(max_examples=int(os.environ.get("RNNLU_HYPOTHESIS_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Bytes that look like the inputs people have: text, separators, quotes, braces, odd encodings.
PIECES = st.sampled_from([b"text", b"label", b"id", b",", b"\t", b'"', b"\n", b"\r\n", b"{", b"}", b"[", b"]", b":",
                          b'"text"', b"\\u", b"d800", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\xe9", b"good", b" ",
                          b"1e999", b"9" * 50, b"null", b"true"])
TEXTLIKE = st.one_of(st.binary(max_size=300), st.lists(PIECES, max_size=60).map(b"".join))

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                       max_size=4),
                    max_leaves=20)


_ROOT = tempfile.TemporaryDirectory(prefix="rnnlu-prop-")   # one folder for every example, removed at exit
_COUNT = iter(range(1 << 62))


def _write(data: bytes, suffix: str) -> Path:
    folder = Path(_ROOT.name) / str(next(_COUNT))
    folder.mkdir()
    path = folder / f"in{suffix}"
    path.write_bytes(data)
    return path


def _drain(source_factory) -> list:
    try:
        return list(source_factory().records)
    except RnnluError:
        return []


@SETTINGS
@given(data=TEXTLIKE, column=st.sampled_from([None, "text", "id"]), suffix=st.sampled_from([".csv", ".tsv"]))
def test_csv_and_tsv_reader_never_raise_anything_but_rnnlu_error(data, column, suffix):
    path = _write(data, suffix)
    delimiter = "\t" if suffix == ".tsv" else ","
    for record in _drain(lambda: io.csv_source(path, column, delimiter)):
        assert isinstance(record.text, str) and isinstance(record.fields, dict)


@SETTINGS
@given(data=TEXTLIKE, field_name=st.sampled_from(["text", "body"]))
def test_jsonl_reader_never_raises_anything_but_rnnlu_error(data, field_name):
    path = _write(data, ".jsonl")
    for record in _drain(lambda: io.jsonl_source(path, field_name)):
        assert isinstance(record.text, str)
        record.text.encode("utf-8")  # what is read can be written out


@SETTINGS
@given(objects=st.lists(JSON, max_size=5))
def test_jsonl_reader_on_any_json_values(objects):
    lines = b"".join(json.dumps(o).encode() + b"\n" for o in objects)
    path = _write(lines, ".jsonl")
    for record in _drain(lambda: io.jsonl_source(path, "text")):
        assert isinstance(record.text, str)


@SETTINGS
@given(data=TEXTLIKE)
def test_stdin_lines_never_raise_anything_but_rnnlu_error(data):
    for record in _drain(lambda: io.lines_source(stdio.BytesIO(data), "<stdin>")):
        assert "\n" not in record.text


@SETTINGS
@given(data=TEXTLIKE, suffix=st.sampled_from([".csv", ".tsv"]))
@example(data=b"\r\x00", suffix=".csv")            # a bare carriage return: csv.Error before the fix
@example(data=b"text,label\nx,\"a\rb\rc\n", suffix=".csv")
def test_training_reader_never_raises_anything_but_rnnlu_error(data, suffix):
    path = _write(data, suffix)
    try:
        for line, label, text in io.read_labelled_rows(path):
            assert isinstance(label, str) and isinstance(text, str)
    except RnnluError:
        pass


CONLL_PIECES = st.sampled_from([b"1", b"2-3", b"4.1", b"x", b"the", b"NOUN", b"_", b"\t", b"\n", b"\n\n", b"#",
                                 b"# text = a b", b"SpaceAfter=No", b" ", b"\xff", b"\r\n", b"B-person", b"O"])


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), st.lists(CONLL_PIECES, max_size=80).map(b"".join)),
       need_tags=st.booleans())
def test_conll_reader_never_raises_anything_but_rnnlu_error(data, need_tags):
    conll = pytest.importorskip("rnnlu.conll")
    path = _write(data, ".conllu")
    try:
        for sentence in conll.read_sentences(path, need_tags=need_tags):
            assert sentence.tokens and len(sentence.tokens) == len(sentence.tags)
            assert all(isinstance(t, str) and t for t in sentence.tokens)
    except RnnluError:
        pass


@SETTINGS
@given(input_names=st.lists(st.sampled_from(["text", "label", "model", "input_label", "p_x", "id"]), unique=True),
       result_names=st.lists(st.sampled_from(["label", "model", "p_x", "score"]), unique=True, min_size=1))
def test_merged_columns_are_distinct_and_results_keep_their_names(input_names, result_names):
    columns = io.merge_columns(input_names, result_names)
    assert len(columns) == len(set(columns))
    assert columns[len(input_names):] == result_names
    row = io.merge_row({n: f"in-{n}" for n in input_names}, {n: f"out-{n}" for n in result_names})
    assert list(row) == columns and all(row[n] == f"out-{n}" for n in result_names)


# ---- model files ---------------------------------------------------------------------------------------
def _load(path: Path):
    try:
        model = Model.load(path)
    except RnnluError:
        return None
    probs = model.predict_proba([["good"], ["bad", "film"], []])  # a loaded model answers, with numbers
    assert np.isfinite(probs).all()
    return model


@SETTINGS
@given(data=st.binary(max_size=400))
def test_model_loader_on_arbitrary_bytes(data):
    _load(_write(data, ".safetensors"))


@SETTINGS
@given(header=JSON)
def test_model_loader_on_arbitrary_headers(header):
    head = json.dumps(header).encode()
    _load(_write(struct.pack("<Q", len(head)) + head + b"\x00" * 64, ".safetensors"))


def _valid_parts():
    rng = np.random.default_rng(0)
    tensors = {"embedding.weight": rng.normal(size=(4, 4)), "head.weight": rng.normal(size=(3, 3)),
               "head.bias": np.zeros(3), "rnn.weight_ih_l0": rng.normal(size=(9, 4)),
               "rnn.weight_hh_l0": rng.normal(size=(9, 3)), "rnn.bias_ih_l0": np.zeros(9), "rnn.bias_hh_l0": np.zeros(9)}
    config = {"task": "sentiment", "cell": "gru", "bidirectional": False, "layers": 1, "embedding_dim": 4,
              "hidden_size": 3, "vocab_size": 4, "labels": ["negative", "neutral", "positive"], "head": "classify",
              "pooling": "max", "dropout": 0.0, "hashtag_backoff": True, "subword_buckets": 0}
    meta = {"format": "rnnlu", "version": 1, "config": config, "vocab": ["<pad>", "<unk>", "good", "bad"]}
    return tensors, meta


def test_the_valid_small_model_loads_and_answers():
    tensors, meta = _valid_parts()
    path = _write(b"", ".safetensors")
    save_tensors(path, tensors, meta, half=False)
    assert _load(path) is not None


@SETTINGS
@given(key=st.sampled_from(["version", "vocab", "config"]), value=JSON)
def test_model_loader_on_any_metadata_value(key, value):
    tensors, meta = _valid_parts()
    meta[key] = value
    path = _write(b"", ".safetensors")
    save_tensors(path, tensors, meta, half=False)
    _load(path)


@SETTINGS
@given(key=st.sampled_from(["cell", "bidirectional", "layers", "embedding_dim", "hidden_size", "labels", "head",
                            "pooling", "subword_buckets", "task", "hashtag_backoff"]), value=JSON)
def test_model_loader_on_any_config_value(key, value):
    tensors, meta = _valid_parts()
    meta["config"][key] = value
    path = _write(b"", ".safetensors")
    save_tensors(path, tensors, meta, half=False)
    _load(path)


@SETTINGS
@given(name=st.sampled_from(["embedding.weight", "head.weight", "head.bias", "rnn.weight_ih_l0", "rnn.weight_hh_l0",
                             "rnn.bias_hh_l0"]),
       shape=st.lists(st.integers(0, 10), max_size=3), fill=st.sampled_from([0.0, 1.0, np.nan, np.inf]))
def test_model_loader_on_any_tensor_shape_or_value(name, shape, fill):
    tensors, meta = _valid_parts()
    tensors[name] = np.full(shape, fill)
    path = _write(b"", ".safetensors")
    save_tensors(path, tensors, meta, half=False)
    _load(path)
