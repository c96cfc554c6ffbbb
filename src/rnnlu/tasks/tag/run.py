"""`rnnlu tag` as a library function: run a tagger over any input, stream (record, result) pairs, count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rnnlu import io
from rnnlu.spans import spans_of
from rnnlu.tasks.tag.task import TagResult, TagTask, check_scheme


@dataclass
class TagRun:
    """A streaming run: iterate ``results`` (record, result) pairs; the difference counts fill as you go."""

    model_name: str
    scheme: str
    compare: bool
    results: Iterator
    tokens: int = 0
    differing: int = 0
    texts: int = 0
    columns: list[str] = field(default_factory=list)


def conll_source(path: Path) -> io.Source:
    """A CoNLL-U / ``token<TAB>tag`` file as input: one record per sentence, its own tokens kept."""
    from rnnlu.conll import read_sentences, sentence_text

    records = (io.Record(s.line, sentence_text(s)[0], {"_sentence": s}) for s in read_sentences(path, need_tags=False))
    return io.Source(records, str(path), kind="conll", size=Path(path).stat().st_size)


def run_tag(source: io.Source, model: str | None = None, scheme: str | None = None, compare: bool = False) -> TagRun:
    from rnnlu.registry import load_model

    loaded = load_model(model, task="tag", scheme=scheme)
    task = TagTask(check_scheme(loaded, scheme))
    run = TagRun(loaded.name, task.scheme.name, compare, iter(()), columns=list(source.columns))

    def results():
        records = iter(source.records)
        pending: list = []

        def items():
            for record in records:
                pending.append(record)
                yield record.fields.get("_sentence") or record.text if source.kind == "conll" else record.text

        for result in task.predict(loaded, items(), compare=compare):
            record = pending.pop(0)
            run.texts += 1
            run.tokens += len(result.tags)
            if result.baseline_tags is not None:
                run.differing += sum(a != b for a, b in zip(result.tags, result.baseline_tags))
            yield record, result

    run.results = results()
    return run


def tag_row(record: io.Record, result: TagResult, compare: bool) -> dict:
    """Flat result columns: the input's own, then tokens, tags, probabilities and spans."""
    fields = {k: v for k, v in record.fields.items() if not k.startswith("_")} if record.fields else {}
    fields.setdefault("text", result.text)
    ours = {"tokens": result.tokens, "tags": result.tags, "probabilities": result.probabilities, "spans": result.spans,
            "model": result.model}
    if compare and result.baseline_tags is not None:
        ours["baseline_tags"] = result.baseline_tags
    return io.merge_row(fields, ours)  # result columns win; a clashing input column is kept as input_NAME


def summarise(run: TagRun, task: TagTask | None = None) -> dict:
    """Counts over the whole input, model and baseline: tokens per tag (pos), spans per type / ticker (ner, coin)."""
    model_counts: Counter = Counter()
    base_counts: Counter = Counter()
    style = {"pos": "none", "ner": "bio", "coin": "runs"}[run.scheme]
    for _, result in run.results:
        for tags, counts in ((result.tags, model_counts), (result.baseline_tags, base_counts)):
            if tags is None:
                continue
            if style == "none":
                counts.update(tags)
            else:
                counts.update(s.label for s in spans_of(tags, style))
    unit = "tokens" if style == "none" else ("mentions" if run.scheme == "coin" else "entities")
    keys = sorted(set(model_counts) | set(base_counts), key=lambda k: (-model_counts[k], -base_counts[k], k))
    return {"scheme": run.scheme, "model": run.model_name, "unit": unit, "texts": run.texts, "tokens": run.tokens,
            "counts": [{"label": k, "model": model_counts[k], "baseline": base_counts[k]} for k in keys],
            "tokens_differing": run.differing}
