"""Choose an architecture the classic way: train BiLSTM, then BiGRU, LSTM, GRU under the same budget
and seeds, and take the rightmost (simplest) one whose dev metric is not worse than the best by more
than a tolerance. Works for any task the engine trains: sentiment and tag through ``train``, fill-blank
through ``pretrain --objective blank`` (where the one-way LSTM/GRU see the left of the blank only)."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from rnnlu.engine.model import Model
from rnnlu.engine.modelfile import load_tensors, save_tensors, sha256_of
from rnnlu.training.kit import card_markdown, card_path_for, pretrain_card_markdown, resolve_out, write_card
from rnnlu.training.pretrain import PretrainOptions, pretrain_command
from rnnlu.training.train import TrainOptions, train, train_command

ORDER = ["bilstm", "bigru", "lstm", "gru"]


@dataclass
class Candidate:
    arch: str
    dev: list[float]                      # one dev metric per seed
    parameters: int = 0
    seconds_per_epoch: float = 0.0
    texts_per_second: float = 0.0
    size_bytes: int = 0
    path: str = ""                        # the best seed's model file
    breakdown: dict = field(default_factory=dict)   # fill-blank: {dev file: {group: accuracy}} of the best seed

    @property
    def mean(self) -> float:
        return statistics.fmean(self.dev)

    @property
    def spread(self) -> float:
        return statistics.stdev(self.dev) if len(self.dev) > 1 else 0.0


@dataclass
class Selection:
    candidates: list[Candidate]
    chosen: str
    best: str
    tolerance: float                      # in metric points (percent)
    reason: str
    metric: str
    saved_to: str | None = None
    speed: dict = field(default_factory=dict)
    load: dict = field(default_factory=dict)   # the machine's load while timing: cores, max_load, loaded

    def to_dict(self) -> dict:
        out = asdict(self)
        for c, d in zip(self.candidates, out["candidates"]):
            d.update(mean=c.mean, spread=c.spread)
        return out


def choose(candidates: list[Candidate], tolerance_points: float) -> tuple[str, str, str]:
    """(chosen, best, reason): the rightmost candidate within ``tolerance_points`` of the best mean."""
    best = max(candidates, key=lambda c: c.mean)
    limit = best.mean - tolerance_points / 100
    chosen = [c for c in candidates if c.mean >= limit - 1e-12][-1]
    if chosen is best:
        reason = (f"{best.arch} has the best dev metric ({best.mean:.2%}); nothing to its right in "
                  f"{' → '.join(c.arch for c in candidates)} comes within {tolerance_points} points of it")
    else:
        reason = (f"{chosen.arch} ({chosen.mean:.2%}) is within {tolerance_points} points of the best, "
                  f"{best.arch} ({best.mean:.2%}), and is the simplest such model in "
                  f"{' → '.join(c.arch for c in candidates)}")
    return chosen.arch, best.arch, reason


def speed_ratios(candidates: list[Candidate]) -> dict:
    """Does 'GRU runs a lot faster' hold? Training and inference speed of GRUs relative to LSTMs."""
    by = {c.arch: c for c in candidates}
    out = {}
    for gru, lstm in (("gru", "lstm"), ("bigru", "bilstm")):
        if gru in by and lstm in by and by[gru].seconds_per_epoch:
            out[f"{gru}_vs_{lstm}"] = {
                "train_speedup": round(by[lstm].seconds_per_epoch / by[gru].seconds_per_epoch, 2),
                "inference_speedup": round(by[gru].texts_per_second / by[lstm].texts_per_second, 2)
                if by[lstm].texts_per_second else None,
            }
    return out


@dataclass
class Fitted:
    path: str
    card: dict
    dev: float                            # the metric the choice is made on
    seconds_per_epoch: float
    breakdown: dict = field(default_factory=dict)


def fit(base: TrainOptions | PretrainOptions, arch: str, seed: int, out: str) -> Fitted:
    """Train one candidate. A fill-blank candidate is scored on the whole of each dev file (its run
    chose its checkpoint on a sample), with accuracy per attractor count and per left-context length."""
    if isinstance(base, TrainOptions):
        r = train(replace(base, arch=arch, seed=seed, out=out, test=[]))
        return Fitted(r.path, r.card, float(r.card["dev_metric"]), float(r.card["seconds_per_epoch"]))
    from rnnlu.engine.blank import BlankModel
    from rnnlu.training.pretrain import pretrain

    r = pretrain(replace(base, arch=arch, seed=seed, out=out))
    model = BlankModel.load(r.path)
    scores, breakdown = [], {}
    for path in base.dev:
        accuracy, groups = blank_breakdown(model, path)
        scores.append(accuracy)
        breakdown[path] = groups
    rate = r.card.get("train_tokens_per_second") or 0.0
    return Fitted(r.path, r.card, statistics.fmean(scores),
                  round(r.card["train_tokens"] / rate, 1) if rate else 0.0, breakdown)


def blank_breakdown(model, path: str) -> tuple[float, dict[str, float]]:
    """Accuracy on a blank item file and per group (attractor count, words left of the blank), as
    `rnnlu evaluate fill-blank` scores it."""
    from rnnlu.tasks.fill_blank.items import read_items
    from rnnlu.tasks.fill_blank.task import evaluate

    result = evaluate(model, read_items(path))
    groups = [g for g in result["per_group"] + result["per_left_words"] if g["group"] != "all"]
    return result["metrics"]["accuracy"], {g["group"]: round(g["accuracy"], 4) for g in groups}


def _load_now() -> float:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):  # not on every platform
        return 0.0


def _inference_speeds(models: dict, inputs: list, rounds: int = 3) -> dict[str, float]:
    """Texts (or blanks) per second of each model, best of ``rounds`` passes taken in turn
    (round-robin), so a burst of load from other jobs slows every model alike instead of flipping
    their order."""
    best: dict[str, float] = {}
    for _ in range(rounds):
        for arch, model in models.items():
            start = time.perf_counter()
            _answer_all(model, inputs)
            best[arch] = max(best.get(arch, 0.0), len(inputs) / max(time.perf_counter() - start, 1e-9))
    return best


def _answer_all(model, inputs: list) -> None:
    if model.config.head == "blank":
        from rnnlu.tasks.fill_blank.task import answer

        for _ in answer(model, inputs):
            pass
    elif model.config.head == "tag":
        model.tag_log_proba(inputs)
    else:
        model.predict_proba(inputs)


def select(base: TrainOptions | PretrainOptions, tolerance: float = 0.5, seeds: int = 1, include_rnn: bool = False,
           on_progress: Callable[[str], None] | None = None, keep_all: bool = False) -> Selection:
    """Train every architecture in ORDER (plus plain RNN when asked) and choose; saves the choice to
    ``base.out`` (and, with ``keep_all``, every candidate beside it as ``NAME-ARCH``)."""
    from rnnlu.training.train import check_options, writable_out

    check_options(base)
    writable_out(base.out)  # before an hour of training, not after

    blank = isinstance(base, PretrainOptions)
    order = ORDER + (["rnn"] if include_rnn else [])
    if blank:
        from rnnlu.engine.blank import BlankModel
        from rnnlu.tasks.fill_blank.items import read_items

        loader = BlankModel.load
        inputs = [i for p in base.dev for i in read_items(p)][:500]
    else:
        from rnnlu.tasks import get_task

        task = get_task(base.task, **({"scheme": base.scheme or "coin"} if base.task == "tag" else {}))
        loader = Model.load
        inputs = [t for p in base.dev for t in task.read_labelled(p).tokens]
    workdir = Path(tempfile.mkdtemp(prefix="rnnlu-select-"))
    candidates, cards, models = [], {}, {}
    loads = [_load_now()]
    try:
        for arch in order:
            runs = []
            for s in range(seeds):
                if on_progress:
                    on_progress(f"training {arch} (seed {base.seed + s})")
                runs.append(fit(base, arch, base.seed + s, str(workdir / f"{arch}-{s}.safetensors")))
            best_run = max(runs, key=lambda r: r.dev)
            cards[arch] = best_run.card
            models[arch] = model = loader(best_run.path)
            loads.append(_load_now())
            candidates.append(Candidate(arch, [r.dev for r in runs], model.parameters,
                                        statistics.fmean(r.seconds_per_epoch for r in runs),
                                        0.0, best_run.card["size_bytes"], best_run.path, best_run.breakdown))
        speeds = _inference_speeds(models, inputs)
        for c in candidates:
            c.texts_per_second = round(speeds[c.arch], 1)
        loads.append(_load_now())
        ranked = [c for c in candidates if c.arch in ORDER]  # plain RNN is shown, never chosen
        chosen, best, reason = choose(ranked, tolerance)
        if blank:
            metric = "accuracy (mean of the dev files)"
        else:
            metric = cards[chosen]["dev"][0]["metric"] if cards[chosen]["dev"] else "dev"
        cores = os.cpu_count() or 1
        load = {"cores": cores, "max_load": round(max(loads), 2),
                # more runnable threads than cores, beyond training's own: other jobs shared the machine
                "loaded": max(loads) > cores + 0.5}
        selection = Selection(candidates, chosen, best, tolerance, reason, metric, speed=speed_ratios(candidates),
                              load=load)
        target = resolve_out(base.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = Path(next(c.path for c in candidates if c.arch == chosen))
        name = target.name.removesuffix(".safetensors")
        if blank:   # the file carries its own name, as `--out target` writes it
            tensors, meta = load_tensors(source)
            save_tensors(target, tensors, dict(meta, name=name))
        else:
            Model.load(source, name=name).save(target)
        # the card's command trains the chosen model alone: `rnnlu train` with its architecture and seed
        if blank:
            command = pretrain_command(replace(base, arch=chosen, seed=cards[chosen].get("seed", base.seed)))
        else:
            command = train_command(replace(base, arch=chosen, seed=cards[chosen].get("seed", base.seed), test=[]))
        summary = selection.to_dict()
        for c in summary["candidates"]:
            c.pop("path", None)   # work files, gone when this returns
        card = dict(cards[chosen], name=name, command=command, selection=summary)
        card.get("options", {}).update(out=str(base.out))
        card.update(sha256=sha256_of(target), size_bytes=target.stat().st_size)
        write_card(target, card, pretrain_card_markdown(card) if blank else card_markdown(card))
        selection.saved_to = str(target)
        for c in candidates:
            if keep_all:   # every candidate beside the choice, with its own card (e.g. for `rnnlu explain`)
                kept = target.with_name(f"{name}-{c.arch}.safetensors")
                shutil.copyfile(c.path, kept)
                shutil.copyfile(card_path_for(Path(c.path)), card_path_for(kept))
                c.path = str(kept)
            else:
                c.path = str(target) if c.arch == chosen else ""   # the others go with the work folder
        return selection
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

