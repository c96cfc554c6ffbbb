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
_visible, _safe = io.visible, io.safe_markup  # input, cards and names shown as written, never obeyed


def _styled(label: str) -> str:
    """A label in its colour (markup), the label itself escaped."""
    style = _LABEL_STYLE.get(label, "")
    return f"[{style}]{_safe(label)}[/]" if style else _safe(label)


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
            table_rows = list(rows)  # printed once the progress bar is gone, not glued to it
        else:
            with io.output_stream(output) as stream:
                columns = _columns(run, source)
                writer = io.Writer(stream, fmt, columns)
                for _, row in rows:
                    writer.write(row)
                writer.close()
    if fmt == "table":
        _print_table(table_rows, run)
    if compare and fmt != "table" and run.agreement.total > 1:
        _console(stderr=True).print(_agreement_line(run))


def _rows(run: SentimentRun, source: io.Source, progress, task_id):
    for n, (record, result) in enumerate(run.results, start=1):
        row = io.merge_row(record.fields or {"text": record.text}, sentiment_row(result, run.compare))
        if progress is not None and (n % 256 == 0):
            progress.update(task_id, completed=source.position() if source.position else None, texts=n)
        yield result, row


def _columns(run: SentimentRun, source: io.Source) -> list[str]:
    """CSV/TSV columns: the input's (CSV: all; JSONL: the text field), then the results' (which win a clash)."""
    base = list(source.columns) if source.kind in ("csv", "jsonl") else ["text"]
    ours = ["label", *[f"p_{label}" for label in run.labels], "model"]
    if run.compare:
        ours += ["baseline_label", "baseline_score", "baseline_words"]
    return io.merge_columns(base, ours)


def _agreement_line(run: SentimentRun) -> str:
    a = run.agreement
    return (f"model and word-count baseline agree on {a.agree:,} of {a.total:,} texts ({a.rate:.1%}); "
            f"they differ on {a.total - a.agree:,}")


def _print_table(rows: list[tuple], run: SentimentRun) -> None:
    """Rows of (SentimentResult, output columns); the table shows the result itself."""
    from rich.table import Table

    console = _console()
    if not rows:
        console.print("no texts")
        return
    table = Table(title=f"sentiment · model {_safe(run.model_name)}", title_justify="left", show_lines=False)
    table.add_column("text", overflow="fold", min_width=min(30, max(len(r.text) for r, _ in rows)))
    table.add_column("label")
    for label in run.labels:
        table.add_column(f"p({label[:3]})", justify="right")
    if run.compare:
        table.add_column("baseline")
        table.add_column("words counted", overflow="fold", min_width=12)
    for result, _ in rows:
        label = result.label
        cells = [_safe(result.text), _styled(label)]
        cells += [f"{result.probabilities[l]:.2f}" for l in run.labels]
        if run.compare:
            b = result.baseline
            mark = "" if b.label == label else " ≠"
            words = " ".join([f"+{w}" for w in b.positive] + [f"-{w}" for w in b.negative])
            cells += [f"{_styled(b.label)}{mark}", _safe(words) or "—"]
        table.add_row(*cells)
    console.print(table)
    if run.compare and run.agreement.total > 1:
        console.print(_agreement_line(run))


# ---- models -----------------------------------------------------------------------------------------
def show_models(fmt: str = "table") -> None:
    """The model list: a table on a terminal; ``tsv`` (full rows, for pipes) or ``json`` otherwise."""
    from rnnlu.registry import list_models

    entries = list_models()
    if fmt == "tsv":
        print("\t".join(("name", "task", "default_for", "architecture", "parameters", "size_bytes", "headline", "path")))
        for e in entries:
            cells = (e.name, e.task, e.default_for or "", e.card.get("architecture", ""), e.card.get("parameters", ""),
                     e.path.stat().st_size, e.headline(), e.path)
            print("\t".join(str(c).replace("\t", " ").replace("\n", " ") for c in cells))
        return
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
        table.add_row(_safe(name), _safe(e.task), _safe(e.card.get("architecture", "?")),
                      f"{params:,}" if type(params) is int else "?", f"{e.path.stat().st_size / 1e6:.1f} MB",
                      _safe(e.headline()), "bundled" if e.bundled else _safe(e.path.parent))
    _console().print(table if entries else "no models found")


