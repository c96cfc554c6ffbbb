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
