"""Per-label offsets fitted on dev data: the decision rule a metric such as macro-recall wants.

A classifier trained on one label mix (say 45% neutral tweets) picks the most probable label;
macro-averaged recall rewards every label alike, so the best rule for it gives rarer labels a
little more room (Menon et al. 2021, "Long-tail learning via logit adjustment"). The offsets are
added to the logits, which is the same as adding them to the output layer's bias, so a calibrated
model file has the usual format and every command uses the offsets without knowing of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np

from rnnlu.tasks.base import choose


@dataclass
class DevScores:
    """One dev file's model log-probabilities and gold labels, and how the file is judged."""
    log_probs: np.ndarray          # [N, labels]
    gold: list[str]
    allowed: list[str]             # labels the file uses; the model's choice is restricted to them
    metric: Callable[[list[str], list[str]], float]


@dataclass
class Calibration:
    offsets: list[float]           # one per label, added to the logits
    before: float                  # mean dev metric without offsets
    after: float                   # ... and with them


def fit_label_offsets(dev: Sequence[DevScores], labels: list[str], span: float = 1.5, step: float = 0.1) -> Calibration:
    """Grid-search offsets (the first label's fixed at 0) for the best mean dev metric.

    Among equally good offsets the smallest (by sum of absolute values) wins, so no offset moves
    a decision that the dev data does not ask to move.
    """
    grid = np.round(np.arange(-span, span + step / 2, step), 6)
    candidates = sorted(product(grid, repeat=len(labels) - 1), key=lambda c: (float(np.abs(c).sum()), c))

    def mean_metric(offsets: np.ndarray) -> float:
        return float(np.mean([d.metric(d.gold, choose(d.log_probs + offsets, labels, d.allowed)) for d in dev]))

    before = mean_metric(np.zeros(len(labels)))
    best, best_value = np.zeros(len(labels)), before
    for c in candidates:
        offsets = np.array((0.0, *c))
        value = mean_metric(offsets)
        if value > best_value + 1e-12:
            best, best_value = offsets, value
    return Calibration([round(float(x), 4) for x in best], round(before, 4), round(best_value, 4))


def fit_outside_offset(task, model, dev_sets: list, low: float = -3.0, high: float = 1.0,
                       step: float = 0.25):
    """One offset on the outside tag's logit (O, or coin's U), chosen for the mean dev span F1.

    A tagger trained on few entities says "outside" too readily (high precision, low recall); a
    negative offset asks for more evidence before it does. Adding the offset to the head's bias is
    exactly the same as adding it to that tag's log-probability before decoding (softmax's normaliser is
    one constant per token), so the file keeps its format. Ties go to the smaller offset."""
    from rnnlu.tasks.tag.evaluate import score_tags

    outside = model.labels.index(task.scheme.outside)
    dev = [(list(model.tag_log_proba(d.tokens)), d.tags) for d in dev_sets]

    def mean_f1(offset: float) -> float:
        values = []
        for log_probs, gold in dev:
            predicted = []
            for lp in log_probs:
                lp = lp.astype(np.float64)
                lp[:, outside] += offset
                predicted.append([model.labels[i] for i in task.decode(model, lp)])
            values.append(score_tags(task, gold, predicted).get("span_f1"))
        return float(np.mean(values))

    grid = sorted(np.round(np.arange(low, high + step / 2, step), 6), key=lambda x: (abs(x), x))
    before = mean_f1(0.0)
    best, best_value = 0.0, before
    for offset in grid:
        value = mean_f1(float(offset))
        if value > best_value + 1e-12:
            best, best_value = float(offset), value
    offsets = [0.0] * len(model.labels)
    offsets[outside] = best
    return Calibration(offsets, round(before, 4), round(best_value, 4))
