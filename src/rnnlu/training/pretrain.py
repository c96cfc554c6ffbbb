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

import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rnnlu import __version__
from rnnlu.corpus import corpus_files, read_lines, read_wrapped
from rnnlu.engine.config import ARCHITECTURES, ModelConfig
from rnnlu.engine.modelfile import atomic_write, load_tensors, save_tensors, sha256_of
from rnnlu.engine.tokenize import tokenize
from rnnlu.engine.vocab import Vocab
from rnnlu.errors import RnnluError, UsageError
from rnnlu.training.kit import checkpoint_path_for, command_for

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
    objective: str = "lm"         # lm: two language models | blank: predict each word from both sides (fill-blank)
    join_lines: bool = False      # wrapped text: join a line that does not end a sentence with the next
    wikitext: bool = False        # the corpus is WikiText: drop its section titles, join its split numbers and words
    checkpoint_every: int = 0     # > 0: also checkpoint (and score) inside an epoch, every this many batches
    agreement_from: str | None = None  # blank objective: UD treebank folder giving verb number pairs
    agreement_weight: float = 1.0
    agreement_sentences: bool = False  # blank objective: train only on sentences holding a verb form of a pair
    dev: list[str] = field(default_factory=list)   # blank objective: blank item files scored at each checkpoint
    dev_sample: int = 1000        # items scored per dev file at each checkpoint (0 = all)
    init_from: str | None = None  # start from this model file's weights (same objective, sizes and vocabulary)


@dataclass
class LMEpochLog:
    epoch: int
    loss: float
    heldout_perplexity: float
    seconds: float
    best: bool
    batch: int = 0                # batches done in this epoch when the log was taken (0: the epoch's end)
    tokens_seen: int = 0          # training tokens read so far, over all epochs
    dev: dict = field(default_factory=dict)   # blank objective: accuracy on each dev file


@dataclass
class PretrainResult:
    path: str
    card: dict
    history: list[LMEpochLog]


def _tokenize_many(lines: list[str]) -> list[list[str]]:
    """Tokenise in worker processes when there is a lot of text and more than one core."""
    workers = min(os.cpu_count() or 1, 16)
    if workers < 2 or len(lines) < 20000:
        return [tokenize(x) for x in lines]
    import multiprocessing as mp

    pool = mp.get_context("fork" if sys.platform != "win32" else "spawn").Pool(workers)
    try:
        out = pool.map(tokenize, lines, chunksize=2000)
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    # let the workers finish and leave: terminate() (what `with Pool()` does) signals them, and a
    # worker signalled while it holds the task queue's lock hangs the join (seen under `rnnlu select`)
    pool.close()
    pool.join()
    return out


def read_corpus(paths: list[str], max_lines: int = 0, max_tokens: int = 60,
                exclude: set[str] | None = None, join_lines: bool = False,
                wikitext: bool = False) -> tuple[list[list[str]], dict[str, int], int]:
    """Tokenised sentences from every corpus path, long lines cut into ``max_tokens`` pieces.

    Returns (sentences, lines read per path, lines dropped because they equal an excluded text).
    """
    lines, per_path = [], {}
    for path in paths:
        n = 0
        for f in corpus_files(path):
            if max_lines and n >= max_lines:
                break
            for line in (read_wrapped(f, wikitext) if join_lines else read_lines(f, wikitext)):
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


