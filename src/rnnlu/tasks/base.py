"""The task interface that train, evaluate, select and explain are written against."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rnnlu.metrics import Scores

if TYPE_CHECKING:
    from rnnlu.checks import CheckItem
    from rnnlu.engine.model import Model


@dataclass
class LabelledData:
    """A labelled data file, tokenised. ``labels`` holds one gold label per text (classify tasks)."""

    path: str
    texts: list[str]
    tokens: list[list[str]]
    labels: list[str]
    rows: list[int] = field(default_factory=list)   # source line of each example
    could_say: list[str] | None = None  # labels this source could have given (default: those it gives)

    @property
    def label_set(self) -> list[str]:
        """The labels this source could have given: its loss is taken over these (a binary file's
        examples never count against "neutral"; a source of neutral examples competes with all)."""
        return sorted(self.could_say or set(self.labels))

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, keep: list[int]) -> "LabelledData":
        """The examples at positions ``keep``, from the same source."""
        return LabelledData(self.path, [self.texts[i] for i in keep], [self.tokens[i] for i in keep],
                            [self.labels[i] for i in keep], [self.rows[i] for i in keep], self.could_say)


@dataclass
class TaskRun:
    """A streaming run of any task over any input: iterate ``answers`` for ``(record, answer)`` pairs, in
    input order. Each answer gives its result columns with ``answer.row(compare, flat)`` (``flat``: one
    string or number per column, for CSV/TSV); ``columns`` names them in order. The counters fill as the
    answers stream; ``rnnlu.render.results`` writes any task's run the same way."""

    model_name: str
    compare: bool
    columns: list[str]
    answers: Iterator = field(default_factory=lambda: iter(()))
    total: int = 0   # answers given so far
    bad: int = 0     # input lines skipped (each reported on stderr with its line number)


def answer_records(records: Iterable, read: Callable, answer: Callable[[Iterator], Iterator]) -> Iterator[tuple]:
    """Stream ``read(record)`` for each record through ``answer`` (a streaming predictor, which may read
    ahead) and pair every answer with its record, in input order."""
    pending: deque = deque()

    def inputs():
        for record in records:
            pending.append(record)
            yield read(record)

    for result in answer(inputs()):
        yield pending.popleft(), result


def batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class Task:
    """Subclasses say how to read labelled files, which metric leads, and how to present answers."""

    name: str = ""
    head: str = "classify"
    labels: list[str] = []

    def read_labelled(self, path: str | Path, **options) -> LabelledData:
        raise NotImplementedError

    def headline_metric(self, label_set: list[str]) -> str:
        """The metric a data file is judged by (a Scores field name)."""
        return "accuracy"

    def headline(self, scores: Scores, label_set: list[str]) -> tuple[str, float]:
        metric = self.headline_metric(label_set)
        return metric, scores.get(metric)

    def predict_labels(self, model: "Model", tokens: list[list[str]], allowed: list[str] | None = None) -> list[str]:
        raise NotImplementedError

    def baseline(self) -> "Callable[[list[str]], object] | None":
        """The non-neural method this task's answers are shown beside (tokens -> result), or None."""
        return None

    def checks(self) -> "tuple[list[CheckItem], dict[str, str]]":
        """Behavioural check items and a description of each check type (empty when the task has none)."""
        return [], {}


def choose(probs: np.ndarray, labels: list[str], allowed: list[str] | None = None) -> list[str]:
    """Arg-max label per row; among ``allowed`` labels only, when given (binary data, 3-class model)."""
    if allowed:
        keep = np.array([label in allowed for label in labels])
        if keep.any():
            probs = np.where(keep[None, :], probs, -np.inf)  # works for probabilities and log-probabilities
    return [labels[i] for i in probs.argmax(axis=1)]
