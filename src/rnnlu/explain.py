"""Explain one answer: what each gate did at each word, and how much each word moved the answer.

Built on the engine's traced forward pass (``Model.forward(..., trace=True)``), so it works for any
cell and task: gate values are averaged over the hidden units of each layer and direction. Models
with a classify head also get each word's leave-one-out contribution, and tasks that have a
non-neural baseline (sentiment: the word-count method) get its verdict beside the model's.

    GRU   update z: share of the old memory kept at this word (1 = the word was skipped);
          rewrite = 1 - z: how much the word rewrote the memory; reset r: share of the old
          memory used when reading the word.
    LSTM  input / forget / output gate means, and the L2 norm of the cell state c_t after the word.

No printing here: :func:`explain` returns an :class:`Explanation`; ``render.show_explanation`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlu.engine import cells as engine
from rnnlu.engine.model import Forward, Model
from rnnlu.engine.tokenize import tokenize
from rnnlu.errors import RnnluError

MAX_TOKENS = 400   # leave-one-out runs the model once per word; a paragraph is plenty for one picture

GATE_ORDER = {"gru": ("update", "rewrite", "reset"), "lstm": ("input", "forget", "output", "cell_norm"), "rnn": ()}


@dataclass
class GateReading:
    """One layer and direction at one word: gate means over the hidden units."""

    layer: int                   # 1-based
    direction: str               # "forward" (reads left to right) | "backward" (right to left)
    values: dict[str, float]     # GRU: update, rewrite, reset; LSTM: input, forget, output, cell_norm

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "direction": self.direction, **self.values}


@dataclass
class WordExplanation:
    index: int
    token: str
    known: bool                              # False: not in the vocabulary (read as <unk>, or by its n-grams)
    gates: list[GateReading]
    contribution: float | None = None        # p(label | text) - p(label | text without this word)
    probabilities_without: dict[str, float] | None = None
    tag: str | None = None                   # tag head: the word's tag and its probability
    tag_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "token": self.token, "known": self.known}
        if self.tag is not None:
            out.update(tag=self.tag, tag_probability=self.tag_probability)
        if self.contribution is not None:
            out["contribution"] = self.contribution
            out["probabilities_without"] = self.probabilities_without
        out["gates"] = [g.to_dict() for g in self.gates]
        return out


@dataclass
class Explanation:
    text: str
    tokens: list[str]
    model: str
    architecture: str                         # e.g. "BiGRU 1x128"
    cell: str                                 # gru | lstm | rnn
    task: str
    labels: list[str]
    words: list[WordExplanation]
    label: str | None = None                  # classify head: the model's answer
    probabilities: dict[str, float] | None = None
    baseline: Any = None                      # the task's baseline result (sentiment: BaselineResult)
    subwords: bool = False                    # the model also reads words by their character n-grams
    forward: Forward | None = field(default=None, repr=False)   # the traced pass itself, for checks

    @property
    def layers(self) -> list[tuple[int, str]]:
        """(layer, direction) pairs in the order every word lists its gates."""
        return [(g.layer, g.direction) for g in self.words[0].gates] if self.words else []

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "model": self.model, "architecture": self.architecture,
                               "cell": self.cell, "task": self.task}
        if self.label is not None:
            out["label"] = self.label
            out["probabilities"] = self.probabilities
        if self.baseline is not None:
            b = self.baseline
            out["baseline"] = ({"label": b.label, "score": b.score, "positive": b.positive, "negative": b.negative}
                               if hasattr(b, "positive") else b)
        out["tokens"] = [w.to_dict() for w in self.words]
        return out


def gate_means(trace: engine.Trace, row: int, length: int, cell: str = "") -> list[dict[str, float]]:
    """Per-step summaries of one traced layer/direction for one text: means over hidden units."""
    steps: list[dict[str, float]] = [{} for _ in range(length)]
    for name, values in trace.gates.items():
        v = values[row, :length].astype(np.float64)          # [T, H]
        if name == "cell":
            summary = np.linalg.norm(v, axis=-1)
            key = "cell_norm"
        else:
            summary = v.mean(axis=-1)
            key = name
        for t in range(length):
            steps[t][key] = float(summary[t])
    for step in steps:
        if "update" in step:
            step["rewrite"] = 1.0 - step["update"]
    order = GATE_ORDER.get(cell, ())
    return [{k: step[k] for k in sorted(step, key=lambda k: (order.index(k) if k in order else len(order), k))}
            for step in steps]


def leave_one_out(model: Model, tokens: list[str]) -> np.ndarray:
    """Probabilities [T, labels] with each word removed in turn, all in one batched call.

    A one-word text without its word is empty: no evidence, so every label is equally likely.
    """
    variants = [tokens[:i] + tokens[i + 1:] for i in range(len(tokens))]
    uniform = np.full(len(model.labels), 1.0 / len(model.labels), dtype=np.float32)
    nonempty = [v for v in variants if v]
    probs = model.predict_proba(nonempty) if nonempty else np.zeros((0, len(model.labels)), np.float32)
    out, k = [], 0
    for v in variants:
        if v:
            out.append(probs[k])
            k += 1
        else:
            out.append(uniform)
    return np.stack(out)


def explain(model: Model, text: str, max_tokens: int = MAX_TOKENS) -> Explanation:
    """Run ``text`` through ``model`` with the gates traced, and summarise every word."""
    from rnnlu.tasks import get_task

    if model.config.tokenizer == "surface":  # taggers read words as written
        from rnnlu.engine.tokenize import surface_tokens

        tokens = [t for t, _, _ in surface_tokens(text)]
    else:
        tokens = tokenize(text)
    if not tokens:
        raise RnnluError("nothing to explain: the text has no words; give a text such as \"I am not at all happy\"")
    if len(tokens) > max_tokens:
        raise RnnluError(f"the text has {len(tokens):,} tokens; explain reads at most {max_tokens:,} "
                         "(one row per word); explain a sentence or a paragraph at a time")
    config = model.config
    fwd = model.forward([tokens], trace=True)
    length = len(tokens)

    per_trace = [(t.layer + 1, "backward" if t.reverse else "forward", gate_means(t, 0, length, config.cell)) for t in fwd.traces]
    if config.case_features:
        from rnnlu.engine.wordshape import word_key

        ids = model.vocab.encode([word_key(t) for t in tokens])
    else:
        ids = model.vocab.encode(tokens)  # 1 = <unk>; an unknown hashtag may back off to its word
    words = [WordExplanation(i, tok, ids[i] != 1,
                             [GateReading(layer, direction, steps[i]) for layer, direction, steps in per_trace])
             for i, tok in enumerate(tokens)]

    label = probabilities = None
    if config.head == "classify":
        p = engine.softmax(fwd.logits)[0]
        best = int(np.argmax(p))
        label = model.labels[best]
        probabilities = {l: float(v) for l, v in zip(model.labels, p)}
        without = leave_one_out(model, tokens)
        for word, q in zip(words, without):
            word.contribution = float(p[best]) - float(q[best])
            word.probabilities_without = {l: float(v) for l, v in zip(model.labels, q)}

    if config.head == "tag":  # each word's own tag, decoded as `rnnlu tag` decodes it
        from rnnlu.tasks.tag import TagTask

        tags, probs = TagTask(config.scheme or "coin").predict_tags(model, [tokens])
        for word, tag, p in zip(words, tags[0], probs[0]):
            word.tag, word.tag_probability = tag, p
    try:
        task = get_task(config.task)
    except RnnluError:
        task = None
    baseline = task.baseline() if task is not None else None

    return Explanation(text=text, tokens=tokens, model=model.name, architecture=config.describe(), cell=config.cell,
                       task=config.task, labels=list(model.labels), words=words, label=label,
                       probabilities=probabilities, baseline=baseline(tokens) if baseline else None,
                       subwords=bool(config.subword_buckets), forward=fwd)


# ---- fill-blank: what each word did to the memory that reaches the blank ---------------------------
SHUT = 0.9   # a unit whose update (GRU) / forget (LSTM) gate is above this kept its memory at that word


@dataclass
class BlankWord:
    index: int
    token: str
    side: str                         # "left" (read by the forward pass) | "right" (backward) | "blank"
    known: bool
    rewrote: float | None = None      # |h_t - h_prev| / |h_prev| of the pass that carries it to the blank
    kept_units: float | None = None   # share of units whose update/forget gate is above SHUT (memory kept)
    gate_mean: float | None = None    # the plain mean of that gate over units, for comparison
    contribution: float | None = None # p(answer) - p(answer without this word)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class BlankExplanation:
    text: str
    model: str
    architecture: str
    cell: str
    answer: str
    options: list[dict]
    words: list[BlankWord]
    with_topic: dict | None = None    # `rnnlu fill-blank`'s answer, the association table's topic added

    def to_dict(self) -> dict[str, Any]:
        out = {"text": self.text, "model": self.model, "architecture": self.architecture, "cell": self.cell,
               "task": "fill-blank", "answer": self.answer, "options": self.options,
               "tokens": [w.to_dict() for w in self.words]}
        if self.with_topic:
            out["with_association"] = self.with_topic
        return out


def explain_blank(model, text: str, max_tokens: int = MAX_TOKENS, association=None) -> BlankExplanation:
    """For a sentence with ``___`` (and options): how much each word rewrote the memory that carries it
    to the blank (forward pass left of it, backward pass right of it), the share of units that kept
    their memory there, and how much leaving the word out moves the answer's probability. All of it
    is the model's own; with ``association`` (a WordAssociation), the answer `rnnlu fill-blank` gives
    once the sentence's topic is added is reported beside it."""
    from rnnlu.tasks.fill_blank.items import parse_item

    item = parse_item(text)
    left, right = tokenize(item.left), tokenize(item.right)
    if len(left) + len(right) > max_tokens:
        raise RnnluError(f"the text has {len(left) + len(right):,} tokens; explain reads at most {max_tokens:,}")
    options = [tokenize(o) or [o] for o in item.options] or [[w] for w, _ in model.top_words(left, right, 5)]
    tokens = left + ["___"] + right
    scores = model.score_options(left, right, options)
    best = int(np.argmax([s.probability for s in scores]))
    ids, lengths = engine.pad_batch([model.vocab.encode(left + ["<unk>"] + right)])
    out, traces = model.encoder(ids, lengths, trace=True)
    h = model.config.hidden_size
    gate = {"gru": "update", "lstm": "forget"}.get(model.config.cell)
    words = []
    for i, tok in enumerate(tokens):
        side = "left" if i < len(left) else "blank" if i == len(left) else "right"
        w = BlankWord(i, tok, side, tok == "___" or model.vocab.stoi.get(tok) is not None)
        if side == "left" or (side == "right" and model.config.bidirectional):   # a one-way model never reads the right
            reverse = side == "right"
            states = out[0, :, h:] if reverse else out[0, :, :h]
            j = i + 1 if reverse else i - 1               # the step the pass read just before this word
            if 0 <= j < len(tokens) and np.any(states[j]):  # the first word a pass reads has no memory yet
                prev = states[j]
                w.rewrote = float(np.linalg.norm(states[i] - prev) / np.linalg.norm(prev))
            if gate:
                g = next(t for t in traces if t.reverse == reverse).gates[gate][0, i]
                w.kept_units, w.gate_mean = float((g > SHUT).mean()), float(g.mean())
        words.append(w)
    # leave-one-out: the answer's probability among the options without each word
    for w in words:
        if w.side == "blank":
            continue
        l2 = left[:w.index] + left[w.index + 1:] if w.side == "left" else left
        r2 = right if w.side == "left" else right[: w.index - len(left) - 1] + right[w.index - len(left):]
        if not l2 and not r2:
            continue
        without = model.score_options(l2, r2, options)
        w.contribution = scores[best].probability - without[best].probability
    with_topic = None
    p = association.rescore(options, left + right, [s.log_prob for s in scores]) if association and item.options else None
    if p is not None:
        with_topic = {"answer": scores[int(np.argmax(p))].word,
                      "options": [{"word": s.word, "probability": q} for s, q in zip(scores, p)]}
    return BlankExplanation(item.text, model.name, model.config.describe(), model.config.cell,
                            scores[best].word, [{"word": s.word, "probability": s.probability} for s in scores], words,
                            with_topic)
