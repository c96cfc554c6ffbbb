"""The tag task: read token-per-line files, answer one tag per token (Viterbi for BIO), read spans off the tags."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnlu.conll import Sentence, read_sentences, sentence_text
from rnnlu.engine.tokenize import surface_tokens
from rnnlu.engine.viterbi import bio_allowed, marginals, viterbi
from rnnlu.errors import RnnluError, UsageError
from rnnlu.spans import spans_of
from rnnlu.tasks.base import Task, batched
from rnnlu.tasks.tag.schemes import Scheme, get_scheme


@dataclass
class TaggedData:
    """A tagged file: one tag list per sentence; ``rows`` is each sentence's first line."""

    path: str
    texts: list[str]
    tokens: list[list[str]]
    tags: list[list[str]]
    rows: list[int] = field(default_factory=list)

    @property
    def tag_set(self) -> list[str]:
        return sorted({t for tags in self.tags for t in tags})

    def __len__(self) -> int:
        return len(self.tokens)


@dataclass
class TagResult:
    text: str
    tokens: list[str]
    offsets: list[tuple[int, int]]
    tags: list[str]
    probabilities: list[float]
    spans: list[dict]
    model: str
    baseline_tags: list[str] | None = None

    def row(self, compare: bool, flat: bool = False) -> dict:
        """Result columns: tokens, tags, each tag's probability, spans, model (and the baseline's tags).
        ``flat`` (CSV/TSV): lists joined by spaces, spans as JSON."""
        row = {"tokens": self.tokens, "tags": self.tags, "probabilities": self.probabilities, "spans": self.spans,
               "model": self.model}
        if compare and self.baseline_tags is not None:
            row["baseline_tags"] = self.baseline_tags
        if flat:
            row.update(tokens=" ".join(self.tokens), tags=" ".join(self.tags),
                       probabilities=" ".join(f"{p:.4f}" for p in self.probabilities),
                       spans=json.dumps(self.spans, ensure_ascii=False))
            if compare:
                row["baseline_tags"] = " ".join(self.baseline_tags or [])
        return row


