"""Language-model files made by `rnnlu pretrain`: read one, and take the encoder a task model starts from.

Both `train` (``--init-from``) and `pretrain` use these, so they live apart from both.
"""

from __future__ import annotations

import numpy as np

from rnnlu.engine.config import ModelConfig
from rnnlu.engine.modelfile import load_tensors
from rnnlu.engine.vocab import Vocab
from rnnlu.errors import RnnluError, UsageError


def load_encoder(path: str) -> tuple[ModelConfig, Vocab, dict[str, np.ndarray], dict]:
    """A file from `rnnlu pretrain` (a language model, or a fill-blank model: its encoder read both
    sides of every word of its corpus): its config, vocabulary, tensors and metadata."""
    from rnnlu.engine.model import check_model_file

    tensors, meta = load_tensors(path)
    if meta.get("format") != "rnnlu" or not isinstance(meta.get("config"), dict) \
            or meta["config"].get("head") not in ("lm", "blank"):
        raise RnnluError(f"{path} is not a pretrained language model; make one with `rnnlu pretrain`")
    config = check_model_file(path, meta, tensors, encoder_only=True)  # shapes, vocabulary, no NaN: one line
    return config, Vocab(meta["vocab"]), tensors, meta


def encoder_tensors(lm_config: ModelConfig, tensors: dict[str, np.ndarray], bidirectional: bool) -> dict[str, np.ndarray]:
    """The embedding and recurrent weights a task model of ``bidirectional``-ness takes from an LM."""
    if bidirectional and not lm_config.bidirectional:
        raise UsageError("a bidirectional model needs a bidirectional language model (`rnnlu pretrain --arch bi...`)")
    keep = {"embedding.weight": tensors["embedding.weight"]}
    for name, value in tensors.items():
        if name.startswith("rnn.") and (bidirectional or not name.endswith("_reverse")):
            keep[name] = value
    return keep


def load_task_start(path: str, task: str) -> tuple[ModelConfig, Vocab, dict[str, np.ndarray]] | None:
    """A trained ``task`` model to continue from (all its weights: encoder, subwords, head), or None when
    ``path`` is a pretrained language or fill-blank model (take :func:`load_encoder` then)."""
    from rnnlu.engine.model import check_model_file

    tensors, meta = load_tensors(path)
    config = meta.get("config") if meta.get("format") == "rnnlu" else None
    if not isinstance(config, dict) or config.get("head") in ("lm", "blank"):
        return None
    if config.get("task") != task:
        raise UsageError(f"--init-from {path} is a {config.get('task')} model; give a {task} model or a "
                         "language model from `rnnlu pretrain`")
    return check_model_file(path, meta, tensors), Vocab(meta["vocab"]), tensors
