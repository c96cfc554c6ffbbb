"""Fill-blank: answer blank items with the model (and the n-gram baseline), and score labelled files."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rnnlu.engine.blank import BlankModel
from rnnlu.engine.tokenize import tokenize
from rnnlu.errors import RnnluError
from rnnlu.metrics import Report
from rnnlu.tasks.fill_blank.association import WordAssociation
from rnnlu.tasks.fill_blank.baseline import BaselineAnswer, NgramBaseline
from rnnlu.tasks.fill_blank.items import BlankItem

BASELINE_FILE = "fill-blank-ngram.counts"
ASSOCIATION_FILE = "fill-blank-association.safetensors"


@dataclass
class BlankAnswer:
    item: BlankItem
    answer: str
    options: list[dict]                      # {"word", "probability", "known"}, best first
    model: str
    given_options: bool                      # False: the model's top words
    baseline: BaselineAnswer | None = None
    unknown: list[str] = field(default_factory=list)   # options (or their words) outside the vocabulary

    @property
    def record(self):
        return self.item.record

    def row(self, compare: bool, flat: bool = False) -> dict:
        """Result columns. JSON keeps the nested record (``to_dict``); ``flat`` (CSV/TSV) joins the options
        as ``word:probability; ...`` and the baseline's counts as ``n-gram=count; ...``."""
        if not flat:
            return self.to_dict(compare)
        row = {"text": self.item.text, "answer": self.answer,   # the sentence without its inline options
               "options": "; ".join(f"{o['word']}:{o['probability']:.4f}" for o in self.options), "model": self.model}
        if compare and self.baseline is not None:
            row["baseline_answer"] = self.baseline.answer
            row["baseline_counts"] = "; ".join(f"{g}={n}" for o in self.baseline.counts.values() for g, n in o.items())
        return row

    def to_dict(self, compare: bool = False) -> dict:
        row = {"text": self.item.text, "answer": self.answer,
               "options": [{"word": o["word"], "probability": round(o["probability"], 4)} for o in self.options],
               "model": self.model}
        if self.unknown:
            row["unknown_words"] = self.unknown
        if compare and self.baseline is not None:
            row["baseline_answer"] = self.baseline.answer
            row["baseline_level"] = self.baseline.level
            row["baseline_counts"] = self.baseline.counts
        return row


def load_baseline(path: str | Path | None = None) -> NgramBaseline:
    """The bundled n-gram counts (or a file of them)."""
    found = _side_file(path, BASELINE_FILE, "n-gram counts", "build_baseline", required=True)
    return NgramBaseline.load(found)


def load_association(path: str | Path | None = None) -> WordAssociation | None:
    """The bundled word-association table (or a file of one); None where the bundled one is absent."""
    found = _side_file(path, ASSOCIATION_FILE, "word-association table", "build_association", required=path is not None)
    return WordAssociation.load(found) if found else None


def _side_file(path: str | Path | None, bundled_name: str, what: str, builder: str, required: bool) -> Path | None:
    """A file the fill-blank task reads beside its model: the given one, or the bundled one (checksum checked)."""
    from rnnlu.registry import ModelEntry, bundled_dir, verify_bundled

    found = Path(path) if path else bundled_dir() / bundled_name
    if not found.is_file():
        if not required:
            return None
        raise RnnluError(f"no {what} at {found}; make it with `python -m rnnlu.tasks.fill_blank.{builder}`")
    if path is None:
        verify_bundled(ModelEntry(bundled_name, found, {}, True))
    return found


def split_tokens(item: BlankItem) -> tuple[list[str], list[str]]:
    return tokenize(item.left), tokenize(item.right)


def answer(model: BlankModel, items: Iterable[BlankItem], baseline: NgramBaseline | None = None,
           top_k: int = 5, workers: int | None = 1, chunk: int = 256,
           association: WordAssociation | None = None) -> Iterator[BlankAnswer]:
    """One answer per item: the options' probabilities (normalised over the options), or the top words.
    With ``association``, options are scored by the model and the sentence's topic together (see
    :mod:`rnnlu.tasks.fill_blank.association`).

    ``workers``: processes answering chunks of ``chunk`` items side by side for big inputs (None: one
    per idle core; see rnnlu.parallel). The same answers, in input order."""
    from rnnlu.parallel import ordered_map
    from rnnlu.tasks.base import batched

    def answer_chunk(batch: list[BlankItem]) -> list[BlankAnswer]:
        asked = [(*split_tokens(item), [tokenize(o) or [o] for o in item.options]) for item in batch if item.options]
        scored = iter(model.score_many(asked))  # the chunk's options read together, in batches of like length
        tops = iter(model.top_many([split_tokens(item) for item in batch if not item.options], top_k))
        return [answer_one(model, item, baseline, top_k, association, next(scored) if item.options else None,
                           None if item.options else next(tops)) for item in batch]

    for _, answers in ordered_map(answer_chunk, batched(items, chunk), workers):
        yield from answers