# ---- training --------------------------------------------------------------------------------------
def pretrain(opts: PretrainOptions, on_epoch: Callable[[LMEpochLog], None] | None = None,
             on_batch: Callable[[int, int], None] | None = None, command: str | None = None,
             on_note: Callable[[str], None] | None = None) -> PretrainResult:
    """Train a bidirectional (or forward) LM, or the fill-blank model; save it with its card.

    ``on_note`` hears one line once the corpus is read (it can take minutes). With
    ``checkpoint_every`` the run also checkpoints inside an epoch (a "stretch"): ``--resume``
    continues from the next batch with the same random state, so an interrupted run writes the
    same file as an uninterrupted one; a time budget then ends the run at a stretch's end.
    """
    if opts.arch not in ARCHITECTURES:
        raise UsageError(f"unknown architecture {opts.arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if not opts.corpus:
        raise UsageError("pretraining needs at least one --corpus file or folder")
    if opts.objective not in ("lm", "blank"):
        raise UsageError(f"unknown objective {opts.objective!r}; choose lm or blank")
    if opts.objective == "blank" and opts.embedding_dim < 16:
        raise UsageError("--objective blank needs --embedding-dim 16 or more (its rarest-word cluster gets a 16th of it)")
    if opts.objective == "lm" and (opts.dev or opts.agreement_from or opts.agreement_sentences):
        raise UsageError("--dev, --agreement-from and --agreement-sentences apply to --objective blank only")
    if opts.agreement_sentences and not opts.agreement_from:
        raise UsageError("--agreement-sentences needs --agreement-from (the treebanks that give the verb pairs)")
    from rnnlu.training.train import check_options, writable_out

    check_options(opts)
    writable_out(opts.out)  # an unwritable --out fails now, not after reading the corpus and training
    import torch  # after the checks: a mistyped option or path is answered before torch loads (about 2 s)

    from rnnlu.nn.network import pick_device
    from rnnlu.training.kit import bucketed_batches, resolve_out

    device = pick_device(opts.device)
    random.seed(opts.seed)
    np.random.seed(opts.seed)
    torch.manual_seed(opts.seed)
    out_path = resolve_out(opts.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ckpt_path = checkpoint_path_for(out_path)

    t_read = time.perf_counter()
    vocab, held, train_ids, per_path, dropped = _prepared_corpus(opts, out_path)
    read_seconds = time.perf_counter() - t_read
    tokens = int(sum(len(s) for s in train_ids))
    if on_note:
        on_note(f"read {len(held) + len(train_ids):,} sentences ({tokens:,} training tokens) in {read_seconds:.0f}s; "
                f"{len(vocab):,} words in the vocabulary")

    cell, bidirectional = ARCHITECTURES[opts.arch]
    blank = opts.objective == "blank"
    config = ModelConfig(task="fill-blank" if blank else "lm", cell=cell, bidirectional=bidirectional, layers=1,
                         embedding_dim=opts.embedding_dim, hidden_size=opts.hidden, vocab_size=len(vocab),
                         labels=[], head="blank" if blank else "lm", dropout=opts.dropout)
    pairs: dict[str, str] = {}
    dev_items: dict[str, list] = {}
    if blank:
        from rnnlu.nn.blank import BlankModel
        from rnnlu.tasks.fill_blank.items import read_items

        partners = torch.zeros(len(vocab), dtype=torch.long)
        if opts.agreement_from:
            from rnnlu.tasks.fill_blank.number import number_pairs

            pairs = {a: b for a, b in number_pairs(opts.agreement_from).items() if a in vocab and b in vocab}
            for a, b in pairs.items():
                partners[vocab.stoi[a]] = vocab.stoi[b]
        if opts.agreement_sentences:
            train_ids = agreement_sentences(train_ids, partners.numpy())
            tokens = int(sum(len(s) for s in train_ids))
            if on_note:
                on_note(f"kept the {len(train_ids):,} training sentences ({tokens:,} tokens) that hold a verb of a number pair")
        for path in opts.dev:
            items = read_items(path)
            if opts.dev_sample and len(items) > opts.dev_sample:
                items = random.Random(opts.seed).sample(items, opts.dev_sample)
            dev_items[path] = items
        net = BlankModel(config, partners, opts.agreement_weight).to(device)
    else:
        from rnnlu.nn.network import LanguageModel

        net = LanguageModel(config).to(device)
    init = _init_weights(net, opts, config, vocab) if opts.init_from else None
    optimizer = torch.optim.Adam(net.parameters(), lr=opts.lr)
    history: list[LMEpochLog] = []
    best, best_state, start_epoch, start_batch, tokens_seen = -math.inf, None, 1, 0, 0
    step_seconds = 0.0   # time in training steps alone (no reading, no scoring): the fair speed comparison
    carried = (0.0, 0)   # loss sum and word count of the epoch so far, when resuming inside it
    if opts.resume and ckpt_path.exists():
        try:
            ckpt = torch.load(ckpt_path, weights_only=True, map_location=device)
            if "options" not in ckpt or json.loads(ckpt["options"]) != _resume_key(opts):
                raise UsageError(f"{ckpt_path} was made with other options; rerun with the same options, "
                                 "or delete the checkpoint to start afresh")
            net.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
        except (RuntimeError, KeyError, ValueError, EOFError) as e:
            raise RnnluError(f"cannot resume from {ckpt_path} ({str(e).splitlines()[0][:120]}); "
                             "delete it to start afresh") from None
        best_state, best = ckpt["best_state"], float(ckpt["best"])
        start_epoch, start_batch = int(ckpt["epoch"]), int(ckpt.get("batch", 0))
        if not start_batch:
            start_epoch += 1
        tokens_seen = int(ckpt.get("tokens_seen", 0))
        step_seconds = float(ckpt.get("step_seconds", 0.0))
        carried = (float(ckpt.get("epoch_loss", 0.0)), int(ckpt.get("epoch_count", 0)))
        if "rng" in ckpt:
            torch.set_rng_state(ckpt["rng"])
        if ckpt.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(ckpt["cuda_rng"])
        history = [LMEpochLog(**h) for h in json.loads(ckpt["history"])]

    def save_checkpoint(epoch: int, batch: int, total: float, count: int) -> None:
        state = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "best_state": best_state,
                 "best": best, "epoch": epoch, "batch": batch, "tokens_seen": tokens_seen, "epoch_loss": total,
                 "step_seconds": step_seconds,
                 "epoch_count": count, "rng": torch.get_rng_state(), "options": json.dumps(_resume_key(opts)),
                 "cuda_rng": torch.cuda.get_rng_state_all() if device.type == "cuda" else None,
                 "history": json.dumps([asdict(h) for h in history])}
        tmp = ckpt_path.with_name(ckpt_path.name + ".part")
        torch.save(state, tmp)
        os.replace(tmp, ckpt_path)   # a crash or full disk never leaves a truncated checkpoint

    def score_now(epoch: int, batch: int, loss: float, seconds: float) -> LMEpochLog:
        nonlocal best, best_state
        ppl = _perplexity(net, held, device)
        dev = {p: round(_blank_accuracy(net, vocab, items, device), 4) for p, items in dev_items.items()}
        value = float(np.mean(list(dev.values()))) if dev else -ppl
        improved = value > best
        if improved:
            best = value
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        net.train()
        return LMEpochLog(epoch, loss, round(ppl, 2), seconds, improved, batch, tokens_seen, dev)

    steps_per_epoch = math.ceil(len(train_ids) / opts.batch_size)
    scheduler_total = steps_per_epoch * opts.epochs
    started = time.perf_counter()
    out_of_time = False
    for epoch in range(start_epoch, opts.epochs + 1):
        t0 = time.perf_counter()
        net.train()
        batches = bucketed_batches(train_ids, opts.batch_size, random.Random(opts.seed * 1000 + epoch), length=len)
        first = start_batch if epoch == start_epoch else 0
        total, count = carried if epoch == start_epoch else (0.0, 0)
        warmup = max(1, min(200, scheduler_total // 10))
        for b in range(first, len(batches)):
            step = (epoch - 1) * steps_per_epoch + b
            for group in optimizer.param_groups:  # linear warm-up, then cosine decay to 10%
                warm = min(1.0, (step + 1) / warmup)
                group["lr"] = opts.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / scheduler_total)))
            t_step = time.perf_counter()
            ids, lengths = _pad(batches[b], device)
            loss, n = net.loss(ids, lengths)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            step_seconds += time.perf_counter() - t_step
            total += loss.item() * n
            count += n
            tokens_seen += n
            if on_batch:
                on_batch(b + 1, len(batches))
            if opts.checkpoint_every and (b + 1) % opts.checkpoint_every == 0 and b + 1 < len(batches):
                log = score_now(epoch, b + 1, total / max(count, 1), time.perf_counter() - t0)
                history.append(log)
                save_checkpoint(epoch, b + 1, total, count)
                if on_epoch:
                    on_epoch(log)
                if opts.time_budget and time.perf_counter() - started > opts.time_budget:
                    out_of_time = True
                    break
        if out_of_time:
            break
        log = score_now(epoch, 0, total / max(count, 1), time.perf_counter() - t0)
        history.append(log)
        save_checkpoint(epoch, 0, 0.0, 0)
        if on_epoch:
            on_epoch(log)
        if opts.time_budget and time.perf_counter() - started > opts.time_budget:
            out_of_time = epoch < opts.epochs
            break

    tensors = {k: v.detach().cpu().numpy() for k, v in best_state.items()}
    name = out_path.name.removesuffix(".safetensors")
    meta = {"format": "rnnlu", "version": 1, "config": config.to_dict(), "vocab": vocab.itos, "name": name}
    if blank:
        from rnnlu.nn.blank import cutoffs_for

        meta["softmax_cutoffs"] = cutoffs_for(len(vocab))
    save_tensors(out_path, tensors, meta)
    best_log = max((h for h in history if h.best), key=lambda h: (h.epoch, h.batch or 10**12), default=None)
    card = {
        "name": name,
        "task": config.task,
        "architecture": config.describe() + (" fill-blank (context2vec)" if blank else " language model"),
        "arch": opts.arch,
        "command": command or pretrain_command(opts),   # a library call (e.g. from select): these options as a command
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
        "tokens_seen": tokens_seen,
        "train_tokens_per_second": round(tokens_seen / step_seconds, 1) if step_seconds else None,
        "complete": not out_of_time,
        "heldout_sentences": len(held),
        "heldout_perplexity": best_log.heldout_perplexity if best_log else None,
        "dev": best_log.dev if best_log else {},
        "agreement_pairs": len(pairs) // 2,
        "init_from": init,
        "read_seconds": round(read_seconds, 1),
        "epochs_run": len({h.epoch for h in history}),
        "seconds_per_epoch": round(float(np.mean([h.seconds for h in history if not h.batch] or [0.0])), 1),
        "history": [asdict(h) for h in history],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU threads, torch {torch.__version__}, device {device}",
        "trained": time.strftime("%Y-%m-%d"),
    }
    card_path = out_path.with_name(name + ".card.json")
    with atomic_write(card_path) as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    if not out_of_time:  # finished: nothing left to resume
        ckpt_path.unlink(missing_ok=True)
        corpus_cache_path(out_path).unlink(missing_ok=True)
    return PretrainResult(str(out_path), card, history)


