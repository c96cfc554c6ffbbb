"""The three answering commands: sentiment, tag, fill-blank. Same inputs, same outputs, one engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlu.cli.app import app
from rnnlu.cli.options import (AssociationOption, ColumnOption, CsvOption, FieldOption, FormatOption, JsonlOption,
                               MaxCharsOption, ModelOption, OutputOption, SentenceColumnOption, SentenceFieldOption,
                               WorkersOption, check_workers, compare_option, open_input, output_format, texts_argument)
from rnnlu.errors import RnnluError, UsageError

FAST_SENTIMENT_MODEL = "sentiment-fast"
SentimentTexts = texts_argument("Texts to label; omit to read stdin, one text per line.")
SentimentCompare = compare_option("Show the word-count baseline beside the model, and how often they agree.")
TagTexts = texts_argument("Texts to tag; omit to read stdin, one text per line.")
TagCompare = compare_option("Show the baseline's tags beside the model's, differences marked.")
BlankTexts = texts_argument("Sentences with a blank ___ and, right after it, the options: (hate/hates), (hate or hates) or [hate|hates]. Omit to read stdin, one per line.")
BlankCompare = compare_option("Show the n-gram count baseline's choice and the counts it used.")


@app.command()
def sentiment(
    texts: SentimentTexts = None,
    csv: CsvOption = None,
    column: ColumnOption = None,
    jsonl: JsonlOption = None,
    field: FieldOption = None,
    model: ModelOption = None,
    fast: Annotated[bool, typer.Option("--fast", help="Use the bundled fast model (sentiment-fast): about twice the default's throughput (2.2-2.4x measured), a point or two less accurate.")] = False,
    compare: SentimentCompare = False,
    fmt: FormatOption = None,
    output: OutputOption = None,
    max_chars: MaxCharsOption = 100_000,
    workers: WorkersOption = None,
):
    """Label texts positive / negative / neutral, with each label's probability."""
    from rnnlu.render import sentiment as presenter
    from rnnlu.render.results import write_answers
    from rnnlu.tasks.sentiment.run import run_sentiment

    source = open_input(texts, csv, column, jsonl, field, max_chars)
    fmt = output_format(fmt, output, source.kind)
    check_workers(workers)
    if fast and model:
        raise UsageError("give --fast or --model, not both")
    model = FAST_SENTIMENT_MODEL if fast else model
    run = run_sentiment(source, model=model, compare=compare, workers=workers)
    write_answers(run, source, fmt, output, presenter)


@app.command()
def tag(
    texts: TagTexts = None,
    scheme: Annotated[Optional[str], typer.Option(help="coin | pos | ner (default: the --model's own, else coin).", show_default=False)] = None,
    csv: CsvOption = None,
    column: ColumnOption = None,
    jsonl: JsonlOption = None,
    field: FieldOption = None,
    conll: Annotated[Optional[Path], typer.Option("--conll", help="Read a CoNLL-U or `token<TAB>tag` file; its own tokens are kept.")] = None,
    model: ModelOption = None,
    compare: TagCompare = False,
    summary: Annotated[bool, typer.Option("--summary", help="Counts per tag / entity type / ticker over the whole input, baseline beside.")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="table | tags | jsonl | json | conll | csv | tsv (default: table on a terminal, else by input: csv, jsonl, conll, or tags)")] = None,
    output: OutputOption = None,
    max_chars: MaxCharsOption = 100_000,
    workers: WorkersOption = None,
):
    """Tag every token: coin tickers (U elsewhere), universal POS, or WNUT-17 entities; spans with offsets."""
    import sys

    from rnnlu.render import tag as presenter
    from rnnlu.render.results import write_answers
    from rnnlu.render.tag import choose_tag_format, show_summary
    from rnnlu.tasks.tag.run import conll_source, run_tag, summarise
    from rnnlu.tasks.tag.schemes import get_scheme

    if scheme:
        get_scheme(scheme)
    if conll and (texts or csv or jsonl):
        raise UsageError("give one input, not --conll and another")
    check_workers(workers)
    source = conll_source(conll) if conll else open_input(texts, csv, column, jsonl, field, max_chars)
    fmt = choose_tag_format(fmt, output, source.kind, sys.stdout.isatty())
    run = run_tag(source, model=model, scheme=scheme, compare=compare or summary, workers=workers)
    if summary:
        show_summary(summarise(run), fmt, output)
    else:
        write_answers(run, source, fmt, output, presenter)


@app.command("fill-blank")
def fill_blank(
    texts: BlankTexts = None,
    options: Annotated[Optional[str], typer.Option("--options", help="The options for every blank, comma-separated (instead of inline ones).", show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", "-k", help="Without options: show the model's top K words.")] = 5,
    csv: CsvOption = None,
    column: SentenceColumnOption = None,
    jsonl: JsonlOption = None,
    field: SentenceFieldOption = None,
    options_column: Annotated[Optional[str], typer.Option(help="The --csv column / --jsonl field holding each row's options (hate/hates).", show_default=False)] = None,
    model: ModelOption = None,
    compare: BlankCompare = False,
    fmt: FormatOption = None,
    output: OutputOption = None,
    max_chars: MaxCharsOption = 100_000,
    workers: WorkersOption = None,
    association: AssociationOption = True,
):
    """Fill the blank: pick among options by reading both sides of the blank.

    Example: rnnlu fill-blank "My wife, who loves to play with dogs, ___ (hate/hates) cats." --compare
    """
    from rnnlu.render import blank as presenter
    from rnnlu.render.results import write_answers
    from rnnlu.tasks.fill_blank.items import parse_item, split_options
    from rnnlu.tasks.fill_blank.run import run_fill_blank

    if top < 1:
        raise UsageError("--top must be 1 or more")
    if options_column and not (csv or jsonl):
        raise UsageError("--options-column goes with --csv FILE or --jsonl FILE")
    check_workers(workers)
    source = open_input(texts, csv, column, jsonl, field, max_chars)
    fmt = output_format(fmt, output, source.kind)
    opts = split_options(options) if options is not None else None
    if texts and len(texts) == 1:  # one sentence: a bad one is a usage error (exit 2), not a skipped line
        parse_item(texts[0], opts)
    run = run_fill_blank(source, model=model, compare=compare, options=opts, options_field=options_column, top_k=top,
                         workers=workers, association=association)
    write_answers(run, source, fmt, output, presenter)
    if bad := run.bad:
        raise RnnluError(f"{bad} input line{'s' if bad > 1 else ''} could not be read (reported above); the rest were answered")
