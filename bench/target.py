"""Which rnnlu model the benchmark measures: ``--model``, else the bundled default, else a bundled
sentiment file that index.json does not list yet (loaded by path), else a stand-in.

The stand-in exists so that the suite runs on a checkout whose bundled model is not trained yet. It
has the bundled model's shape (BiGRU 1x128, 128-wide embeddings, 20,000-word vocabulary, max pooling)
and random weights: its speed and memory are representative, its labels are meaningless.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlu.engine.config import ModelConfig, tensor_names
from rnnlu.engine.model import Model
from rnnlu.engine.tokenize import tokenize
from rnnlu.engine.vocab import Vocab
from rnnlu.errors import RnnluError
from rnnlu.registry import bundled_dir, load_model

STANDIN_SHAPE = dict(cell="gru", bidirectional=True, layers=1, embedding_dim=128, hidden_size=128,
                     pooling="max", vocab=20_000)


@dataclass
class Target:
    args: list[str]        # what to add to `rnnlu sentiment` ([] for the bundled default)
    name: str
    architecture: str
    parameters: int
    standin: bool
    note: str


def choose(requested: str | None, folder: Path, texts: list[str]) -> Target:
    if requested:
        model = load_model(requested)
        return Target(["--model", requested], model.name, model.config.describe(), model.parameters, False,
                      f"--model {requested}")
    try:
        model = load_model(None)
        return Target([], model.name, model.config.describe(), model.parameters, False, "bundled default model")
    except RnnluError as e:
        unlisted = _unlisted_bundled()
        if unlisted is not None:  # weights in pretrained/ but not yet recorded in its index.json
            model = Model.load(unlisted)
            return Target(["--model", str(unlisted)], model.name, model.config.describe(), model.parameters,
                          False, f"bundled file {unlisted.name} loaded by path (not the default yet: {e})")
        path = build_standin(folder / "bench-standin.safetensors", texts)
        model = Model.load(path)
        return Target(["--model", str(path)], model.name, model.config.describe(), model.parameters, True,
                      f"STAND-IN with random weights ({e}); speed and memory representative of the "
                      f"bundled shape, labels meaningless")


def _unlisted_bundled() -> Path | None:
    for path in sorted(bundled_dir().glob("*.safetensors")):
        try:
            if Model.load(path).config.task == "sentiment":
                return path
        except RnnluError:
            continue
    return None


def build_standin(path: Path, texts: list[str], seed: int = 0) -> Path:
    shape = dict(STANDIN_SHAPE)
    size = shape.pop("vocab")
    words = Vocab.build((tokenize(t) for t in texts[:5000]), max_size=size, min_freq=1).itos
    vocab = Vocab(words + [f"<filler{i}>" for i in range(size - len(words))])
    config = ModelConfig(task="sentiment", vocab_size=len(vocab), labels=["negative", "neutral", "positive"],
                         head="classify", **shape)
    rng = np.random.default_rng(seed)
    tensors = {name: (rng.standard_normal(_shape(name, config)) * 0.1).astype(np.float32)
               for name in tensor_names(config)}
    Model(config, vocab, tensors, name="bench-standin").save(path)
    return path


def _shape(name: str, c: ModelConfig) -> tuple[int, ...]:
    gates_h = c.gates * c.hidden_size
    if name == "embedding.weight":
        return (c.vocab_size, c.embedding_dim)
    if name == "head.weight":
        return (len(c.labels), c.hidden_size * c.directions)
    if name == "head.bias":
        return (len(c.labels),)
    layer = int(name.split("_l")[1].split("_")[0])
    if ".weight_ih" in name:
        return (gates_h, c.embedding_dim if layer == 0 else c.hidden_size * c.directions)
    if ".weight_hh" in name:
        return (gates_h, c.hidden_size)
    return (gates_h,)  # biases
