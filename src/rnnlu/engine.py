"""The inference engine: the recurrent cells written out as their equations, in NumPy.

Torch is for training; answering a question only needs these few matrix products, and NumPy
starts in a tenth of the time. Weight names and gate order follow torch (GRU: r, z, n;
LSTM: i, f, g, o), and ``tests/test_engine.py`` proves the outputs equal torch's.

    GRU   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)          reset gate
          z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)          update gate: 1 = keep the old memory
          n = tanh(W_in x + b_in + r * (W_hn h + b_hn))       candidate
          h' = (1 - z) * n + z * h
    LSTM  i, f, o = sigmoid(...), g = tanh(...)               input, forget, output gates; candidate
          c' = f * c + i * g ;  h' = o * tanh(c')             c is the cell state (long-term memory)
    RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnnlu.config import ModelConfig


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@dataclass
class Trace:
    """Per-step gate activations of one layer and direction, each [B, T, H] (zero at padding)."""

    layer: int
    reverse: bool
    gates: dict[str, np.ndarray]


def run_layer(cell: str, x: np.ndarray, mask: np.ndarray, w_ih, w_hh, b_ih, b_hh,
              reverse: bool = False, trace: bool = False) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run one direction of one layer over x [B, T, in]; mask [B, T] marks real tokens.

    Padded steps leave the state untouched, so a right-to-left pass starts at each text's own end.
    Returns outputs [B, T, H] (zero at padding) and, if ``trace``, the gate values per step.
    """
    batch, steps, _ = x.shape
    hidden = w_hh.shape[1]
    xw = x @ w_ih.T + b_ih                                   # input projections for every step at once
    h = np.zeros((batch, hidden), dtype=np.float32)
    c = np.zeros((batch, hidden), dtype=np.float32)
    out = np.zeros((batch, steps, hidden), dtype=np.float32)
    names = {"gru": ("reset", "update"), "lstm": ("input", "forget", "output", "cell"), "rnn": ()}[cell]
    gates = {name: np.zeros((batch, steps, hidden), dtype=np.float32) for name in names} if trace else {}
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        hw = h @ w_hh.T + b_hh
        xt = xw[:, t]
        if cell == "gru":
            xr, xz, xn = np.split(xt, 3, axis=1)
            hr, hz, hn = np.split(hw, 3, axis=1)
            r = sigmoid(xr + hr)
            z = sigmoid(xz + hz)
            n = np.tanh(xn + r * hn)
            h_new = (1.0 - z) * n + z * h
            step_gates = {"reset": r, "update": z}
        elif cell == "lstm":
            gi, gf, gg, go = np.split(xt + hw, 4, axis=1)
            i, f, g, o = sigmoid(gi), sigmoid(gf), np.tanh(gg), sigmoid(go)
            c_new = f * c + i * g
            h_new = o * np.tanh(c_new)
            m = mask[:, t, None]
            c = np.where(m, c_new, c)
            step_gates = {"input": i, "forget": f, "output": o, "cell": c}
        else:
            h_new = np.tanh(xt + hw)
            step_gates = {}
        m = mask[:, t, None]
        h = np.where(m, h_new, h)
        out[:, t] = h * m
        for name in gates:
            gates[name][:, t] = step_gates[name] * m
    return out, gates


class Encoder:
    """Embeddings and the stacked (bi)directional recurrent layers, from a model file's tensors."""

    def __init__(self, config: ModelConfig, tensors: dict[str, np.ndarray]):
        self.config = config
        self.embedding = tensors["embedding.weight"]
        self.subword = tensors.get("subword.weight")  # character n-gram vectors, when the model has them
        self.layers = []
        for layer in range(config.layers):
            dirs = []
            for suffix in ("", "_reverse")[: config.directions]:
                dirs.append(tuple(tensors[f"rnn.{k}_l{layer}{suffix}"]
                                  for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
            self.layers.append(dirs)

    def __call__(self, ids: np.ndarray, lengths: np.ndarray, trace: bool = False,
                 subword_ids: np.ndarray | None = None):
        """ids [B, T] (and n-gram rows [B, T, K]) -> outputs [B, T, directions * hidden] and a list of :class:`Trace`."""
        mask = np.arange(ids.shape[1])[None, :] < lengths[:, None]
        x = self.embedding[ids].astype(np.float32, copy=False)  # a new array (fp16 table: converted)
        if subword_ids is not None:
            x += self.subword[subword_ids].sum(axis=2, dtype=np.float32)  # rows may be fp16: summed in fp32
        traces = []
        for layer, dirs in enumerate(self.layers):
            outs = []
            for d, weights in enumerate(dirs):
                out, gates = run_layer(self.config.cell, x, mask, *weights, reverse=d == 1, trace=trace)
                outs.append(out)
                if trace:
                    traces.append(Trace(layer, d == 1, gates))
            x = np.concatenate(outs, axis=-1) if len(outs) > 1 else outs[0]
        return x, traces


def pool(out: np.ndarray, lengths: np.ndarray, how: str, directions: int) -> np.ndarray:
    """Sequence outputs [B, T, D] -> one vector per text [B, D]; same rules as the torch model."""
    mask = (np.arange(out.shape[1])[None, :] < lengths[:, None])[..., None]
    if how == "max":
        return np.maximum(np.where(mask, out, -np.inf).max(axis=1), -1e4)
    if how == "mean":
        return (out * mask).sum(1) / np.maximum(lengths, 1)[:, None]
    if how == "last":
        last = out[np.arange(out.shape[0]), np.maximum(lengths - 1, 0)]
        if directions == 1:
            return last
        h = out.shape[-1] // 2
        return np.concatenate([last[:, :h], out[:, 0, h:]], axis=-1)
    raise ValueError(f"unknown pooling {how!r}")


def pad_batch(id_lists: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(x) for x in id_lists], dtype=np.int64)
    ids = np.zeros((len(id_lists), max(1, int(lengths.max(initial=0)))), dtype=np.int64)
    for row, x in enumerate(id_lists):
        ids[row, : len(x)] = x
    return ids, lengths
