"""Score a model (and, with ``compare``, the word-count baseline) on a labelled file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rnnlu.metrics import Confusion, Report, Scores, prf, score
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

    def report(self) -> Report:
        """Accuracy, macro-F1, macro-recall, P/R/F1 per label, confusion matrices (model, baseline)."""
        s, b = self.scores, self.baseline
        rows = [(metric, s.get(metric), b.get(metric) if b else None) for metric in ("accuracy", "macro_f1", "macro_recall")]
        for i, c in enumerate(s.per_class):
            if c.support == 0 and (not b or b.per_class[i].support == 0) and c.label not in self.labels:
                continue
            bc = next((x for x in b.per_class if x.label == c.label), None) if b else None
            rows.append((f"{c.label} P/R/F1 (n={c.support})", prf(c), prf(bc) if bc else None))
        confusions = [Confusion(f"confusion matrix, {name} (rows: gold, columns: predicted)", sc.labels, sc.confusion)
                      for name, sc in (("model", s), ("baseline", b)) if sc is not None]
        notes = [f"only the model is right on {self.only_model_right:,} texts; "
                 f"only the baseline on {self.only_baseline_right:,}"] if b else []
        return Report(f"{self.data} · {s.n:,} texts · headline metric: {self.metric}", self.model,
                      "word-count baseline" if b else None, self.metric, rows, confusions, notes)


def evaluate(task_name: str, data_path: str | Path, model: str | None = None, compare: bool = False,
             scheme: str | None = None, only_labels: list[str] | None = None, association: bool = True):
    """An :class:`Evaluation` (a :class:`~rnnlu.tasks.tag.evaluate.TagEvaluation` for tag, a
    :class:`~rnnlu.tasks.fill_blank.task.BlankEvaluation` for fill-blank). Each has ``to_dict()`` (the JSON
    output), ``report()`` (what the terminal shows) and ``errors`` (the rows it got wrong).

    ``only_labels`` (sentiment): score the rows with these gold labels only, answering among them, as
    for a file that holds no others (e.g. the 359 polar tweets of Sentiment140's test file).
    ``association`` (fill-blank): score options with the word-association table too (the default)."""
    if only_labels and task_name != "sentiment":
        from rnnlu.errors import UsageError

        raise UsageError("--only-labels is for `rnnlu evaluate sentiment`")
    if task_name == "fill-blank":
        from rnnlu.tasks.fill_blank.run import evaluate_file

        if scheme:
            from rnnlu.errors import UsageError

            raise UsageError("--scheme is for `rnnlu evaluate tag`")
        return evaluate_file(data_path, model=model, compare=compare, association=association)
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
    if only_labels:
        data = _rows_labelled(data, only_labels)
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


def _rows_labelled(data, only: list[str]):
    """The rows of ``data`` whose gold label is in ``only`` (names checked against the file's)."""
    from rnnlu.errors import UsageError

    unknown = sorted(set(only) - set(data.label_set))
    if unknown:
        raise UsageError(f"--only-labels {','.join(unknown)}: {data.path} has no such label "
                         f"(it has {', '.join(data.label_set)})")
    return data.subset([i for i, label in enumerate(data.labels) if label in only])
