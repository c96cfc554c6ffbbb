"""Score a model (and, with ``compare``, the word-count baseline) on a labelled file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rnnlu.metrics import Scores, score
from rnnlu.registry import load_model
from rnnlu.tasks import get_task


@dataclass
class Evaluation:
    data: str
    model: str
    labels: list[str]                 # the labels the file uses; predictions are restricted to them
    metric: str                       # the headline metric for this file
    scores: Scores
    baseline: Scores | None = None
    only_model_right: int = 0
    only_baseline_right: int = 0
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {"data": self.data, "model": self.model, "labels": self.labels, "metric": self.metric,
               "model_scores": self.scores.to_dict()}
        if self.baseline is not None:
            out.update(baseline_scores=self.baseline.to_dict(), only_model_right=self.only_model_right,
                       only_baseline_right=self.only_baseline_right)
        return out


def evaluate(task_name: str, data_path: str | Path, model: str | None = None, compare: bool = False,
             scheme: str | None = None):
    """An :class:`Evaluation` (a :class:`~rnnlu.tasks.tag.evaluate.TagEvaluation` for tag)."""
    if task_name == "tag":
        from rnnlu.tasks.tag.evaluate import evaluate_tags
        from rnnlu.tasks.tag.task import TagTask, check_scheme

        loaded = load_model(model, task="tag", scheme=scheme)
        task = TagTask(check_scheme(loaded, scheme))
        return evaluate_tags(task, loaded, task.read_labelled(data_path), compare=compare)
    if scheme:
        from rnnlu.errors import UsageError

        raise UsageError("--scheme is for `rnnlu evaluate tag`")
    task = get_task(task_name)
    loaded = load_model(model, task=task_name)
    data = task.read_labelled(data_path)
    label_set = data.label_set
    predicted = task.predict_labels(loaded, data.tokens, allowed=label_set)
    scores = score(data.labels, predicted, label_set)
    result = Evaluation(str(data_path), loaded.name, label_set, task.headline_metric(label_set), scores)
    base_pred = None
    if compare:
        baseline = task.baseline()
        base_pred = [baseline(t).label for t in data.tokens]  # a tie (neutral) on binary data is a miss
        result.baseline = score(data.labels, base_pred, label_set)
        right_m = [p == g for p, g in zip(predicted, data.labels)]
        right_b = [p == g for p, g in zip(base_pred, data.labels)]
        result.only_model_right = sum(m and not b for m, b in zip(right_m, right_b))
        result.only_baseline_right = sum(b and not m for m, b in zip(right_m, right_b))
    for i, (gold, pred) in enumerate(zip(data.labels, predicted)):
        if gold != pred:
            row = {"line": data.rows[i], "text": data.texts[i], "gold": gold, "predicted": pred}
            if base_pred is not None:
                row["baseline"] = base_pred[i]
            result.errors.append(row)
    return result

