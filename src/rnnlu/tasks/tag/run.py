"""`rnnlu tag` as a library function: run a tagger over any input, stream (record, result) pairs, count."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rnnlu import io
from rnnlu.spans import spans_of
from rnnlu.tasks.base import TaskRun, answer_records
from rnnlu.tasks.tag.task import TagTask, check_scheme


@dataclass
class TagRun(TaskRun):
    """A tag run: its scheme, and over how many tokens model and baseline differ (fills as answers stream)."""

    scheme: str = ""
    tokens: int = 0
    differing: int = 0


def result_columns(compare: bool) -> list[str]:
    """The columns a tag result adds to each row (``TagResult.row``)."""
    return ["tokens", "tags", "probabilities", "spans", "model"] + (["baseline_tags"] if compare else [])


def conll_source(path: Path) -> io.Source:
    """A CoNLL-U / ``token<TAB>tag`` file as input: one record per sentence, its own tokens kept."""
    from rnnlu.conll import read_sentences, sentence_text

    records = (io.Record(s.line, sentence_text(s)[0], {"_sentence": s}) for s in read_sentences(path, need_tags=False))
    return io.Source(records, str(path), kind="conll", size=Path(path).stat().st_size)


def run_tag(source: io.Source, model: str | None = None, scheme: str | None = None, compare: bool = False,
            workers: int | None = 1) -> TagRun:
    from rnnlu.registry import load_model

    loaded = load_model(model, task="tag", scheme=scheme)
    task = TagTask(check_scheme(loaded, scheme))
    run = TagRun(loaded.name, compare, result_columns(compare), scheme=task.scheme.name)

    def answers():
        def read(record):
            return record.fields.get("_sentence") or record.text if source.kind == "conll" else record.text

        def tag_items(items):
            return task.predict(loaded, items, compare=compare, workers=workers)

        for record, result in answer_records(source.records, read, tag_items):
            run.total += 1
            run.tokens += len(result.tags)
            if result.baseline_tags is not None:
                run.differing += sum(a != b for a, b in zip(result.tags, result.baseline_tags))
            yield record, result

    run.answers = answers()
    return run


def summarise(run: TagRun, task: TagTask | None = None) -> dict:
    """Counts over the whole input, model and baseline: tokens per tag (pos), spans per type / ticker (ner, coin)."""
    model_counts: Counter = Counter()
    base_counts: Counter = Counter()
    style = {"pos": "none", "ner": "bio", "coin": "runs"}[run.scheme]
    for _, result in run.answers:
        for tags, counts in ((result.tags, model_counts), (result.baseline_tags, base_counts)):
            if tags is None:
                continue
            if style == "none":
                counts.update(tags)
            else:
                counts.update(s.label for s in spans_of(tags, style))
    unit = "tokens" if style == "none" else ("mentions" if run.scheme == "coin" else "entities")
    keys = sorted(set(model_counts) | set(base_counts), key=lambda k: (-model_counts[k], -base_counts[k], k))
    return {"scheme": run.scheme, "model": run.model_name, "unit": unit, "texts": run.total, "tokens": run.tokens,
            "counts": [{"label": k, "model": model_counts[k], "baseline": base_counts[k]} for k in keys],
            "tokens_differing": run.differing}
