"""Choose an architecture the classic way: train BiLSTM, then BiGRU, LSTM, GRU under the same budget
and seeds, and take the rightmost (simplest) one whose dev metric is not worse than the best by more
than a tolerance. Works for any task the engine trains."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from rnnlu.engine.model import Model
from rnnlu.engine.modelfile import atomic_write, sha256_of
from rnnlu.training.train import TrainOptions, card_markdown, card_path_for, resolve_out, train, train_command

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


def _load_now() -> float:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):  # not on every platform
        return 0.0


def _inference_speeds(models: dict[str, Model], tokens: list, rounds: int = 3) -> dict[str, float]:
    """Texts per second of each model, best of ``rounds`` passes taken in turn (round-robin), so a
    burst of load from other jobs slows every model alike instead of flipping their order."""
    best: dict[str, float] = {}
    for _ in range(rounds):
        for arch, model in models.items():
            start = time.perf_counter()
            model.tag_log_proba(tokens) if model.config.head == "tag" else model.predict_proba(tokens)
            best[arch] = max(best.get(arch, 0.0), len(tokens) / max(time.perf_counter() - start, 1e-9))
    return best


def select(base: TrainOptions, tolerance: float = 0.5, seeds: int = 1, include_rnn: bool = False,
           on_progress: Callable[[str], None] | None = None) -> Selection:
    """Train every architecture in ORDER (plus plain RNN when asked) and choose; saves the choice to ``base.out``."""
    from rnnlu.tasks import get_task
    from rnnlu.training.train import check_options, writable_out

    check_options(base)
    writable_out(base.out)  # before an hour of training, not after

    order = ORDER + (["rnn"] if include_rnn else [])
    task = get_task(base.task, **({"scheme": base.scheme or "coin"} if base.task == "tag" else {}))
    workdir = Path(tempfile.mkdtemp(prefix="rnnlu-select-"))
    candidates, cards, models = [], {}, {}
    loads = [_load_now()]
    dev_data = [task.read_labelled(p) for p in base.dev]
    try:
        for arch in order:
            runs = []
            for s in range(seeds):
                if on_progress:
                    on_progress(f"training {arch} (seed {base.seed + s})")
                opts = replace(base, arch=arch, seed=base.seed + s, out=str(workdir / f"{arch}-{s}.safetensors"),
                               test=[])
                result = train(opts)
                runs.append(result)
            dev = [float(r.card["dev_metric"]) for r in runs]
            best_run = max(runs, key=lambda r: r.card["dev_metric"])
            cards[arch] = best_run.card
            models[arch] = model = Model.load(best_run.path)
            loads.append(_load_now())
            candidates.append(Candidate(arch, dev, model.parameters,
                                        statistics.fmean(r.card["seconds_per_epoch"] for r in runs),
                                        0.0, best_run.card["size_bytes"], best_run.path))
        speeds = _inference_speeds(models, [t for d in dev_data for t in d.tokens])
        for c in candidates:
            c.texts_per_second = round(speeds[c.arch], 1)
        loads.append(_load_now())
        ranked = [c for c in candidates if c.arch in ORDER]  # plain RNN is shown, never chosen
        chosen, best, reason = choose(ranked, tolerance)
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
        chosen_model = Model.load(source, name=target.name.removesuffix(".safetensors"))
        chosen_model.save(target)  # the file carries its own name, as `rnnlu train --out target` writes it
        # the card's command trains the chosen model alone: `rnnlu train` with its architecture and seed
        command = train_command(replace(base, arch=chosen, seed=cards[chosen].get("seed", base.seed), test=[]))
        card = dict(cards[chosen], name=target.name.removesuffix(".safetensors"), command=command,
                    selection=selection.to_dict())
        card.get("options", {}).update(out=str(base.out))
        card.update(sha256=sha256_of(target), size_bytes=target.stat().st_size)
        with atomic_write(card_path_for(target)) as f:
            json.dump(card, f, indent=2)
            f.write("\n")
        with atomic_write(card_path_for(target).with_name(target.name.removesuffix(".safetensors") + ".card.md")) as f:
            f.write(card_markdown(card))
        selection.saved_to = str(target)
        return selection
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
