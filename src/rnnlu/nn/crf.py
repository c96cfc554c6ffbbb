"""A linear-chain CRF on top of the tag head (training side, torch): tag-to-tag transition scores
learned with the sentence-level log-likelihood. Answering decodes with :mod:`rnnlu.engine.viterbi` (NumPy).

Tensors (in the model file): ``crf.transitions`` [from, to], ``crf.start`` and ``crf.end`` [labels].
Moves the scheme forbids (BIO: ``O`` -> ``I-X``) are masked out in training and decoding alike.
"""

from __future__ import annotations

import torch
from torch import nn

FORBIDDEN = -1e4


class CRF(nn.Module):
    def __init__(self, labels: int):
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(labels, labels))
        self.start = nn.Parameter(torch.zeros(labels))
        self.end = nn.Parameter(torch.zeros(labels))
        self.register_buffer("allowed_start", torch.ones(labels, dtype=torch.bool), persistent=False)
        self.register_buffer("allowed", torch.ones(labels, labels, dtype=torch.bool), persistent=False)

    def constrain(self, start, trans) -> None:
        """Allowed first tags [L] and moves [L, L] (NumPy bool arrays, from :func:`rnnlu.engine.viterbi.bio_allowed`)."""
        self.allowed_start.copy_(torch.from_numpy(start))
        self.allowed.copy_(torch.from_numpy(trans))

    def _scores(self):
        trans = self.transitions.masked_fill(~self.allowed, FORBIDDEN)
        start = self.start.masked_fill(~self.allowed_start, FORBIDDEN)
        return start, trans

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per sentence. emissions [B, T, L]; tags [B, T] (padding ignored)."""
        batch, steps, _ = emissions.shape
        lengths = lengths.to(emissions.device)
        mask = torch.arange(steps, device=emissions.device)[None, :] < lengths[:, None]
        tags = tags.clamp(min=0)
        start, trans = self._scores()
        rows = torch.arange(batch, device=emissions.device)
        # score of the gold path
        gold = start[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]
        for t in range(1, steps):
            step = trans[tags[:, t - 1], tags[:, t]] + emissions[rows, t, tags[:, t]]
            gold = gold + step * mask[:, t]
        last = tags[rows, (lengths - 1).clamp(min=0)]
        gold = gold + self.end[last]
        # log partition function, forward algorithm
        alpha = start[None, :] + emissions[:, 0]
        for t in range(1, steps):
            nxt = torch.logsumexp(alpha[:, :, None] + trans[None, :, :], dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t, None], nxt, alpha)
        log_z = torch.logsumexp(alpha + self.end[None, :], dim=1)
        return (log_z - gold).mean()
