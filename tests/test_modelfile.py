import json
import struct

import numpy as np
import pytest

from rnnlu import registry
from rnnlu.engine.model import Model
from rnnlu.engine.modelfile import load_tensors, save_tensors, sha256_of
from rnnlu.errors import RnnluError


def test_round_trip_keeps_predictions(tiny_model, tmp_path):
    model = Model.load(tiny_model)
    copy = tmp_path / "copy.safetensors"
    model.save(copy)
    again = Model.load(copy)
    tokens = [["a", "wonderful", "film"], ["boring", "and", "awful"], ["unseenword"]]
    np.testing.assert_allclose(model.predict_proba(tokens), again.predict_proba(tokens), atol=1e-6)
    assert again.config == model.config and again.vocab.itos == model.vocab.itos


def test_files_from_before_hashtag_backoff_answer_as_they_did(tiny_model, tmp_path):
    model = Model.load(tiny_model)
    assert model.config.hashtag_backoff and model.vocab.hashtag_backoff  # new files back off
    known = next(w for w in model.vocab.itos[2:] if w.isalpha())
    tensors, meta = load_tensors(tiny_model)
    del meta["config"]["hashtag_backoff"]  # a file written before the option existed
    old = tmp_path / "old.safetensors"
    save_tensors(old, tensors, meta, half=False)
    assert not Model.load(old).config.hashtag_backoff
    assert Model.load(old).vocab.encode(["#" + known]) == [1]
    assert model.vocab.encode(["#" + known]) == model.vocab.encode([known])


def test_file_is_plain_safetensors_layout(tmp_path):
    path = tmp_path / "t.safetensors"
    save_tensors(path, {"a": np.arange(6, dtype=np.float32).reshape(2, 3)}, {"config": {"x": 1}}, half=False)
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    assert header["a"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    tensors, meta = load_tensors(path)
    np.testing.assert_array_equal(tensors["a"], np.arange(6).reshape(2, 3))
    assert meta == {"config": {"x": 1}}


@pytest.mark.parametrize("content", [b"", b"\x00" * 4, b"garbage that is not a model", struct.pack("<Q", 10**12)])
def test_corrupt_files_give_clear_error(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(RnnluError, match="not an rnnlu model file"):
        Model.load(path)


def test_tensors_without_config_are_refused(tmp_path):
    path = tmp_path / "other.safetensors"
    save_tensors(path, {"w": np.zeros(3)}, {})
    with pytest.raises(RnnluError, match="no rnnlu config"):
        Model.load(path)


def _fake_bundle(tmp_path, monkeypatch, tiny_model, sha=None):
    folder = tmp_path / "pretrained"
    folder.mkdir()
    target = folder / "sentiment-tiny.safetensors"
    target.write_bytes(tiny_model.read_bytes())
    index = {"defaults": {"sentiment": "sentiment-tiny"}, "sha256": {target.name: sha or sha256_of(target)}}
    (folder / "index.json").write_text(json.dumps(index))
    monkeypatch.setattr(registry, "bundled_dir", lambda: folder)
    registry._index.cache_clear()
    return target


def test_bundled_model_with_matching_checksum_loads(tmp_path, monkeypatch, tiny_model):
    _fake_bundle(tmp_path, monkeypatch, tiny_model)
    try:
        assert registry.load_model(None, "sentiment").name == "sentiment-tiny"
    finally:
        registry._index.cache_clear()


def test_bundled_model_with_changed_bytes_is_refused(tmp_path, monkeypatch, tiny_model):
    target = _fake_bundle(tmp_path, monkeypatch, tiny_model)
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF  # flip bits in the last weight
    target.write_bytes(bytes(data))
    try:
        with pytest.raises(RnnluError, match="fails its checksum"):
            registry.load_model("sentiment-tiny", "sentiment")
    finally:
        registry._index.cache_clear()


def test_every_bundled_model_file_is_finite():
    """Loading a bundled model skips the NaN scan once its sha256 matches (the bytes are those shipped):
    this scan of every bundled file is what that skip relies on."""
    files = sorted(registry.bundled_dir().glob("*.safetensors"))
    assert files, "no bundled model files found"
    for path in files:
        tensors, _ = load_tensors(path)
        bad = [n for n, a in tensors.items() if a.dtype.kind == "f" and not np.isfinite(a).all()]
        assert not bad, f"{path.name}: {bad} hold NaN or infinite values"


def test_a_user_file_with_nan_is_refused_and_only_a_verified_file_skips_the_scan(tmp_path, tiny_model):
    """A NaN weight in a user's file is refused at load; ``verified`` (a bundled file whose sha256 matched,
    see test_bundled_model_with_changed_bytes_is_refused for the other case) skips that scan."""
    tensors, meta = load_tensors(tiny_model)
    name = next(n for n in tensors if n.startswith("rnn.weight_hh"))
    tensors[name] = tensors[name].copy()
    tensors[name][0, 0] = np.nan
    user_file = tmp_path / "nan.safetensors"
    save_tensors(user_file, tensors, meta)
    with pytest.raises(RnnluError, match="NaN or infinite"):
        Model.load(user_file)
    assert not np.isfinite(Model.load(user_file, verified=True).tensors[name]).all()  # trusted: not scanned


def test_a_bundled_name_wins_over_a_user_model_of_that_name_and_other_user_models_are_found(
        tmp_path, monkeypatch, tiny_model):
    target = _fake_bundle(tmp_path, monkeypatch, tiny_model)
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    for name in ("sentiment-tiny", "mine"):
        (home / "models" / f"{name}.safetensors").write_bytes(tiny_model.read_bytes())
    monkeypatch.setenv("RNNLU_HOME", str(home))
    try:
        bundled = registry.find_model("sentiment-tiny", "sentiment")
        assert bundled.bundled and bundled.path == target and bundled.default_for == "sentiment"
        mine = registry.find_model("mine", "sentiment")
        assert not mine.bundled and mine.path == home / "models" / "mine.safetensors"
    finally:
        registry._index.cache_clear()


def test_unknown_model_lists_the_available_ones(tmp_path, monkeypatch, tiny_model):
    _fake_bundle(tmp_path, monkeypatch, tiny_model)
    try:
        with pytest.raises(RnnluError, match="unknown model 'nope'.*sentiment-tiny"):
            registry.load_model("nope", "sentiment")
    finally:
        registry._index.cache_clear()
