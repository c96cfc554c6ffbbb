"""Training progress: a per-epoch bar on stderr and one line per finished epoch (train and pretrain)."""

from __future__ import annotations

import sys
from pathlib import Path

from rnnlu.render.console import terminal


class EpochProgress:
    """A per-epoch progress bar on stderr (only on a terminal) and one printed line per finished epoch."""

    def __init__(self, console):
        self.console, self.progress, self.task, self.epoch = console, None, None, 1
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=console, transient=True)

    def on_batch(self, done: int, total: int) -> None:
        if self.progress is None:
            return
        if self.task is None:
            self.task = self.progress.add_task("train", total=total, epoch=self.epoch)
        self.progress.update(self.task, completed=done, total=total, epoch=self.epoch)

    def epoch_done(self, epoch: int, line: str) -> None:
        self.console.print(line, soft_wrap=True)
        self.epoch = epoch + 1
        if self.progress is not None and self.task is not None:
            self.progress.reset(self.task)

    def __enter__(self):
        return self.progress.__enter__() if self.progress else self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc) if self.progress else False


def _with_epoch_progress(run, opts, command: str, describe):
    """Run ``run`` (a trainer: train or pretrain) under one epoch progress display; returns (console, result)."""
    console = terminal(stderr=True)
    bar = EpochProgress(console)
    with bar:
        result = run(opts, on_epoch=lambda log: bar.epoch_done(log.epoch, describe(log)), on_batch=bar.on_batch,
                     command=command, on_note=lambda line: console.print(line, style="dim", soft_wrap=True))
    return console, result


def train_with_progress(train, opts, command: str) -> None:
    """Run ``train`` (rnnlu.training.train.train, given by the caller: render never imports training)."""

    def describe(log) -> str:
        star = " *best" if log.best else ""
        per_file = "  ".join(f"{Path(p).parent.name}/{Path(p).name} {v:.4f}" for p, v in log.dev_per_file.items())
        return f"epoch {log.epoch:>2}  loss {log.loss:.4f}  dev {log.dev:.4f}{star}  ({per_file})  {log.seconds:.0f}s"

    console, result = _with_epoch_progress(train, opts, command, describe)
    card = result.card
    console.print(f"saved {result.path} ({card['parameters']:,} parameters, {card['size_bytes'] / 1e6:.1f} MB) "
                  f"and its card {result.card_path}")
    for split in ("dev", "test"):
        for item in card[split]:
            console.print(f"  {split} {item['path']}: {item['metric']} {item['value']:.4f}")


def pretrain_with_progress(pretrain, opts, command: str) -> None:
    """Run ``pretrain`` (rnnlu.training.pretrain.pretrain) with progress; say where the file went and what takes it."""

    def describe(log) -> str:
        star = " *best" if log.best else ""
        where = f"epoch {log.epoch:>2}" + (f" batch {log.batch:,}" if log.batch else "")
        dev = "".join(f"  {Path(p).name} {v:.4f}" for p, v in log.dev.items())
        return (f"{where}  loss {log.loss:.4f}  held-out perplexity {log.heldout_perplexity:.1f}{dev}{star}  "
                f"{log.tokens_seen:,} tokens  {log.seconds:.0f}s")

    console, result = _with_epoch_progress(pretrain, opts, command, describe)
    card = result.card
    use = (f"use it with `rnnlu fill-blank -m {result.path}`" if card["task"] == "fill-blank"
           else f"use it with `rnnlu train --init-from {result.path}`")
    left = "" if card.get("complete", True) else "; stopped by the time budget: --resume continues it"
    console.print(f"saved {result.path} ({card['parameters']:,} parameters, {card['tokens_seen']:,} tokens read, "
                  f"held-out perplexity {card['heldout_perplexity']}){left}; {use}")
