"""The fill-blank model in NumPy (answering): the equations of :mod:`rnnlu.nn.blank`.

    left, right = forward state before the blank, backward state after it (the shared engine)
    q = W2 relu(W1 [left; right] + b1) + b2      (a one-directional model: [left] alone)
    log P(w) from the adaptive softmax: a head over the 2,000 most frequent words plus one entry
    per rarer cluster; a word in cluster k gets log P(cluster k) + log P(w | cluster k).

A multi-word option is scored by chaining the same model over its words (each word predicted
with the option's other words in place: a pseudo-log-likelihood), and a word outside the
vocabulary gets the probability of the vocabulary's rarest word (a word rarer than any the model
knows) and is flagged, never silently guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlu.engine import cells as engine
from rnnlu.engine.config import ModelConfig
from rnnlu.engine.modelfile import load_tensors
from rnnlu.engine.vocab import UNK, Vocab
from rnnlu.errors import RnnluError


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


class AdaptiveSoftmax:
    """torch's AdaptiveLogSoftmaxWithLoss (no head bias), read from its tensors."""

    def __init__(self, tensors: dict[str, np.ndarray], cutoffs: list[int], vocab_size: int):
        self.cutoffs = list(cutoffs) + [vocab_size]
        self.head = tensors["softmax.head.weight"]
        self.tails = [(tensors[f"softmax.tail.{i}.0.weight"], tensors[f"softmax.tail.{i}.1.weight"])
                      for i in range(len(cutoffs))]

    def log_prob(self, q: np.ndarray, words: np.ndarray | None = None) -> np.ndarray:
        """[N, E] queries -> [N, V] log-probabilities (or [N, K] for the given word ids [N, K])."""
        head = log_softmax(q @ self.head.T)
        short = self.cutoffs[0]
        if words is None:
            parts = [head[:, :short]]
            for i, (w1, w2) in enumerate(self.tails):
                parts.append(log_softmax((q @ w1.T) @ w2.T) + head[:, short + i, None])
            return np.concatenate(parts, axis=1)
        out = np.zeros(words.shape, dtype=np.float32)
        for row in range(words.shape[0]):
            for k, w in enumerate(words[row]):
                if w < short:
                    out[row, k] = head[row, w]
                    continue
                i = next(j for j in range(len(self.tails)) if w < self.cutoffs[j + 1])
                w1, w2 = self.tails[i]
                cluster = log_softmax((q[row] @ w1.T) @ w2.T)
                out[row, k] = cluster[w - self.cutoffs[i]] + head[row, short + i]
        return out


@dataclass
class OptionScore:
    word: str
    log_prob: float
    probability: float         # normalised over the options given
    known: bool                # every word of the option is in the vocabulary


