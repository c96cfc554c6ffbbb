"""The coin scheme's dictionary baseline: every alias tags itself, whatever its context.

This is the word-count method the seed describes: it tags "a ripple effect" as XRP and "click the
link" as LINK, which is exactly where a reader of context does better.
"""

from __future__ import annotations

from rnnlu.tasks.tag.coin.data import NOT_A_COIN, find_mentions


def dictionary_tags(tokens: list[str]) -> list[str]:
    """One tag per token: the ticker of any alias (safe or context-dependent, multi-word too), else ``U``."""
    tags = [NOT_A_COIN] * len(tokens)
    for m in find_mentions(tokens):
        tags[m.first:m.last] = [m.ticker] * (m.last - m.first)
    return tags
