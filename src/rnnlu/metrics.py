"""Metrics shared by every task (accuracy, per-class P/R/F1, macro averages) and the report an evaluation shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field


@dataclass
class ClassReport:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Scores:
    accuracy: float
    macro_f1: float
    macro_recall: float
    per_class: list[ClassReport]
    labels: list[str]
    confusion: list[list[int]]  # confusion[gold][predicted], rows and columns in ``labels`` order
    n: int

    def get(self, metric: str) -> float:
        return getattr(self, metric)

    def to_dict(self) -> dict:
        return asdict(self)


def score(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> Scores:
    """Score predictions against gold labels. Macro averages run over labels that occur in gold."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    labels = list(labels) if labels else sorted(set(gold) | set(predicted))
    for extra in sorted((set(gold) | set(predicted)) - set(labels)):
        labels.append(extra)
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        confusion[index[g]][index[p]] += 1
    per_class = []
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        predicted_i = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = tp / predicted_i if predicted_i else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(ClassReport(label, precision, recall, f1, support))
    present = [c for c in per_class if c.support > 0]
    n = len(gold)
    return Scores(
        accuracy=sum(confusion[i][i] for i in range(len(labels))) / n if n else 0.0,
        macro_f1=sum(c.f1 for c in present) / len(present) if present else 0.0,
        macro_recall=sum(c.recall for c in present) / len(present) if present else 0.0,
        per_class=per_class, labels=labels, confusion=confusion, n=n,
    )


# ---- what an evaluation shows, whatever the task ------------------------------------------------------
@dataclass
class Confusion:
    """A confusion table: ``counts[gold][predicted]``, rows and columns in ``labels`` order."""

    title: str
    labels: list[str]
    counts: list[list[int]]


@dataclass
class Report:
    """An evaluation as the terminal shows it, for any task: one table of rows ``(name, model value,
    baseline value or None)``, the headline row in bold, then confusion tables and notes. A value is a
    float (shown to 4 places), a ``(precision, recall, f1)`` triple (3 places) or text. Each task's
    evaluation builds one (``report()``); ``render.reports.show_evaluation`` prints it, whatever it holds."""

    title: str
    model: str
    baseline: str | None                    # the baseline's name, when it was scored too
    headline: str                           # the name of the row the file is judged by
    rows: list[tuple[str, object, object]]
    confusions: list[Confusion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def prf(report) -> tuple[float, float, float]:
    """Precision, recall and F1 of anything that has them (a class, a span type), as one report value."""
    return (report.precision, report.recall, report.f1)
