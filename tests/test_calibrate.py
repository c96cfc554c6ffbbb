"""Label offsets fitted on dev: hand-checked cases."""

import numpy as np

from rnnlu.metrics import score
from rnnlu.training.calibrate import DevScores, fit_label_offsets

LABELS = ["negative", "neutral", "positive"]


def macro_recall(gold, predicted):
    return score(gold, predicted, LABELS).macro_recall


def test_offsets_give_an_underpredicted_label_room_and_raise_macro_recall():
    # Every negative text gets neutral 0.5 vs negative 0.4: argmax never says negative (recall 0).
    gold = ["negative"] * 4 + ["neutral"] * 4 + ["positive"] * 4
    probs = np.array([[0.4, 0.5, 0.1]] * 4 + [[0.1, 0.8, 0.1]] * 4 + [[0.1, 0.2, 0.7]] * 4)
    cal = fit_label_offsets([DevScores(np.log(probs), gold, LABELS, macro_recall)], LABELS)
    assert cal.before == round(2 / 3, 4) and cal.after == 1.0
    neg, neu, pos = cal.offsets
    # Offsets are relative to the first label; negative must now beat neutral on the first rows
    # (log 0.4 > log 0.5 + neu) but not on the neutral rows (log 0.1 < log 0.8 + neu).
    assert neg == 0.0 and np.log(0.5) + neu < np.log(0.4) and np.log(0.8) + neu > np.log(0.1)
    assert abs(neu) <= 0.3 and pos == 0.0  # the smallest move that does it, nothing else moved


def test_no_offsets_when_dev_is_already_right():
    gold = ["negative", "neutral", "positive"]
    probs = np.eye(3) * 0.8 + 0.066
    cal = fit_label_offsets([DevScores(np.log(probs), gold, LABELS, macro_recall)], LABELS)
    assert cal.offsets == [0.0, 0.0, 0.0] and cal.before == cal.after == 1.0


def test_binary_dev_files_choose_among_their_own_labels_only():
    # A binary file never counts "neutral" as an answer, whatever its offset.
    gold = ["positive", "negative"]
    probs = np.array([[0.1, 0.6, 0.3], [0.3, 0.6, 0.1]])
    accuracy = lambda g, p: float(np.mean([a == b for a, b in zip(g, p)]))
    cal = fit_label_offsets([DevScores(np.log(probs), gold, ["negative", "positive"], accuracy)], LABELS)
    assert cal.before == 1.0 and cal.offsets == [0.0, 0.0, 0.0]
