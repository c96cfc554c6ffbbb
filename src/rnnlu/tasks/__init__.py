"""Tasks: what a model answers. One package each: sentiment/, tag/, fill_blank/; base.py holds what they share."""

from __future__ import annotations

from rnnlu.errors import UsageError
from rnnlu.tasks.base import Task


def get_task(name: str, **options) -> Task:
    """The task called ``name``; ``options`` such as a tag ``scheme`` go to its constructor."""
    from rnnlu.tasks.sentiment.task import SentimentTask
    from rnnlu.tasks.tag import TagTask

    tasks = {"sentiment": SentimentTask, "tag": TagTask}
    if name not in tasks:
        raise UsageError(f"unknown task {name!r}; choose one of: {', '.join(tasks)}")
    return tasks[name](**options)


__all__ = ["Task", "get_task"]
