"""Where models live: bundled ones in ``pretrained/`` (checked against recorded sha256 sums) and
the user's own in the platform's user data folder. ``load_model`` accepts a name or a path."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rnnlu.engine.modelfile import sha256_of
from rnnlu.errors import RnnluError

SUFFIX = ".safetensors"
CARD_SUFFIX = ".card.json"


def bundled_dir() -> Path:
    """``pretrained/`` of the source tree, installed as the package data ``rnnlu.pretrained``."""
    installed = Path(__file__).resolve().parent / "pretrained"   # a wheel: site-packages/rnnlu/pretrained
    if installed.is_dir():
        return installed
    try:
        path = Path(str(resources.files("rnnlu.pretrained")))
        if path.is_dir():
            return path
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "pretrained"


def user_models_dir(create: bool = False) -> Path:
    env = os.environ.get("RNNLU_HOME")
    if env:
        path = Path(env) / "models"
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("rnnlu", appauthor=False)) / "models"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class ModelEntry:
    name: str
    path: Path
    card: dict
    bundled: bool
    default_for: str | None = None

    @property
    def task(self) -> str:
        task = self.card.get("task", "?")
        return task if isinstance(task, str) else "?"

    def headline(self) -> str:
        """e.g. 'sst2/test.tsv accuracy 0.861' from the card (test if reported, else dev)."""
        for split in ("test", "dev"):
            scores = self.card.get(split) or []
            if scores:
                try:
                    s = scores[0]
                    return f"{split} {Path(s['path']).parent.name}/{Path(s['path']).name} {s['metric']} {s['value']:.3f}"
                except (KeyError, TypeError, ValueError, IndexError):  # a hand-edited card: no headline
                    return ""
        return ""


@lru_cache(maxsize=1)
def _index() -> dict:
    path = bundled_dir() / "index.json"
    if not path.exists():
        return {"defaults": {}, "sha256": {}}
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        index = None
    if not isinstance(index, dict) or not isinstance(index.get("defaults", {}), dict) \
            or not isinstance(index.get("sha256", {}), dict):
        raise RnnluError(f"{path} is damaged (not the index of the bundled models); reinstall rnnlu")
    return index


def _read_card(model_path: Path) -> dict:
    card = model_path.with_name(model_path.name.removesuffix(SUFFIX) + CARD_SUFFIX)
    try:
        data = json.loads(card.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # missing, unreadable or not JSON: no card
        return {}
    return data if isinstance(data, dict) else {}


_noted: set[str] = set()


def _note_unreadable(folder: Path, e: OSError) -> None:
    """Say once per process (on stderr) that the user's model folder cannot be read; go on without it."""
    if str(folder) not in _noted:
        _noted.add(str(folder))
        why = (e.strerror or str(e)).lower()
        print(f"rnnlu: note: cannot read your models folder {folder} ({why}); only bundled models are available "
              "(check RNNLU_HOME)", file=sys.stderr)


def _scan(folder: Path, bundled: bool) -> list[Path]:
    try:  # a folder or a dangling link named *.safetensors is not a model
        return sorted(p for p in folder.glob(f"*{SUFFIX}") if p.is_file()) if folder.is_dir() else []
    except OSError as e:
        if bundled:
            raise RnnluError(f"cannot read the bundled models in {folder}: {e.strerror}; reinstall rnnlu") from None
        _note_unreadable(folder, e)
        return []


def _default_tasks() -> dict[str, str]:
    """Bundled model name -> the task it is the default for (from ``index.json``)."""
    return {name: task for task, name in _index().get("defaults", {}).items()}


def list_models() -> list[ModelEntry]:
    defaults = _default_tasks()
    entries = []
    for folder, bundled in ((bundled_dir(), True), (user_models_dir(), False)):
        for path in _scan(folder, bundled):
            name = path.name.removesuffix(SUFFIX)
            entries.append(ModelEntry(name, path, _read_card(path), bundled, defaults.get(name) if bundled else None))
    return entries


