"""Making models: train, pretrain, select. Each needs torch (the `train` extra); answering never does."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlu.cli.app import app
from rnnlu.cli.options import ReportFormatOption, report_format
from rnnlu.errors import need_torch


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
    augment_negated_claims: Annotated[bool, typer.Option(help="Add polar clauses under a negated 'think'/'say' ('i don't think the acting was superb': negative).")] = False,
    lr_decay: Annotated[float, typer.Option(help="Multiply the learning rate by this after each epoch without a better dev metric (1 = keep it).")] = 1.0,
    calibrate: Annotated[bool, typer.Option(help="Fit offsets on dev and add them to the output bias: sentiment, per label for the dev metric (e.g. macro-recall); tag (ner, coin), one for the outside tag, for span F1.")] = False,
    init_from: Annotated[Optional[Path], typer.Option(help="Start from a language model made by `rnnlu pretrain` (its vocabulary, word vectors and encoder); a fill-blank model's encoder serves too.")] = None,
    init_vocab: Annotated[int, typer.Option(help="tag, with --init-from: keep its N most frequent words and those the training data uses (0 = all); a smaller model file.")] = 0,
    balance: Annotated[bool, typer.Option(help="Weight the loss so every label counts alike (helps macro-recall).")] = False,
    device: Annotated[str, typer.Option(help="auto | cpu | cuda (auto: a GPU when torch sees one).")] = "auto",
    subword_buckets: Annotated[int, typer.Option(help="Add hashed character 3-5-gram vectors to every word's, from this many buckets (0 = words only); unseen words then read by their pieces.")] = 0,
    augment_lexicon: Annotated[bool, typer.Option(help="Add every opinion-lexicon word (Hu & Liu) as a one-word positive/negative example.")] = False,
    augment_neutral: Annotated[Optional[list[Path]], typer.Option("--augment-neutral", help="Raw prose (a file or folder; news, encyclopedia text): its sentences that hold no opinion word become neutral examples, a third of them negated facts. Repeatable.")] = None,
    neutral_sentences: Annotated[int, typer.Option(help="With --augment-neutral: most sentences taken from each source.")] = 8000,
    binary_is_polar: Annotated[bool, typer.Option("--binary-is-polar", help="Files labelled positive/negative only count against 'neutral' too (their texts are polar: SST-2 and MR left neutral text out); without it their loss leaves neutral out.")] = False,
    ema: Annotated[float, typer.Option(help="Score and save a running average of the weights with this decay per step (e.g. 0.999; 0 = off).")] = 0.0,
    teacher: Annotated[Optional[list[str]], typer.Option(help="A trained model (name or file) whose answers the new model also learns to match; repeat for several, their answers are averaged.")] = None,
    distill: Annotated[Optional[float], typer.Option(help="With --teacher: share of the loss spent on matching the teachers, the rest on the labels (default 0.5).", show_default=False)] = None,
    scheme: Annotated[Optional[str], typer.Option(help="tag: pos | ner | coin (the tags the files hold).", show_default=False)] = None,
    crf: Annotated[bool, typer.Option("--crf", help="tag: learn tag-to-tag transition scores (a CRF) and decode with Viterbi.")] = False,
    relabel: Annotated[Optional[list[str]], typer.Option("--relabel", help="tag: OLD=NEW maps a training corpus's tags onto the scheme's (BIO: entity types, e.g. PER=person); NEW '-' drops the sentences holding OLD. Repeatable; dev and test files are read as they are.")] = None,
):
    """Train a model and write it with its model card."""
    need_torch("train")
    from rnnlu.render.progress import train_with_progress
    from rnnlu.training.train import TrainOptions
    from rnnlu.training.train import train as run_training

    opts = TrainOptions(task=task, train=[str(p) for p in train_files], dev=[str(p) for p in dev_files], out=out,
                        arch=arch, hidden=hidden, layers=layers, embedding_dim=embedding_dim, epochs=epochs,
                        batch_size=batch_size, lr=lr, dropout=dropout, word_dropout=word_dropout, pooling=pooling,
                        seed=seed, patience=patience, max_vocab=max_vocab, min_freq=min_freq,
                        exclude=[str(p) for p in exclude or []], test=[str(p) for p in test_files or []],
                        embeddings=str(embeddings) if embeddings else None, time_budget=time_budget * 60,
                        resume=resume, augment_negation=augment_negation, augment_contrast=augment_contrast,
                        augment_negation_frames=augment_negation_frames,
                        augment_negated_claims=augment_negated_claims, lr_decay=lr_decay, calibrate=calibrate,
                        init_from=str(init_from) if init_from else None, init_vocab=init_vocab, balance=balance, device=device,
                        subword_buckets=subword_buckets, augment_lexicon=augment_lexicon, ema=ema,
                        augment_neutral=[str(p) for p in augment_neutral or []], neutral_sentences=neutral_sentences,
                        binary_is_polar=binary_is_polar,
                        teachers=teacher or [], distill=distill, scheme=scheme, crf=crf, relabel=relabel or [])
    train_with_progress(run_training, opts, command=command_line())


@app.command()
def pretrain(
    corpus: Annotated[list[Path], typer.Option("--corpus", help="Raw text: a file (.txt, .txt.gz; a .tsv gives its text column) or a folder of them. Repeatable.")],
    out: Annotated[str, typer.Option("--out", help="A NAME (saved among your models) or a path ending in .safetensors.")],
    arch: Annotated[str, typer.Option(help="bigru | bilstm | gru | lstm (lm: a bidirectional LM also serves the one-way model of its cell; blank: a one-way model reads the left of the blank only).")] = "bigru",
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
    wikitext: Annotated[bool, typer.Option("--wikitext", help="The corpus is WikiText: drop its section titles (= = History = =) and join its split numbers and words (1 @,@ 000, off @-@ world).")] = False,
    checkpoint_every: Annotated[int, typer.Option(help="Also checkpoint and score inside an epoch every this many batches (0 = at epoch ends only); --time-budget then stops at one of these.")] = 0,
    agreement_from: Annotated[Optional[Path], typer.Option(help="--objective blank: a folder of UD treebanks; their present-tense verb pairs (is/are, hates/hate) teach number agreement.")] = None,
    agreement_weight: Annotated[float, typer.Option(help="Weight of the agreement loss.")] = 1.0,
    agreement_sentences: Annotated[bool, typer.Option("--agreement-sentences", help="--objective blank: train only on the sentences that hold a verb of a number pair (more agreement positions per minute; needs --agreement-from).")] = False,
    dev: Annotated[Optional[list[Path]], typer.Option("--dev", help="--objective blank: blank item files scored at each checkpoint; the best-scoring weights are kept. Repeatable.")] = None,
    dev_sample: Annotated[int, typer.Option(help="Items of each --dev file scored at each checkpoint (0 = all).")] = 1000,
    max_tokens: Annotated[int, typer.Option(help="Cut longer sentences into pieces of this many tokens.")] = 60,
    dropout: Annotated[float, typer.Option(help="Dropout on word vectors and states.")] = 0.2,
    init_from: Annotated[Optional[Path], typer.Option("--init-from", help="Start from this model file's weights (a warm start: same objective and sizes; its vocabulary is kept, so it can go on over another corpus; the optimizer starts afresh).", show_default=False)] = None,
):
    """Pretrain word vectors and encoder as a language model on raw text, for `train --init-from`; or train the fill-blank model (--objective blank)."""
    need_torch("pretrain")
    from rnnlu.render.progress import pretrain_with_progress
    from rnnlu.training.pretrain import PretrainOptions
    from rnnlu.training.pretrain import pretrain as run_pretraining

    opts = PretrainOptions(corpus=[str(p) for p in corpus], out=out, arch=arch, hidden=hidden,
                           embedding_dim=embedding_dim, epochs=epochs, batch_size=batch_size, lr=lr,
                           max_vocab=max_vocab, min_freq=min_freq, max_lines=max_lines,
                           exclude=[str(p) for p in exclude or []], seed=seed, time_budget=time_budget * 60,
                           resume=resume, device=device, objective=objective, join_lines=join_lines, wikitext=wikitext,
                           checkpoint_every=checkpoint_every, agreement_weight=agreement_weight,
                           agreement_sentences=agreement_sentences,
                           agreement_from=str(agreement_from) if agreement_from else None,
                           dev=[str(p) for p in dev or []], dev_sample=dev_sample, max_tokens=max_tokens,
                           dropout=dropout, init_from=str(init_from) if init_from else None)
    pretrain_with_progress(run_pretraining, opts, command=command_line())


@app.command()
def select(
    task: Annotated[str, typer.Argument(help="Task: sentiment | tag | fill-blank.")],
    train_files: Annotated[list[Path], typer.Option("--train", help="Training file(s) (fill-blank: raw text, as `pretrain --corpus`). Repeatable.")],
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
    fmt: ReportFormatOption = "table",
    scheme: Annotated[Optional[str], typer.Option(help="tag: pos | ner | coin.", show_default=False)] = None,
    keep_all: Annotated[bool, typer.Option("--keep-all", help="Also keep every candidate beside --out, as NAME-ARCH (to explain or compare them).")] = False,
    max_vocab: Annotated[int, typer.Option(help="fill-blank: largest vocabulary.")] = 20000,
    agreement_from: Annotated[Optional[Path], typer.Option("--agreement-from", help="fill-blank: a folder of UD treebanks; teaches verb number agreement.", show_default=False)] = None,
    join_lines: Annotated[bool, typer.Option("--join-lines", help="fill-blank: wrapped text (novels): join lines into sentences.")] = False,
):
    """Pick an architecture: BiLSTM, then BiGRU, LSTM, GRU; take the rightmost that does not do worse.

    fill-blank: every candidate is a fill-blank model trained with `pretrain --objective blank` on the
    --train text; the one-way LSTM and GRU see only the words left of the blank. Accuracy is shown per
    attractor count and per number of words left of the blank.
    """
    need_torch("select")
    from rnnlu.render.reports import show_selection
    from rnnlu.training.select import select as run_selection

    report_format(fmt)
    if task == "fill-blank":
        from rnnlu.training.pretrain import PretrainOptions

        base = PretrainOptions(corpus=[str(p) for p in train_files], dev=[str(p) for p in dev_files], out=out,
                               hidden=hidden, embedding_dim=embedding_dim, epochs=epochs, seed=seed,
                               time_budget=budget * 60, exclude=[str(p) for p in exclude or []], objective="blank",
                               max_vocab=max_vocab, agreement_from=str(agreement_from) if agreement_from else None,
                               join_lines=join_lines, checkpoint_every=100 if budget else 0, device="cpu")
    else:
        from rnnlu.training.train import TrainOptions

        base = TrainOptions(task=task, train=[str(p) for p in train_files], dev=[str(p) for p in dev_files], out=out,
                            hidden=hidden, embedding_dim=embedding_dim, epochs=epochs, seed=seed,
                            time_budget=budget * 60, exclude=[str(p) for p in exclude or []], scheme=scheme)
    log = (lambda msg: print(msg, file=sys.stderr)) if fmt == "json" or not sys.stderr.isatty() else None
    show_selection(run_selection(base, tolerance=tolerance, seeds=seeds, include_rnn=include_rnn, on_progress=log,
                                 keep_all=keep_all), fmt)


def command_line() -> str:
    """This very command, quoted so that it runs again as written (model cards record it)."""
    import shlex

    return "rnnlu " + " ".join(shlex.quote(a) for a in sys.argv[1:])
