"""What every trainer shares (the text-classification trainer in `train.py`, the tagger's in
`tag.py`, and `pretrain.py`): epoch logs and results, the end-of-epoch step (early stopping), where a
model goes and its card, length-bucketed batches and padding. Kept apart so that no trainer imports another.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from rnnlu import __version__
from rnnlu.engine.modelfile import atomic_write, sha256_of
from rnnlu.errors import UsageError


@dataclass
class EpochLog:
    epoch: int
    loss: float
    dev: float
    dev_per_file: dict[str, float]
    seconds: float
    best: bool
    lr: float = 0.0               # the learning rate this epoch ran with


class EarlyStopping:
    """The end of each epoch, for every trainer: keep the best dev score and its weights, count the epochs
    since, take ``--lr-decay`` after an epoch that did not improve, and say when to stop (``--patience``,
    ``--time-budget``). Its state travels in the checkpoint (``best_state``, ``best_metric``, ``bad_epochs``)."""

    def __init__(self, patience: int, lr_decay: float, time_budget: float, ckpt: dict | None = None):
        self.patience, self.lr_decay, self.time_budget = patience, lr_decay, time_budget
        self.best_metric, self.best_state, self.bad_epochs = -math.inf, None, 0
        if ckpt is not None:
            self.best_state, self.best_metric = ckpt["best_state"], float(ckpt["best_metric"])
            self.bad_epochs = int(ckpt["bad_epochs"])
        self.started = time.perf_counter()

    def end_epoch(self, epoch: int, loss: float, dev_scores: dict[str, float], seconds: float, scored, optimizer) -> EpochLog:
        """The epoch's log (its dev metric: the mean over the dev files); ``scored``: the network whose weights count."""
        dev_metric = float(np.mean(list(dev_scores.values())))
        improved = dev_metric > self.best_metric
        if improved:
            self.best_metric, self.bad_epochs = dev_metric, 0
            self.best_state = {k: v.detach().clone() for k, v in scored.state_dict().items()}
        else:
            self.bad_epochs += 1
        log = EpochLog(epoch, loss, dev_metric, dev_scores, seconds, improved, lr=optimizer.param_groups[0]["lr"])
        if not improved:
            for group in optimizer.param_groups:  # --lr-decay: smaller steps once dev stops improving
                group["lr"] *= self.lr_decay
        return log

    def state(self) -> dict:
        """What the checkpoint keeps of it."""
        return {"best_state": self.best_state, "best_metric": self.best_metric, "bad_epochs": self.bad_epochs}

    def should_stop(self) -> bool:
        return self.bad_epochs >= self.patience or bool(
            self.time_budget and time.perf_counter() - self.started > self.time_budget)


@dataclass
class TrainResult:
    path: str
    card_path: str
    card: dict
    history: list[EpochLog]


def resolve_out(out: str) -> Path:
    """A bare NAME goes to the user model folder; anything path-like is used as given."""
    from rnnlu.registry import user_models_dir

    p = Path(out)
    if p.suffix == ".safetensors":
        return p
    if os.sep in out or out.startswith("."):
        return p / "model.safetensors"
    return user_models_dir(create=True) / f"{out}.safetensors"


def checkpoint_path_for(model_path: Path) -> Path:
    """Where an interrupted run keeps its state: beside the model, ``NAME.safetensors.ckpt``."""
    return model_path.with_name(model_path.name + ".ckpt")


def card_path_for(model_path: Path) -> Path:
    return model_path.with_name(model_path.name.removesuffix(".safetensors") + ".card.json")


def lm_provenance(path: str) -> dict:
    """Where the starting encoder came from: its file, checksum, and the command that made it."""
    info = {"path": path, "sha256": sha256_of(path)}
    lm_card = Path(path).with_name(Path(path).name.removesuffix(".safetensors") + ".card.json")
    if lm_card.exists():
        lm = json.loads(lm_card.read_text(encoding="utf-8"))
        info.update({k: lm.get(k) for k in ("command", "architecture", "corpus", "train_tokens", "heldout_perplexity",
                                             "epochs_run", "seconds_per_epoch", "machine")})
        if lm.get("task") not in (None, "lm", "fill-blank"):   # a trained task model that training continued
            info.update(task=lm["task"], dev_metric=lm.get("dev_metric"))
    return info


def continue_from(opts, start, cell: str, bidirectional: bool, labels: list[str]) -> dict:
    """Sizes and weights of a trained model that training continues from (``--init-from`` a task model)."""
    config, _, tensors = start
    if (config.cell, config.bidirectional) != (cell, bidirectional):
        raise UsageError(f"--init-from {opts.init_from} is a {'bi' if config.bidirectional else ''}{config.cell} model; "
                         f"--arch {opts.arch} does not fit it")
    if list(config.labels) != labels:
        raise UsageError(f"--init-from {opts.init_from} answers {', '.join(config.labels)}; the training files hold "
                         f"{', '.join(labels)}: they must be the same labels")
    if opts.subword_buckets not in (0, config.subword_buckets):
        raise UsageError(f"--init-from {opts.init_from} has {config.subword_buckets} subword buckets; leave out "
                         "--subword-buckets or give that number")
    opts.hidden, opts.embedding_dim, opts.layers = config.hidden_size, config.embedding_dim, config.layers
    opts.subword_buckets, opts.pooling = config.subword_buckets, config.pooling
    return dict(tensors)


