"""Looking at models: list and cards, evaluate on a labelled file, behavioural checks, explain one text."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlu.cli.app import app
from rnnlu.cli.options import AssociationOption, ReportFormatOption, SchemeOption, report_format
from rnnlu.errors import UsageError

DefaultModelOption = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name or .safetensors path (default: the bundled default).")]


@app.command()
def models(name: Annotated[Optional[str], typer.Argument(help="Show this model's card.")] = None,
           fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="table | tsv | json (default: table on a terminal, else tsv for the list, json for a card)")] = None):
    """List bundled and your own models, or show one model's card."""
    from rnnlu.render.reports import show_card, show_models

    allowed = ("table", "json") if name else ("table", "tsv", "json")
    if fmt is not None and fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; choose {', '.join(allowed[:-1])} or {allowed[-1]}")
    if name:
        show_card(name, fmt or ("table" if sys.stdout.isatty() else "json"))
    else:
        show_models(fmt or ("table" if sys.stdout.isatty() else "tsv"))


@app.command()
def evaluate(
    task: Annotated[str, typer.Argument(help="Task: sentiment | tag | fill-blank.")],
    data: Annotated[Path, typer.Option("--data", help="Labelled file: `label<TAB>text` TSV, or CSV/TSV with label,text columns (tag: CoNLL-U or `token<TAB>tag`; fill-blank: MSR layout, `name<TAB>sentence<TAB>correct<TAB>wrong`, or text,options,answer columns).")],
    model: DefaultModelOption = None,
    compare: Annotated[bool, typer.Option("--compare", "-c", help="Score the word-count baseline too, side by side.")] = False,
    fmt: ReportFormatOption = "table",
    errors: Annotated[Optional[Path], typer.Option(help="Write the misclassified rows to this file (.csv, .tsv, .jsonl or .json).")] = None,
    scheme: SchemeOption = None,
    only_labels: Annotated[Optional[str], typer.Option("--only-labels", help="sentiment: score only the rows with these gold labels, comma-separated, answering among them (e.g. positive,negative).", show_default=False)] = None,
    association: AssociationOption = True,
):
    """Score a model on a labelled file: accuracy, macro-F1, macro-recall, per class, confusion matrix (tag: token accuracy, per-tag, exact spans; fill-blank: accuracy per attractor count)."""
    from rnnlu.evaluate import evaluate as run_evaluation
    from rnnlu.render.console import write_rows
    from rnnlu.render.reports import show_evaluation

    report_format(fmt)
    only = [label.strip() for label in only_labels.split(",") if label.strip()] if only_labels else None
    result = run_evaluation(task, data, model=model, compare=compare, scheme=scheme, only_labels=only,
                            association=association)
    if errors:
        write_rows(result.errors, errors)
    show_evaluation(result, fmt)


@app.command()
def check(
    task: Annotated[str, typer.Argument(help="Task: sentiment.")] = "sentiment",
    model: DefaultModelOption = None,
    fmt: ReportFormatOption = "table",
    failures: Annotated[Optional[Path], typer.Option(help="Write the model's failed items to this file (.csv, .tsv, .jsonl or .json).")] = None,
):
    """Behavioural checks (negation, contrast, ...): pass rate per check type, model beside the baseline."""
    from rnnlu.checks import run_checks
    from rnnlu.registry import load_model
    from rnnlu.render.console import write_rows
    from rnnlu.render.reports import show_checks
    from rnnlu.tasks import get_task

    report_format(fmt)
    t = get_task(task)
    items, descriptions = t.checks()
    if not items:
        raise UsageError(f"task {task!r} has no behavioural checks yet")
    report = run_checks(t, load_model(model, task=task), items, descriptions)
    if failures:
        write_rows([{"type": ty.kind, **f} for ty in report.types for f in ty.failures], failures)
    show_checks(report, fmt)


@app.command()
def explain(
    text: Annotated[str, typer.Argument(help="The text to explain (quote it).", show_default=False)],
    task: Annotated[str, typer.Option(help="Task the model answers: sentiment | tag | fill-blank.")] = "sentiment",
    model: DefaultModelOption = None,
    svg: Annotated[Optional[Path], typer.Option("--svg", help="Also save the picture as an SVG file (atomically).")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also save the picture as an HTML file (atomically).")] = None,
    fmt: ReportFormatOption = "table",
):
    """Show what the gates did at each word, and how much each word moved the answer."""
    from rnnlu.explain import explain as explain_text
    from rnnlu.registry import load_model
    from rnnlu.render.explain import show_explanation
    from rnnlu.tasks import get_task

    report_format(fmt)
    if task == "fill-blank":
        from rnnlu.explain import explain_blank
        from rnnlu.render.blank import show_blank_explanation
        from rnnlu.tasks.fill_blank.run import load_fill_blank_model

        from rnnlu.tasks.fill_blank.task import load_association

        show_blank_explanation(explain_blank(load_fill_blank_model(model), text, association=load_association()),
                               fmt, svg=svg, html=html)
        return
    get_task(task)  # an unknown task is a usage error, before any model is looked for
    show_explanation(explain_text(load_model(model, task=task), text), fmt, svg=svg, html=html)
