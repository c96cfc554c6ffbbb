"""The trainable network in PyTorch: embeddings -> recurrent encoder -> task head.

Used for training only. Inference runs the same equations in NumPy (:mod:`rnnlu.engine.cells`), from
the same tensors, with the same names: ``state_dict()`` is exactly what a model file stores.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlu.engine.config import ModelConfig
from rnnlu.engine.wordshape import case_rows

_RNN = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class Network(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding, self.rnn = _encoder_layers(config)
        if config.subword_buckets or config.case_features:  # starts at zero: a pretrained word vector is unchanged until training moves it
            rows = case_rows(config.subword_buckets) if config.case_features else config.subword_buckets + 1
            self.subword = nn.Embedding(rows, config.embedding_dim, padding_idx=0)
            nn.init.zeros_(self.subword.weight)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size * config.directions, len(config.labels))
        if config.crf:  # tag head: transition scores on top of the per-token scores
            from rnnlu.nn.crf import CRF

            self.crf = CRF(len(config.labels))

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor, subword_ids: torch.Tensor | None = None) -> torch.Tensor:
        """ids [B, T] (and n-gram rows [B, T, K]) -> encoder outputs [B, T, directions * hidden], zero at padding."""
        return _encode(self, ids, lengths, subword_ids)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor, subword_ids: torch.Tensor | None = None) -> torch.Tensor:
        """Logits: [B, labels] for the classify head, [B, T, labels] for the tag head."""
        out = self.encode(ids, lengths, subword_ids)
        if self.config.head == "tag":
            return self.head(self.dropout(out))
        return self.head(self.dropout(pool(out, lengths, self.config.pooling, self.config.directions)))


class LanguageModel(nn.Module):
    """The same embedding + recurrent layer, trained to predict words (`rnnlu pretrain`).

    Forward states h_t (words 1..t) predict word t+1; backward states (words t..T) predict word t-1.
    Both go through one projection to word-vector size and one adaptive softmax.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding, self.rnn = _encoder_layers(config)
        self.dropout = nn.Dropout(config.dropout)
        self.project = nn.Linear(config.hidden_size, config.embedding_dim)
        v = config.vocab_size
        cutoffs = [c for c in (2000, 10000) if c < v - 1] or [max(1, v // 2)]
        self.softmax = nn.AdaptiveLogSoftmaxWithLoss(config.embedding_dim, v, cutoffs=cutoffs, div_value=4.0)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return _encode(self, ids, lengths)

    def loss(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Mean negative log-likelihood of each real word from its left (and right) context; word count."""
        out = self.dropout(self.encode(ids, lengths))
        h = self.config.hidden_size
        valid = (torch.arange(1, ids.shape[1], device=ids.device)[None, :] < lengths.to(ids.device)[:, None])
        states = [out[:, :-1, :h][valid]]            # forward state at t -> word t+1
        targets = [ids[:, 1:][valid]]
        if self.config.bidirectional:
            states.append(out[:, 1:, h:][valid])      # backward state at t+1 -> word t
            targets.append(ids[:, :-1][valid])
        states, targets = torch.cat(states), torch.cat(targets)
        result = self.softmax(self.project(states), targets)
        return result.loss, int(targets.numel())


def pick_device(name: str = "auto") -> torch.device:
    """auto: CUDA when torch sees a GPU, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        from rnnlu.errors import UsageError

        raise UsageError("--device cuda, but torch sees no GPU here; use --device cpu")
    return torch.device(name)


def _encoder_layers(config: ModelConfig) -> tuple[nn.Embedding, nn.Module]:
    embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=0)
    rnn = _RNN[config.cell](
        config.embedding_dim, config.hidden_size, num_layers=config.layers, batch_first=True,
        bidirectional=config.bidirectional, dropout=config.dropout if config.layers > 1 else 0.0,
    )
    return embedding, rnn


def _encode(net: nn.Module, ids: torch.Tensor, lengths: torch.Tensor,
            subword_ids: torch.Tensor | None = None) -> torch.Tensor:
    x = net.embedding(ids)
    if subword_ids is not None:
        x = x + net.subword(subword_ids).sum(dim=2)  # word vector + its n-grams' vectors
    x = net.dropout(x)
    packed = pack_padded_sequence(x, lengths.cpu().clamp(min=1), batch_first=True, enforce_sorted=False)
    out, _ = net.rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
    return out


def pool(out: torch.Tensor, lengths: torch.Tensor, how: str, directions: int) -> torch.Tensor:
    lengths = lengths.to(out.device)
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
