"""Classification metrics, shared by every task (accuracy, per-class P/R/F1, macro averages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass


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
