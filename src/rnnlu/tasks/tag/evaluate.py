"""Scoring a tagger on a tagged file: token accuracy, per-tag P/R/F1 and confusion, exact-span P/R/F1.

The same function scores dev during training, the card's dev/test lines, and `rnnlu evaluate tag`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rnnlu.metrics import Confusion, Report, Scores, prf, score
from rnnlu.spans import SpanReport, span_scores
from rnnlu.tasks.tag.task import TaggedData, TagTask


@dataclass
class TagScores:
    tokens: Scores                          # per token: accuracy, per-tag P/R/F1, confusion
    spans: SpanReport | None = None         # exact spans, overall (ner, coin)
    span_types: list[SpanReport] = field(default_factory=list)
    ambiguous: dict | None = None           # coin: accuracy on the tokens of context-dependent aliases

    def get(self, metric: str) -> float:
        if metric == "span_f1":
            return self.spans.f1 if self.spans else 0.0
        return self.tokens.get(metric)

    def to_dict(self) -> dict:
        out = {"token_accuracy": self.tokens.accuracy, "tokens": self.tokens.to_dict()}
        if self.spans is not None:
            out.update(spans=asdict(self.spans), span_types=[asdict(s) for s in self.span_types])
        if self.ambiguous is not None:
            out["ambiguous_aliases"] = self.ambiguous
        return out


def score_tags(task: TagTask, gold: list[list[str]], predicted: list[list[str]], labels: list[str] | None = None,
               tokens: list[list[str]] | None = None) -> TagScores:
    """Token and span scores; for coin with ``tokens``, also accuracy on context-dependent alias tokens."""
    flat_gold = [t for tags in gold for t in tags]
    flat_pred = [t for tags in predicted for t in tags]
    per_token = score(flat_gold, flat_pred, labels or sorted(set(flat_gold)))
    if task.scheme.spans == "none":
        return TagScores(per_token)
    overall, per_type = span_scores(gold, predicted, task.scheme.spans)
    ambiguous = _ambiguous_accuracy(tokens, gold, predicted) if task.scheme.name == "coin" and tokens else None
    return TagScores(per_token, overall, per_type, ambiguous)


def _ambiguous_accuracy(token_lists, gold, predicted) -> dict | None:
    """Share of tokens inside context-dependent alias matches ("ether", "ripple", "link") tagged right."""
    try:
        from rnnlu.tasks.tag.coin.data import find_mentions
    except ImportError:
        return None
    right = total = 0
    for toks, g, p in zip(token_lists, gold, predicted):
        for m in find_mentions(list(toks)):
            if not m.safe:
                for i in range(m.first, m.last):
                    total += 1
                    right += g[i] == p[i]
    return {"tokens": total, "accuracy": right / total if total else 0.0}


@dataclass
class TagEvaluation:
    data: str
    model: str
    scheme: str
    metric: str
    sentences: int
    scores: TagScores
    baseline_name: str | None = None
    baseline: TagScores | None = None
    tokens_differing: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def value(self) -> float:
        return self.scores.get(self.metric)

    def to_dict(self) -> dict:
        out = {"data": self.data, "model": self.model, "scheme": self.scheme, "metric": self.metric,
               "value": self.value, "sentences": self.sentences, "model_scores": self.scores.to_dict()}
        if self.baseline is not None:
            out.update(baseline=self.baseline_name, baseline_value=self.baseline.get(self.metric),
                       baseline_scores=self.baseline.to_dict(), tokens_differing=self.tokens_differing)
        return out

    def report(self) -> Report:
        """Token accuracy, macro-F1, exact spans overall and per type, per-tag P/R/F1, the confusion table."""
        s, b = self.scores, self.baseline
        rows = [("token accuracy", s.tokens.accuracy, b.tokens.accuracy if b else None),
                ("macro-F1 over tags", s.tokens.macro_f1, b.tokens.macro_f1 if b else None)]
        headline = "token accuracy"
        if s.spans is not None:
            headline = f"spans P / R / F1 (gold {s.spans.gold:,})"
            rows.append((headline, prf(s.spans), prf(b.spans) if b else None))
            base_types = {t.label: t for t in (b.span_types if b else [])}
            rows += [(f"  {t.label} (gold {t.gold:,})", prf(t), prf(base_types[t.label]) if t.label in base_types else None)
                     for t in s.span_types]
        if s.ambiguous is not None:
            rows.append((f"context-dependent alias tokens (n={s.ambiguous['tokens']:,}) accuracy", s.ambiguous["accuracy"],
                         b.ambiguous["accuracy"] if b and b.ambiguous else None))
        base_tags = {c.label: c for c in (b.tokens.per_class if b else [])}
        rows += [(f"tag {c.label} P/R/F1 (n={c.support:,})", prf(c), prf(base_tags[c.label]) if c.label in base_tags else None)
                 for c in s.tokens.per_class if c.support or c.label in base_tags]
        notes = [f"model and baseline differ on {self.tokens_differing:,} of {s.tokens.n:,} tokens"] if b else []
        confusions = [Confusion("confusion, model (rows: gold, columns: predicted)", s.tokens.labels, s.tokens.confusion)
                      ] if len(s.tokens.labels) <= 25 else []
        return Report(f"{self.data} · {self.sentences:,} sentences, {s.tokens.n:,} tokens · scheme {self.scheme} · "
                      f"headline: {self.metric}", self.model, f"baseline ({self.baseline_name})" if b else None,
                      headline, rows, confusions, notes)


def evaluate_tags(task: TagTask, model, data: TaggedData, compare: bool = False) -> TagEvaluation:
    predicted, _ = task.predict_tags(model, data.tokens)
    result = TagEvaluation(data.path, model.name, task.scheme.name, task.scheme.headline, len(data),
                           score_tags(task, data.tags, predicted, tokens=data.tokens))
    base = None
    if compare:
        from rnnlu.tasks.tag.baseline import baseline_for

        baseline = baseline_for(model)
        base = [baseline(t) for t in data.tokens]
        result.baseline_name = baseline.name
        result.baseline = score_tags(task, data.tags, base, result.scores.tokens.labels, tokens=data.tokens)
        result.tokens_differing = sum(a != b for p, q in zip(predicted, base) for a, b in zip(p, q))
    for i, (gold, pred) in enumerate(zip(data.tags, predicted)):
        if gold != pred:
            row = {"line": data.rows[i], "text": data.texts[i], "gold": " ".join(gold), "predicted": " ".join(pred)}
            if base is not None:
                row["baseline"] = " ".join(base[i])
            result.errors.append(row)
    return result


def card_entry(evaluation: TagEvaluation, sha256: str | None) -> dict:
    """One dev/test line of a model card (the keys sentiment cards have, plus the tag ones)."""
    s, b = evaluation.scores, evaluation.baseline
    entry = {"path": evaluation.data, "sha256": sha256, "examples": evaluation.sentences, "tokens": s.tokens.n,
             "metric": evaluation.metric, "value": round(evaluation.value, 4), "accuracy": round(s.tokens.accuracy, 4),
             "macro_f1": round(s.tokens.macro_f1, 4), "macro_recall": round(s.tokens.macro_recall, 4)}
    if s.spans is not None:
        entry.update(span_precision=round(s.spans.precision, 4), span_recall=round(s.spans.recall, 4),
                     span_f1=round(s.spans.f1, 4))
    if s.ambiguous is not None:
        entry.update(ambiguous_alias_tokens=s.ambiguous["tokens"], ambiguous_alias_accuracy=round(s.ambiguous["accuracy"], 4))
        if b is not None and b.ambiguous is not None:
            entry["baseline_ambiguous_alias_accuracy"] = round(b.ambiguous["accuracy"], 4)
    if b is not None:
        entry.update(baseline=evaluation.baseline_name, baseline_value=round(b.get(evaluation.metric), 4),
                     baseline_accuracy=round(b.tokens.accuracy, 4))
    return entry
