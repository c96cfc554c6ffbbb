"""Behavioural checks: small templated texts, each with the answer a reader would give.

Each task says which checks it has (``Task.checks()``); this module runs them for a model and
for the task's word-count baseline and reports the pass rate per check type (like a unit test
suite for behaviour: negation, contrast, ...). The items are built from templates and word lists
written for rnnlu, not copied from any public suite, and no model was trained or chosen on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnlu.engine.tokenize import tokenize


@dataclass(frozen=True)
class CheckItem:
    kind: str        # the check type, e.g. "simple negation"
    text: str
    expected: str    # the label a reader gives


@dataclass
class CheckTypeResult:
    kind: str
    description: str
    items: int
    model_passed: int
    baseline_passed: int | None
    failures: list[dict] = field(default_factory=list)   # the model's misses

    @property
    def model_rate(self) -> float:
        return self.model_passed / self.items if self.items else 0.0

    @property
    def baseline_rate(self) -> float | None:
        return None if self.baseline_passed is None else self.baseline_passed / self.items if self.items else 0.0


@dataclass
class CheckReport:
    task: str
    model: str
    types: list[CheckTypeResult]

    def to_dict(self) -> dict:
        return {"task": self.task, "model": self.model, "types": [
            {"type": t.kind, "description": t.description, "items": t.items, "model_pass_rate": round(t.model_rate, 4),
             "baseline_pass_rate": None if t.baseline_rate is None else round(t.baseline_rate, 4),
             "model_failures": t.failures} for t in self.types]}


def run_checks(task, model, items: list[CheckItem], descriptions: dict[str, str]) -> CheckReport:
    """Answer every item with ``model`` (all its labels allowed) and with the task's baseline."""
    tokens = [tokenize(item.text) for item in items]
    predicted = task.predict_labels(model, tokens)
    baseline = task.baseline()
    base_pred = [baseline(t).label for t in tokens] if baseline else [None] * len(items)
    types: dict[str, CheckTypeResult] = {}
    for item, pred, base in zip(items, predicted, base_pred):
        result = types.setdefault(item.kind, CheckTypeResult(item.kind, descriptions.get(item.kind, ""), 0, 0,
                                                             0 if baseline else None))
        result.items += 1
        if pred == item.expected:
            result.model_passed += 1
        else:
            result.failures.append({"text": item.text, "expected": item.expected, "model": pred})
        if baseline and base == item.expected:
            result.baseline_passed += 1
    return CheckReport(task.name, model.name, list(types.values()))