def model_facts(name: str, task: str, config, opts, command: str, model, out_path: Path, labels: list[str],
                vocab_size: int) -> dict:
    """The facts every task card starts with: the model, the command and options that made it, its file."""
    return {
        "name": name,
        "task": task,
        "architecture": config.describe(),
        "arch": opts.arch,
        "command": command,
        "rnnlu_version": __version__,
        "seed": opts.seed,
        "options": asdict(opts),
        "parameters": model.parameters,
        "size_bytes": out_path.stat().st_size,
        "sha256": sha256_of(out_path),
        "labels": labels,
        "vocab_size": vocab_size,
        "initialised_from": lm_provenance(opts.init_from) if opts.init_from else None,
    }


def run_facts(history: list[EpochLog], start_epoch: int, best_metric: float, calibration, device) -> dict:
    """The card's account of a finished run: dev metric (after calibration), epochs, time, machine, date.
    Seconds per epoch count only the epochs this run made (a resumed run's earlier ones ran elsewhere)."""
    import torch

    epochs_run = [h for h in history if h.epoch >= start_epoch] or history
    return {
        "dev_metric": calibration.after if calibration else round(best_metric, 4),
        "calibration": asdict(calibration) if calibration else None,
        "epochs_run": len(history),
        "best_epoch": max(history, key=lambda h: h.dev).epoch,
        "seconds_per_epoch": round(float(np.mean([h.seconds for h in epochs_run])), 1),
        "train_seconds": round(sum(h.seconds for h in history), 1),
        "history": [asdict(h) for h in history],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU threads, torch {torch.__version__}, device {device}",
        "trained": time.strftime("%Y-%m-%d"),
    }


def write_card(model_path: Path, card: dict, markdown: str) -> Path:
    """The card beside the model: ``NAME.card.json`` (the facts) and ``NAME.card.md`` (``markdown``), each written atomically."""
    card_path = card_path_for(model_path)
    with atomic_write(card_path) as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    with atomic_write(card_path.with_name(card_path.name.removesuffix(".json") + ".md")) as f:
        f.write(markdown)
    return card_path


def card_markdown(card: dict) -> str:
    """The model card for people: the same facts as the JSON card."""
    lines = [f"# {card['name']}", "", f"{card['task']} model, {card['architecture']} ({card['arch']}), "
             f"{card['parameters']:,} parameters, {card['size_bytes'] / 1e6:.1f} MB, sha256 `{card['sha256']}`.", "",
             "Trained with:", "", "```", card["command"], "```", ""]
    lm = card.get("initialised_from")
    if lm and lm.get("task"):
        lines += [f"It continues from every weight of the {lm['task']} model `{lm['path']}` (sha256 `{lm['sha256'][:16]}…`, "
                  f"dev metric {lm.get('dev_metric')})" + (", made with:" if lm.get("command") else "."), ""]
        lines += ["```", lm["command"], "```", ""] if lm.get("command") else []
    elif lm:
        lines += [f"Word vectors and encoder start from the language model `{lm['path']}` "
                  f"(sha256 `{lm['sha256'][:16]}…`)" + (", made with:" if lm.get("command") else "."), ""]
        if lm.get("command"):
            lines += ["```", lm["command"], "```", "",
                      f"({lm.get('train_tokens') or 0:,} tokens of raw text, held-out perplexity "
                      f"{lm.get('heldout_perplexity')}, {lm.get('seconds_per_epoch')} s per epoch on {lm.get('machine')}.)", ""]
    teachers = card.get("teachers") or []
    if teachers:
        lines += [f"Besides the labels, it learned to match the mean answer of {len(teachers)} teacher models "
                  f"(`--teacher`, share of the loss {card['options']['distill']}):", ""]
        lines += [f"- `{t['path']}` (sha256 `{t['sha256'][:16]}…`)" + (f", made with `{t['command']}`" if t.get("command") else "")
                  for t in teachers] + [""]
    lines += [
             f"Seed {card['seed']}; {card['epochs_run']} epochs (best: {card['best_epoch']}), "
             f"{card['seconds_per_epoch']} s per epoch on {card['machine']}; trained {card['trained']}.", "",
             "| data | file | examples | sha256 |", "|---|---|---|---|"]
    cal = card.get("calibration")
    if cal:
        offsets = ", ".join(f"{label} {x:+.1f}" for label, x in zip(card["labels"], cal["offsets"]))
        lines[-2:-2] = [f"Label offsets fitted on dev and added to the output bias (`--calibrate`): {offsets}; "
                        f"mean dev metric {cal['before']:.4f} before, {cal['after']:.4f} after.", ""]
    for role in ("train_data", "excluded_overlap_with"):
        for d in card.get(role, []):
            sha = f"`{d['sha256'][:16]}…`" if d["sha256"] else "generated"
            what = role.replace('_', ' ') + (f" ({d['as']})" if d.get("as") else "")
            lines.append(f"| {what} | `{d['path']}` | {d['examples']:,} | {sha} |")
    lines += ["", "| split | file | metric | value | accuracy | macro-F1 | macro-recall |", "|---|---|---|---|---|---|---|"]
    for split in ("dev", "test"):
        for d in card.get(split, []):
            lines.append(f"| {split} | `{d['path']}` | {d['metric']} | {d['value']:.4f} | {d['accuracy']:.4f} | "
                         f"{d['macro_f1']:.4f} | {d['macro_recall']:.4f} |")
    return "\n".join(lines) + "\n\nThe model was chosen on dev; test files were scored once, for this card.\n"


