"""Tasks: what a model answers (sentiment now; tag and fill-blank share the same interface)."""

from __future__ import annotations

from rnnlu.errors import UsageError
from rnnlu.tasks.base import Task


def get_task(name: str) -> Task:
    from rnnlu.tasks.sentiment import SentimentTask

    tasks = {"sentiment": SentimentTask}
    if name not in tasks:
        raise UsageError(f"unknown task {name!r}; choose one of: {', '.join(tasks)}")
    return tasks[name]()


__all__ = ["Task", "get_task"]
