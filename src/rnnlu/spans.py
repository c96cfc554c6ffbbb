"""Spans (entities, coin mentions) from a tag sequence, and exact-span P/R/F1 as the CoNLL scorer counts them.

BIO (``ner``): a span starts at ``B-X``, or at ``I-X`` after ``O`` or after a tag of another type
(conlleval's rule, so ill-formed sequences score as the official scorer scores them), and runs
while ``I-X`` continues it. Runs (``coin``): a span is a maximal run of one ticker; ``U`` is outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    label: str
    start: int      # first token
    end: int        # one past the last token


def bio_spans(tags: Sequence[str]) -> list[Span]:
    spans: list[Span] = []
    label, start = None, 0
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, kind = tag.partition("-")
        if prefix not in ("B", "I") or not kind:
            prefix, kind = "O", None
        begins = prefix == "B" or (prefix == "I" and kind != label)
        if label is not None and (prefix == "O" or begins):
            spans.append(Span(label, start, i))
            label = None
        if begins:
            label, start = kind, i
    return spans


def run_spans(tags: Sequence[str], outside: str = "U") -> list[Span]:
    spans: list[Span] = []
    for i, tag in enumerate(tags):
        if tag == outside:
            continue
        if spans and spans[-1].end == i and spans[-1].label == tag:
            spans[-1] = Span(tag, spans[-1].start, i + 1)
        else:
            spans.append(Span(tag, i, i + 1))
    return spans


def spans_of(tags: Sequence[str], style: str) -> list[Span]:
    """``style``: bio | runs | none (pos: no spans)."""
    if style == "bio":
        return bio_spans(tags)
    if style == "runs":
        return run_spans(tags)
    return []


@dataclass
class SpanReport:
    label: str
    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int
    correct: int


def _prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def span_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], style: str) -> tuple[SpanReport, list[SpanReport]]:
    """Exact-span precision/recall/F1 overall and per type: a span counts when its label, start and end all match."""
    counts: dict[str, list[int]] = {}
    for g_tags, p_tags in zip(gold, predicted):
        g = set(spans_of(g_tags, style))
        p = set(spans_of(p_tags, style))
        for span in g:
            counts.setdefault(span.label, [0, 0, 0])[0] += 1
        for span in p:
            counts.setdefault(span.label, [0, 0, 0])[1] += 1
        for span in g & p:
            counts[span.label][2] += 1
    per_type = []
    for label in sorted(counts):
        n_gold, n_pred, n_ok = counts[label]
        per_type.append(SpanReport(label, *_prf(n_ok, n_pred, n_gold), n_gold, n_pred, n_ok))
    totals = [sum(c[k] for c in counts.values()) for k in range(3)]
    overall = SpanReport("all", *_prf(totals[2], totals[1], totals[0]), totals[0], totals[1], totals[2])
    return overall, per_type
