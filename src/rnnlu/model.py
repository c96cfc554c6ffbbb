"""A loaded model: config + vocabulary + NumPy weights, ready to answer. No torch needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlu import engine
from rnnlu.config import ModelConfig, tensor_names
from rnnlu.errors import RnnluError
from rnnlu.modelfile import load_tensors, save_tensors
from rnnlu.subwords import pad_buckets
from rnnlu.vocab import Vocab
from rnnlu.wordshape import feature_rows, word_key

FORMAT_VERSION = 1


@dataclass
class Forward:
    """Everything one forward pass computed, for explaining it."""

    ids: np.ndarray          # [B, T]
    lengths: np.ndarray      # [B]
    outputs: np.ndarray      # [B, T, D] encoder outputs
    logits: np.ndarray       # [B, labels] (classify) or [B, T, labels] (tag)
    traces: list[engine.Trace]


class Model:
    def __init__(self, config: ModelConfig, vocab: Vocab, tensors: dict[str, np.ndarray],
                 card: dict | None = None, name: str | None = None, extra: dict | None = None):
        missing = [n for n in tensor_names(config) if n not in tensors]
        if missing:
            raise RnnluError(f"model file lacks tensors {', '.join(missing[:3])}: it is damaged or not for this version")
        self.config, self.vocab, self.tensors = config, vocab, tensors
        self.card = card or {}
        self.extra = extra or {}   # task data stored in the file's metadata (a tagger's word -> tag baseline)
        self.name = name or self.card.get("name", "model")
        self.encoder = engine.Encoder(config, tensors)
        self.head_w, self.head_b = tensors["head.weight"], tensors["head.bias"]

    @property
    def labels(self) -> list[str]:
        return self.config.labels

    @property
    def parameters(self) -> int:
        return int(sum(t.size for t in self.tensors.values()))

    # ---- files -------------------------------------------------------------------------------
    def save(self, path: str | Path, half: bool = True) -> None:
        meta = {"format": "rnnlu", "version": FORMAT_VERSION, "config": self.config.to_dict(),
                "vocab": self.vocab.itos, "name": self.name, **({"extra": self.extra} if self.extra else {})}
        save_tensors(path, self.tensors, meta, half=half)

    @classmethod
    def load(cls, path: str | Path, card: dict | None = None, name: str | None = None) -> "Model":
        tensors, meta = load_tensors(path, keep_half=frozenset({"embedding.weight", "subword.weight"}))
        if meta.get("format") != "rnnlu":
            raise RnnluError(f"{path} holds tensors but no rnnlu config; pass a file written by `rnnlu train`")
        if int(meta.get("version", 0)) > FORMAT_VERSION:
            raise RnnluError(f"{path} was written by a newer rnnlu (format {meta['version']}); upgrade rnnlu")
        try:
            config = ModelConfig.from_dict(meta["config"])
        except (TypeError, ValueError) as e:
            raise RnnluError(f"{path}: bad model config ({e})") from None
        return cls(config, Vocab(meta["vocab"], config.hashtag_backoff), tensors, card=card, name=name or meta.get("name"),
                   extra=meta.get("extra") if isinstance(meta.get("extra"), dict) else None)

    # ---- inference ---------------------------------------------------------------------------
    def forward(self, token_lists: Sequence[Sequence[str]], trace: bool = False) -> Forward:
        """One padded batch through encoder and head."""
        if self.config.case_features:  # tag models: lower-cased keys; n-grams and case class from the surface form
            ids, lengths = engine.pad_batch([self.vocab.encode([word_key(w) for w in t]) for t in token_lists])
        else:
            ids, lengths = engine.pad_batch([self.vocab.encode(list(t)) for t in token_lists])
        subword_ids = None
        if self.config.case_features:
            subword_ids = feature_rows(token_lists, self.config.subword_buckets, ids.shape[1])
        elif self.config.subword_buckets:
            subword_ids = pad_buckets(token_lists, self.config.subword_buckets, ids.shape[1])
        outputs, traces = self.encoder(ids, lengths, trace=trace, subword_ids=subword_ids)
        if self.config.head == "tag":
            logits = outputs @ self.head_w.T + self.head_b
        else:
            pooled = engine.pool(outputs, lengths, self.config.pooling, self.config.directions)
            logits = pooled @ self.head_w.T + self.head_b
        return Forward(ids, lengths, outputs, logits, traces)

    def predict_proba(self, token_lists: Sequence[Sequence[str]], batch_size: int = 128) -> np.ndarray:
        """Label probabilities [N, labels] for a classify head. Texts of similar length share a batch."""
        n = len(token_lists)
        probs = np.zeros((n, len(self.labels)), dtype=np.float32)
        order = sorted(range(n), key=lambda i: len(token_lists[i]))
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            probs[idx] = engine.softmax(self.forward([token_lists[i] for i in idx]).logits)
        return probs

    def tag_log_proba(self, token_lists: Sequence[Sequence[str]], batch_size: int = 128) -> list[np.ndarray]:
        """Log-probabilities [tokens, labels] of every token's tag, one array per text (tag head)."""
        out: list[np.ndarray] = [np.zeros((0, len(self.labels)), dtype=np.float32)] * len(token_lists)
        order = sorted((i for i in range(len(token_lists)) if len(token_lists[i])), key=lambda i: len(token_lists[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            logits = self.forward([token_lists[i] for i in idx]).logits
            logits = logits - logits.max(axis=-1, keepdims=True)
            log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
            for row, i in enumerate(idx):
                out[i] = log_probs[row, : len(token_lists[i])]
        return out
