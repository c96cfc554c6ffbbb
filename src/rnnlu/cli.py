"""The command line: thin Typer functions that parse arguments, call the library, and format.

Heavy modules (torch, the model engine, rich tables) are imported inside the commands that
need them, so `rnnlu --help` and a one-text `rnnlu sentiment` start fast.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

# Answering multiplies small matrices: one BLAS thread is as fast, and on a busy machine extra
# threads thrash (a 1,000-line run took 47 s with two, 1.4 s with one). Must precede numpy's import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from rnnlu import __version__  # noqa: E402
from rnnlu.errors import RnnluError, Terminated, UsageError, need_torch

app = typer.Typer(
    name="rnnlu",
    help="Read text the way gated recurrent networks do: sentiment, tags and fill-the-blank with pretrained "
    "BiGRU/LSTM models, each answer beside a word-count baseline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FORMAT_HELP = "table | json | jsonl | csv | tsv (default: table on a terminal, else csv for --csv input, jsonl for --jsonl, tsv otherwise)"


def _version(value: bool):
    if value:
        print(f"rnnlu {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False):
    pass


@app.command()
def sentiment(
    texts: Annotated[Optional[list[str]], typer.Argument(help="Texts to label; omit to read stdin, one text per line.", show_default=False)] = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Read a CSV file (TSV if it ends in .tsv); every column is kept.")] = None,
    column: Annotated[Optional[str], typer.Option(help="The --csv column holding the text (default: 'text').")] = None,
    jsonl: Annotated[Optional[Path], typer.Option("--jsonl", help="Read a JSON-lines file.")] = None,
    field: Annotated[Optional[str], typer.Option(help="The --jsonl field holding the text (default: 'text').")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (see `rnnlu models`) or path to a .safetensors file.")] = None,
    compare: Annotated[bool, typer.Option("--compare", "-c", help="Show the word-count baseline beside the model, and how often they agree.")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write results to this file (atomically) instead of stdout.")] = None,
    max_chars: Annotated[int, typer.Option(help="Refuse texts longer than this many characters.")] = 100_000,
    workers: Annotated[Optional[int], typer.Option(help="Processes answering side by side once the input passes 2,048 texts (default: one per idle core; 1: this process only). Same labels, same order.", show_default=False)] = None,
):
    """Label texts positive / negative / neutral, with each label's probability."""
    from rnnlu import io
    from rnnlu.commands import run_sentiment
    from rnnlu.render import write_results

    source = io.open_source(texts, csv, column, jsonl, field, stdin=sys.stdin.buffer,
                            stdin_is_tty=sys.stdin.isatty(), max_chars=max_chars)
    fmt = io.choose_format(fmt, output, source.kind, sys.stdout.isatty())
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be 1 or more, not {workers}")
    run = run_sentiment(source, model=model, compare=compare, workers=workers)
    write_results(run, source, fmt, output, compare)


