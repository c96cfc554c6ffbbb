"""A loaded model: config + vocabulary + NumPy weights, ready to answer. No torch needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlu.engine import cells as engine
from rnnlu.engine.config import ModelConfig, tensor_names
from rnnlu.engine.modelfile import load_tensors, save_tensors
from rnnlu.engine.subwords import pad_buckets
from rnnlu.engine.vocab import Vocab
from rnnlu.engine.wordshape import feature_rows, word_key
from rnnlu.errors import RnnluError

# Texts per batch of the fast path: 256 rows of a gate block still sit in the caches, and sort by
# length as well as 128 (20k tweets: about 10% less CPU than 128; the same sentiment probabilities bit for
# bit, tag log-probabilities within 2e-6: the head's product rounds by its shape).
ANSWER_BATCH = 256

FORMAT_VERSION = 1
POOLINGS = ("max", "mean", "last")


def check_model_file(path, meta: dict, tensors: dict[str, np.ndarray], encoder_only: bool = False,
                     check_finite: bool = True) -> ModelConfig:
    """The config of a model file, after checking that config, vocabulary and tensors fit together
    (``encoder_only``: a language model's word vectors and recurrent layers, for ``--init-from``).

    A file of the right format but wrong content (shapes unlike the config, a 5-label head for 3
    labels, ``layers`` -1, NaN weights, no vocabulary) is refused here, with one line that names
    what is wrong, rather than failing deep inside NumPy or answering ``nan``. ``check_finite=False``
    skips the NaN scan (about 10 ms for the default model) for a bundled file whose sha256 was just
    verified: its bytes are those shipped, and a test scans every bundled file once.
    """
    def bad(why: str) -> RnnluError:
        return RnnluError(f"{path}: damaged model file ({why}); retrain it or pass another model")

    version = meta.get("version", 0)
    if type(version) is not int or version < 0:
        raise bad(f"format version {str(version)[:20]!r} is not a whole number")
    if version > FORMAT_VERSION:
        raise RnnluError(f"{path} was written by a newer rnnlu (format {version}); upgrade rnnlu")
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise bad("no config")
    if raw.get("head") == "lm" and not encoder_only:
        raise RnnluError(f"{path} is a pretrained language model, not a task model; use it with `rnnlu train --init-from`")
    try:
        config = ModelConfig.from_dict(raw)
    except (TypeError, ValueError) as e:
        raise bad(f"config: {e}") from None
    whole = lambda v, low: type(v) is int and low <= v <= 1 << 24  # noqa: E731
    for key, low in (("layers", 1), ("hidden_size", 1), ("embedding_dim", 1), ("subword_buckets", 0)):
        if not whole(getattr(config, key), low):
            raise bad(f"{key} is {str(getattr(config, key))[:20]}; it must be a whole number of at least {low}")
    if not isinstance(config.bidirectional, bool) or not isinstance(config.task, str):
        raise bad("bidirectional or task has the wrong type")
    labels = config.labels if not encoder_only else ["-", "+"]
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels) \
            or len(set(labels)) != len(labels):
        raise bad("labels must be a list of distinct names")
    if config.head not in ("classify", "tag") and not encoder_only:
        raise bad(f"unknown head {str(config.head)[:20]!r}")
    if config.head == "classify" and config.pooling not in POOLINGS:
        raise bad(f"unknown pooling {str(config.pooling)[:20]!r}; rnnlu knows {', '.join(POOLINGS)}")
    vocab = meta.get("vocab")
    if not isinstance(vocab, list) or len(vocab) < 2 or not all(isinstance(w, str) for w in vocab):
        raise bad("no vocabulary (a list of words)")

    missing = [n for n in tensor_names(config) if n not in tensors and not (encoder_only and n.startswith("head."))]
    if missing:
        raise bad(f"lacks tensors {', '.join(missing[:3])}")
    e, h, d, g = config.embedding_dim, config.hidden_size, config.directions, config.gates
    expected = {"embedding.weight": (len(vocab), e)}
    if not encoder_only:
        expected.update({"head.weight": (len(labels), h * d), "head.bias": (len(labels),)})
    for layer in range(config.layers):
        for suffix in ("", "_reverse")[:d]:
            expected[f"rnn.weight_ih_l{layer}{suffix}"] = (g * h, e if layer == 0 else h * d)
            expected[f"rnn.weight_hh_l{layer}{suffix}"] = (g * h, h)
            expected[f"rnn.bias_ih_l{layer}{suffix}"] = (g * h,)
            expected[f"rnn.bias_hh_l{layer}{suffix}"] = (g * h,)
    if "subword.weight" in tensors:
        rows = tensors["subword.weight"].shape[0] if tensors["subword.weight"].ndim == 2 else -1
        expected["subword.weight"] = (max(rows, config.subword_buckets + 1), e)
    for name, shape in expected.items():
        if tuple(tensors[name].shape) != shape:
            what = " (one row per label)" if name.startswith("head") else ""
            raise bad(f"tensor {name} is {list(tensors[name].shape)}, the config needs {list(shape)}{what}")
    if check_finite:
        for name in expected:
            array = tensors[name]
            if array.dtype.kind == "f" and not np.isfinite(array).all():
                raise bad(f"tensor {name} holds NaN or infinite values")
    return config


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
    def load(cls, path: str | Path, card: dict | None = None, name: str | None = None,
             verified: bool = False) -> "Model":
        """A model file (``verified``: its sha256 matched the bundled index, so the NaN scan is skipped)."""
        tensors, meta = load_tensors(path, keep_half=frozenset({"embedding.weight", "subword.weight"}))
        if meta.get("format") != "rnnlu":
            raise RnnluError(f"{path} holds tensors but no rnnlu config; pass a file written by `rnnlu train`")
        head = (meta.get("config") or {}).get("head") if isinstance(meta.get("config"), dict) else None
        if head in ("lm", "blank"):  # not a classify/tag model: say what it is and which command takes it
            what = {"lm": "a language model from `rnnlu pretrain`; use it with `rnnlu train --init-from FILE`",
                    "blank": "a fill-blank model; use it with `rnnlu fill-blank -m FILE`"}[head]
            raise RnnluError(f"{path} is {what}")
        config = check_model_file(path, meta, tensors, check_finite=not verified)  # one clear line for a damaged file, before any answer
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

    def logits(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """``forward(token_lists).logits`` by the engine's untraced fast path: each distinct token's
        input side is built once per model and kept (engine.InputRows), the classify head pools as
        the steps run."""
        lengths = np.array([len(t) for t in token_lists], dtype=np.int64)
        order = np.argsort(-lengths, kind="stable")
        if getattr(self, "_input_rows", None) is None:
            self._input_rows = engine.InputRows(self.encoder, self._describe_tokens)
        rows = self._input_rows
        index = rows.index([token_lists[i] for i in order], int(lengths.max(initial=0)))
        tables = rows.tables
        pooling = None if self.config.head == "tag" else self.config.pooling
        out = self.encoder.run_sorted(lambda d, t, n, buf: np.take(tables[d], index[:n, t], axis=1, out=buf, mode="clip"),
                                      lengths[order], pooling=pooling)
        result = np.empty((len(order), *out.shape[1:-1], len(self.labels)), dtype=np.float32)
        result[order] = out @ self.head_w.T + self.head_b
        return result

    def _describe_tokens(self, tokens: list[str]) -> tuple[list[int], np.ndarray | None]:
        """Word ids and n-gram (and case) rows of distinct tokens, as :meth:`forward` builds them."""
        if self.config.case_features:
            ids = self.vocab.encode([word_key(w) for w in tokens])
            return ids, feature_rows([tokens], self.config.subword_buckets, len(tokens))[0]
        ids = self.vocab.encode(list(tokens))
        if self.config.subword_buckets:
            return ids, pad_buckets([tokens], self.config.subword_buckets, len(tokens))[0]
        return ids, None

    def predict_proba(self, token_lists: Sequence[Sequence[str]], batch_size: int = ANSWER_BATCH) -> np.ndarray:
        """Label probabilities [N, labels] for a classify head. Texts of similar length share a batch."""
        n = len(token_lists)
        probs = np.zeros((n, len(self.labels)), dtype=np.float32)
        order = sorted(range(n), key=lambda i: len(token_lists[i]))
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            probs[idx] = engine.softmax(self.logits([token_lists[i] for i in idx]))
        return probs

    def tag_log_proba(self, token_lists: Sequence[Sequence[str]], batch_size: int = ANSWER_BATCH) -> list[np.ndarray]:
        """Log-probabilities [tokens, labels] of every token's tag, one array per text (tag head)."""
        out: list[np.ndarray] = [np.zeros((0, len(self.labels)), dtype=np.float32)] * len(token_lists)
        order = sorted((i for i in range(len(token_lists)) if len(token_lists[i])), key=lambda i: len(token_lists[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            logits = self.logits([token_lists[i] for i in idx])
            logits = logits - logits.max(axis=-1, keepdims=True)
            log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
            for row, i in enumerate(idx):
                out[i] = log_probs[row, : len(token_lists[i])]
        return out
