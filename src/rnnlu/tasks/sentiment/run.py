"""The library function behind `rnnlu sentiment`: records in, (record, result) pairs out, streaming; never prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnlu.io import Source
from rnnlu.registry import load_model
from rnnlu.tasks import get_task
from rnnlu.tasks.base import TaskRun, answer_records


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
class SentimentRun(TaskRun):
    """A sentiment run: its labels, and how often model and baseline agree (fills as answers stream)."""

    labels: list[str] = field(default_factory=list)
    agreement: Agreement = field(default_factory=Agreement)


def result_columns(labels: list[str], compare: bool) -> list[str]:
    """The columns a sentiment result adds to each row (``SentimentResult.row``)."""
    return ["label", *[f"p_{label}" for label in labels], "model"] + (
        ["baseline_label", "baseline_score", "baseline_words"] if compare else [])


def run_sentiment(source: Source, model: str | None = None, compare: bool = False,
                  workers: int | None = 1) -> SentimentRun:
    task = get_task("sentiment")
    loaded = load_model(model, task="sentiment")
    run = SentimentRun(loaded.name, compare, result_columns(loaded.labels, compare), labels=loaded.labels)

    def answers():
        for record, result in answer_records(source.records, lambda r: r.text,
                                             lambda texts: task.predict(loaded, texts, compare=compare, workers=workers)):
            run.total += 1
            if compare and result.baseline is not None:
                run.agreement.add(result.label, result.baseline.label)
            yield record, result

    run.answers = answers()
    return run


def label_texts(texts: list[str], model: str | None = None, compare: bool = False) -> list[dict]:
    """Convenience for library users: label a list of texts, get a list of result rows."""
    from rnnlu.io import args_source

    run = run_sentiment(args_source(texts), model=model, compare=compare)
    return [{"text": r.text, **r.row(compare)} for _, r in run.answers]