@app.command()
def tag(
    texts: Annotated[Optional[list[str]], typer.Argument(help="Texts to tag; omit to read stdin, one text per line.", show_default=False)] = None,
    scheme: Annotated[Optional[str], typer.Option(help="coin | pos | ner (default: the --model's own, else coin).", show_default=False)] = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Read a CSV file (TSV if it ends in .tsv); every column is kept.")] = None,
    column: Annotated[Optional[str], typer.Option(help="The --csv column holding the text (default: 'text').")] = None,
    jsonl: Annotated[Optional[Path], typer.Option("--jsonl", help="Read a JSON-lines file.")] = None,
    field: Annotated[Optional[str], typer.Option(help="The --jsonl field holding the text (default: 'text').")] = None,
    conll: Annotated[Optional[Path], typer.Option("--conll", help="Read a CoNLL-U or `token<TAB>tag` file; its own tokens are kept.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (see `rnnlu models`) or path to a .safetensors file.")] = None,
    compare: Annotated[bool, typer.Option("--compare", "-c", help="Show the baseline's tags beside the model's, differences marked.")] = False,
    summary: Annotated[bool, typer.Option("--summary", help="Counts per tag / entity type / ticker over the whole input, baseline beside.")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="table | tags | jsonl | json | conll | csv | tsv (default: table on a terminal, else by input: csv, jsonl, conll, or tags)")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write results to this file (atomically) instead of stdout.")] = None,
    max_chars: Annotated[int, typer.Option(help="Refuse texts longer than this many characters.")] = 100_000,
):
    """Tag every token: coin tickers (U elsewhere), universal POS, or WNUT-17 entities; spans with offsets."""
    from rnnlu import io
    from rnnlu.tasks.tag.output import (choose_tag_format, conll_source, run_tag, show_summary, summarise,
                                        write_tag_results)
    from rnnlu.tasks.tag.schemes import get_scheme

    if scheme:
        get_scheme(scheme)
    if conll and (texts or csv or jsonl):
        raise UsageError("give one input, not --conll and another")
    source = conll_source(conll) if conll else io.open_source(texts, csv, column, jsonl, field, stdin=sys.stdin.buffer,
                                                              stdin_is_tty=sys.stdin.isatty(), max_chars=max_chars)
    fmt = choose_tag_format(fmt, output, source.kind, sys.stdout.isatty())
    run = run_tag(source, model=model, scheme=scheme, compare=compare or summary)
    if summary:
        show_summary(summarise(run), fmt, output)
    else:
        write_tag_results(run, fmt, output, compare, source.kind)


