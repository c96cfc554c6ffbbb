"""Sentiment: one label per text (positive / negative / neutral), with the word-count baseline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rnnlu.engine.tokenize import tokenize
from rnnlu.errors import RnnluError
from rnnlu.io import read_labelled_rows
from rnnlu.tasks.base import LabelledData, Task, batched, choose
from rnnlu.tasks.sentiment.baseline import BaselineResult, WordCountBaseline

LABEL_ALIASES = {"pos": "positive", "neg": "negative", "neu": "neutral", "1": "positive", "0": "negative",
                 "positive": "positive", "negative": "negative", "neutral": "neutral"}


@dataclass
class SentimentResult:
    text: str
    label: str
    probabilities: dict[str, float]
    model: str
    baseline: BaselineResult | None = None

    def row(self, compare: bool, flat: bool = False) -> dict:
        """Result columns: label, one probability per label, model (and the baseline's with ``compare``).

        Probabilities are rounded to 4 decimals; with ``flat`` (CSV/TSV) they are left for the writer,
        which prints every float with 4 decimals: the same digits, one rounding instead of two."""
        row = {"label": self.label}
        if flat:
            row.update({f"p_{label}": p for label, p in self.probabilities.items()})
        else:
            row.update({f"p_{label}": round(p, 4) for label, p in self.probabilities.items()})
        row["model"] = self.model
        if compare and self.baseline is not None:
            b = self.baseline
            row["baseline_label"] = b.label
            row["baseline_score"] = b.score
            row["baseline_words"] = " ".join([f"+{w}" for w in b.positive] + [f"-{w}" for w in b.negative])
        return row


class SentimentTask(Task):
    name = "sentiment"
    head = "classify"
    labels = ["negative", "neutral", "positive"]

    def read_labelled(self, path: str | Path, text_column: str = "text", label_column: str = "label") -> LabelledData:
        texts, labels, rows = [], [], []
        for line, label, text in read_labelled_rows(path, text_column, label_column):
            norm = LABEL_ALIASES.get(label.strip().lower())
            if norm is None:
                raise RnnluError(f"{path}:{line}: unknown sentiment label {label!r}; use positive, negative or neutral")
            texts.append(text)
            labels.append(norm)
            rows.append(line)
        if not texts:
            raise RnnluError(f"{path} holds no labelled rows")
        return LabelledData(str(path), texts, [tokenize(t) for t in texts], labels, rows)

    def headline_metric(self, label_set: list[str]) -> str:
        # Three-class sentiment is scored by macro-averaged recall (SemEval-2017 4A, TweetEval);
        # binary polarity (SST-2, MR) by accuracy.
        return "macro_recall" if "neutral" in label_set else "accuracy"

    def predict_labels(self, model, tokens, allowed=None) -> list[str]:
        probs = model.predict_proba(tokens)
        return choose(probs, model.labels, allowed)

    def baseline(self) -> WordCountBaseline:
        return WordCountBaseline.opinion_lexicon()

    def checks(self):
        from rnnlu.tasks.sentiment.checks import DESCRIPTIONS, sentiment_checks

        return sentiment_checks(), DESCRIPTIONS

    def predict(self, model, texts: Iterable[str], compare: bool = False, chunk: int = 1024,
                workers: int | None = 1) -> Iterator[SentimentResult]:
        """Stream results in input order; texts are read and answered ``chunk`` at a time.

        ``workers``: processes answering chunks side by side for big inputs (None: one per idle
        core; see rnnlu.parallel). Same labels either way; probabilities agree to 1e-6."""
        from rnnlu.parallel import ordered_map

        baseline = self.baseline() if compare else None

        def answer(batch: list[str]):
            tokens = [tokenize(t) for t in batch]
            probs = model.predict_proba([t for t in tokens if t]) if any(tokens) else None
            return (tokens if compare else [bool(t) for t in tokens]), probs  # (what the baseline needs)

        labels, name = model.labels, model.name
        even = dict.fromkeys(labels, 1.0 / len(labels))  # nothing to read: no evidence either way
        for batch, (tokens, probs) in ordered_map(answer, batched(texts, chunk), workers):
            # one NumPy call per chunk, not per text: the same floats and the same first-maximum choice
            best = iter(probs.argmax(axis=1).tolist() if probs is not None else ())
            rows = iter(probs.tolist() if probs is not None else ())
            for text, toks in zip(batch, tokens):
                if toks:
                    label, p = labels[next(best)], dict(zip(labels, next(rows)))
                else:  # nothing to read is no opinion: "neutral", even for a model trained on two labels only
                    label, p = "neutral", dict(even)
                yield SentimentResult(text, label, p, name, baseline(toks) if baseline else None)