def answer_one(model: BlankModel, item: BlankItem, baseline: NgramBaseline | None = None,
               top_k: int = 5, association: WordAssociation | None = None, scores=None, top=None) -> BlankAnswer:
    """``scores`` / ``top``: the model's :class:`OptionScore` of the item's options, or its top words, when
    already computed for a whole chunk (``score_many`` / ``top_many``)."""
    left, right = split_tokens(item)
    if item.options:
        option_tokens = [tokenize(o) or [o] for o in item.options]
        if scores is None:
            scores = model.score_options(left, right, option_tokens)
        rescored = association.rescore(option_tokens, left + right, [s.log_prob for s in scores]) if association else None
        probabilities = rescored or [s.probability for s in scores]
        ranked = sorted(zip(item.options, scores, probabilities), key=lambda p: -p[2])
        options = [{"word": word, "probability": p, "known": s.known} for word, s, p in ranked]
        unknown = [word for word, s in zip(item.options, scores) if not s.known]
        base = baseline.answer(left, right, [" ".join(t) for t in option_tokens]) if baseline else None
        if base is not None:  # report it in the user's spelling
            base.answer = item.options[[" ".join(t) for t in option_tokens].index(base.answer)]
        return BlankAnswer(item, ranked[0][0], options, model.name, True, base, unknown)
    if top is None:
        top = model.top_words(left, right, top_k)
    options = [{"word": w, "probability": p, "known": True} for w, p in top]
    base = baseline.answer(left, right, [w for w, _ in top]) if baseline else None
    return BlankAnswer(item, top[0][0], options, model.name, False, base)


def evaluate(model: BlankModel, items: list[BlankItem], baseline: NgramBaseline | None = None,
             association: WordAssociation | None = None) -> dict:
    """Accuracy of the model (and the baseline) overall and per item group (e.g. attractor count)."""
    if not items:
        raise RnnluError("no items to score")
    if any(not i.options or i.answer is None for i in items):
        raise RnnluError("every item to score needs options and an answer")
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_left: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    right = base_right = 0
    errors = []
    for a in answer(model, items, baseline, association=association):
        ok = a.answer.lower() == a.item.answer.lower()
        b_ok = a.baseline is not None and a.baseline.answer.lower() == a.item.answer.lower()
        right += ok
        base_right += b_ok
        for g in (groups[_group(a.item)], by_left[left_words_group(len(tokenize(a.item.left)))]):
            g[0] += 1
            g[1] += ok
            g[2] += b_ok
        if not ok:
            errors.append({"line": a.item.line, "text": a.item.text, "answer": a.item.answer, "model_answer": a.answer,
                           "options": " ".join(o["word"] for o in a.options)})
    n = len(items)
    metrics = {"items": n, "accuracy": right / n}
    if baseline is not None:
        metrics["baseline_accuracy"] = base_right / n
    def rows(counts: dict, keys: list[str]) -> list[dict]:
        return [{"group": k, "items": counts[k][0], "accuracy": counts[k][1] / counts[k][0],
                 **({"baseline_accuracy": counts[k][2] / counts[k][0]} if baseline is not None else {})} for k in keys]

    per_group = rows(groups, sorted(groups))
    per_left = rows(by_left, [k for k in LEFT_GROUPS if k in by_left])
    return {"metrics": metrics, "per_group": per_group if len(per_group) > 1 else [],
            "per_left_words": per_left if len(per_left) > 1 else [], "errors": errors}


# Where the blank stands: how many words a left-to-right reader carries to it (a proxy for the
# subject-verb distance, which the agreement files do not record).
LEFT_BUCKETS = ((0, 5), (6, 10), (11, 20), (21, None))
LEFT_GROUPS = [f"{lo}+ words left of the blank" if hi is None else f"{lo}-{hi} words left of the blank"
               for lo, hi in LEFT_BUCKETS]


def left_words_group(n: int) -> str:
    return next(g for (lo, hi), g in zip(LEFT_BUCKETS, LEFT_GROUPS) if lo <= n and (hi is None or n <= hi))


@dataclass
class BlankEvaluation:
    """``evaluate``'s scores on one file, with the file and model named; ``report()`` for the terminal."""

    data: str
    model: str
    metrics: dict
    per_group: list[dict]
    errors: list[dict] = field(default_factory=list)
    per_left_words: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"data": self.data, "model": self.model, "metrics": self.metrics, "per_group": self.per_group,
                "per_left_words": self.per_left_words}

    def report(self) -> Report:
        """Accuracy overall and per item group (attractor count), the n-gram baseline's beside."""
        m, has_base = self.metrics, "baseline_accuracy" in self.metrics
        rows = [("accuracy", m["accuracy"], m.get("baseline_accuracy"))]
        rows += [(f"  {g['group']} ({g['items']:,})", g["accuracy"], g.get("baseline_accuracy"))
                 for g in self.per_group + self.per_left_words]
        return Report(f"{self.data}: {m['items']:,} items", self.model, "n-gram baseline" if has_base else None,
                      "accuracy", rows)


def _group(item: BlankItem) -> str:
    """Agreement items are grouped by their attractor count ("linzen2016_attr2" -> "2 attractors")."""
    found = re.search(r"attr(\d+)$", item.name or "")   # a name that merely holds "attr" is no count
    if found:
        n = found.group(1)
        return f"{n} attractor{'s' if n != '1' else ''}"
    return "all"
