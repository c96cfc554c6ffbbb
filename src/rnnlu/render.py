"""Everything the terminal shows: result tables, progress bars, model lists and cards."""

from __future__ import annotations

import itertools
import json
import sys
from contextlib import nullcontext
from pathlib import Path

from rnnlu import io
from rnnlu.commands import SentimentRun, sentiment_row
from rnnlu.errors import RnnluError


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


_LABEL_STYLE = {"positive": "green", "negative": "red", "neutral": "yellow"}


def _progress(source: io.Source):
    """A transient progress bar on stderr for batch input, when stderr is a terminal."""
    if source.kind == "args" or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[texts]} texts")]
    if source.size:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=_console(stderr=True), transient=True)


def write_results(run: SentimentRun, source: io.Source, fmt: str, output: Path | None, compare: bool) -> None:
    progress = _progress(source)
    with progress or nullcontext():
        task_id = progress.add_task("labelling", total=source.size, texts=0) if progress else None
        rows = _rows(run, source, progress, task_id)
        first = next(rows, None)
        if first is None:
            raise RnnluError(f"no input texts in {source.name}: give TEXT arguments, lines on stdin, or a file with rows")
        rows = itertools.chain([first], rows)
        if fmt == "table":
            _print_table(list(rows), run, source)
        else:
            with io.output_stream(output) as stream:
                columns = _columns(run, source)
                writer = io.Writer(stream, fmt, columns)
                for row in rows:
                    writer.write(row)
                writer.close()
    if compare and fmt != "table" and run.agreement.total > 1:
        _console(stderr=True).print(_agreement_line(run))


def _rows(run: SentimentRun, source: io.Source, progress, task_id):
    for n, (record, result) in enumerate(run.results, start=1):
        row = dict(record.fields) if record.fields else {"text": record.text}
        for key, value in sentiment_row(result, run.compare).items():
            row[_free_name(key, record.fields)] = value
        if progress is not None and (n % 256 == 0):
            progress.update(task_id, completed=source.position() if source.position else None, texts=n)
        yield row


def _free_name(key: str, existing: dict) -> str:
    """Result columns never overwrite an input column of the same name."""
    return key if key not in existing else f"rnnlu_{key}"


def _columns(run: SentimentRun, source: io.Source) -> list[str]:
    base = list(source.columns) if source.kind == "csv" else ["text"]
    ours = ["label", *[f"p_{label}" for label in run.labels], "model"]
    if run.compare:
        ours += ["baseline_label", "baseline_score", "baseline_words"]
    return base + [_free_name(c, dict.fromkeys(base)) for c in ours]


def _agreement_line(run: SentimentRun) -> str:
    a = run.agreement
    return (f"model and word-count baseline agree on {a.agree:,} of {a.total:,} texts ({a.rate:.1%}); "
            f"they differ on {a.total - a.agree:,}")


def _print_table(rows: list[dict], run: SentimentRun, source: io.Source) -> None:
    from rich.table import Table

    console = _console()
    if not rows:
        console.print("no texts")
        return
    text_key = "text" if source.kind != "csv" else None
    table = Table(title=f"sentiment · model {run.model_name}", title_justify="left", show_lines=False)
    table.add_column("text", overflow="fold", ratio=3)
    table.add_column("label")
    for label in run.labels:
        table.add_column(f"p({label[:3]})", justify="right")
    if run.compare:
        table.add_column("baseline")
        table.add_column("words counted", overflow="fold", ratio=1)
    for row in rows:
        text = row[text_key] if text_key else _csv_text(row, source)
        label = row.get("rnnlu_label", row.get("label"))
        cells = [text, f"[{_LABEL_STYLE.get(label, '')}]{label}[/]"]
        cells += [f"{row.get(f'p_{l}', row.get(f'rnnlu_p_{l}', 0.0)):.2f}" for l in run.labels]
        if run.compare:
            b = row["baseline_label"]
            mark = "" if b == label else " ≠"
            cells += [f"[{_LABEL_STYLE.get(b, '')}]{b}[/]{mark}", row["baseline_words"] or "—"]
        table.add_row(*cells)
    console.print(table)
    if run.compare and run.agreement.total > 1:
        console.print(_agreement_line(run))


def _csv_text(row: dict, source: io.Source) -> str:
    for record_key in ("text",):
        if record_key in row:
            return row[record_key]
    return next(iter(row.values()), "")


# ---- models -----------------------------------------------------------------------------------------
def show_models(fmt: str = "table") -> None:
    from rnnlu.registry import list_models

    entries = list_models()
    if fmt == "json":
        print(json.dumps([{"name": e.name, "task": e.task, "bundled": e.bundled, "default_for": e.default_for,
                           "architecture": e.card.get("architecture"), "parameters": e.card.get("parameters"),
                           "size_bytes": e.path.stat().st_size, "headline": e.headline(), "path": str(e.path)}
                          for e in entries], indent=2))
        return
    from rich.table import Table

    table = Table(title="rnnlu models", title_justify="left")
    for col in ("name", "task", "architecture", "parameters", "size", "headline metric", "where"):
        table.add_column(col, justify="right" if col in ("parameters", "size") else "left")
    for e in entries:
        name = e.name + (" (default)" if e.default_for else "")
        params = e.card.get("parameters")
        table.add_row(name, e.task, e.card.get("architecture", "?"), f"{params:,}" if params else "?",
                      f"{e.path.stat().st_size / 1e6:.1f} MB", e.headline(), "bundled" if e.bundled else str(e.path.parent))
    _console().print(table if entries else "no models found")


