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
    if hasattr(result, "scheme"):  # a tagger's evaluation: its own tables
        from rnnlu.render.tag import show_tag_evaluation

        return show_tag_evaluation(result, fmt)
    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return
    from rich.table import Table

    console = terminal()
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
    console = terminal()
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