def agreement_sentences(sentences: list[np.ndarray], partners: np.ndarray) -> list[np.ndarray]:
    """The sentences (word ids) holding at least one word with a number partner, in their order.

    Agreement positions are a few in a hundred words of running text; training on these sentences
    alone gives the agreement loss several times more positions for the same reading time.
    """
    has = partners > 0
    kept = [s for s in sentences if has[s].any()]
    if not kept:
        raise RnnluError("no training sentence holds a verb of a number pair; check --agreement-from and the corpus")
    return kept


def pretrain_command(opts: PretrainOptions) -> str:
    """The `rnnlu pretrain` command line that makes exactly these options (defaults left out)."""
    return command_for(["rnnlu", "pretrain"], opts, PretrainOptions(corpus=[], out=""),
                       skip=("resume", "heldout_lines"), always=("corpus", "out"))


def _init_weights(net, opts: PretrainOptions, config: ModelConfig, vocab: Vocab) -> dict:
    """Load ``opts.init_from`` into ``net`` (a warm start: the optimizer starts afresh); its path and sha256."""
    import torch

    tensors, meta = load_tensors(opts.init_from)
    theirs = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    mine = config.to_dict()
    differ = [k for k in ("head", "cell", "bidirectional", "layers", "embedding_dim", "hidden_size", "vocab_size")
              if theirs.get(k) != mine.get(k)]
    if differ:
        raise UsageError(f"--init-from {opts.init_from} does not fit this run ({', '.join(differ)} differ); "
                         "give the same --objective, --arch, --hidden and --embedding-dim")
    state = net.state_dict()
    missing = sorted(set(state) - set(tensors))
    if missing:
        raise UsageError(f"--init-from {opts.init_from} lacks {missing[0]}: not a model of this kind")
    net.load_state_dict({k: torch.from_numpy(np.array(tensors[k], dtype=np.float32)) for k in state})
    return {"path": str(opts.init_from), "sha256": sha256_of(opts.init_from)}