class BlankModel:
    """A loaded fill-blank model file: encoder + query MLP + adaptive softmax, NumPy only."""

    def __init__(self, config: ModelConfig, vocab: Vocab, tensors: dict[str, np.ndarray], meta: dict,
                 card: dict | None = None, name: str | None = None):
        self.config, self.vocab, self.tensors = config, vocab, tensors
        self.card = card or {}
        self.name = name or meta.get("name", "fill-blank")
        self.encoder = engine.Encoder(config, tensors)
        self.w1, self.b1 = tensors["query_hidden.weight"], tensors["query_hidden.bias"]
        self.w2, self.b2 = tensors["query.weight"], tensors["query.bias"]
        self.softmax = AdaptiveSoftmax(tensors, meta["softmax_cutoffs"], config.vocab_size)

    @classmethod
    def load(cls, path: str | Path, card: dict | None = None, name: str | None = None) -> "BlankModel":
        from rnnlu.engine.model import check_model_file

        tensors, meta = load_tensors(path, keep_half=frozenset({"embedding.weight"}))
        config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
        if meta.get("format") == "rnnlu-association":
            raise RnnluError(f"{path} is the word-association table that fill-blank reads beside its model "
                             "(on by default), not a model; pass a fill-blank model file to --model")
        if meta.get("format") != "rnnlu" or config.get("head") != "blank":
            task = config.get("task") if isinstance(config.get("task"), str) else None
            raise RnnluError(f"{path} is {f'a {task} model' if task else 'a model of another task'}, "
                             f"not a fill-blank model; {_command_for(task)}")
        config = check_model_file(path, meta, tensors, encoder_only=True)  # vectors and recurrent layers fit, no NaN
        _check_answer_side(path, config, meta, tensors)
        try:
            return cls(config, Vocab(meta["vocab"], hashtag_backoff=False), tensors, meta, card, name)
        except (KeyError, TypeError, ValueError) as e:
            raise RnnluError(f"{path}: damaged fill-blank model file ({e})") from None

    @property
    def parameters(self) -> int:
        return int(sum(t.size for t in self.tensors.values()))

    def queries(self, rows: Sequence[Sequence[str]], where: Sequence[int], trace: bool = False):
        """Token lists with any token at the blank, blank positions -> query vectors [N, E] (and traces)."""
        ids, lengths = engine.pad_batch([self.vocab.encode(list(t)) for t in rows])
        if trace:  # the plain equations, every gate kept
            out, traces = self.encoder(ids, lengths, trace=True)
        else:      # the folded fast path: the same outputs to 1e-6, a fraction of the steps' operations
            out, traces = self.encoder.fast(ids, lengths), []
        h = self.config.hidden_size
        n = np.arange(len(rows))
        where = np.asarray(where)
        both = np.where((where > 0)[:, None], out[n, np.maximum(where - 1, 0), :h], 0.0)   # left of the blank
        if self.config.bidirectional:                                                      # and right of it
            after = np.minimum(where + 1, out.shape[1] - 1)
            right = np.where((where + 1 < lengths)[:, None], out[n, after, h:], 0.0)
            both = np.concatenate([both, right], axis=1)
        hidden = np.maximum(both @ self.w1.T + self.b1, 0.0)
        q = (hidden @ self.w2.T + self.b2).astype(np.float32)
        return (q, traces) if trace else q

    def score_options(self, left: list[str], right: list[str], options: list[list[str]]) -> list[OptionScore]:
        """log P of each option (a list of tokens) in the blank between ``left`` and ``right``."""
        return self.score_many([(left, right, options)])[0]

    def score_many(self, questions: Sequence[tuple[list[str], list[str], list[list[str]]]],
                   batch: int = 128) -> list[list[OptionScore]]:
        """:meth:`score_options` of many (left, right, options) at once: their rows are read in batches of
        similar length, not a few rows at a time (the same values to 1e-6)."""
        rows, where, owner = [], [], []
        for n, (left, right, options) in enumerate(questions):
            for k, words in enumerate(options):
                for j in range(len(words)):          # each word of the option, its other words in place
                    rows.append(left + words[:j] + [UNK] + words[j + 1:] + right)
                    where.append(len(left) + j)
                    owner.append((n, k, words[j]))
        q = np.empty((len(rows), self.w2.shape[0]), dtype=np.float32)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            q[idx] = self.queries([rows[i] for i in idx], [where[i] for i in idx])
        # A word outside the vocabulary is scored as the vocabulary's rarest word: <unk> itself holds the
        # mass of every rare word together and would win for any unknown option.
        rarest = len(self.vocab) - 1
        ids = np.array([[self.vocab.stoi.get(w, rarest)] for _, _, w in owner], dtype=np.int64).reshape(-1, 1)
        lp = self.softmax.log_prob(q, ids)[:, 0] if rows else np.zeros(0)
        totals = [np.zeros(len(options)) for _, _, options in questions]
        for (n, k, _), v in zip(owner, lp):
            totals[n][k] += v
        scores = []
        for (_, _, options), total in zip(questions, totals):
            probs = np.exp(total - total.max())
            probs /= probs.sum()
            scores.append([OptionScore(" ".join(words), float(total[k]), float(probs[k]),
                                       all(w in self.vocab.stoi for w in words)) for k, words in enumerate(options)])
        return scores

    def top_words(self, left: list[str], right: list[str], k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable words for the blank (placeholders such as <unk> left out)."""
        return self.top_many([(left, right)], k)[0]

    def top_many(self, questions: Sequence[tuple[list[str], list[str]]], k: int = 5,
                 batch: int = 64) -> list[list[tuple[str, float]]]:
        """:meth:`top_words` of many (left, right) at once, read in batches of similar length."""
        rows = [left + [UNK] + right for left, right in questions]
        where = [len(left) for left, _ in questions]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        found: list[list[tuple[str, float]]] = [[] for _ in rows]
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            lps = self.softmax.log_prob(self.queries([rows[i] for i in idx], [where[i] for i in idx]))
            for i, lp in zip(idx, lps):
                lp[:2] = -np.inf
                best = np.argsort(-lp)[: k + 8]
                found[i] = [(self.vocab.itos[j], float(np.exp(lp[j]))) for j in best
                            if not self.vocab.itos[j].startswith("<")][:k]
        return found


def _check_answer_side(path, config: ModelConfig, meta: dict, tensors: dict[str, np.ndarray]) -> None:
    """The query MLP and the adaptive softmax fit the config, the cutoffs and each other; no NaN."""
    def bad(why: str) -> RnnluError:
        return RnnluError(f"{path}: damaged fill-blank model file ({why}); retrain it or pass another model")

    cutoffs = meta.get("softmax_cutoffs")
    v, e = config.vocab_size, config.embedding_dim
    h = config.hidden_size * (2 if config.bidirectional else 1)   # the query reads [left; right] or [left]
    if not isinstance(cutoffs, list) or not cutoffs or not all(type(c) is int for c in cutoffs) \
            or cutoffs != sorted(set(cutoffs)) or not 0 < cutoffs[0] or cutoffs[-1] >= v:
        raise bad(f"softmax cutoffs {str(cutoffs)[:40]} do not split a vocabulary of {v:,}")
    bounds = cutoffs + [v]
    expected = {"query_hidden.weight": (h, h), "query_hidden.bias": (h,), "query.weight": (e, h),
                "query.bias": (e,), "softmax.head.weight": (cutoffs[0] + len(cutoffs), e)}
    for i in range(len(cutoffs)):
        inner = tensors.get(f"softmax.tail.{i}.0.weight")
        width = inner.shape[0] if inner is not None and inner.ndim == 2 else -1
        expected[f"softmax.tail.{i}.0.weight"] = (width, e)
        expected[f"softmax.tail.{i}.1.weight"] = (bounds[i + 1] - bounds[i], width)
    for name, shape in expected.items():
        t = tensors.get(name)
        if t is None:
            raise bad(f"no tensor {name}")
        if tuple(t.shape) != shape or min(shape) < 1:
            raise bad(f"{name} has shape {tuple(t.shape)}, the config needs {shape}")
        if t.dtype.kind == "f" and not np.isfinite(t).all():
            raise bad(f"{name} holds NaN or infinite weights")


def _command_for(task: str) -> str:
    commands = {"sentiment": "use it with `rnnlu sentiment -m FILE`", "tag": "use it with `rnnlu tag -m FILE`",
                "lm": "a language model from `rnnlu pretrain`: use it with `rnnlu train --init-from FILE`"}
    return commands.get(task, "make a fill-blank model with `rnnlu pretrain --objective blank`")
