"""Reports any command prints: the model list and cards, evaluation scores, check pass rates, selections."""

from __future__ import annotations

import json

from rnnlu import io
from rnnlu.render.console import terminal

_safe = io.safe_markup  # cards and names shown as written, never obeyed as markup


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
    terminal().print(table if entries else "no models found")


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
    terminal().print(table)


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
    console = terminal()
    console.print(table)
    misses = [(t.kind, f) for t in report.types for f in t.failures]
    if misses:
        console.print(f"{len(misses)} model failures, e.g.: " + "; ".join(
            f"{f['text']!r} -> {f['model']} (expected {f['expected']})" for _, f in misses[:3]), soft_wrap=True)


def show_evaluation(result, fmt: str) -> None:
    """Any task's evaluation: JSON (``result.to_dict()``) or its report (``result.report()``) as tables."""
    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return
    print_report(result.report())


def print_report(report) -> None:
    """A :class:`rnnlu.metrics.Report`, whatever rows it holds: model beside baseline, headline in bold;
    then its notes and confusion tables (diagonal in bold, zeros as dots)."""
    from rich import box
    from rich.table import Table

    console = terminal()
    if not console.is_terminal:  # a file or a pipe: no screen to fit, so no column is cut short
        console.width = max(console.width, 160)
    console.print(_safe(report.title), soft_wrap=True)  # a line of its own: a table title wraps to the table's width
    table = Table()
    table.add_column("")
    table.add_column(f"model {_safe(report.model)}", justify="right")
    if report.baseline:
        table.add_column(_safe(report.baseline), justify="right")
    for name, value, base in report.rows:
        cells = [f"[bold]{_safe(name)}[/]" if name == report.headline else _safe(name), _shown(value)]
        if report.baseline:
            cells.append(_shown(base))
        table.add_row(*cells)
    console.print(table)
    for note in report.notes:
        console.print(_safe(note), soft_wrap=True)
    for cm in report.confusions:
        labels = cm.labels
        short = 5 if len(labels) > 8 else 12  # many labels: short headers, so that the grid fits a terminal
        console.print()
        console.print(_safe(cm.title), soft_wrap=True)   # a line of its own, as the report's title
        grid = Table(box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True, show_edge=False)
        grid.add_column("gold \\ pred")
        for label in labels:
            grid.add_column(_safe(label[:short]), justify="right")
        for i, (label, counts) in enumerate(zip(labels, cm.counts)):
            if sum(counts):
                grid.add_row(_safe(label), *[(f"[bold]{v}[/]" if j == i else str(v)) if v else "·"
                                             for j, v in enumerate(counts)])
        console.print(grid)


def _shown(value) -> str:
    """A report value: a float to 4 places, a (precision, recall, f1) triple to 3, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " / ".join(f"{v:.3f}" for v in value)
    if isinstance(value, float):
        return f"{value:.4f}"
    return _safe(value)


# ---- selection ----------------------------------------------------------------------------------------
def show_selection(selection, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(selection.to_dict(), indent=2))
        return
    from rich.table import Table

    table = Table(title=f"architecture selection · dev {selection.metric} · tolerance {selection.tolerance} points",
                  title_justify="left")
    per = "blanks / s" if any(c.breakdown for c in selection.candidates) else "texts / s"
    for col in ("architecture", "dev (mean ± spread)", "parameters", "s / epoch", per, "size"):
        table.add_column(col, justify="left" if col == "architecture" else "right")
    for c in selection.candidates:
        mark = " ← chosen" if c.arch == selection.chosen else " (best)" if c.arch == selection.best else ""
        spread = f" ± {c.spread:.2%}" if len(c.dev) > 1 else ""
        table.add_row(c.arch + mark, f"{c.mean:.2%}{spread}", f"{c.parameters:,}", f"{c.seconds_per_epoch:.1f}",
                      f"{c.texts_per_second:,.0f}", f"{c.size_bytes / 1e6:.1f} MB")
    console = terminal()
    console.print(table)
    files = sorted({f for c in selection.candidates for f in c.breakdown})
    for path in files:   # fill-blank: accuracy per attractor count and per left-context length
        groups = list(dict.fromkeys(g for c in selection.candidates for g in c.breakdown.get(path, {})))
        detail = Table(title=f"{path}: accuracy per group", title_justify="left")
        detail.add_column("group")
        for c in selection.candidates:
            detail.add_column(c.arch, justify="right")
        for g in groups:
            detail.add_row(g, *(f"{c.breakdown.get(path, {}).get(g, float('nan')):.2%}" for c in selection.candidates))
        console.print(detail)
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