def _start_vocab(opts: PretrainOptions) -> Vocab | None:
    """A warm start's own vocabulary (``--init-from``), so that it can go on over another corpus: the
    corpus's words outside it read as <unk>. None without ``--init-from``."""
    if not opts.init_from:
        return None
    _, meta = load_tensors(opts.init_from)
    words = meta.get("vocab")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise UsageError(f"--init-from {opts.init_from} holds no vocabulary: not a model from `rnnlu pretrain`")
    return Vocab(words)


def _resume_key(opts: PretrainOptions) -> dict:
    """The options a resumed run must share with the run that left the checkpoint."""
    skip = {"resume", "time_budget", "device", "out"}
    later = {"wikitext": False}   # options added since some checkpoints were made: at their default, left out
    return {k: v for k, v in asdict(opts).items() if k not in skip and later.get(k, object()) != v}


def corpus_cache_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.name + ".corpus.npz")


def _prepared_corpus(opts: PretrainOptions, out_path: Path):
    """(vocab, held-out ids, training ids, lines per path, lines dropped), cached beside the output.

    Reading and tokenising tens of millions of words takes minutes; a resumed run reads the cache
    (checked against the options that shape it) and gets exactly the same sentences.
    """
    files = [f for path in opts.corpus + opts.exclude for f in corpus_files(path)]
    shape_keys = ("corpus", "max_lines", "max_tokens", "join_lines", "exclude", "max_vocab", "min_freq", "seed",
                  "heldout_lines") + (("init_from",) if opts.init_from else ()) + (("wikitext",) if opts.wikitext else ())
    key = json.dumps({**{k: getattr(opts, k) for k in shape_keys},
                      "files": [[str(f), f.stat().st_size, f.stat().st_mtime_ns] for f in files]})
    cache = corpus_cache_path(out_path)
    if opts.resume and cache.exists():   # only a resumed run reads it: a new run reads the corpus as it is now
        try:
            with np.load(cache, allow_pickle=False) as z:
                if str(z["key"]) == key:
                    flat, offsets = z["ids"], z["offsets"]
                    sents = [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
                    n_held = int(z["n_held"])
                    meta = json.loads(str(z["meta"]))
                    return (Vocab(meta["vocab"]), sents[:n_held], sents[n_held:], meta["per_path"], meta["dropped"])
        except (OSError, ValueError, KeyError):
            pass
    exclude = set()
    for path in opts.exclude:
        exclude |= {" ".join(tokenize(line)) for f in corpus_files(path) for line in read_lines(f)}
    sentences, per_path, dropped = read_corpus(opts.corpus, opts.max_lines, opts.max_tokens, exclude, opts.join_lines,
                                               opts.wikitext)
    if len(sentences) < 10:
        raise RnnluError("the corpus holds fewer than 10 sentences of 2+ words; give more text")
    vocab = _start_vocab(opts) or Vocab.build(sentences, max_size=opts.max_vocab, min_freq=opts.min_freq)
    rng = random.Random(opts.seed)
    order = list(range(len(sentences)))
    rng.shuffle(order)
    n_held = min(opts.heldout_lines, len(sentences) // 10)
    encoded = [np.asarray(vocab.encode(sentences[i]), dtype=np.int32) for i in order]
    del sentences
    if opts.checkpoint_every or len(encoded) > 200_000:  # worth caching: big, or meant to be resumed
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(s) for s in encoded])
        meta = json.dumps({"vocab": vocab.itos, "per_path": per_path, "dropped": dropped})
        tmp = cache.with_name(cache.name + ".part.npz")
        np.savez(tmp, key=np.array(key), ids=np.concatenate(encoded), offsets=offsets, n_held=np.array(n_held),
                 meta=np.array(meta))
        os.replace(tmp, cache)
    return vocab, encoded[:n_held], encoded[n_held:], per_path, dropped


def _blank_accuracy(net, vocab: Vocab, items: list, device) -> float:
    """Share of blank items whose gold answer gets the highest probability among its options."""
    import torch

    net.eval()
    right = 0
    with torch.no_grad():
        for start in range(0, len(items), 128):
            chunk = items[start : start + 128]
            rows, where = [], []
            for item in chunk:
                left, after = tokenize(item.left), tokenize(item.right)
                rows.append(vocab.encode(left + ["<unk>"] + after))
                where.append(len(left))
            ids, lengths = _pad(rows, device)
            q = net.queries(ids, lengths)[torch.arange(len(chunk)), torch.tensor(where)]
            log_p = net.softmax.log_prob(q)
            for i, item in enumerate(chunk):
                option_ids = [vocab.encode(tokenize(o) or ["<unk>"])[0] for o in item.options]
                scores = log_p[i, option_ids]
                right += item.options[int(scores.argmax())] == item.answer
    return right / max(len(items), 1)


def _pad(batch: list[list[int]], device):
    """The training padder's (ids, lengths), with the ids on ``device``."""
    from rnnlu.training.kit import pad as pad_ids

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