def show_card(name: str, fmt: str) -> None:
    from rnnlu.registry import find_model

    entry = find_model(name, task="")
    card = entry.card or {"name": entry.name, "note": "this model has no card"}
    if fmt == "json":
        print(json.dumps(card, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"model card · {_safe(entry.name)}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in ("task", "architecture", "parameters", "size_bytes", "vocab_size", "labels", "seed", "command",
                "epochs_run", "best_epoch", "seconds_per_epoch", "train_seconds", "trained", "machine"):
        if key in card:
            table.add_row(key, _safe(card[key]))
    for split in ("train_data", "dev", "test"):
        items = card.get(split)
        for item in items if isinstance(items, list) else []:
            try:
                detail = (f"{item['metric']} {item['value']:.4f}" if "metric" in item
                          else f"{item['examples']:,} examples, {item.get('removed_as_overlap', 0):,} removed as overlap")
                table.add_row(split, _safe(f"{item['path']}: {detail}"))
            except (KeyError, TypeError, ValueError):  # a hand-edited card: show the entry as it is
                table.add_row(split, _safe(json.dumps(item)))
    table.add_row("file", _safe(entry.path))
    _console().print(table)


# ---- training -----------------------------------------------------------------------------------------
class EpochProgress:
    """A per-epoch progress bar on stderr (only on a terminal) and one printed line per finished epoch."""

    def __init__(self, console):
        self.console, self.progress, self.task, self.epoch = console, None, None, 1
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=console, transient=True)

    def on_batch(self, done: int, total: int) -> None:
        if self.progress is None:
            return
        if self.task is None:
            self.task = self.progress.add_task("train", total=total, epoch=self.epoch)
        self.progress.update(self.task, completed=done, total=total, epoch=self.epoch)

    def epoch_done(self, epoch: int, line: str) -> None:
        self.console.print(line, soft_wrap=True)
        self.epoch = epoch + 1
        if self.progress is not None and self.task is not None:
            self.progress.reset(self.task)

    def __enter__(self):
        return self.progress.__enter__() if self.progress else self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc) if self.progress else False


def _with_epoch_progress(run, opts, command: str, describe):
    """Run ``run`` (train or pretrain) under one epoch progress display; returns (console, result)."""
    console = _console(stderr=True)
    bar = EpochProgress(console)
    with bar:
        result = run(opts, on_epoch=lambda log: bar.epoch_done(log.epoch, describe(log)), on_batch=bar.on_batch,
                     command=command, on_note=lambda line: console.print(line, style="dim", soft_wrap=True))
    return console, result


def train_with_progress(opts, command: str) -> None:
    from rnnlu.train import train

    def describe(log) -> str:
        star = " *best" if log.best else ""
        per_file = "  ".join(f"{Path(p).parent.name}/{Path(p).name} {v:.4f}" for p, v in log.dev_per_file.items())
        return f"epoch {log.epoch:>2}  loss {log.loss:.4f}  dev {log.dev:.4f}{star}  ({per_file})  {log.seconds:.0f}s"

    console, result = _with_epoch_progress(train, opts, command, describe)
    card = result.card
    console.print(f"saved {result.path} ({card['parameters']:,} parameters, {card['size_bytes'] / 1e6:.1f} MB) "
                  f"and its card {result.card_path}")
    for split in ("dev", "test"):
        for item in card[split]:
            console.print(f"  {split} {item['path']}: {item['metric']} {item['value']:.4f}")