def show_card(name: str, fmt: str) -> None:
    from rnnlu.registry import find_model

    entry = find_model(name, task="")
    card = entry.card or {"name": entry.name, "note": "this model has no card"}
    if fmt == "json":
        print(json.dumps(card, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"model card · {entry.name}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in ("task", "architecture", "parameters", "size_bytes", "vocab_size", "labels", "seed", "command",
                "epochs_run", "best_epoch", "seconds_per_epoch", "train_seconds", "trained", "machine"):
        if key in card:
            table.add_row(key, str(card[key]))
    for split in ("train_data", "dev", "test"):
        for item in card.get(split, []):
            detail = (f"{item['metric']} {item['value']:.4f}" if "metric" in item
                      else f"{item['examples']:,} examples, {item.get('removed_as_overlap', 0):,} removed as overlap")
            table.add_row(split, f"{item['path']}: {detail}")
    table.add_row("file", str(entry.path))
    _console().print(table)


# ---- training -----------------------------------------------------------------------------------------
def train_with_progress(opts, command: str) -> None:
    from rnnlu.train import train

    console = _console(stderr=True)
    progress = None
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=True)
    state = {"task": None, "epoch": 1}

    def on_batch(done: int, total: int) -> None:
        if progress is None:
            return
        if state["task"] is None:
            state["task"] = progress.add_task("train", total=total, epoch=state["epoch"])
        progress.update(state["task"], completed=done, total=total, epoch=state["epoch"])

    def on_epoch(log) -> None:
        star = " *best" if log.best else ""
        per_file = "  ".join(f"{Path(p).parent.name}/{Path(p).name} {v:.4f}" for p, v in log.dev_per_file.items())
        console.print(f"epoch {log.epoch:>2}  loss {log.loss:.4f}  dev {log.dev:.4f}{star}  ({per_file})  "
                      f"{log.seconds:.0f}s", soft_wrap=True)
        state["epoch"] = log.epoch + 1
        if progress is not None and state["task"] is not None:
            progress.reset(state["task"])

    with progress or nullcontext():
        result = train(opts, on_epoch=on_epoch, on_batch=on_batch, command=command)
    card = result.card
    console.print(f"saved {result.path} ({card['parameters']:,} parameters, {card['size_bytes'] / 1e6:.1f} MB) "
                  f"and its card {result.card_path}")
    for split in ("dev", "test"):
        for item in card[split]:
            console.print(f"  {split} {item['path']}: {item['metric']} {item['value']:.4f}")


# ---- evaluation ---------------------------------------------------------------------------------------
def write_rows(rows: list[dict], path: Path) -> None:
    """Write plain dict rows to a file whose extension names the format (atomically)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "tsv", "jsonl", "json"):
        fmt = "csv"
    columns = list(dict.fromkeys(k for row in rows for k in row)) or ["line", "text", "gold", "predicted"]
    with io.output_stream(path) as stream:
        writer = io.Writer(stream, fmt, columns)
        for row in rows:
            writer.write(row)
        writer.close()


def show_evaluation(result, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return
    from rich.table import Table

    console = _console()
    s, b = result.scores, result.baseline
    table = Table(title=f"{result.data} · {s.n:,} texts · headline metric: {result.metric}", title_justify="left")
    table.add_column("")
    table.add_column(f"model {result.model}", justify="right")
    if b:
        table.add_column("word-count baseline", justify="right")
    for metric in ("accuracy", "macro_f1", "macro_recall"):
        style = "bold" if metric == result.metric else ""
        cells = [f"[{style}]{metric}[/]" if style else metric, f"{s.get(metric):.4f}"]
        if b:
            cells.append(f"{b.get(metric):.4f}")
        table.add_row(*cells)
    for i, c in enumerate(s.per_class):
        if c.support == 0 and (not b or b.per_class[i].support == 0) and c.label not in result.labels:
            continue
        cells = [f"{c.label} P/R/F1 (n={c.support})", f"{c.precision:.3f} / {c.recall:.3f} / {c.f1:.3f}"]
        if b:
            bc = next((x for x in b.per_class if x.label == c.label), None)
            cells.append(f"{bc.precision:.3f} / {bc.recall:.3f} / {bc.f1:.3f}" if bc else "")
        table.add_row(*cells)
    console.print(table)
    for name, scores in (("model", s), ("baseline", b)):
        if scores is None:
            continue
        cm = Table(title=f"confusion matrix, {name} (rows: gold, columns: predicted)", title_justify="left")
        cm.add_column("gold \\ predicted")
        for label in scores.labels:
            cm.add_column(label, justify="right")
        for label, row in zip(scores.labels, scores.confusion):
            if sum(row) or label in result.labels:
                cm.add_row(label, *[f"{v:,}" for v in row])
        console.print(cm)
    if b:
        console.print(f"only the model is right on {result.only_model_right:,} texts; "
                      f"only the baseline on {result.only_baseline_right:,}")