def command_for(words: list[str], opts, defaults, skip: tuple[str, ...] = (), flags: dict[str, str] | None = None,
                always: tuple[str, ...] = ()) -> str:
    """The command line (``words`` then options) that makes exactly ``opts``: every option-dataclass field
    that differs from ``defaults`` (or is in ``always``) as its flag, lists repeated, ``time_budget``
    in minutes; ``flags`` names fields whose flag is not ``--field-name``."""
    import shlex
    from dataclasses import fields

    parts = list(words)
    for f in fields(opts):
        name, value = f.name, getattr(opts, f.name)
        if name in skip or (value == getattr(defaults, name) and name not in always):
            continue
        flag = (flags or {}).get(name, "--" + name.replace("_", "-"))
        if isinstance(value, bool):
            parts.append(flag)
        elif isinstance(value, list):
            for v in value:
                parts += [flag, str(v)]
        elif value is not None:
            parts += [flag, f"{value / 60:g}" if name == "time_budget" else str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def pretrain_card_markdown(card: dict) -> str:
    """The card for people of a model made by `rnnlu pretrain` (a language model or a fill-blank model)."""
    state = "" if card.get("complete", True) else (" Stopped by its time budget before the last epoch ended; "
                                                    "`--resume` with the same command continues it.")
    lines = [f"# {card['name']}", "",
             f"{card['architecture']} ({card['arch']}); {card['parameters']:,} parameters; "
             f"{card['size_bytes'] / 1e6:.1f} MB; sha256 `{card['sha256']}`.{state}", "",
             "## Command", "", "```", card["command"], "```", ""]
    init = card.get("init_from")
    if init:
        lines += [f"It started from the weights of `{init['path']}` (sha256 `{init['sha256']}`, `--init-from`); "
                  "the optimizer started afresh.", ""]
    rate = card.get("train_tokens_per_second")
    lines += [f"Seed {card['seed']}. Corpus read in {card['read_seconds']} s: {card['train_sentences']:,} training "
              f"sentences, {card['train_tokens']:,} tokens; {card['tokens_seen']:,} tokens read in training"
              + (f" ({rate:,.0f} tokens/s)" if rate else "") + f"; vocabulary {card['vocab_size']:,}"
              + (f"; {card['agreement_pairs']} verb number pairs" if card.get("agreement_pairs") else "")
              + f". {card['machine']}; trained {card['trained']}.", "",
              "| corpus | lines |", "|---|---|"]
    lines += [f"| `{c['path']}` | {c['lines']:,} |" for c in card.get("corpus", [])]
    lines += ["", f"Held-out perplexity {card.get('heldout_perplexity')}."]
    if card.get("dev"):
        lines += ["", "| dev file (sample the run chose its checkpoint on) | accuracy |", "|---|---|"]
        lines += [f"| `{path}` | {value:.4f} |" for path, value in card["dev"].items()]
    sel = card.get("selection")
    if sel:
        lines += ["", f"Chosen by `rnnlu select`: {sel['reason']}.", "",
                  "| architecture | dev | parameters | s / epoch |", "|---|---|---|---|"]
        lines += [f"| {c['arch']} | {c['mean']:.4f} | {c['parameters']:,} | {c['seconds_per_epoch']} |"
                  for c in sel["candidates"]]
    return "\n".join(lines) + "\n"


def bucketed_batches(examples: list, batch_size: int, rng: random.Random,
                      length: Callable[[object], int] = lambda e: len(e[0])) -> list[list]:
    """Shuffle, sort by length inside pools of 50 batches (less padding), shuffle the batches."""
    order = examples[:]
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=length)
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def pad(id_lists: list[list[int]], word_dropout: float = 0.0, rng: random.Random | None = None):
    import torch

    lengths = torch.tensor([len(x) for x in id_lists])
    ids = torch.zeros(len(id_lists), int(lengths.max()), dtype=torch.long)
    for row, x in enumerate(id_lists):
        if word_dropout and rng is not None:
            x = [1 if rng.random() < word_dropout else i for i in x]
        ids[row, : len(x)] = torch.tensor(x)
    return ids, lengths


def torch_threads(requested: int = 0) -> int:
    """Threads for torch: as asked (``--threads``), else ``OMP_NUM_THREADS`` when set, else every core.
    On a machine another job keeps busy, one thread per free core avoids threads waiting on each other."""
    return requested or int(os.environ.get("OMP_NUM_THREADS") or 0) or os.cpu_count() or 1
