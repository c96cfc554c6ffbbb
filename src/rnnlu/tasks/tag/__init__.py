"""Tagging: one tag per token (coin mentions, universal POS, WNUT-17 entities)."""

from rnnlu.tasks.tag.task import TaggedData, TagResult, TagTask

__all__ = ["TagResult", "TagTask", "TaggedData"]
