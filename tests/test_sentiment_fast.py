"""The bundled fast sentiment model (`-m sentiment-fast`): small, loads by name, reads clear polarity,
and agrees with the default on most texts. Skipped where the file is not bundled."""

import json

import pytest
from conftest import SHARED

from rnnlu.registry import bundled_dir, load_model
from rnnlu.tasks import get_task
from rnnlu.tasks.sentiment.run import label_texts

FAST = bundled_dir() / "sentiment-fast.safetensors"
pytestmark = pytest.mark.skipif(not FAST.is_file(), reason="pretrained/sentiment-fast.safetensors is not bundled")

# Written before the model's answers were looked at.
CLEAR = [
    ("this movie was wonderful and i loved every minute of it", "positive"),
    ("an absolutely terrible , boring waste of time", "negative"),
    ("the best meal i have had in years", "positive"),
    ("worst customer service ever , i am so angry", "negative"),
    ("what a fantastic , heartwarming film", "positive"),
    ("the flight was delayed for hours and they lost my luggage . awful", "negative"),
    ("thank you so much , you made my day !", "positive"),
    ("i hate this phone , it keeps crashing", "negative"),
]


def test_loads_by_name_far_smaller_than_the_default_and_distilled():
    model = load_model("sentiment-fast", task="sentiment")
    default = load_model(None, "sentiment")
    assert model.name == "sentiment-fast" != default.name
    assert set(model.labels) == set(default.labels) == {"negative", "neutral", "positive"}
    assert model.parameters * 4 < default.parameters  # far smaller than the default
    card = json.loads(FAST.with_name("sentiment-fast.card.json").read_text())
    assert card["size_bytes"] == FAST.stat().st_size <= 3_500_000
    assert card["teachers"], "the fast model is distilled from the bundled models"


def test_clear_polarity_texts():
    rows = label_texts([t for t, _ in CLEAR], model="sentiment-fast")
    assert [r["label"] for r in rows] == [label for _, label in CLEAR]


def test_agrees_with_the_default_on_most_clear_texts_and_negations():
    texts = [t for t, _ in CLEAR] + ["not good at all", "i am not at all happy", "not bad , actually",
                                     "the plot was dull but the acting was superb"]
    fast = [r["label"] for r in label_texts(texts, model="sentiment-fast")]
    default = [r["label"] for r in label_texts(texts)]
    assert sum(f == d for f, d in zip(fast, default)) >= len(texts) - 1


@pytest.mark.skipif(not (SHARED / "sentiment" / "sst2" / "dev.tsv").is_file(), reason="../shared/data not here")
def test_sst2_dev_agreement_with_the_default_and_the_cards_dev_score():
    task = get_task("sentiment")
    data = task.read_labelled(SHARED / "sentiment" / "sst2" / "dev.tsv")
    fast = task.predict_labels(load_model("sentiment-fast", task="sentiment"), data.tokens, allowed=data.label_set)
    default = task.predict_labels(load_model(None, "sentiment"), data.tokens, allowed=data.label_set)
    agreement = sum(f == d for f, d in zip(fast, default)) / len(data)
    assert agreement >= 0.85
    accuracy = sum(f == g for f, g in zip(fast, data.labels)) / len(data)
    card = json.loads(FAST.with_name("sentiment-fast.card.json").read_text())
    recorded = next(d for d in card["dev"] if d["path"].endswith("sst2/dev.tsv"))
    assert accuracy == pytest.approx(recorded["accuracy"], abs=1e-4)


def test_fast_flag_picks_the_fast_model_and_refuses_a_second_model(run_cli):
    out = run_cli("sentiment", "--fast", "-f", "jsonl", "what a wonderful day")
    assert out.returncode == 0, out.stderr.decode()
    assert json.loads(out.stdout)["model"] == "sentiment-fast"
    out = run_cli("sentiment", "--fast", "-m", "sentiment-gru", "x")
    assert out.returncode == 2 and "give --fast or --model, not both" in out.stderr.decode()
