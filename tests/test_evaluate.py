"""`rnnlu evaluate sentiment`: gzip-packed labelled files and scoring a subset of the labels."""

import gzip

import pytest
from conftest import NEGATIVE, POSITIVE

from rnnlu.errors import RnnluError, UsageError
from rnnlu.evaluate import evaluate

NEUTRAL = ["the film runs two hours", "it opens on friday", "the cast has six actors"]


def test_only_labels_scores_the_polar_rows_of_a_packed_three_label_file_like_a_binary_file(tiny_model, tmp_path):
    """Sentiment140's test file mixes neutral rows into polar ones; its published accuracy is on the polar
    rows alone. `--only-labels positive,negative` of the .gz file = the same rows as a plain binary file."""
    rows = [f"positive\t{t}" for t in POSITIVE] + [f"neutral\t{t}" for t in NEUTRAL] + [f"negative\t{t}" for t in NEGATIVE]
    packed = tmp_path / "mixed.tsv.gz"
    packed.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode("utf-8")))
    binary = tmp_path / "polar.tsv"
    binary.write_text("\n".join(r for r in rows if not r.startswith("neutral")) + "\n", encoding="utf-8")

    whole = evaluate("sentiment", packed, model=str(tiny_model))
    assert whole.scores.n == 15 and whole.labels == ["negative", "neutral", "positive"] and whole.metric == "macro_recall"
    polar = evaluate("sentiment", packed, model=str(tiny_model), only_labels=["positive", "negative"])
    plain = evaluate("sentiment", binary, model=str(tiny_model))
    assert polar.scores.n == 12 and polar.labels == ["negative", "positive"] and polar.metric == "accuracy"
    assert polar.to_dict()["model_scores"] == plain.to_dict()["model_scores"]

    with pytest.raises(UsageError, match="no such label"):
        evaluate("sentiment", packed, model=str(tiny_model), only_labels=["positve"])
    cut = tmp_path / "cut.tsv.gz"
    cut.write_bytes(packed.read_bytes()[:30])
    with pytest.raises(RnnluError, match="not a readable gzip file"):
        evaluate("sentiment", cut, model=str(tiny_model))