@app.command("fill-blank")
def fill_blank(
    texts: Annotated[Optional[list[str]], typer.Argument(help="Sentences with a blank ___ and, right after it, the options: (hate/hates), (hate or hates) or [hate|hates]. Omit to read stdin, one per line.", show_default=False)] = None,
    options: Annotated[Optional[str], typer.Option("--options", help="The options for every blank, comma-separated (instead of inline ones).", show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", "-k", help="Without options: show the model's top K words.")] = 5,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Read a CSV file (TSV if it ends in .tsv); every column is kept.")] = None,
    column: Annotated[Optional[str], typer.Option(help="The --csv column holding the sentence (default: 'text').")] = None,
    jsonl: Annotated[Optional[Path], typer.Option("--jsonl", help="Read a JSON-lines file.")] = None,
    field: Annotated[Optional[str], typer.Option(help="The --jsonl field holding the sentence (default: 'text').")] = None,
    options_column: Annotated[Optional[str], typer.Option(help="The --csv column / --jsonl field holding each row's options (hate/hates).", show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (see `rnnlu models`) or path to a .safetensors file.")] = None,
    compare: Annotated[bool, typer.Option("--compare", "-c", help="Show the n-gram count baseline's choice and the counts it used.")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write results to this file (atomically) instead of stdout.")] = None,
    max_chars: Annotated[int, typer.Option(help="Refuse texts longer than this many characters.")] = 100_000,
):
    """Fill the blank: pick among options by reading both sides of the blank.

    Example: rnnlu fill-blank "My wife, who loves to play with dogs, ___ (hate/hates) cats." --compare
    """
    from rnnlu import io
    from rnnlu.render_blank import write_answers
    from rnnlu.tasks.fill_blank.items import split_options
    from rnnlu.tasks.fill_blank.run import run_fill_blank

    if top < 1:
        raise UsageError("--top must be 1 or more")
    if options_column and not (csv or jsonl):
        raise UsageError("--options-column goes with --csv FILE or --jsonl FILE")
    source = io.open_source(texts, csv, column, jsonl, field, stdin=sys.stdin.buffer,
                            stdin_is_tty=sys.stdin.isatty(), max_chars=max_chars)
    fmt = io.choose_format(fmt, output, source.kind, sys.stdout.isatty())
    opts = split_options(options) if options is not None else None
    if texts and len(texts) == 1:  # one sentence: a bad one is a usage error (exit 2), not a skipped line
        from rnnlu.tasks.fill_blank.items import parse_item

        parse_item(texts[0], opts)
    run = run_fill_blank(source, model=model, compare=compare, options=opts, options_field=options_column, top_k=top)
    bad = write_answers(run, source, fmt, output, compare)
    if bad:
        raise RnnluError(f"{bad} input line{'s' if bad > 1 else ''} could not be read (reported above); the rest were answered")


@app.command()
def models(name: Annotated[Optional[str], typer.Argument(help="Show this model's card.")] = None,
           fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="table | tsv | json (default: table on a terminal, else tsv for the list, json for a card)")] = None):
    """List bundled and your own models, or show one model's card."""
    from rnnlu.render import show_card, show_models

    allowed = ("table", "json") if name else ("table", "tsv", "json")
    if fmt is not None and fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; choose {', '.join(allowed[:-1])} or {allowed[-1]}")
    if name:
        show_card(name, fmt or ("table" if sys.stdout.isatty() else "json"))
    else:
        show_models(fmt or ("table" if sys.stdout.isatty() else "tsv"))


@app.command()
def train(
    task: Annotated[str, typer.Argument(help="Task to train: sentiment | tag.")],
    train_files: Annotated[list[Path], typer.Option("--train", help="Training file(s): `label<TAB>text` TSV, or CSV/TSV with label,text columns (tag: CoNLL-U or `token<TAB>tag`). Repeatable.")],
    dev_files: Annotated[list[Path], typer.Option("--dev", help="Dev file(s) for early stopping and model choice. Repeatable.")],
    out: Annotated[str, typer.Option("--out", help="A NAME (saved among your models) or a path ending in .safetensors.")],
    arch: Annotated[str, typer.Option(help="bigru | bilstm | gru | lstm | rnn | birnn")] = "bigru",
    hidden: Annotated[int, typer.Option(help="Hidden units per direction.")] = 128,
    layers: Annotated[int, typer.Option(help="Stacked recurrent layers.")] = 1,
    embedding_dim: Annotated[int, typer.Option(help="Word vector size.")] = 128,
    epochs: Annotated[int, typer.Option(help="Most epochs to run.")] = 10,
    batch_size: Annotated[int, typer.Option(help="Texts per batch.")] = 64,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 2e-3,
    dropout: Annotated[float, typer.Option(help="Dropout on embeddings and encoder outputs.")] = 0.4,
    word_dropout: Annotated[float, typer.Option(help="Chance of replacing a training word by <unk>.")] = 0.1,
    pooling: Annotated[str, typer.Option(help="max | mean | last")] = "max",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same model).")] = 13,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without a better dev metric.")] = 3,
    max_vocab: Annotated[int, typer.Option(help="Largest vocabulary.")] = 20000,
    min_freq: Annotated[int, typer.Option(help="Keep words seen at least this often.")] = 2,
    exclude: Annotated[Optional[list[Path]], typer.Option("--exclude", help="Drop training texts that occur in (or as a 4+ word span of) these files. Repeatable.")] = None,
    test_files: Annotated[Optional[list[Path]], typer.Option("--test", help="Score these once at the end, for the card only (never used to choose).")] = None,
    embeddings: Annotated[Optional[Path], typer.Option(help="Initial word vectors, word2vec text format.")] = None,
    time_budget: Annotated[float, typer.Option(help="Stop after the epoch that passes this many minutes (0 = no limit).")] = 0.0,
    resume: Annotated[bool, typer.Option(help="Continue from the checkpoint left by an interrupted run.")] = False,
    augment_negation: Annotated[bool, typer.Option(help="Add negated copies of short polar phrases ('not at all happy': negative).")] = False,
    augment_contrast: Annotated[bool, typer.Option(help="Add 'X but Y' pairs of short polar texts, labelled as Y.")] = False,
    augment_negation_frames: Annotated[bool, typer.Option(help="Add negated copies inside short clauses ('it was not bad at all': positive).")] = False,
    lr_decay: Annotated[float, typer.Option(help="Multiply the learning rate by this after each epoch without a better dev metric (1 = keep it).")] = 1.0,
    calibrate: Annotated[bool, typer.Option(help="Fit per-label offsets on dev for the dev metric (e.g. macro-recall) and add them to the output bias.")] = False,
    init_from: Annotated[Optional[Path], typer.Option(help="Start from a language model made by `rnnlu pretrain` (its vocabulary, word vectors and encoder).")] = None,
    balance: Annotated[bool, typer.Option(help="Weight the loss so every label counts alike (helps macro-recall).")] = False,
    device: Annotated[str, typer.Option(help="auto | cpu | cuda (auto: a GPU when torch sees one).")] = "auto",
    subword_buckets: Annotated[int, typer.Option(help="Add hashed character 3-5-gram vectors to every word's, from this many buckets (0 = words only); unseen words then read by their pieces.")] = 0,
    augment_lexicon: Annotated[bool, typer.Option(help="Add every opinion-lexicon word (Hu & Liu) as a one-word positive/negative example.")] = False,
    ema: Annotated[float, typer.Option(help="Score and save a running average of the weights with this decay per step (e.g. 0.999; 0 = off).")] = 0.0,
    teacher: Annotated[Optional[list[str]], typer.Option(help="A trained model (name or file) whose answers the new model also learns to match; repeat for several, their answers are averaged.")] = None,
    distill: Annotated[Optional[float], typer.Option(help="With --teacher: share of the loss spent on matching the teachers, the rest on the labels (default 0.5).", show_default=False)] = None,
    scheme: Annotated[Optional[str], typer.Option(help="tag: pos | ner | coin (the tags the files hold).", show_default=False)] = None,
    crf: Annotated[bool, typer.Option("--crf", help="tag: learn tag-to-tag transition scores (a CRF) and decode with Viterbi.")] = False,
):
    """Train a model and write it with its model card."""
    need_torch("train")
    from rnnlu.render import train_with_progress
    from rnnlu.train import TrainOptions

    opts = TrainOptions(task=task, train=[str(p) for p in train_files], dev=[str(p) for p in dev_files], out=out,
                        arch=arch, hidden=hidden, layers=layers, embedding_dim=embedding_dim, epochs=epochs,
                        batch_size=batch_size, lr=lr, dropout=dropout, word_dropout=word_dropout, pooling=pooling,
                        seed=seed, patience=patience, max_vocab=max_vocab, min_freq=min_freq,
                        exclude=[str(p) for p in exclude or []], test=[str(p) for p in test_files or []],
                        embeddings=str(embeddings) if embeddings else None, time_budget=time_budget * 60,
                        resume=resume, augment_negation=augment_negation, augment_contrast=augment_contrast,
                        augment_negation_frames=augment_negation_frames, lr_decay=lr_decay, calibrate=calibrate,
                        init_from=str(init_from) if init_from else None, balance=balance, device=device,
                        subword_buckets=subword_buckets, augment_lexicon=augment_lexicon, ema=ema,
                        teachers=teacher or [], distill=distill, scheme=scheme, crf=crf)
    train_with_progress(opts, command="rnnlu " + " ".join(_quote(a) for a in sys.argv[1:]))


