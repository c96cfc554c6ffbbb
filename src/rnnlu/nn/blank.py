"""The fill-blank network in PyTorch (training only): context2vec on the shared encoder.

One recurrent pass reads the sentence left to right, one right to left (the same bidirectional
layer `rnnlu pretrain` trains as two language models). For the word at position i:

    left  = forward state after words 1..i-1        (zeros at the start of the sentence)
    right = backward state after words n..i+1       (zeros at the end)
    q     = W2 relu(W1 [left; right] + b1) + b2       the blank's query vector (word-vector size)
    P(w | left, right) = adaptive softmax(q)          frequent words cheap, rare words in clusters

Neither state has seen word i, so every position of every sentence is a training blank. A
one-directional model (``--arch lstm``/``gru``: the left context only, like a language model
asked for the next word) drops ``right``: it exists to measure what reading right to left buys. Number
agreement is taught on purpose: where word i is a present-tense verb form with a partner of the
other number (is/are, hates/hate, ...), a second loss asks the model to prefer it over that
partner: -log softmax([log P(w), log P(partner)])[0]. Inference runs the same equations in NumPy
(:mod:`rnnlu.engine.blank`), from the same tensors.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlu.engine.config import ModelConfig
from rnnlu.nn.network import _encode, _encoder_layers

CUTOFFS = (2000, 10000)   # adaptive softmax clusters: words 0-1999 in the head, then two tails


def cutoffs_for(vocab_size: int) -> list[int]:
    return [c for c in CUTOFFS if c < vocab_size - 1] or [max(1, vocab_size // 2)]


class BlankModel(nn.Module):
    def __init__(self, config: ModelConfig, partners: torch.Tensor | None = None, agreement_weight: float = 1.0):
        super().__init__()
        if config.layers != 1:
            raise ValueError("the fill-blank model has one recurrent layer")
        self.config = config
        self.embedding, self.rnn = _encoder_layers(config)
        self.dropout = nn.Dropout(config.dropout)
        h = config.hidden_size * (2 if config.bidirectional else 1)   # [left; right] or [left]
        self.query_hidden = nn.Linear(h, h)
        self.query = nn.Linear(h, config.embedding_dim)
        v = config.vocab_size
        self.softmax = nn.AdaptiveLogSoftmaxWithLoss(config.embedding_dim, v, cutoffs=cutoffs_for(v), div_value=4.0)
        # partner id of each word id (0 = none): the other-number form of a present-tense verb
        self.register_buffer("partners", partners if partners is not None else torch.zeros(v, dtype=torch.long),
                             persistent=False)
        self.agreement_weight = agreement_weight

    def queries(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """[B, T] ids -> [B, T, E] query vectors, one per position (the word there unseen)."""
        out = self.encode(ids, lengths)
        h = self.config.hidden_size
        zero = out.new_zeros(out.shape[0], 1, h)
        left = torch.cat([zero, out[:, :-1, :h]], dim=1)      # forward state before position i
        if self.config.bidirectional:
            right = torch.cat([out[:, 1:, h:], zero], dim=1)  # backward state after position i (0 past the end)
            left = torch.cat([left, right], dim=-1)
        both = self.dropout(left)
        return self.query(self.dropout(torch.relu(self.query_hidden(both))))

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return _encode(self, ids, lengths)

    def loss(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Mean NLL of every real word given both sides, plus the agreement term; word count."""
        q = self.queries(ids, lengths)
        valid = torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths.to(ids.device)[:, None]
        rows, targets = q[valid], ids[valid]
        loss = self.softmax(rows, targets).loss
        partner = self.partners[targets]
        has = partner > 0
        if self.training and self.agreement_weight and bool(has.any()):
            log_p = self.softmax.log_prob(rows[has])                       # [n, V]
            pair = torch.stack([log_p.gather(1, targets[has][:, None])[:, 0],
                                log_p.gather(1, partner[has][:, None])[:, 0]], dim=1)
            loss = loss + self.agreement_weight * -torch.log_softmax(pair, dim=1)[:, 0].mean()
        return loss, int(targets.numel())
