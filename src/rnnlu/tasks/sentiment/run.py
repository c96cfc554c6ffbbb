"""Library functions behind the commands: they take inputs and return data, never print."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from rnnlu.io import Source
from rnnlu.registry import load_model
from rnnlu.tasks import get_task
from rnnlu.tasks.sentiment.task import SentimentResult


@dataclass
class Agreement:
    """How often the model and the word-count baseline gave the same label."""

    total: int = 0
    agree: int = 0
    by_pair: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, model_label: str, baseline_label: str) -> None:
        self.total += 1
        self.agree += model_label == baseline_label
        key = (model_label, baseline_label)
        self.by_pair[key] = self.by_pair.get(key, 0) + 1

    @property
    def rate(self) -> float:
        return self.agree / self.total if self.total else 0.0


@dataclass
class SentimentRun:
    """A streaming run: iterate ``results`` (record, result) pairs; ``agreement`` fills as you go."""

    model_name: str
    labels: list[str]
    compare: bool
    agreement: Agreement
    results: Iterator


def run_sentiment(source: Source, model: str | None = None, compare: bool = False,
                  workers: int | None = 1) -> SentimentRun:
    task = get_task("sentiment")
    loaded = load_model(model, task="sentiment")
    agreement = Agreement()

    def results():
        records = iter(source.records)
        pending: deque = deque()

        def texts():
            for record in records:
                pending.append(record)
                yield record.text

        for result in task.predict(loaded, texts(), compare=compare, workers=workers):
            record = pending.popleft()
            if compare and result.baseline is not None:
                agreement.add(result.label, result.baseline.label)
            yield record, result

    return SentimentRun(loaded.name, loaded.labels, compare, agreement, results())


def sentiment_row(result: SentimentResult, compare: bool) -> dict:
    """Flat result columns (shared by every output format)."""
    row = {"label": result.label}
    row.update({f"p_{label}": round(p, 4) for label, p in result.probabilities.items()})
    row["model"] = result.model
    if compare and result.baseline is not None:
        b = result.baseline
        row["baseline_label"] = b.label
        row["baseline_score"] = b.score
        row["baseline_words"] = " ".join([f"+{w}" for w in b.positive] + [f"-{w}" for w in b.negative])
    return row


def label_texts(texts: list[str], model: str | None = None, compare: bool = False) -> list[dict]:
    """Convenience for library users: label a list of texts, get a list of result rows."""
    from rnnlu.io import args_source

    run = run_sentiment(args_source(texts), model=model, compare=compare)
    return [{"text": r.text, **sentiment_row(r, compare)} for _, r in run.results]
