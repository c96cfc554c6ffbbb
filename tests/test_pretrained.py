"""The bundled models: intact, carded, and better than the word-count baseline where it matters."""

import json

import pytest
from conftest import SHARED

from rnnlu.engine.modelfile import sha256_of
from rnnlu.metrics import score
from rnnlu.registry import bundled_dir, list_models, load_model
from rnnlu.tasks import get_task
from rnnlu.tasks.sentiment.baseline import WordCountBaseline
from rnnlu.tasks.sentiment.run import label_texts

INDEX = json.loads((bundled_dir() / "index.json").read_text())


def test_every_bundled_file_matches_its_checksum_and_has_a_card():
    files = sorted(f for f in bundled_dir().iterdir() if f.name.endswith((".safetensors", ".counts")))
    assert files, "pretrained/ holds no model"
    assert set(INDEX["sha256"]) == {f.name for f in files}
    for f in files:
        assert INDEX["sha256"][f.name] == sha256_of(f), f.name
        stem = f.name.rsplit(".", 1)[0]
        card = json.loads(f.with_name(stem + ".card.json").read_text())
        for key in ("command", "seed", "parameters", "size_bytes", "dev"):
            assert key in card, (f.name, key)
        assert card["size_bytes"] == f.stat().st_size
        if card.get("task") in ("sentiment", "tag"):
            assert card["command"].startswith("rnnlu train")
            assert "train_data" in card and "test" in card


def test_write_index_records_counts_files_too(tmp_path):
    from rnnlu.registry import write_index

    (tmp_path / "m.safetensors").write_bytes(b"x")
    (tmp_path / "n.counts").write_bytes(b"y")
    (tmp_path / "m.card.json").write_text("{}")
    index = json.loads(write_index({"sentiment": "m"}, tmp_path).read_text())
    assert set(index["sha256"]) == {"m.safetensors", "n.counts"}


def test_pretrained_folder_stays_within_the_design_budget():
    """DEVELOPERS.md: all of pretrained/ under 100 MB (three commands' defaults plus a few alternatives)."""
    total = sum(p.stat().st_size for p in bundled_dir().iterdir())
    assert total < 100 * 1000 * 1000


def test_default_sentiment_model_loads_and_is_listed():
    model = load_model(None, "sentiment")
    assert model.name == INDEX["defaults"]["sentiment"]
    assert set(model.labels) == {"positive", "negative", "neutral"}
    assert any(e.name == model.name and e.default_for == "sentiment" for e in list_models())


def test_not_at_all_happy_is_negative_where_the_baseline_says_positive():
    row = label_texts(["I am not at all happy"], compare=True)[0]
    assert row["label"] == "negative"
    assert row["baseline_label"] == "positive"


@pytest.mark.skipif(not (SHARED / "sentiment/sst2/dev.tsv").exists(), reason="../shared/data not present")
def test_default_model_beats_the_baseline_clearly_on_sst2_dev():
    task = get_task("sentiment")
    data = task.read_labelled(SHARED / "sentiment/sst2/dev.tsv")
    model_acc = score(data.labels, task.predict_labels(load_model(None, "sentiment"), data.tokens, data.label_set)).accuracy
    baseline = WordCountBaseline.opinion_lexicon()
    base_acc = score(data.labels, [baseline(t).label for t in data.tokens]).accuracy
    assert model_acc > 0.80
    assert model_acc > base_acc + 0.08