class TagTask(Task):
    name = "tag"
    head = "tag"

    def __init__(self, scheme: str = "coin"):
        self.scheme: Scheme = get_scheme(scheme)

    # ---- files -------------------------------------------------------------------------------------
    def read_labelled(self, path: str | Path, relabel: dict[str, str] | None = None, **_) -> TaggedData:
        """Sentences with their tags; a tag outside the scheme is an error naming its line.

        ``relabel`` maps another corpus's tags onto the scheme's (for BIO, its types: ``PER`` -> ``person``
        turns ``B-PER`` into ``B-person``); a tag mapped to ``-`` drops every sentence that holds it."""
        texts, tokens, tags, rows = [], [], [], []
        for s in read_sentences(path):
            if relabel:
                s.tags = [self._relabel(t, relabel) for t in s.tags]
                if "-" in s.tags:
                    continue
            for i, tag in enumerate(s.tags):
                if not self.scheme.valid(tag):
                    raise RnnluError(f"{path}:{_line_of(path, s, i)}: tag {tag!r} is not in the {self.scheme.name} "
                                     f"scheme; expected {self.scheme.expected()}")
            texts.append(sentence_text(s)[0])
            tokens.append(s.tokens)
            tags.append(s.tags)
            rows.append(s.line)
        if not tokens:
            raise RnnluError(f"{path} holds no tagged sentences")
        return TaggedData(str(path), texts, tokens, tags, rows)

    def _relabel(self, tag: str, mapping: dict[str, str]) -> str:
        if self.scheme.spans == "bio" and tag[:2] in ("B-", "I-"):
            new = mapping.get(tag[2:], tag[2:])
            return "-" if new == "-" else f"{tag[:2]}{new}"
        return mapping.get(tag, tag)

    # ---- answering ----------------------------------------------------------------------------------
    def crf_scores(self, model) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A CRF model's (start, transitions, end) scores, with the scheme's forbidden moves at -inf."""
        if not getattr(model.config, "crf", False):
            return None
        t = model.tensors
        start = np.asarray(t["crf.start"], dtype=np.float64).copy()
        trans = np.asarray(t["crf.transitions"], dtype=np.float64).copy()
        if self.scheme.spans == "bio":
            ok_start, ok_trans = bio_allowed(model.labels)
            start[~ok_start] = -np.inf
            trans[~ok_trans] = -np.inf
        return start, trans, np.asarray(t["crf.end"], dtype=np.float64)

    def decode(self, model, log_probs: np.ndarray) -> list[int]:
        """Label indices for one text: the CRF's Viterbi; Viterbi over BIO's allowed moves; else argmax."""
        crf = self.crf_scores(model)
        if crf is not None:
            return viterbi(log_probs, *crf)
        if self.scheme.spans == "bio":
            if not hasattr(model, "_bio_allowed"):
                model._bio_allowed = bio_allowed(model.labels)
            return viterbi(log_probs, *model._bio_allowed)
        return [int(i) for i in log_probs.argmax(axis=-1)] if len(log_probs) else []

    def predict_tags(self, model, token_lists: Sequence[Sequence[str]]) -> tuple[list[list[str]], list[list[float]]]:
        """Tags and the probability of each chosen tag, per text."""
        all_tags, all_probs = [], []
        crf = self.crf_scores(model)
        for lp in model.tag_log_proba(token_lists):
            idx = self.decode(model, lp)
            all_tags.append([model.labels[i] for i in idx])
            p = marginals(lp, *crf) if crf is not None and len(lp) else np.exp(lp)  # CRF: the tag's marginal
            all_probs.append([float(p[t, i]) for t, i in enumerate(idx)])
        return all_tags, all_probs

    def spans(self, tokens: Sequence[str], offsets: Sequence[tuple[int, int]], tags: Sequence[str],
              probs: Sequence[float], text: str) -> list[dict]:
        out = []
        for span in spans_of(tags, self.scheme.spans):
            start, end = offsets[span.start][0], offsets[span.end - 1][1]
            out.append({"label": span.label, "start": start, "end": end, "text": text[start:end],
                        "score": round(float(np.mean(probs[span.start : span.end])), 4)})
        return out

    def predict(self, model, items: Iterable, compare: bool = False, chunk: int = 512,
                workers: int | None = 1) -> Iterator[TagResult]:
        """Results in input order. ``items``: raw texts (split by the model's tokenizer) or CoNLL :class:`Sentence`s.

        ``workers``: processes tagging chunks side by side for big inputs (None: one per idle core; see
        rnnlu.parallel). The same tags either way."""
        from rnnlu.parallel import ordered_map
        from rnnlu.tasks.tag.baseline import baseline_for

        baseline = baseline_for(model) if compare else None

        def answer(batch: list):
            prepared = [_prepare(item) for item in batch]
            return prepared, *self.predict_tags(model, [p[1] for p in prepared])

        for _, (prepared, tags, probs) in ordered_map(answer, batched(items, chunk), workers):
            for (text, tokens, offsets), t, p in zip(prepared, tags, probs):
                yield TagResult(text, tokens, offsets, t, [round(x, 4) for x in p],
                                self.spans(tokens, offsets, t, p, text), model.name,
                                baseline(tokens) if baseline else None)


def _prepare(item) -> tuple[str, list[str], list[tuple[int, int]]]:
    if isinstance(item, Sentence):
        text, offsets = sentence_text(item)
        return text, list(item.tokens), offsets
    found = surface_tokens(item)
    return item, [t for t, _, _ in found], [(s, e) for _, s, e in found]


def _line_of(path, sentence: Sentence, index: int) -> int:
    """The file line of a sentence's ``index``-th token (comment and range lines skipped)."""
    line, seen = sentence.line, 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, text in enumerate(f, start=1):
            if number < sentence.line:
                continue
            cols = text.rstrip("\r\n").split("\t")
            if len(cols) == 10 and ("-" in cols[0] or "." in cols[0]):
                continue
            if seen == index:
                return number
            seen += 1
    return line


def check_scheme(model, scheme: str | None) -> str:
    """The scheme to answer with: the model's own; a different --scheme is a usage error."""
    if scheme and model.config.scheme and scheme != model.config.scheme:
        raise UsageError(f"model {model.name!r} tags the {model.config.scheme} scheme, not {scheme}; "
                         f"drop --scheme or pass a {scheme} model")
    return model.config.scheme or scheme or "coin"
