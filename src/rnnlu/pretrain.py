"""Pretrain an encoder as a bidirectional language model on raw text (`rnnlu pretrain`).

The forward direction of the recurrent layer learns to predict the next word, the backward
direction the previous one (as in ELMo), both from the same word vectors. `rnnlu train --init-from`
then starts a task model from these weights and this vocabulary: the encoder has already seen
millions of words (negation, contrast, long sentences) before it sees its first label.

A one-direction architecture (gru, lstm) starts from the forward half of a bidirectional LM of the
same cell. Output words go through an adaptive softmax (frequent words cheap, rare words in
smaller clusters), which keeps pretraining feasible on a CPU.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import platform
import random
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rnnlu import __version__
from rnnlu.config import ARCHITECTURES, ModelConfig
from rnnlu.errors import RnnluError, UsageError
from rnnlu.modelfile import atomic_write, load_tensors, save_tensors, sha256_of
from rnnlu.tokenize import tokenize
from rnnlu.vocab import Vocab

TEXT_SUFFIXES = (".txt", ".txt.gz", ".tsv", ".tokens")


@dataclass
class PretrainOptions:
    corpus: list[str]
    out: str
    arch: str = "bigru"
    hidden: int = 256
    embedding_dim: int = 128
    epochs: int = 3
    batch_size: int = 128
    lr: float = 2e-3
    dropout: float = 0.2
    max_vocab: int = 25000
    min_freq: int = 3
    max_tokens: int = 60
    max_lines: int = 0            # per corpus path; 0 = all
    heldout_lines: int = 2000
    seed: int = 13
    time_budget: float = 0.0      # seconds; stops after the epoch that passes it
    device: str = "auto"
    exclude: list[str] = field(default_factory=list)
    resume: bool = False


@dataclass
class LMEpochLog:
    epoch: int
    loss: float
    heldout_perplexity: float
    seconds: float
    best: bool


@dataclass
class PretrainResult:
    path: str
    card: dict
    history: list[LMEpochLog]


# ---- reading raw text ------------------------------------------------------------------------------
def corpus_files(path: str) -> list[Path]:
    """A file, or every text file under a folder (sorted, so runs are repeatable)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(TEXT_SUFFIXES))
        if files:
            return files
        raise RnnluError(f"{path} holds no text files ({', '.join(TEXT_SUFFIXES)})")
    raise RnnluError(f"corpus {path} does not exist")