@app.command()
def pretrain(
    corpus: Annotated[list[Path], typer.Option("--corpus", help="Raw text: a file (.txt, .txt.gz; a .tsv gives its text column) or a folder of them. Repeatable.")],
    out: Annotated[str, typer.Option("--out", help="A NAME (saved among your models) or a path ending in .safetensors.")],
    arch: Annotated[str, typer.Option(help="bigru | bilstm | gru | lstm (a bidirectional LM also serves the one-way model of its cell).")] = "bigru",
    hidden: Annotated[int, typer.Option(help="Hidden units per direction.")] = 256,
    embedding_dim: Annotated[int, typer.Option(help="Word vector size.")] = 128,
    epochs: Annotated[int, typer.Option(help="Passes over the corpus.")] = 3,
    batch_size: Annotated[int, typer.Option(help="Sentences per batch.")] = 128,
    lr: Annotated[float, typer.Option(help="Peak Adam learning rate (warm-up, then cosine decay).")] = 2e-3,
    max_vocab: Annotated[int, typer.Option(help="Largest vocabulary (task models keep it).")] = 25000,
    min_freq: Annotated[int, typer.Option(help="Keep words seen at least this often.")] = 3,
    max_lines: Annotated[int, typer.Option(help="Read at most this many lines of each --corpus (0 = all).")] = 0,
    exclude: Annotated[Optional[list[Path]], typer.Option("--exclude", help="Drop corpus lines equal to a text in these files (e.g. test sets). Repeatable.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    time_budget: Annotated[float, typer.Option(help="Stop after the epoch that passes this many minutes (0 = no limit).")] = 0.0,
    resume: Annotated[bool, typer.Option(help="Continue from the checkpoint left by an interrupted run.")] = False,
    device: Annotated[str, typer.Option(help="auto | cpu | cuda")] = "auto",
    objective: Annotated[str, typer.Option(help="lm: two language models (for `train --init-from`) | blank: predict each word from both sides (the fill-blank model).")] = "lm",
    join_lines: Annotated[bool, typer.Option(help="Wrapped text (novels): join lines into sentences before reading.")] = False,
    checkpoint_every: Annotated[int, typer.Option(help="Also checkpoint and score inside an epoch every this many batches (0 = at epoch ends only); --time-budget then stops at one of these.")] = 0,
    agreement_from: Annotated[Optional[Path], typer.Option(help="--objective blank: a folder of UD treebanks; their present-tense verb pairs (is/are, hates/hate) teach number agreement.")] = None,
    agreement_weight: Annotated[float, typer.Option(help="Weight of the agreement loss.")] = 1.0,
    dev: Annotated[Optional[list[Path]], typer.Option("--dev", help="--objective blank: blank item files scored at each checkpoint; the best-scoring weights are kept. Repeatable.")] = None,
    dev_sample: Annotated[int, typer.Option(help="Items of each --dev file scored at each checkpoint (0 = all).")] = 1000,
    max_tokens: Annotated[int, typer.Option(help="Cut longer sentences into pieces of this many tokens.")] = 60,
    dropout: Annotated[float, typer.Option(help="Dropout on word vectors and states.")] = 0.2,
):
    """Pretrain word vectors and encoder as a language model on raw text, for `train --init-from`; or train the fill-blank model (--objective blank)."""
    need_torch("pretrain")
    from rnnlu.pretrain import PretrainOptions
    from rnnlu.render import pretrain_with_progress

    opts = PretrainOptions(corpus=[str(p) for p in corpus], out=out, arch=arch, hidden=hidden,
                           embedding_dim=embedding_dim, epochs=epochs, batch_size=batch_size, lr=lr,
                           max_vocab=max_vocab, min_freq=min_freq, max_lines=max_lines,
                           exclude=[str(p) for p in exclude or []], seed=seed, time_budget=time_budget * 60,
                           resume=resume, device=device, objective=objective, join_lines=join_lines,
                           checkpoint_every=checkpoint_every, agreement_weight=agreement_weight,
                           agreement_from=str(agreement_from) if agreement_from else None,
                           dev=[str(p) for p in dev or []], dev_sample=dev_sample, max_tokens=max_tokens,
                           dropout=dropout)
    pretrain_with_progress(opts, command="rnnlu " + " ".join(_quote(a) for a in sys.argv[1:]))


@app.command()
def evaluate(
    task: Annotated[str, typer.Argument(help="Task: sentiment | tag | fill-blank.")],
    data: Annotated[Path, typer.Option("--data", help="Labelled file: `label<TAB>text` TSV, or CSV/TSV with label,text columns (tag: CoNLL-U or `token<TAB>tag`; fill-blank: MSR layout, `name<TAB>sentence<TAB>correct<TAB>wrong`, or text,options,answer columns).")],
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name or .safetensors path (default: the bundled default).")] = None,
    compare: Annotated[bool, typer.Option("--compare", "-c", help="Score the word-count baseline too, side by side.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
    errors: Annotated[Optional[Path], typer.Option(help="Write the misclassified rows to this file (.csv, .tsv, .jsonl or .json).")] = None,
    scheme: Annotated[Optional[str], typer.Option(help="tag: pos | ner | coin (default: the --model's own).", show_default=False)] = None,
):
    """Score a model on a labelled file: accuracy, macro-F1, macro-recall, per class, confusion matrix (tag: token accuracy, per-tag, exact spans)."""
    from rnnlu.evaluate import evaluate as run_evaluation
    from rnnlu.render import show_evaluation, write_rows

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose table or json")
    if task == "fill-blank":
        from rnnlu.render_blank import show_blank_evaluation, write_errors
        from rnnlu.tasks.fill_blank.run import evaluate_file

        result = evaluate_file(data, model=model, compare=compare)
        if errors:
            write_errors(result["errors"], errors)
        show_blank_evaluation(result, fmt)
        return
    result = run_evaluation(task, data, model=model, compare=compare, scheme=scheme)
    if errors:
        write_rows(result.errors, errors)
    show_evaluation(result, fmt)


@app.command()
def check(
    task: Annotated[str, typer.Argument(help="Task: sentiment.")] = "sentiment",
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name or .safetensors path (default: the bundled default).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
    failures: Annotated[Optional[Path], typer.Option(help="Write the model's failed items to this file (.csv, .tsv, .jsonl or .json).")] = None,
):
    """Behavioural checks (negation, contrast, ...): pass rate per check type, model beside the baseline."""
    from rnnlu.checks import run_checks
    from rnnlu.registry import load_model
    from rnnlu.render import show_checks, write_rows
    from rnnlu.tasks import get_task

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose table or json")
    t = get_task(task)
    items, descriptions = t.checks()
    if not items:
        raise UsageError(f"task {task!r} has no behavioural checks yet")
    report = run_checks(t, load_model(model, task=task), items, descriptions)
    if failures:
        write_rows([{"type": ty.kind, **f} for ty in report.types for f in ty.failures], failures)
    show_checks(report, fmt)


@app.command()
def select(
    task: Annotated[str, typer.Argument(help="Task: sentiment.")],
    train_files: Annotated[list[Path], typer.Option("--train", help="Training file(s). Repeatable.")],
    dev_files: Annotated[list[Path], typer.Option("--dev", help="Dev file(s) the choice is made on. Repeatable.")],
    out: Annotated[str, typer.Option("--out", help="Where the chosen model is saved: a NAME or a .safetensors path.")] = "selected",
    tolerance: Annotated[float, typer.Option(help="Points (percent) a simpler model may trail the best and still be chosen.")] = 0.5,
    budget: Annotated[float, typer.Option(help="Minutes of training per model (0 = only --epochs limits).")] = 0.0,
    epochs: Annotated[int, typer.Option(help="Most epochs per model.")] = 5,
    seeds: Annotated[int, typer.Option(help="Seeds per architecture (mean ± spread reported).")] = 1,
    include_rnn: Annotated[bool, typer.Option("--include-rnn", help="Also train a plain RNN, to show the vanishing-gradient gap (never chosen).")] = False,
    hidden: Annotated[int, typer.Option(help="Hidden units per direction.")] = 128,
    embedding_dim: Annotated[int, typer.Option(help="Word vector size.")] = 128,
    seed: Annotated[int, typer.Option(help="First seed.")] = 13,
    exclude: Annotated[Optional[list[Path]], typer.Option("--exclude", help="As for train.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
    scheme: Annotated[Optional[str], typer.Option(help="tag: pos | ner | coin.", show_default=False)] = None,
):
    """Pick an architecture: BiLSTM, then BiGRU, LSTM, GRU; take the rightmost that does not do worse."""
    need_torch("select")
    from rnnlu.render import show_selection
    from rnnlu.select import select as run_selection
    from rnnlu.train import TrainOptions

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose table or json")
    base = TrainOptions(task=task, train=[str(p) for p in train_files], dev=[str(p) for p in dev_files], out=out,
                        hidden=hidden, embedding_dim=embedding_dim, epochs=epochs, seed=seed,
                        time_budget=budget * 60, exclude=[str(p) for p in exclude or []], scheme=scheme)
    log = (lambda msg: print(msg, file=sys.stderr)) if fmt == "json" or not sys.stderr.isatty() else None
    show_selection(run_selection(base, tolerance=tolerance, seeds=seeds, include_rnn=include_rnn, on_progress=log), fmt)


@app.command()
def explain(
    text: Annotated[str, typer.Argument(help="The text to explain (quote it).", show_default=False)],
    task: Annotated[str, typer.Option(help="Task the model answers: sentiment | tag | fill-blank.")] = "sentiment",
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name (see `rnnlu models`) or path to a .safetensors file.")] = None,
    svg: Annotated[Optional[Path], typer.Option("--svg", help="Also save the picture as an SVG file (atomically).")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also save the picture as an HTML file (atomically).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
):
    """Show what the gates did at each word, and how much each word moved the answer."""
    from rnnlu.explain import explain as explain_text
    from rnnlu.registry import load_model
    from rnnlu.render import show_explanation
    from rnnlu.tasks import get_task

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose table or json")
    if task == "fill-blank":
        from rnnlu.explain import explain_blank
        from rnnlu.render_blank import show_blank_explanation
        from rnnlu.tasks.fill_blank.run import load_fill_blank_model

        show_blank_explanation(explain_blank(load_fill_blank_model(model), text), fmt, svg=svg, html=html)
        return
    get_task(task)  # an unknown task is a usage error, before any model is looked for
    show_explanation(explain_text(load_model(model, task=task), text), fmt, svg=svg, html=html)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


# ---- help: plain metavars, whole summaries, an example per command ---------------------------------
SUMMARIES = {  # the command list's one line per command (click cuts longer ones with "...")
    "sentiment": "Label texts positive / negative / neutral.",
    "tag": "Tag tokens: coin tickers, POS tags or named entities.",
    "fill-blank": "Fill a blank by reading both sides of it.",
    "models": "List the models, or show one model's card.",
    "train": "Train a model; writes it with its model card.",
    "pretrain": "Pretrain a language model for train --init-from.",
    "evaluate": "Score a model on a labelled file.",
    "check": "Behavioural checks: negation, contrast, ...",
    "select": "Choose an architecture on dev data.",
    "explain": "Show the gates and each word's part in the answer.",
}
EXAMPLES = {
    "sentiment": ['rnnlu sentiment "I am not at all happy" --compare', "cat reviews.txt | rnnlu sentiment -o labelled.tsv",
                  "rnnlu sentiment --csv reviews.csv --column review -o labelled.csv"],
    "tag": ['rnnlu tag "I sold my BTC for ETH"', 'rnnlu tag --scheme pos "The cat sat on the mat"'],
    "models": ["rnnlu models", "rnnlu models sentiment-bigru"],
    "train": ["rnnlu train sentiment --train train.tsv --dev dev.tsv --arch bilstm --out my-bilstm"],
    "pretrain": ["rnnlu pretrain --corpus texts/ --arch bigru --epochs 3 --out ./lm.safetensors"],
    "evaluate": ["rnnlu evaluate sentiment --data test.tsv --model my-bilstm --compare --errors errors.csv"],
    "check": ["rnnlu check sentiment --model sentiment-gru"],
    "select": ["rnnlu select sentiment --train train.tsv --dev dev.tsv --epochs 3 --include-rnn"],
    "explain": ['rnnlu explain "I am not at all happy" --svg happy.svg'],
}


def _metavar(param) -> str:
    if getattr(param, "param_type_name", "") == "argument":
        return (param.name or "value").upper().removesuffix("S") if param.name != "texts" else "TEXT"
    bare = param.bare_type()
    return "FILE" if "Path" in bare else "N" if "int" in bare else "X" if "float" in bare else "TEXT"


def _command():
    """The click command behind ``app``, with help a user reads: ``--csv FILE`` rather than Python
    types (``<list[Path]>``), whole one-line summaries, and an example for each command."""
    command = typer.main.get_command(app)
    for name, sub in getattr(command, "commands", {}).items():
        if name in SUMMARIES:
            sub.short_help = SUMMARIES[name]
        if name in EXAMPLES and "Example" not in (sub.help or ""):
            sub.help = (sub.help or "") + "\n\n\b\nExample" + ("s" if len(EXAMPLES[name]) > 1 else "") + ":\n" + \
                "\n".join(f"  $ {line}" for line in EXAMPLES[name])
        for param in sub.params:
            if getattr(param, "is_flag", False) or param.name == "help":
                continue
            if param.metavar is None:
                param.metavar = _metavar(param)
            if param.param_type_name == "argument":
                many = "..." if param.nargs != 1 else ""
                shown = param.metavar + many if param.required else f"[{param.metavar}]{many}"
                param._usage_display_name = lambda shown=shown: shown
                param.display_type_rich = lambda ctx: None
    return command


_MAIN_PID = os.getpid()


def _on_signal(signum, frame):
    if os.getpid() != _MAIN_PID:  # a forked worker (parallel answering): end as the signal says, quietly
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated(signum)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the exit's flush of a broken or full stdout stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _os_error_line(e: OSError) -> str:
    if e.filename:
        return f"{e.filename}: {(e.strerror or str(e)).lower()}"
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return f"cannot write the output: {(e.strerror or str(e)).lower()}"
    return e.strerror or str(e)


def main() -> None:
    """Entry point: run the app; turn known errors into one line on stderr and an exit code."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    for sig in (signal.SIGTERM, signal.SIGHUP):  # unwind, so that no half-written .part file stays
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # Ctrl-C: click would exit silently
        signal.signal(signal.SIGINT, _on_signal)
    try:
        try:
            _command()(standalone_mode=True)
        finally:
            sys.stdout.flush()  # a full disk behind stdout shows here, not as a traceback at exit
    except RnnluError as e:
        print(f"rnnlu: error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as cat and grep do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)
    except KeyboardInterrupt:
        print("rnnlu: interrupted", file=sys.stderr)
        sys.exit(130)
    except MemoryError:
        print("rnnlu: error: out of memory; use smaller batches or shorter texts", file=sys.stderr)
        sys.exit(1)
    except Terminated as e:
        from rnnlu.modelfile import remove_live_parts

        remove_live_parts()
        what = "interrupted" if e.signum == signal.SIGINT else f"stopped by {signal.Signals(e.signum).name}"
        print(f"rnnlu: {what}", file=sys.stderr)
        sys.exit(128 + e.signum)
    except OSError as e:  # the last resort: one line, never a traceback
        try:
            sys.stdout.flush()
        except OSError:
            _quiet_stdout()
        print(f"rnnlu: error: {_os_error_line(e)}", file=sys.stderr)
        sys.exit(1)
