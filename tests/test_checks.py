"""Behavioural checks: the items, the runner's counting, and the bundled default model's behaviour."""

import json

import numpy as np

from rnnlu.checks import CheckItem, run_checks
from rnnlu.tasks import get_task
from rnnlu.tasks.sentiment.checks import DESCRIPTIONS, sentiment_checks


class AlwaysPositive:
    name = "always-positive"
    labels = ["negative", "neutral", "positive"]

    def predict_proba(self, token_lists):
        return np.tile([0.1, 0.1, 0.8], (len(token_lists), 1))


def test_check_items_are_fixed_distinct_and_cover_every_type():
    items = sentiment_checks()
    assert items == sentiment_checks()  # no randomness
    assert len({i.text for i in items}) == len(items)
    kinds = {i.kind for i in items}
    assert kinds == set(DESCRIPTIONS)
    for kind in kinds:
        assert sum(i.kind == kind for i in items) >= 40
    assert {i.expected for i in items} == {"positive", "negative", "neutral"}
    assert all(i.expected == "neutral" for i in items if i.kind == "neutral statement")
    assert CheckItem("simple negation", "not good", "negative") in items


def test_runner_counts_model_and_baseline_passes_per_type():
    task = get_task("sentiment")
    items = [CheckItem("a", "not good", "negative"), CheckItem("a", "not bad", "positive"),
             CheckItem("b", "the food was great", "positive"), CheckItem("b", "the food was awful", "negative")]
    report = run_checks(task, AlwaysPositive(), items, {"a": "negation"})
    a, b = report.types
    assert (a.items, a.model_passed, a.baseline_passed) == (2, 1, 0)  # the lexicon reads "not good" as positive
    assert (b.items, b.model_passed, b.baseline_passed) == (2, 1, 2)
    assert a.failures == [{"text": "not good", "expected": "negative", "model": "positive"}]
    assert report.to_dict()["types"][0]["description"] == "negation"


def test_bundled_default_handles_negation_and_contrast_where_word_counts_fail(run_cli):
    result = run_cli("check", "sentiment", "--format", "json")
    assert result.returncode == 0, result.stderr
    rates = {t["type"]: (t["model_pass_rate"], t["baseline_pass_rate"]) for t in json.loads(result.stdout)["types"]}
    for kind in ("simple negation", "contrast (but)"):
        model, baseline = rates[kind]
        assert model >= 0.9 and baseline <= 0.1, (kind, model, baseline)
