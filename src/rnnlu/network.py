"""The trainable network in PyTorch: embeddings -> recurrent encoder -> task head.

Used for training only. Inference runs the same equations in NumPy (:mod:`rnnlu.engine`), from
the same tensors, with the same names: ``state_dict()`` is exactly what a model file stores.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlu.config import ModelConfig

_RNN = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class Network(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=0)
        self.rnn = _RNN[config.cell](
            config.embedding_dim, config.hidden_size, num_layers=config.layers, batch_first=True,
            bidirectional=config.bidirectional, dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size * config.directions, len(config.labels))

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids [B, T] -> encoder outputs [B, T, directions * hidden], zero at padding."""
        x = self.dropout(self.embedding(ids))
        packed = pack_padded_sequence(x, lengths.cpu().clamp(min=1), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        return out

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits: [B, labels] for the classify head, [B, T, labels] for the tag head."""
        out = self.encode(ids, lengths)
        if self.config.head == "tag":
            return self.head(self.dropout(out))
        return self.head(self.dropout(pool(out, lengths, self.config.pooling, self.config.directions)))


def pool(out: torch.Tensor, lengths: torch.Tensor, how: str, directions: int) -> torch.Tensor:
    mask = (torch.arange(out.shape[1], device=out.device)[None, :] < lengths[:, None]).unsqueeze(-1)
    if how == "max":
        return out.masked_fill(~mask, float("-inf")).amax(dim=1).clamp(min=-1e4)
    if how == "mean":
        return (out * mask).sum(1) / lengths.clamp(min=1)[:, None]
    if how == "last":  # forward direction's last real step, backward direction's first step
        last = out[torch.arange(out.shape[0]), (lengths - 1).clamp(min=0)]
        if directions == 1:
            return last
        h = out.shape[-1] // 2
        return torch.cat([last[:, :h], out[:, 0, h:]], dim=-1)
    raise ValueError(f"unknown pooling {how!r}")