def read_lines(path: Path) -> Iterator[str]:
    """Lines of text. ``.gz`` is unpacked; a ``.tsv`` line gives its last field (the text of `label<TAB>text`)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            for line in f:
                if path.name.endswith(".tsv"):
                    line = line.rsplit("\t", 1)[-1]
                line = line.strip()
                if line:
                    yield line
    except OSError as e:
        raise RnnluError(f"cannot read {path}: {e}") from None


def _tokenize_many(lines: list[str]) -> list[list[str]]:
    """Tokenise in worker processes when there is a lot of text and more than one core."""
    workers = min(os.cpu_count() or 1, 16)
    if workers < 2 or len(lines) < 20000:
        return [tokenize(x) for x in lines]
    import multiprocessing as mp

    with mp.get_context("fork" if sys.platform != "win32" else "spawn").Pool(workers) as pool:
        return pool.map(tokenize, lines, chunksize=2000)


def read_corpus(paths: list[str], max_lines: int = 0, max_tokens: int = 60,
                exclude: set[str] | None = None) -> tuple[list[list[str]], dict[str, int], int]:
    """Tokenised sentences from every corpus path, long lines cut into ``max_tokens`` pieces.

    Returns (sentences, lines read per path, lines dropped because they equal an excluded text).
    """
    lines, per_path = [], {}
    for path in paths:
        n = 0
        for f in corpus_files(path):
            if max_lines and n >= max_lines:
                break
            for line in read_lines(f):
                if max_lines and n >= max_lines:
                    break
                lines.append(line)
                n += 1
        per_path[path] = n
    sentences, dropped = [], 0
    for toks in _tokenize_many(lines):
        if exclude and " ".join(toks) in exclude:
            dropped += 1
            continue
        for start in range(0, len(toks), max_tokens):
            piece = toks[start : start + max_tokens]
            if len(piece) >= 2:
                sentences.append(piece)
    return sentences, per_path, dropped


# ---- encoder files ---------------------------------------------------------------------------------
def load_encoder(path: str) -> tuple[ModelConfig, Vocab, dict[str, np.ndarray], dict]:
    """A pretrained LM file: its config, vocabulary, tensors and metadata."""
    tensors, meta = load_tensors(path)
    if meta.get("format") != "rnnlu" or meta.get("config", {}).get("head") != "lm":
        raise RnnluError(f"{path} is not a pretrained language model; make one with `rnnlu pretrain`")
    return ModelConfig.from_dict(meta["config"]), Vocab(meta["vocab"]), tensors, meta


def encoder_tensors(lm_config: ModelConfig, tensors: dict[str, np.ndarray], bidirectional: bool) -> dict[str, np.ndarray]:
    """The embedding and recurrent weights a task model of ``bidirectional``-ness takes from an LM."""
    if bidirectional and not lm_config.bidirectional:
        raise UsageError("a bidirectional model needs a bidirectional language model (`rnnlu pretrain --arch bi...`)")
    keep = {"embedding.weight": tensors["embedding.weight"]}
    for name, value in tensors.items():
        if name.startswith("rnn.") and (bidirectional or not name.endswith("_reverse")):
            keep[name] = value
    return keep


# ---- training --------------------------------------------------------------------------------------
def pretrain(opts: PretrainOptions, on_epoch: Callable[[LMEpochLog], None] | None = None,
             on_batch: Callable[[int, int], None] | None = None, command: str | None = None,
             on_note: Callable[[str], None] | None = None) -> PretrainResult:
    """Train a bidirectional (or forward) LM on the corpus; save embedding + encoder + card.

    ``on_note`` hears one line once the corpus is read (it can take minutes).
    """
    import torch

    from rnnlu.network import LanguageModel, pick_device
    from rnnlu.train import _bucketed_batches, resolve_out

    if opts.arch not in ARCHITECTURES:
        raise UsageError(f"unknown architecture {opts.arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if not opts.corpus:
        raise UsageError("pretraining needs at least one --corpus file or folder")
    device = pick_device(opts.device)
    random.seed(opts.seed)
    np.random.seed(opts.seed)
    torch.manual_seed(opts.seed)

    exclude = set()
    for path in opts.exclude:
        exclude |= {" ".join(tokenize(line)) for f in corpus_files(path) for line in read_lines(f)}
    t_read = time.perf_counter()
    sentences, per_path, dropped = read_corpus(opts.corpus, opts.max_lines, opts.max_tokens, exclude)
    read_seconds = time.perf_counter() - t_read
    if len(sentences) < 10:
        raise RnnluError("the corpus holds fewer than 10 sentences of 2+ words; give more text")
    vocab = Vocab.build(sentences, max_size=opts.max_vocab, min_freq=opts.min_freq)
    rng = random.Random(opts.seed)
    order = list(range(len(sentences)))
    rng.shuffle(order)
    n_held = min(opts.heldout_lines, len(sentences) // 10)
    held = [vocab.encode(sentences[i]) for i in order[:n_held]]
    train_ids = [vocab.encode(sentences[i]) for i in order[n_held:]]
    tokens = sum(len(s) for s in train_ids)
    if on_note:
        on_note(f"read {len(sentences):,} sentences ({tokens:,} training tokens) in {read_seconds:.0f}s; "
                f"{len(vocab):,} words in the vocabulary")

    cell, bidirectional = ARCHITECTURES[opts.arch]
    config = ModelConfig(task="lm", cell=cell, bidirectional=bidirectional, layers=1,
                         embedding_dim=opts.embedding_dim, hidden_size=opts.hidden, vocab_size=len(vocab),
                         labels=[], head="lm", dropout=opts.dropout)
    net = LanguageModel(config).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=opts.lr)
    out_path = resolve_out(opts.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_path.with_name(out_path.name + ".ckpt")
    history: list[LMEpochLog] = []
    best, best_state, start_epoch = math.inf, None, 1
    if opts.resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, weights_only=True, map_location=device)
        net.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        best_state, best = ckpt["best_state"], float(ckpt["best"])
        start_epoch = int(ckpt["epoch"]) + 1
        history = [LMEpochLog(**h) for h in json.loads(ckpt["history"])]

    steps_per_epoch = math.ceil(len(train_ids) / opts.batch_size)
    scheduler_total = steps_per_epoch * opts.epochs
    started = time.perf_counter()
    for epoch in range(start_epoch, opts.epochs + 1):
        t0 = time.perf_counter()
        net.train()
        batches = _bucketed_batches(train_ids, opts.batch_size, random.Random(opts.seed * 1000 + epoch), length=len)
        total, count = 0.0, 0
        warmup = max(1, min(200, scheduler_total // 10))
        for b, batch in enumerate(batches):
            step = (epoch - 1) * steps_per_epoch + b
            for group in optimizer.param_groups:  # linear warm-up, then cosine decay to 10%
                warm = min(1.0, (step + 1) / warmup)
                group["lr"] = opts.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / scheduler_total)))
            ids, lengths = _pad(batch, device)
            loss, n = net.loss(ids, lengths)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * n
            count += n
            if on_batch:
                on_batch(b + 1, len(batches))
        ppl = _perplexity(net, held, device)
        improved = ppl < best
        if improved:
            best = ppl
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        log = LMEpochLog(epoch, total / max(count, 1), round(ppl, 2), time.perf_counter() - t0, improved)
        history.append(log)
        torch.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(), "best_state": best_state,
                    "best": best, "epoch": epoch, "history": json.dumps([asdict(h) for h in history])}, ckpt_path)
        if on_epoch:
            on_epoch(log)
        if opts.time_budget and time.perf_counter() - started > opts.time_budget:
            break

    net.load_state_dict(best_state)
    tensors = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    name = out_path.name.removesuffix(".safetensors")
    meta = {"format": "rnnlu", "version": 1, "config": config.to_dict(), "vocab": vocab.itos, "name": name}
    save_tensors(out_path, tensors, meta)
    card = {
        "name": name,
        "task": "lm",
        "architecture": config.describe() + " language model",
        "arch": opts.arch,
        "command": command or "rnnlu pretrain " + " ".join(shlex.quote(a) for a in sys.argv[2:]),
        "rnnlu_version": __version__,
        "seed": opts.seed,
        "options": asdict(opts),
        "parameters": int(sum(t.size for t in tensors.values())),
        "size_bytes": out_path.stat().st_size,
        "sha256": sha256_of(out_path),
        "vocab_size": len(vocab),
        "corpus": [{"path": p, "lines": n} for p, n in per_path.items()],
        "lines_dropped_as_excluded": dropped,
        "train_sentences": len(train_ids),
        "train_tokens": tokens,
        "heldout_sentences": len(held),
        "heldout_perplexity": round(best, 2),
        "read_seconds": round(read_seconds, 1),
        "epochs_run": len(history),
        "seconds_per_epoch": round(float(np.mean([h.seconds for h in history])), 1),
        "history": [asdict(h) for h in history],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU threads, torch {torch.__version__}, device {device}",
        "trained": time.strftime("%Y-%m-%d"),
    }
    card_path = out_path.with_name(name + ".card.json")
    with atomic_write(card_path) as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    ckpt_path.unlink(missing_ok=True)
    return PretrainResult(str(out_path), card, history)


def _pad(batch: list[list[int]], device):
    """The training padder's (ids, lengths), with the ids on ``device``."""
    from rnnlu.train import _pad as pad_ids

    ids, lengths = pad_ids(batch)
    return ids.to(device), lengths


def _perplexity(net, held: list[list[int]], device) -> float:
    import torch

    net.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(held), 256):
            ids, lengths = _pad(held[start : start + 256], device)
            loss, n = net.loss(ids, lengths)
            total += loss.item() * n
            count += n
    return math.exp(min(total / max(count, 1), 50.0))
