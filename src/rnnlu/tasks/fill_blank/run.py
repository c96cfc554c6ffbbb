"""The library function behind `rnnlu fill-blank`: records in, answers out (streaming), never prints."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rnnlu.errors import RnnluError
from rnnlu.io import Source
from rnnlu.tasks.base import TaskRun
from rnnlu.tasks.fill_blank.items import parse_item, split_options


@dataclass
class FillBlankRun(TaskRun):
    """A fill-blank run: how often model and n-gram baseline chose alike (fills as answers stream)."""

    agree: int = 0


def result_columns(compare: bool) -> list[str]:
    """The columns a fill-blank answer adds to a CSV/TSV row (``BlankAnswer.row``); ``text`` is the
    sentence without its inline options (an input column of that name is kept as ``input_text``)."""
    return ["text", "answer", "options", "model"] + (["baseline_answer", "baseline_counts"] if compare else [])


def load_fill_blank_model(name_or_path: str | None = None):
    from rnnlu.engine.blank import BlankModel
    from rnnlu.registry import find_model, verify_bundled

    entry = find_model(name_or_path, task="fill-blank")
    if entry.bundled:
        verify_bundled(entry)
    return BlankModel.load(entry.path, card=entry.card, name=entry.name)


def run_fill_blank(source: Source, model: str | None = None, compare: bool = False, options: list[str] | None = None,
                   options_field: str | None = None, top_k: int = 5, on_bad=None,
                   workers: int | None = 1, association: bool = True) -> FillBlankRun:
    """Answer every record of ``source``; a record that is not a blank item is passed to ``on_bad``
    (line, message) and skipped, so one bad line never stops a batch. ``association``: options are
    also scored by the sentence's topic (the bundled word-association table), except number pairs."""
    from rnnlu.tasks.fill_blank.task import answer, load_association, load_baseline

    loaded = load_fill_blank_model(model)
    baseline = load_baseline() if compare else None
    table = load_association() if association else None
    run = FillBlankRun(loaded.name, compare, result_columns(compare))
    report = on_bad or (lambda line, msg: print(f"rnnlu: {msg}", file=sys.stderr))

    def items():
        for record in source.records:
            if not record.text.strip():   # a blank line is no item: skipped without a word, as elsewhere
                continue
            try:
                opts = options
                if options_field:
                    if options_field not in (record.fields or {}):
                        raise RnnluError(f"no field {options_field!r} for the options")
                    given = record.fields[options_field]
                    if isinstance(given, list):   # JSONL: ["hate", "hates"]
                        opts = [str(o) for o in given] or None
                    else:
                        spec = "" if given is None else str(given)
                        opts = split_options(spec) if spec.strip() else None
                item = parse_item(record.text, opts, line=record.line if source.kind != "args" else 0)
            except RnnluError as e:
                run.bad += 1
                where = f"{source.name}:{record.line}: " if source.kind != "args" else ""
                report(record.line, f"skipped {where}{str(e).removeprefix(f'line {record.line}: ')}")
                continue
            item.record = record
            yield item

    def answers():
        for a in answer(loaded, items(), baseline, top_k, workers=workers, association=table):
            run.total += 1
            if a.baseline is not None:
                run.agree += a.baseline.answer == a.answer
            yield a.record, a

    run.answers = answers()
    return run


def evaluate_file(path, model: str | None = None, compare: bool = False, association: bool = True):
    """Accuracy on a labelled blank file (and the baseline's with ``compare``), per item group too."""
    from rnnlu.tasks.fill_blank.items import read_items
    from rnnlu.tasks.fill_blank.task import BlankEvaluation, evaluate, load_association, load_baseline

    loaded = load_fill_blank_model(model)
    result = evaluate(loaded, read_items(path), load_baseline() if compare else None,
                      load_association() if association else None)
    return BlankEvaluation(str(path), loaded.name, result["metrics"], result["per_group"], result["errors"],
                           result["per_left_words"])
