"""Constrained decoding: the best tag sequence under per-token log-probabilities and allowed transitions.

For BIO tags, ``I-X`` may only follow ``B-X`` or ``I-X`` (never ``O``, a sentence start, or another
type): argmax per token can break that, Viterbi over the allowed transitions cannot. NumPy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def bio_allowed(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(start [L] bool, transition [L, L] bool: from -> to) for BIO labels."""
    n = len(labels)
    start = np.ones(n, dtype=bool)
    trans = np.ones((n, n), dtype=bool)
    for j, to in enumerate(labels):
        if to.startswith("I-"):
            start[j] = False
            kind = to[2:]
            for i, frm in enumerate(labels):
                trans[i, j] = frm in (f"B-{kind}", f"I-{kind}")
    return start, trans


def viterbi(log_probs: np.ndarray, start: np.ndarray, trans: np.ndarray) -> list[int]:
    """Best label index per token for one text: log_probs [T, L]; forbidden moves score -inf."""
    steps = log_probs.shape[0]
    if steps == 0:
        return []
    penalty = np.where(trans, 0.0, -np.inf)
    score = np.where(start, log_probs[0], -np.inf)
    back = np.zeros((steps, log_probs.shape[1]), dtype=np.int64)
    for t in range(1, steps):
        total = score[:, None] + penalty            # [from, to]
        back[t] = total.argmax(axis=0)
        score = total.max(axis=0) + log_probs[t]
    best = [int(score.argmax())]
    for t in range(steps - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]
