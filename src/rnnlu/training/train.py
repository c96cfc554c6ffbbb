"""Training: any task, any architecture, on the CPU. Deterministic for a seed; early stopping on dev.

The chosen model (best dev metric) is written as a model file plus a model card beside it.
Test files, when given, are scored once at the very end and only reported, never used to choose.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rnnlu.engine.config import ARCHITECTURES, ModelConfig
from rnnlu.engine.model import Model
from rnnlu.engine.modelfile import sha256_of
from rnnlu.engine.subwords import pad_buckets
from rnnlu.engine.vocab import Vocab
from rnnlu.errors import RnnluError, UsageError
from rnnlu.metrics import score
from rnnlu.tasks import get_task
from rnnlu.tasks.base import LabelledData, choose
from rnnlu.tasks.sentiment.augment import (contrast_examples, lexicon_examples, negation_examples,
                                           negated_claim_examples, negation_frame_examples, neutral_examples)
from rnnlu.training.calibrate import Calibration, DevScores, fit_label_offsets
from rnnlu.training.kit import (EarlyStopping, EpochLog, TrainResult, bucketed_batches, card_markdown,
                                checkpoint_path_for, command_for, continue_from, model_facts, pad, resolve_out,
                                run_facts, torch_threads, write_card)


NEUTRAL_ROLE = "neutral examples: its sentences that hold no opinion word (--augment-neutral)"


@dataclass
class TrainOptions:
    task: str
    train: list[str]
    dev: list[str]
    out: str
    arch: str = "bigru"
    hidden: int = 128
    layers: int = 1
    embedding_dim: int = 128
    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3
    dropout: float = 0.4
    word_dropout: float = 0.1
    pooling: str = "max"
    seed: int = 13
    patience: int = 3
    max_vocab: int = 20000
    min_freq: int = 2
    max_tokens: int = 80
    exclude: list[str] = field(default_factory=list)
    test: list[str] = field(default_factory=list)
    embeddings: str | None = None
    threads: int = 0
    time_budget: float = 0.0      # seconds; 0 = no limit. Stops after the epoch that passes it.
    resume: bool = False
    augment_negation: bool = False
    augment_contrast: bool = False
    augment_negation_frames: bool = False
    augment_negated_claims: bool = False  # "i do n't think the acting was superb": the clause's opposite
    lr_decay: float = 1.0         # multiply the learning rate by this after each epoch without a better dev metric
    calibrate: bool = False       # fit per-label offsets on dev (added to the head's bias) for the dev metric
    init_from: str | None = None  # a language model from `rnnlu pretrain`: its vocabulary and encoder
    init_vocab: int = 0           # with init_from: keep its N most frequent words (and those the data uses); 0 = all
    balance: bool = False         # weight the loss so that every label counts alike (macro-recall)
    device: str = "auto"          # auto | cpu | cuda
    subword_buckets: int = 0      # > 0: add hashed character n-gram vectors to each word's (0 = words only)
    augment_lexicon: bool = False  # add each opinion-lexicon word as a one-word positive/negative example
    augment_neutral: list[str] = field(default_factory=list)  # raw prose: its sentences without an opinion word, as neutral
    neutral_sentences: int = 8000  # with augment_neutral: most sentences taken from each source
    binary_is_polar: bool = False  # positive/negative-only files count against "neutral" too (their texts are polar)
    ema: float = 0.0              # > 0: score and keep an exponential moving average of the weights (decay per step)
    teachers: list[str] = field(default_factory=list)  # models whose averaged answers the new one also learns
    distill: float | None = None  # with teachers: share of the loss given to matching their answers (None: 0.5)
    scheme: str | None = None     # tag: pos | ner | coin
    crf: bool = False             # tag: a CRF over the tags (learned transitions, Viterbi decoding)
    relabel: list[str] = field(default_factory=list)  # tag: "OLD=NEW" for the training files' tags (BIO: types); NEW "-" drops the sentence


_CLI_NAMES = {"train": "--train", "dev": "--dev", "exclude": "--exclude", "test": "--test", "teachers": "--teacher",
              "augment_neutral": "--augment-neutral"}


def train_command(opts: TrainOptions) -> str:
    """The `rnnlu train` command line that makes exactly these options (defaults left out)."""
    return command_for(["rnnlu", "train", opts.task], opts, TrainOptions(task=opts.task, train=[], dev=[], out=""),
                       skip=("task", "resume", "max_tokens"), flags=_CLI_NAMES, always=("train", "dev", "out"))


# Option values that cannot work, refused before any data is read: (option, attribute, test, rule).
_OPTION_RULES = (
    ("--epochs", "epochs", lambda v: v >= 1, "at least 1"),
    ("--hidden", "hidden", lambda v: v >= 1, "at least 1"),
    ("--layers", "layers", lambda v: v >= 1, "at least 1"),
    ("--embedding-dim", "embedding_dim", lambda v: v >= 1, "at least 1"),
    ("--batch-size", "batch_size", lambda v: v >= 1, "at least 1"),
    ("--lr", "lr", lambda v: math.isfinite(v) and v >= 0, "0 or more, such as 0.002"),
    ("--dropout", "dropout", lambda v: 0 <= v < 1, "at least 0 and below 1"),
    ("--word-dropout", "word_dropout", lambda v: 0 <= v < 1, "at least 0 and below 1"),
    ("--patience", "patience", lambda v: v >= 1, "at least 1"),
    ("--max-vocab", "max_vocab", lambda v: v >= 3, "at least 3"),
    ("--min-freq", "min_freq", lambda v: v >= 1, "at least 1"),
    ("--max-lines", "max_lines", lambda v: v >= 0, "0 (all) or more"),
    ("--time-budget", "time_budget", lambda v: math.isfinite(v) and v >= 0, "0 (no limit) or more minutes"),
    ("--lr-decay", "lr_decay", lambda v: 0 < v <= 1, "above 0 and at most 1 (1 = keep the rate)"),
    ("--neutral-sentences", "neutral_sentences", lambda v: v >= 1, "at least 1"),
)
POOLINGS = ("max", "mean", "last")


def check_options(opts) -> None:
    """Refuse option values that cannot work (``--epochs 0``, ``--dropout 1.5``, ``--pooling median``)
    with one line each, before any data is read; shared by train, pretrain and select."""
    for flag, attr, test, rule in _OPTION_RULES:
        value = getattr(opts, attr, None)
        if value is None:
            continue
        shown = value / 60 if attr == "time_budget" else value
        if not test(value):
            raise UsageError(f"{flag} must be {rule} (got {shown:g})")
    pooling = getattr(opts, "pooling", None)
    if pooling is not None and pooling not in POOLINGS:
        raise UsageError(f"unknown --pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
    embeddings = getattr(opts, "embeddings", None)
    if embeddings:
        check_embeddings_file(embeddings)
    check_inputs_exist(opts)
    if getattr(opts, "resume", False):
        check_checkpoint_archive(opts.out)


def check_checkpoint_archive(out: str) -> None:
    """A ``--resume`` checkpoint that is not even a whole archive (torch saves zip files) is refused at
    once, before torch loads and the data is read; one that is but holds the wrong things, on loading."""
    import zipfile

    ckpt_path = checkpoint_path_for(resolve_out(out))
    if ckpt_path.is_file() and not zipfile.is_zipfile(ckpt_path):
        raise RnnluError(f"cannot resume: {ckpt_path} is damaged or not an rnnlu checkpoint; delete it to start afresh")


# Input paths each command may name: a typo fails in a moment, before torch loads (about 2 s).
_INPUT_PATHS = (("train", "file not found: {}"), ("dev", "file not found: {}"), ("exclude", "file not found: {}"),
                ("test", "file not found: {}"), ("corpus", "corpus {} does not exist"),
                ("augment_neutral", "--augment-neutral {} does not exist"),
                ("init_from", "cannot read model file {}: No such file or directory"))


def check_inputs_exist(opts) -> None:
    """Every input file or folder the options name exists (what is in it is checked when it is read)."""
    for attr, message in _INPUT_PATHS:
        value = getattr(opts, attr, None)
        for path in [value] if isinstance(value, str) else value or []:
            if not Path(path).exists():
                raise RnnluError(message.format(path))


def check_embeddings_file(path: str) -> None:
    """--embeddings must be word2vec *text* (``word v1 v2 ...``): a binary file is refused up front."""
    p = Path(path)
    if not p.is_file():
        raise RnnluError(f"--embeddings {path}: {'is a folder' if p.is_dir() else 'file not found'}")
    try:
        with open(p, "rb") as f:
            head = f.read(1 << 16)
    except OSError as e:
        raise RnnluError(f"cannot read --embeddings {path}: {e.strerror}") from None
    try:
        head.decode("utf-8") if len(head) < 1 << 16 else head[:-4].decode("utf-8")
        text_like = b"\0" not in head
    except UnicodeDecodeError:
        text_like = False
    if not text_like:
        raise RnnluError(f"--embeddings {path} is not a word2vec text file (it looks binary); "
                         "convert it to the text format (`word v1 v2 ...` per line) first")


def writable_out(out: str) -> Path:
    """Where --out goes, checked before training: its folder is made and must take a new file."""
    import tempfile

    try:
        path = resolve_out(out)
    except OSError as e:
        raise RnnluError(f"cannot make the models folder for --out {out}: {(e.strerror or str(e)).lower()} "
                         "(check RNNLU_HOME), or give --out a path ending in .safetensors") from None
    if path.is_dir():
        raise RnnluError(f"--out {out} is a folder; name a file ending in .safetensors, or a NAME")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as e:
        raise RnnluError(f"cannot write the model to {out}: {(e.strerror or str(e)).lower()} in folder "
                         f"{path.parent}; choose another --out") from None
    return path


def save_checkpoint(state: dict, path: Path) -> None:
    """torch.save, atomically: a crash, a signal or a full disk never leaves a truncated checkpoint."""
    import torch

    tmp = path.with_name(path.name + ".part")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, (OSError, RuntimeError)):
            raise RnnluError(f"cannot write the checkpoint {path}: {str(e).splitlines()[0][:120]}") from None
        raise


def _resume_key(opts: TrainOptions) -> dict:
    """The options a checkpoint must have been made with to be resumed (not: how long to run)."""
    skip = {"resume", "epochs", "time_budget", "patience", "test", "device", "threads", "out"}
    return {k: v for k, v in asdict(opts).items() if k not in skip}


def _spans(tokens: list[str], min_len: int) -> set[str]:
    return {" ".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + min_len, len(tokens) + 1)}


def decontaminate(data: LabelledData, exclude: list[LabelledData], min_span: int = 4) -> tuple[LabelledData, int]:
    """Drop training texts that equal an excluded text, or are a span of 4+ tokens inside one.

    Guards against leaks such as SST phrases cut from sentences that reappear in the MR test split.
    """
    if not exclude:
        return data, 0
    whole = {" ".join(t) for ex in exclude for t in ex.tokens}
    spans = set().union(*(_spans(t, min_span) for ex in exclude for t in ex.tokens))
    keep = [i for i, t in enumerate(data.tokens)
            if (key := " ".join(t)) not in whole and not (len(t) >= min_span and key in spans)]
    return data.subset(keep), len(data) - len(keep)


def load_embeddings(path: str, vocab: Vocab, dim: int) -> tuple[np.ndarray, int]:
    """word2vec text format (``word v1 v2 ...``; an optional ``count dim`` first line)."""
    matrix = np.random.default_rng(0).normal(0, 0.1, (len(vocab), dim)).astype(np.float32)
    matrix[0] = 0
    found = 0
    with open(path, encoding="utf-8") as f:
        number = 0
        try:
            for number, line in enumerate(f, start=1):
                parts = line.rstrip().split(" ")
                if len(parts) != dim + 1:
                    continue
                idx = vocab.stoi.get(parts[0])
                if idx is not None and idx > 1:
                    matrix[idx] = np.asarray(parts[1:], dtype=np.float32)
                    found += 1
        except (UnicodeDecodeError, ValueError) as e:
            raise RnnluError(f"{path}:{number + 1}: not a word2vec text line ({str(e)[:80]})") from None
    return matrix, found


def embedding_words(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8") as f:
            return {line.split(" ", 1)[0] for line in f}
    except UnicodeDecodeError:
        raise RnnluError(f"{path} is not a word2vec text file (not UTF-8); convert it to the text format first") from None


def train(opts: TrainOptions, on_epoch: Callable[[EpochLog], None] | None = None,
          on_batch: Callable[[int, int], None] | None = None, command: str | None = None,
          on_note: Callable[[str], None] | None = None) -> TrainResult:
    """Train a model as ``opts`` says; returns where it was saved, its card and the epoch history.

    ``on_note`` hears one line per slow step before the first epoch (such as each teacher's pass).
    """
    check_options(opts)  # impossible values and an unwritable --out fail now, not after the first epoch
    writable_out(opts.out)
    if opts.init_vocab and not opts.init_from:
        raise UsageError("--init-vocab trims the vocabulary of --init-from's model: give --init-from too")
    if opts.init_vocab < 0:
        raise UsageError("--init-vocab must be 0 (all) or a positive number of words")
    command = command or train_command(opts)   # a library call (e.g. from select): these options as a command
    if opts.task == "tag":  # one tag per token: its own examples, loss and metric (rnnlu.training.tag)
        from rnnlu.training.tag import train_tagger

        return train_tagger(opts, on_epoch=on_epoch, on_batch=on_batch, command=command, on_note=on_note)
    if opts.scheme or opts.crf or opts.init_vocab or opts.relabel:
        raise UsageError("--scheme, --crf, --init-vocab and --relabel are for `rnnlu train tag`")
    if opts.arch not in ARCHITECTURES:
        raise UsageError(f"unknown architecture {opts.arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if not opts.train or not opts.dev:
        raise UsageError("training needs at least one --train file and one --dev file")
    if not 0 <= opts.ema < 1:
        raise UsageError("--ema is the decay of the weight average per step: 0 (off) or a number below 1, such as 0.999")
    if opts.subword_buckets < 0:
        raise UsageError("--subword-buckets must be 0 (words only) or a positive number of buckets")
    if opts.distill is not None and not opts.teachers:
        raise UsageError("--distill sets how much the teachers count; name at least one with --teacher")
    if opts.neutral_sentences != TrainOptions.neutral_sentences and not opts.augment_neutral:
        raise UsageError("--neutral-sentences sets how many sentences --augment-neutral takes; give --augment-neutral too")
    if opts.teachers:
        opts.distill = 0.5 if opts.distill is None else opts.distill  # the card records the share used
        if not 0 < opts.distill <= 1:
            raise UsageError("--distill is the share of the loss spent on matching the teachers: above 0, at most 1")
    task = get_task(opts.task)
    start = encoder = None
    if opts.init_from:  # read and checked before torch loads (about 2 s): a wrong file is answered at once
        if opts.embeddings:
            raise UsageError("--init-from brings its own word vectors; leave out --embeddings")
        from rnnlu.engine.lmfile import encoder_tensors, load_encoder, load_task_start

        start = load_task_start(opts.init_from, task.name)
        encoder = None if start else load_encoder(opts.init_from)
    random.seed(opts.seed)
    np.random.seed(opts.seed)

    excluded = [task.read_labelled(p) for p in opts.exclude]
    train_sets, removed = [], {}
    for path in opts.train:
        data, n_removed = decontaminate(task.read_labelled(path), excluded)
        train_sets.append(data)
        removed[path] = n_removed
    if opts.augment_lexicon:
        data, n_removed = decontaminate(lexicon_examples({label for d in train_sets for label in d.labels}), excluded)
        train_sets.append(data)
        removed[data.path] = n_removed
    for path in opts.augment_neutral:   # real statements of no opinion (plain and negated facts)
        data, n_removed = decontaminate(neutral_examples(path, opts.seed, opts.neutral_sentences, task.labels), excluded)
        train_sets.append(data)
        removed[data.path] = n_removed
    augmented = [negation_examples(d, opts.seed) for d in train_sets] if opts.augment_negation else []
    if opts.augment_negation_frames:
        augmented += [negation_frame_examples(d, opts.seed) for d in train_sets]
    if opts.augment_contrast:
        augmented.append(contrast_examples(train_sets, opts.seed))
    if opts.augment_negated_claims:
        augmented.append(negated_claim_examples(train_sets, opts.seed))
    dev_sets = [task.read_labelled(p) for p in opts.dev]
    labels = sorted({label for d in train_sets for label in d.labels})
    if len(labels) < 2:
        raise RnnluError("the training files hold fewer than two distinct labels")

    cell, bidirectional = ARCHITECTURES[opts.arch]
    all_tokens = [t for d in train_sets for t in d.tokens]
    pretrained = None
    if start:   # continue a trained model of this task: every weight, its vocabulary and sizes
        pretrained = continue_from(opts, start, cell, bidirectional, labels)
        vocab = start[1]
    elif encoder:
        lm_config, vocab, lm_tensors, _ = encoder
        if lm_config.cell != cell:
            raise UsageError(f"{opts.init_from} is a {lm_config.cell.upper()} language model; "
                             f"--arch {opts.arch} needs a {cell.upper()} one")
        pretrained = encoder_tensors(lm_config, lm_tensors, bidirectional)
        # The encoder's shape is the language model's.
        opts.hidden, opts.embedding_dim, opts.layers = lm_config.hidden_size, lm_config.embedding_dim, 1
    else:
        vocab = Vocab.build(all_tokens, max_size=opts.max_vocab, min_freq=opts.min_freq)
    if opts.embeddings and not pretrained:  # rare training words that have a pretrained vector are worth keeping
        known = embedding_words(opts.embeddings)
        extra = sorted({t for toks in all_tokens for t in toks if t not in vocab and t in known})
        vocab = Vocab(vocab.itos + extra[: max(0, opts.max_vocab - len(vocab))])
    config = ModelConfig(task=task.name, cell=cell, bidirectional=bidirectional, layers=opts.layers,
                         embedding_dim=opts.embedding_dim, hidden_size=opts.hidden, vocab_size=len(vocab),
                         labels=labels, head=task.head, pooling=opts.pooling, dropout=opts.dropout,
                         subword_buckets=opts.subword_buckets)
    # torch loads (about 2 s) only now: options, files and their rows were checked without it
    import torch
    import torch.nn.functional as F

    from rnnlu.nn.network import Network, pick_device

    torch.set_num_threads(torch_threads(opts.threads))
    device = pick_device(opts.device)
    torch.manual_seed(opts.seed)
    net = Network(config)
    found = None
    if pretrained:
        state = net.state_dict()
        for name, value in pretrained.items():
            state[name] = torch.from_numpy(value)
        net.load_state_dict(state)
    elif opts.embeddings:
        matrix, found = load_embeddings(opts.embeddings, vocab, opts.embedding_dim)
        net.embedding.weight.data.copy_(torch.from_numpy(matrix))
    net.to(device)

    # Examples: ids, label index, the labels its file can express (binary files leave "neutral" out:
    # for them the loss is taken over positive vs negative only, unless --binary-is-polar), and the tokens.
    label_index = {label: i for i, label in enumerate(labels)}
    examples = []
    for d in train_sets + [a for a in augmented if len(a)]:
        could_say = labels if opts.binary_is_polar and d.label_set == ["negative", "positive"] else d.label_set
        allowed = torch.tensor([label in could_say for label in labels])
        for toks, label in zip(d.tokens, d.labels):
            if toks:
                toks = toks[: opts.max_tokens]
                examples.append((vocab.encode(toks), label_index[label], allowed, toks))

    soft = teacher_targets(opts.teachers, task.name, labels, examples, on_note) if opts.teachers else None

    class_weight = None
    if opts.balance:  # each label weighs in inverse proportion to how often it is the answer
        counts = np.bincount([e[1] for e in examples], minlength=len(labels)).astype(np.float64)
        class_weight = torch.tensor(counts.sum() / (len(labels) * np.maximum(counts, 1)), dtype=torch.float32,
                                    device=device)
    optimizer = torch.optim.Adam(net.parameters(), lr=opts.lr)
    # --ema: dev scoring, early stopping and the saved model use a running average of the weights
    # (Polyak averaging), which is steadier than the weights of the last step.
    averaged = None
    if opts.ema:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        averaged = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(opts.ema))
    out_path = resolve_out(opts.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ckpt_path = checkpoint_path_for(out_path)
    history: list[EpochLog] = []
    start_epoch, resumed, word_rng_state = 1, None, None
    if opts.resume and ckpt_path.exists():
        try:
            ckpt = torch.load(ckpt_path, weights_only=True, map_location=device)
        except Exception:
            raise RnnluError(f"cannot resume: {ckpt_path} is damaged or not an rnnlu checkpoint; "
                             "delete it to start afresh") from None
        try:
            if not isinstance(ckpt, dict):
                raise ValueError("not a checkpoint")
            if "options" in ckpt and json.loads(ckpt["options"]) != json.loads(json.dumps(_resume_key(opts))):
                raise UsageError(f"{ckpt_path} was made with other options; rerun with the same options "
                                 "(only --epochs, --time-budget and --patience may change), or delete it to start afresh")
            net.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            if averaged is not None and ckpt.get("averaged") is not None:
                averaged.load_state_dict(ckpt["averaged"])
            start_epoch, resumed = int(ckpt["epoch"]) + 1, ckpt
            history = [EpochLog(**h) for h in json.loads(ckpt["history"])]
            torch.set_rng_state(ckpt["rng"])
            word_rng_state = ckpt.get("word_rng")
        except UsageError:
            raise
        except Exception as e:  # damaged, truncated, or from another architecture
            raise RnnluError(f"cannot resume from {ckpt_path} ({str(e).splitlines()[0][:120] if str(e) else type(e).__name__}); "
                             "delete it to start afresh") from None

    rng = random.Random(opts.seed)  # word dropout's draws; saved in the checkpoint so --resume continues them
    if opts.resume and word_rng_state:
        version, internal, gauss = json.loads(word_rng_state)
        rng.setstate((version, tuple(internal), gauss))
    stopping = EarlyStopping(opts.patience, opts.lr_decay, opts.time_budget, resumed)
    for epoch in range(start_epoch, opts.epochs + 1):
        t0 = time.perf_counter()
        net.train()
        batches = bucketed_batches(list(range(len(examples))), opts.batch_size,
                                    random.Random(opts.seed * 1000 + epoch), length=lambda i: len(examples[i][0]))
        total_loss, seen = 0.0, 0
        for b, rows in enumerate(batches):
            batch = [examples[i] for i in rows]
            # A dropped word keeps its n-grams: that is how the n-gram vectors learn to stand in
            # for words the model has never seen.
            ids, lengths = pad([e[0] for e in batch], opts.word_dropout, rng)
            subword_ids = _subword_ids(config, [e[3] for e in batch], ids.shape[1], device)
            target = torch.tensor([e[1] for e in batch], device=device)
            allowed = torch.stack([e[2] for e in batch]).to(device)
            logits = net(ids.to(device), lengths, subword_ids).masked_fill(~allowed, -1e4)
            loss = F.cross_entropy(logits, target, weight=class_weight)
            if soft is not None:  # knowledge distillation: also match the teachers' averaged answers
                matched = -(soft[rows].to(device) * F.log_softmax(logits, dim=-1)).sum(-1).mean()
                loss = (1 - opts.distill) * loss + opts.distill * matched
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimizer.step()
            if averaged is not None:
                averaged.update_parameters(net)
            total_loss += loss.item() * len(batch)
            seen += len(batch)
            if on_batch:
                on_batch(b + 1, len(batches))
        scored = averaged.module if averaged is not None else net
        dev_scores = _dev_metrics(scored, task, dev_sets, vocab, labels, device)
        log = stopping.end_epoch(epoch, total_loss / max(seen, 1), dev_scores, time.perf_counter() - t0, scored, optimizer)
        history.append(log)
        save_checkpoint({"model": net.state_dict(), "optimizer": optimizer.state_dict(), **stopping.state(), "epoch": epoch,
                         "history": json.dumps([asdict(h) for h in history]), "rng": torch.get_rng_state(),
                         "averaged": averaged.state_dict() if averaged is not None else None,
                         "word_rng": json.dumps(rng.getstate()),
                         "options": json.dumps(_resume_key(opts))}, ckpt_path)
        if on_epoch:
            on_epoch(log)
        if stopping.should_stop():
            break

    net.load_state_dict(stopping.best_state)
    calibration = _calibrate(net, task, dev_sets, vocab, labels, device) if opts.calibrate else None
    tensors = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    name = out_path.name.removesuffix(".safetensors")
    model = Model(config, vocab, tensors, name=name)
    model.save(out_path)
    model = Model.load(out_path, name=name)  # score exactly what was written (fp16 weights)

    def file_info(d: LabelledData, extra: dict | None = None) -> dict:
        sha = sha256_of(d.path) if Path(d.path).exists() else None  # None: generated, such as the lexicon's words
        return {"path": d.path, "sha256": sha, "examples": len(d), **(extra or {})}

    def evaluate_on(d: LabelledData) -> dict:
        predicted = task.predict_labels(model, d.tokens, allowed=d.label_set)
        s = score(d.labels, predicted, d.label_set)
        metric, value = task.headline(s, d.label_set)
        return {"path": d.path, "sha256": sha256_of(d.path), "examples": len(d), "metric": metric,
                "value": round(value, 4), "accuracy": round(s.accuracy, 4), "macro_f1": round(s.macro_f1, 4),
                "macro_recall": round(s.macro_recall, 4)}

    card = {
        **model_facts(name, task.name, config, opts, command, model, out_path, labels, len(vocab)),
        "pretrained_vectors_found": found,
        "teachers": [_teacher_provenance(t, task.name) for t in opts.teachers],
        "train_data": [file_info(d, {"removed_as_overlap": removed[d.path],
                                     **({"as": NEUTRAL_ROLE} if d.path in opts.augment_neutral else {})})
                       for d in train_sets],
        "excluded_overlap_with": [file_info(d) for d in excluded],
        "negation_copies": {d.path: len(d) for d in augmented if d.path != "contrast pairs"},
        "contrast_pairs": sum(len(d) for d in augmented if d.path == "contrast pairs"),
        "dev": [evaluate_on(d) for d in dev_sets],
        "test": [evaluate_on(task.read_labelled(p)) for p in opts.test],
        **run_facts(history, start_epoch, stopping.best_metric, calibration, device),
    }
    card_path = write_card(out_path, card, card_markdown(card))
    ckpt_path.unlink(missing_ok=True)
    return TrainResult(str(out_path), str(card_path), card, history)


def teacher_targets(teachers: list[str], task: str, labels: list[str], examples: list,
                    on_note: Callable[[str], None] | None = None):
    """The teachers' mean label probabilities for every training example, as a [N, labels] tensor.

    Each row is renormalised over the labels its file allows (binary files: positive vs negative),
    the same restriction the hard labels get.
    """
    import torch

    from rnnlu.registry import load_model

    tokens = [e[3] for e in examples]
    total = np.zeros((len(examples), len(labels)), dtype=np.float64)
    for name in teachers:
        teacher = load_model(name, task=task)
        missing = [label for label in labels if label not in teacher.labels]
        if missing:
            raise UsageError(f"teacher {name!r} cannot answer {', '.join(missing)}; "
                             f"teachers must know every training label ({', '.join(labels)})")
        t0 = time.perf_counter()
        probs = teacher.predict_proba(tokens, batch_size=256)
        if on_note:
            on_note(f"teacher {name}: answered {len(tokens):,} training texts in {time.perf_counter() - t0:.0f}s")
        total += probs[:, [teacher.labels.index(label) for label in labels]]
    allowed = torch.stack([e[2] for e in examples]).numpy()
    mean = total * allowed
    mean /= np.maximum(mean.sum(1, keepdims=True), 1e-12)
    return torch.tensor(mean, dtype=torch.float32)


def _teacher_provenance(name: str, task: str) -> dict:
    """A teacher model: its file, checksum, and the command that made it (from its card)."""
    from rnnlu.registry import find_model

    entry = find_model(name, task)
    info = {"model": name, "path": str(entry.path), "sha256": sha256_of(entry.path)}
    info.update({k: (entry.card or {}).get(k) for k in ("command", "dev_metric")})
    return info


def _subword_ids(config: ModelConfig, token_lists: list[list[str]], steps: int, device):
    """The batch's n-gram rows [B, T, K] as a tensor, or None for a words-only model."""
    import torch

    if not config.subword_buckets:
        return None
    return torch.from_numpy(pad_buckets(token_lists, config.subword_buckets, steps)).to(device)


def _dev_log_probs(net, d: LabelledData, vocab: Vocab, labels: list[str], device="cpu") -> np.ndarray:
    """Log-probabilities [N, labels] for one dev file (all zeros for an empty text)."""
    import torch

    net.eval()
    keep = [i for i, t in enumerate(d.tokens) if t]
    log_probs = np.zeros((len(d), len(labels)), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(keep), 256):
            idx = keep[start : start + 256]
            ids, lengths = pad([vocab.encode(d.tokens[i]) for i in idx])
            subword_ids = _subword_ids(net.config, [d.tokens[i] for i in idx], ids.shape[1], device)
            log_probs[idx] = torch.log_softmax(net(ids.to(device), lengths, subword_ids), dim=-1).cpu().numpy()
    return log_probs


def _headline_fn(task, d: LabelledData) -> Callable[[list[str], list[str]], float]:
    return lambda gold, predicted: task.headline(score(gold, predicted, d.label_set), d.label_set)[1]


def _dev_metrics(net, task, dev_sets: list[LabelledData], vocab: Vocab, labels: list[str],
                 device="cpu") -> dict[str, float]:
    results = {}
    for d in dev_sets:
        predicted = choose(_dev_log_probs(net, d, vocab, labels, device), labels, d.label_set)
        results[d.path] = round(_headline_fn(task, d)(d.labels, predicted), 4)
    return results


def _calibrate(net, task, dev_sets: list[LabelledData], vocab: Vocab, labels: list[str], device="cpu") -> Calibration:
    """Fit per-label offsets on the dev files and add them to the output layer's bias."""
    import torch

    dev = [DevScores(_dev_log_probs(net, d, vocab, labels, device), d.labels, d.label_set, _headline_fn(task, d))
           for d in dev_sets]
    calibration = fit_label_offsets(dev, labels)
    with torch.no_grad():
        net.head.bias += torch.tensor(calibration.offsets, dtype=net.head.bias.dtype, device=net.head.bias.device)
    return calibration