def pretrain_with_progress(opts, command: str) -> None:
    from rnnlu.pretrain import pretrain

    def describe(log) -> str:
        star = " *best" if log.best else ""
        where = f"epoch {log.epoch:>2}" + (f" batch {log.batch:,}" if log.batch else "")
        dev = "".join(f"  {Path(p).name} {v:.4f}" for p, v in log.dev.items())
        return (f"{where}  loss {log.loss:.4f}  held-out perplexity {log.heldout_perplexity:.1f}{dev}{star}  "
                f"{log.tokens_seen:,} tokens  {log.seconds:.0f}s")

    console, result = _with_epoch_progress(pretrain, opts, command, describe)
    card = result.card
    use = (f"use it with `rnnlu fill-blank -m {result.path}`" if card["task"] == "fill-blank"
           else f"use it with `rnnlu train --init-from {result.path}`")
    left = "" if card.get("complete", True) else "; stopped by the time budget: --resume continues it"
    console.print(f"saved {result.path} ({card['parameters']:,} parameters, {card['tokens_seen']:,} tokens read, "
                  f"held-out perplexity {card['heldout_perplexity']}){left}; {use}")


def show_checks(report, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(report.to_dict(), indent=2))
        return
    from rich.table import Table

    table = Table(title=f"behavioural checks: {report.model} vs word-count baseline", title_justify="left")
    for col, just in (("check", "left"), ("items", "right"), ("model", "right"), ("baseline", "right"),
                      ("what it asks", "left")):
        table.add_column(col, justify=just)
    for t in report.types:
        base = "-" if t.baseline_rate is None else f"{t.baseline_rate:.1%}"
        table.add_row(t.kind, str(t.items), f"{t.model_rate:.1%}", base, t.description)
    console = _console()
    console.print(table)
    misses = [(t.kind, f) for t in report.types for f in t.failures]
    if misses:
        console.print(f"{len(misses)} model failures, e.g.: " + "; ".join(
            f"{f['text']!r} -> {f['model']} (expected {f['expected']})" for _, f in misses[:3]), soft_wrap=True)


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
    if hasattr(result, "scheme"):  # a tagger's evaluation: its own tables
        from rnnlu.tasks.tag.output import show_tag_evaluation

        return show_tag_evaluation(result, fmt)
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


# ---- selection ----------------------------------------------------------------------------------------
def show_selection(selection, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(selection.to_dict(), indent=2))
        return
    from rich.table import Table

    table = Table(title=f"architecture selection · dev {selection.metric} · tolerance {selection.tolerance} points",
                  title_justify="left")
    for col in ("architecture", "dev (mean ± spread)", "parameters", "s / epoch", "texts / s", "size"):
        table.add_column(col, justify="left" if col == "architecture" else "right")
    for c in selection.candidates:
        mark = " ← chosen" if c.arch == selection.chosen else " (best)" if c.arch == selection.best else ""
        spread = f" ± {c.spread:.2%}" if len(c.dev) > 1 else ""
        table.add_row(c.arch + mark, f"{c.mean:.2%}{spread}", f"{c.parameters:,}", f"{c.seconds_per_epoch:.1f}",
                      f"{c.texts_per_second:,.0f}", f"{c.size_bytes / 1e6:.1f} MB")
    console = _console()
    console.print(table)
    console.print(f"chosen: {selection.chosen}: {selection.reason}")
    for pair, ratios in selection.speed.items():
        console.print(f"{pair.replace('_vs_', ' vs ')}: trains {ratios['train_speedup']}× as fast, "
                      f"answers {ratios['inference_speedup']}× as fast")
    load = getattr(selection, "load", None) or {}
    if selection.speed and load.get("loaded"):
        console.print(f"note: timings were taken while other jobs loaded the machine (load average up to "
                      f"{load['max_load']} on {load['cores']} cores): training speeds may be off by more than these "
                      "ratios; answering speeds are the best of 3 passes taken in turn", style="yellow")
    if selection.saved_to:
        console.print(f"saved {selection.saved_to}")


