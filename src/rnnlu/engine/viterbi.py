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


def _as_scores(x: np.ndarray) -> np.ndarray:
    """Allowed (bool) -> 0 / -inf; scores (float) as they are."""
    return np.where(x, 0.0, -np.inf) if x.dtype == bool else x.astype(np.float64)


def viterbi(log_probs: np.ndarray, start: np.ndarray, trans: np.ndarray, end: np.ndarray | None = None) -> list[int]:
    """Best label index per token for one text: log_probs [T, L] (or CRF emissions).

    ``start`` [L] and ``trans`` [from, to] are either allowed masks (bool: forbidden moves score
    -inf) or scores (a CRF's, with forbidden moves already very negative); ``end`` [L] adds scores
    for the last tag.
    """
    steps = log_probs.shape[0]
    if steps == 0:
        return []
    penalty = _as_scores(trans)
    score = _as_scores(start) + log_probs[0]
    back = np.zeros((steps, log_probs.shape[1]), dtype=np.int64)
    for t in range(1, steps):
        total = score[:, None] + penalty            # [from, to]
        back[t] = total.argmax(axis=0)
        score = total.max(axis=0) + log_probs[t]
    if end is not None:
        score = score + end
    best = [int(score.argmax())]
    for t in range(steps - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def marginals(emissions: np.ndarray, start: np.ndarray, trans: np.ndarray, end: np.ndarray) -> np.ndarray:
    """P(tag at t = l | text) [T, L] under a CRF (forward-backward in log space)."""
    steps = emissions.shape[0]
    if steps == 0:
        return np.zeros_like(emissions)
    trans = _as_scores(trans)
    alpha = np.zeros_like(emissions, dtype=np.float64)
    beta = np.zeros_like(emissions, dtype=np.float64)
    alpha[0] = _as_scores(start) + emissions[0]
    for t in range(1, steps):
        alpha[t] = _logsumexp(alpha[t - 1][:, None] + trans, axis=0) + emissions[t]
    beta[-1] = end
    for t in range(steps - 2, -1, -1):
        beta[t] = _logsumexp(trans + (emissions[t + 1] + beta[t + 1])[None, :], axis=1)
    log_z = _logsumexp(alpha[-1] + end, axis=0)
    return np.exp(alpha + beta - log_z)