def find_model(name_or_path: str | None, task: str) -> ModelEntry:
    """A model by name (user models shadow nothing: bundled names win) or by file path."""
    if name_or_path is None:
        name = _index().get("defaults", {}).get(task)
        if name is None:
            command = task.replace(":", " --scheme ")  # "tag:pos" -> "tag --scheme pos"
            how = ("`rnnlu pretrain --objective blank` (see the README's Fill the blank)" if task == "fill-blank"
                   else f"`rnnlu train {command}`")
            raise RnnluError(f"no bundled {task} model; train one with {how} and pass --model NAME")
        name_or_path = name
    path = Path(name_or_path)
    if path.suffix == SUFFIX or os.sep in name_or_path:
        if path.is_dir():
            raise RnnluError(f"{path} is a folder; pass a model file (.safetensors) or a model name")
        if not path.is_file():
            raise RnnluError(f"model file not found: {path}")
        return ModelEntry(path.name.removesuffix(SUFFIX), path, _read_card(path), False)
    bundled = bundled_dir() / f"{name_or_path}{SUFFIX}"
    if bundled.is_file():  # bundled names win: found without reading every card or the user's folder
        return ModelEntry(name_or_path, bundled, _read_card(bundled), True, _default_tasks().get(name_or_path))
    for entry in list_models():
        if entry.name == name_or_path:
            return entry
    names = ", ".join(e.name for e in list_models()) or "none"
    raise RnnluError(f"unknown model {name_or_path!r}; available: {names} (see `rnnlu models`)")


COMMAND_FOR = {"sentiment": "rnnlu sentiment", "tag": "rnnlu tag", "fill-blank": "rnnlu fill-blank",
               "lm": "rnnlu train --init-from (a language model from `rnnlu pretrain`)"}


def verify_bundled(entry: ModelEntry) -> None:
    """A bundled file must match the sha256 recorded in ``pretrained/index.json``."""
    expected = _index().get("sha256", {}).get(entry.path.name)
    actual = sha256_of(entry.path)
    if expected != actual:
        raise RnnluError(f"bundled model {entry.path.name} fails its checksum (expected {str(expected)[:12]}…, "
                         f"got {actual[:12]}…): the file is damaged or was changed; reinstall rnnlu")


def load_model(name_or_path: str | None = None, task: str = "sentiment", scheme: str | None = None):
    """Load a model for ``task``; bundled files must match their recorded sha256.

    A tag model's default is chosen per scheme (``defaults["tag:pos"]``; coin when none is given).
    """
    from rnnlu.engine.model import Model

    entry = find_model(name_or_path, f"tag:{scheme or 'coin'}" if task == "tag" else task)
    if entry.bundled:
        verify_bundled(entry)
    card_task = entry.card.get("task") if isinstance(entry.card.get("task"), str) else None  # cards are hand-editable
    if card_task and card_task != task and card_task in COMMAND_FOR:
        raise RnnluError(f"model {entry.name!r} is a {card_task} model, not {task}; use it with `{COMMAND_FOR[card_task]}`")
    model = Model.load(entry.path, card=entry.card, name=entry.name, verified=entry.bundled)
    if model.config.task != task:
        other = COMMAND_FOR.get(model.config.task)
        raise RnnluError(f"model {entry.name!r} is a {model.config.task} model, not {task}"
                         + (f"; use it with `{other}`" if other else ""))
    return model


WEIGHT_SUFFIXES = (SUFFIX, ".counts")   # every bundled file of weights or counts is checksummed


def write_index(defaults: dict[str, str], folder: Path | None = None) -> Path:
    """Record the sha256 of every bundled model file (maintainers run this after adding weights)."""
    from rnnlu.engine.modelfile import atomic_write

    folder = folder or bundled_dir()
    index = {"defaults": defaults,
             "sha256": {p.name: sha256_of(p) for p in sorted(folder.iterdir())
                        if p.name.endswith(WEIGHT_SUFFIXES)}}
    with atomic_write(folder / "index.json") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    _index.cache_clear()
    return folder / "index.json"