# ---- explain ------------------------------------------------------------------------------------------
_GATE_HELP = {
    "update": "update gate z: share of old memory kept; high = the word was skipped (rewrite = 1 − z)",
    "reset": "reset gate r: share of old memory used to read the word; low = the word is read afresh",
    "input": "input gate: how much of the word is written into the cell (long-term memory)",
    "forget": "forget gate: share of the cell kept from before; low = the memory is wiped at this word",
    "output": "output gate: how much of the cell is passed on (to the next layer or the answer)",
    "cell_norm": "|c|: size (L2 norm) of the cell state after the word; shade relative to the largest here",
}
_GATE_SHORT = {"update": "upd z", "reset": "reset", "input": "in", "forget": "forget", "output": "out",
               "cell_norm": "|c|"}
_SHOWN_GATES = {"gru": ("update", "reset"), "lstm": ("input", "forget", "output", "cell_norm"), "rnn": ()}
_GREY, _BRIGHT = (52, 52, 58), (255, 226, 110)
_TOWARDS, _AWAY, _NEUTRAL = (214, 48, 49), (35, 110, 220), (52, 52, 58)


def _mix(a: tuple, b: tuple, t: float) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t))
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _shade(text: str, rgb: tuple):
    """Text on a background colour, with black or white letters, whichever reads better."""
    from rich.text import Text

    light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140
    return Text(text, style=f"{'rgb(16,16,16)' if light else 'rgb(245,245,245)'} on rgb({rgb[0]},{rgb[1]},{rgb[2]})")


