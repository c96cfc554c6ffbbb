"""Worker processes for big inputs: answers in input order, the same as one process's."""

import os

import pytest

from rnnlu import parallel

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="workers need fork")


def _square_with_pid(x):
    return x * x, os.getpid()


def test_ordered_map_keeps_input_order_across_workers():
    items = list(range(40))
    got = list(parallel.ordered_map(_square_with_pid, iter(items), workers=3))
    assert [item for item, _ in got] == items
    assert [answer for _, (answer, _) in got] == [x * x for x in items]
    assert os.getpid() not in {pid for _, (_, pid) in got}  # answered in the workers


def test_small_inputs_and_one_worker_stay_in_this_process():
    few = list(parallel.ordered_map(_square_with_pid, [3], workers=4))
    one = list(parallel.ordered_map(_square_with_pid, range(10), workers=1))
    assert {pid for _, (_, pid) in few + one} == {os.getpid()}
    assert [a for _, (a, _) in one] == [x * x for x in range(10)]


def test_a_worker_error_reaches_the_caller():
    def boom(x):
        if x == 5:
            raise ValueError("bad item 5")
        return x

    with pytest.raises(ValueError, match="bad item 5"):
        list(parallel.ordered_map(boom, range(10), workers=2))


def test_sentiment_with_workers_gives_the_same_labels_in_order():
    import numpy as np

    from rnnlu.registry import load_model
    from rnnlu.tasks import get_task

    try:
        model = load_model()
    except Exception as e:  # no bundled model in this checkout
        pytest.skip(str(e))
    texts = ["good", "not good at all", "", "the service was awful", "I can't believe it's not butter!",
             "meh", "@user loved it :)", "worst flight ever #fail"] * 5
    task = get_task("sentiment")
    one = list(task.predict(model, texts, chunk=4, workers=1))
    two = list(task.predict(model, iter(texts), chunk=4, workers=2))
    assert [r.text for r in two] == texts
    assert [r.label for r in two] == [r.label for r in one]
    np.testing.assert_allclose([list(r.probabilities.values()) for r in two],
                               [list(r.probabilities.values()) for r in one], atol=1e-6)


def test_tag_with_workers_gives_the_same_tags_and_spans_in_order():
    from rnnlu.registry import load_model
    from rnnlu.tasks.tag.task import TagTask

    try:
        model = load_model(None, task="tag", scheme="pos")
    except Exception as e:  # no bundled tagger in this checkout
        pytest.skip(str(e))
    texts = ["The cat sat on the mat.", "", "I can't believe it's not butter!", "@user loved it :) #win",
             "Both Ether and Litecoin are going to take over BTC.", "Call 555 123 4567 now"] * 5
    task = TagTask(model.config.scheme)
    one = list(task.predict(model, texts, compare=True, chunk=4, workers=1))
    two = list(task.predict(model, iter(texts), compare=True, chunk=4, workers=2))
    assert [r.text for r in two] == texts
    assert [(r.tokens, r.offsets, r.tags, r.probabilities, r.spans, r.baseline_tags) for r in two] == \
        [(r.tokens, r.offsets, r.tags, r.probabilities, r.spans, r.baseline_tags) for r in one]
    assert any(r.tags for r in two) and sum(len(r.tags) for r in two) > 100


def test_fill_blank_with_workers_gives_the_same_answers_in_order():
    from rnnlu.tasks.fill_blank.items import parse_item
    from rnnlu.tasks.fill_blank.run import load_fill_blank_model
    from rnnlu.tasks.fill_blank.task import answer, load_baseline

    try:
        model, baseline = load_fill_blank_model(), load_baseline()
    except Exception as e:  # no bundled fill-blank model in this checkout
        pytest.skip(str(e))
    lines = ["My wife, who loves to play with dogs, ___ (hate/hates) cats.",
             "There ___ (seem/seems) to be a defect in all the cars.", "I drank a cup of ___ this morning.",
             "The keys to the cabinet ___ (is/are) on the table."] * 4
    items = [parse_item(line, None) for line in lines]
    one = list(answer(model, items, baseline, top_k=3, workers=1, chunk=3))
    two = list(answer(model, iter(items), baseline, top_k=3, workers=2, chunk=3))
    assert [a.item.text for a in two] == [i.text for i in items]
    assert [(a.answer, a.options, a.baseline.answer) for a in two] == [(a.answer, a.options, a.baseline.answer) for a in one]


def test_auto_workers_is_at_least_one_and_at_most_the_cores():
    assert 1 <= parallel.auto_workers() <= parallel.usable_cores()


@pytest.mark.parametrize("command", ["sentiment", "tag", "fill-blank"])
def test_cli_refuses_zero_workers_with_one_line(command):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "rnnlu", command, "--workers", "0", "good"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == ["rnnlu: error: --workers must be 1 or more, not 0"]