def _explanation_picture(ex) -> list:
    """The explain picture: a header, one table row per word, and a legend (rich renderables)."""
    from rich.table import Table
    from rich.text import Text

    parts: list = []
    head = Text.assemble(("explain", "bold"), f" · model {ex.model} ({ex.architecture}) · {ex.task}")
    if ex.label is not None:
        head.append(": ")
        head.append(ex.label, style=f"bold {_LABEL_STYLE.get(ex.label, '')}")
        head.append("   " + "  ".join(f"p({l[:3]}) {p:.2f}" for l, p in ex.probabilities.items()))
    parts.append(head)
    b = ex.baseline
    counted_pos, counted_neg = set(), set()
    if b is not None and hasattr(b, "positive"):
        counted_pos = {w for entry in b.positive for w in entry.split()}
        counted_neg = {w for entry in b.negative for w in entry.split()}
        words = " ".join([f"+{w}" for w in b.positive] + [f"−{w}" for w in b.negative]) or "no lexicon words"
        line = Text("word-count baseline: ")
        line.append(b.label, style=_LABEL_STYLE.get(b.label, ""))
        line.append(f" (score {b.score:+d}: {words})")
        if ex.label is not None:
            line.append("  — agrees with the model" if b.label == ex.label else "  — differs from the model",
                        style="" if b.label == ex.label else "bold")
        parts.append(line)

    has_contrib = any(w.contribution is not None for w in ex.words)
    scale = max([abs(w.contribution) for w in ex.words if w.contribution is not None] + [0.05])
    shown = _SHOWN_GATES.get(ex.cell, ())
    cell_max = max([g.values.get("cell_norm", 0.0) for w in ex.words for g in w.gates] + [1e-9])
    many_layers = len({layer for layer, _ in ex.layers}) > 1

    table = Table(title_justify="left", show_edge=False, pad_edge=False, padding=(0, 1), box=None)
    table.add_column("#", justify="right", style="dim")
    table.add_column("word")
    if counted_pos or counted_neg:
        table.add_column("lex", justify="center")
    has_tags = any(w.tag is not None for w in ex.words)
    if has_tags:
        table.add_column("tag")
        table.add_column("p", justify="right")
    if has_contrib:
        table.add_column("contrib", justify="right")
    for layer, direction in ex.layers:
        arrow = "→" if direction == "forward" else "←"
        for gate in shown:
            table.add_column(f"{f'L{layer}' if many_layers else ''}{arrow} {_GATE_SHORT[gate]}", justify="right")
    for w in ex.words:
        word = Text(_visible(w.token)) if w.known else Text(f"{_visible(w.token)}?", style="italic dim")
        row = [str(w.index + 1), word]
        if counted_pos or counted_neg:
            row.append(Text("+", style="green") if w.token in counted_pos
                       else Text("−", style="red") if w.token in counted_neg else Text(""))
        if has_tags:
            row += [Text(w.tag or "", style="bold cyan"), f"{w.tag_probability or 0:.2f}"]
        if has_contrib:
            c = w.contribution or 0.0
            row.append(_shade(f"{c:+.3f}", _mix(_NEUTRAL, _TOWARDS if c > 0 else _AWAY, abs(c) / scale)))
        for g in w.gates:
            for gate in shown:
                v = g.values[gate]
                frac = v / cell_max if gate == "cell_norm" else v
                row.append(_shade(f"{v:.2f}", _mix(_GREY, _BRIGHT, frac)))
        table.add_row(*row)
    parts.append(table)

    legend = Text("legend\n", style="bold")
    if has_contrib:
        legend.append("  ")
        legend.append("   ", style="on rgb({},{},{})".format(*_TOWARDS))
        legend.append(f" towards {ex.label!r}   ")
        legend.append("   ", style="on rgb({},{},{})".format(*_AWAY))
        legend.append(f" away from it   (full shade = ±{scale:.2f})\n")
        legend.append(f"  contrib = p({ex.label}) with the whole text minus p({ex.label}) with this word left out\n")
    if shown:
        legend.append("  gates, mean over hidden units:  0 ")
        for k in range(9):
            legend.append("  ", style="on rgb({},{},{})".format(*_mix(_GREY, _BRIGHT, k / 8)))
        legend.append(" 1   (grey = closed, bright = open)\n")
        for gate in shown:
            legend.append(f"  {_GATE_SHORT[gate]:>6}  {_GATE_HELP[gate]}\n")
        directions = {d for _, d in ex.layers}
        legend.append("  → forward layer reads left to right" + ("; ← backward layer reads right to left" if
                      "backward" in directions else "") + ("; L1, L2 … = stacked layers" if many_layers else "") + "\n")
    else:
        legend.append(f"  a plain {ex.cell.upper()} has no gates: only the contributions can be shown\n")
    if counted_pos or counted_neg:
        legend.append("  lex  +/− = word counted by the word-count baseline (positive / negative lexicon)\n")
    if not all(w.known for w in ex.words):
        how = "read by its character n-grams" if ex.subwords else "read as the unknown word"
        legend.append(f"  word? = not in the model's vocabulary: {how}\n")
    legend.rstrip()
    parts.append(legend)
    return parts


def show_explanation(explanation, fmt: str, svg: Path | None = None, html: Path | None = None) -> None:
    """Print an :class:`rnnlu.explain.Explanation` (picture or JSON); save the picture as SVG / HTML."""
    from rnnlu.errors import UsageError
    from rnnlu.modelfile import atomic_write

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose table or json")
    picture = _explanation_picture(explanation) if (fmt == "table" or svg or html) else []
    if svg or html:
        from io import StringIO

        from rich.console import Console

        probe = Console(file=StringIO(), width=400)
        width = min(200, max(80, max(probe.measure(part).maximum for part in picture[:-1])))
        recorder = Console(file=StringIO(), record=True, width=width, force_terminal=True,
                           color_system="truecolor", highlight=False)
        for part in picture:
            recorder.print(part)
        title = f"rnnlu explain · {explanation.model}"
        for path, export in ((svg, lambda: recorder.export_svg(title=title, clear=False)),
                             (html, lambda: recorder.export_html(clear=False))):
            if path:
                with atomic_write(path) as f:
                    f.write(export())
    if fmt == "json":
        print(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        console = _console()
        for part in picture:
            console.print(part)
    for path in (svg, html):
        if path:
            _console(stderr=True).print(f"saved {path}")
