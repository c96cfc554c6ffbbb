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
from itertools import filterfalse

import numpy as np

from rnnlu.engine.config import ModelConfig
from rnnlu.engine.subwords import distinct_tokens


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


class FoldedCell:
    """One layer and direction's weights, rearranged for the untraced fast path.

    Same equations as :func:`run_layer`, fewer operations per step: the hidden-side biases that are
    simply added (all but GRU's b_hn) are folded into the input side, and the 0.5 inside
    ``sigmoid(x) = 0.5 * (1 + tanh(0.5 x))`` is folded into the sigmoid gates' weight rows (a
    multiplication by 0.5 is exact in floating point), so each step is one matrix product and one
    tanh over all gates.

    The fast path keeps each gate in a block of its own: [gates, rows, H] (:meth:`blocked`), the
    hidden weights as [gates, H, H]. Every elementwise step then reads contiguous memory (a gate's
    columns of a [rows, gates * H] array are strided, and cost NumPy up to 2-3 times as much), and
    each output is the same dot product as before, so the answers are the same bit for bit.
    """

    def __init__(self, cell: str, w_ih, w_hh, b_ih, b_hh):
        hidden = w_hh.shape[1]
        scale = np.ones(w_hh.shape[0], dtype=np.float32)
        b_x = (b_ih + b_hh).astype(np.float32)
        self.b_hn = None
        if cell == "gru":
            scale[: 2 * hidden] = 0.5                       # r, z
            b_x = b_ih.astype(np.float32).copy()
            b_x[: 2 * hidden] += b_hh[: 2 * hidden]
            self.b_hn = np.ascontiguousarray(b_hh[2 * hidden:], dtype=np.float32) * np.float32(0.5)  # inside r * (...)
        elif cell == "lstm":
            scale[: 2 * hidden] = 0.5                       # i, f
            scale[3 * hidden:] = 0.5                        # o
        # GRU: r * (W_hn h + b_hn) = (1 + tanh) * (0.5 W_hn h + 0.5 b_hn), so r's own 0.5 moves into W_hn too
        hidden_scale = np.full(w_hh.shape[0], 0.5, dtype=np.float32) if cell == "gru" else scale
        self.cell, self.hidden = cell, hidden
        self.gates = w_hh.shape[0] // hidden
        self.w_ih_t = np.ascontiguousarray((w_ih * scale[:, None]).T, dtype=np.float32)
        w_hh_t = (w_hh * hidden_scale[:, None]).T.astype(np.float32)  # [H, gates * H]
        self.w_hh_g = np.ascontiguousarray(w_hh_t.reshape(hidden, self.gates, hidden).transpose(1, 0, 2))
        self.b_x = (b_x * scale).astype(np.float32)

    def project(self, x: np.ndarray) -> np.ndarray:
        """Input side of every step at once: x [..., in] -> [..., gates * H] (biases folded in)."""
        out = x @ self.w_ih_t
        out += self.b_x
        return out

    def blocked(self, xw: np.ndarray) -> np.ndarray:
        """Projections [B, T, gates * H] -> [gates, T, B, H]: step t's rows of one gate, ``[g, t, :n]``, are
        contiguous."""
        batch, steps, _ = xw.shape
        return np.ascontiguousarray(xw.reshape(batch, steps, self.gates, self.hidden).transpose(2, 1, 0, 3))

    def run(self, xw_at, counts: np.ndarray, batch: int, reverse: bool, out: np.ndarray | None,
            pool: np.ndarray | None = None, how: str = "") -> np.ndarray:
        """Run over the steps; rows sorted longest first, so step t touches the first counts[t] rows.

        ``xw_at(t, n, buf)`` gives the projected inputs [gates, n, H] of step t: written into the
        scratch ``buf`` [gates, n, H] or a view of its own (either may be written to). Writes
        outputs into ``out`` [B, T, H] when given, keeps the pooled vector in ``pool`` [B, H] when
        given (max: running maximum, mean: running sum), and returns the final h (each row's state
        after its own last token). Every step works in preallocated arrays: a fresh [128, 768]
        array per product would cost a page-faulting allocation each time.
        """
        hdim, cell, w_hh_g = self.hidden, self.cell, self.w_hh_g
        h = np.zeros((batch, hdim), dtype=np.float32)
        c = np.zeros((batch, hdim), dtype=np.float32) if cell == "lstm" else None
        xbuf = np.empty((self.gates, batch, hdim), dtype=np.float32)
        hbuf = np.empty((self.gates, batch, hdim), dtype=np.float32)
        tmp = np.empty((batch, hdim), dtype=np.float32)
        steps = len(counts)
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            n = int(counts[t])
            if n == 0:
                continue
            hp = h[:n]
            a = xw_at(t, n, xbuf[:, :n])
            hw = np.matmul(hp, w_hh_g, out=hbuf[:, :n])      # [gates, n, H]: one product per gate block
            if cell == "gru":
                rz = a[:2]
                rz += hw[:2]
                np.tanh(rz, out=rz)
                rz += 1.0                                    # 2 r and 2 z
                rz[1] *= 0.5                                 # z (r's 0.5 is in W_hn and b_hn)
                cand = hw[2]
                cand += self.b_hn
                cand *= rz[0]
                cand += a[2]
                np.tanh(cand, out=cand)
                hp -= cand                                   # h' = (1 - z) n + z h = n + z (h - n)
                hp *= rz[1]
                hp += cand
            elif cell == "lstm":
                a += hw
                np.tanh(a, out=a)
                for g in (a[:2], a[3]):                      # i, f and o: sigmoids; g stays a tanh
                    g += 1.0
                    g *= 0.5
                cp = c[:n]
                cp *= a[1]
                ig = np.multiply(a[0], a[2], out=tmp[:n])
                cp += ig
                np.tanh(cp, out=hp)
                hp *= a[3]
            else:
                a += hw
                np.tanh(a[0], out=hp)
            if out is not None:
                out[:n, t] = hp
            if pool is not None:
                if how == "max":
                    np.maximum(pool[:n], hp, out=pool[:n])
                elif how == "mean":
                    pool[:n] += hp
        return h


class InputRows:
    """First-layer input projections of each distinct token, computed once and kept.

    A token's word vector, its n-gram sum and its projection ``x @ W_ih.T + b`` depend on the
    token alone, and a run of tweets holds far fewer distinct tokens than tokens (about 30k against
    460k in 20k tweets). ``describe(tokens)`` gives the rows to build for new tokens: word ids [N]
    and n-gram rows [N, K] (or None). At most ``max_bytes`` are kept; when a batch would pass it,
    the store starts afresh (frequent tokens come straight back).
    """

    FP32_AFTER = 4096

    def __init__(self, encoder: "Encoder", describe, max_bytes: int = 48 << 20):
        self.encoder, self.describe = encoder, describe
        self.cells = encoder.folded[0]
        width = sum(cell.w_ih_t.shape[1] for cell in self.cells)
        self.capacity = max(4096, max_bytes // (4 * width))
        self.row: dict = {}
        # per direction [gates, rows, H]: a step's rows of each gate gather into a contiguous block
        self.tables = [np.empty((cell.gates, 0, cell.hidden), dtype=np.float32) for cell in self.cells]
        self.built = 0  # rows built so far
        self.fp32 = None  # fp32 copies of fp16 word and n-gram tables, once a run is long enough

    def _source(self):
        """The tables to build rows from: after 4,096 rows, fp32 copies (converted once, about 20 ms
        for the default model; fp16 rows cost twice as much to gather and sum). Same values exactly."""
        enc = self.encoder
        if self.fp32 is None and self.built >= self.FP32_AFTER and (enc.embedding.dtype != np.float32 or (
                enc.subword is not None and enc.subword.dtype != np.float32)):
            self.fp32 = (enc.embedding.astype(np.float32),
                         None if enc.subword is None else enc.subword.astype(np.float32))
        return self.fp32

    def index(self, token_lists: Sequence[Sequence], steps: int) -> np.ndarray:
        """[B, steps] row of each token in ``self.tables`` (0 at padding), building missing rows."""
        row = self.row
        distinct, at, real = distinct_tokens(token_lists, max(1, steps))
        new = list(filterfalse(row.__contains__, distinct))
        if new and len(row) + len(new) > self.capacity:
            row.clear()
            new = distinct
        if new:
            fresh = new
            ids, subword_ids = self.describe(fresh)
            x = self.encoder.embed(np.asarray(ids), subword_ids, self._source())
            self.built += len(fresh)
            start = len(row)
            for d, cell in enumerate(self.cells):
                table = self.tables[d]
                if start + len(fresh) > table.shape[1]:
                    size = min(max(2 * table.shape[1], start + len(fresh), 1024), max(self.capacity, start + len(fresh)))
                    grown = np.empty((cell.gates, size, cell.hidden), dtype=np.float32)
                    grown[:, :start] = table[:, :start]
                    self.tables[d] = table = grown
                table[:, start : start + len(fresh)] = cell.project(x).reshape(len(fresh), cell.gates, cell.hidden).transpose(1, 0, 2)
            row.update(zip(fresh, range(start, start + len(fresh))))
        index = np.zeros(real.shape, dtype=np.int64)
        index[real] = np.fromiter(map(row.__getitem__, distinct), dtype=np.int64, count=len(distinct))[at]
        return index


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
        self.folded = [[FoldedCell(config.cell, *w) for w in dirs] for dirs in self.layers]

    def embed(self, ids: np.ndarray, subword_ids: np.ndarray | None = None, tables=None) -> np.ndarray:
        """Word vectors (plus their n-gram sums) in fp32: ids [...] (rows [..., K]) -> [..., E].

        ``tables``: (word, n-gram) tables to read instead of the model's (fp32 copies of them)."""
        embedding, subword = tables or (self.embedding, self.subword)
        x = embedding[ids].astype(np.float32, copy=False)  # a new array (fp16 table: converted)
        if subword_ids is not None:
            x += subword[subword_ids].sum(axis=-2, dtype=np.float32)  # rows may be fp16: summed in fp32
        return x

    def fast(self, ids: np.ndarray, lengths: np.ndarray, subword_ids: np.ndarray | None = None) -> np.ndarray:
        """What ``self(ids, lengths, subword_ids=...)[0]`` gives (to rounding, 1e-6), by the folded fast
        path: outputs [B, T, directions * hidden], zero at padding. ``__call__`` stays the plain
        equations, bit for bit, because explanations compare its traced and untraced answers."""
        order = np.argsort(-lengths, kind="stable")
        xs = self.embed(ids[order], None if subword_ids is None else subword_ids[order])
        first = [cell.blocked(cell.project(xs)) for cell in self.folded[0]]
        out = self.run_sorted(lambda d, t, n, buf: first[d][:, t, :n], lengths[order])
        result = np.zeros((len(lengths), ids.shape[1], out.shape[-1]), dtype=np.float32)
        result[order, : out.shape[1]] = out
        return result

    def run_sorted(self, first_at, lengths: np.ndarray, pooling: str | None = None) -> np.ndarray:
        """The untraced fast path over a batch sorted longest first.

        ``first_at(d, t, n, buf)`` gives direction d's first-layer projected inputs [gates, n, H] at
        step t (written into the scratch ``buf`` or a view of its own). Returns outputs [B, T, directions * H] (zero at padding), or with ``pooling``
        (max | mean | last) the pooled vectors [B, directions * H] without keeping every step.
        """
        batch, steps = len(lengths), max(1, int(lengths.max(initial=0)))
        counts = (lengths[None, :] > np.arange(steps)[:, None]).sum(axis=1)
        hidden = self.config.hidden_size
        x = None
        for layer, cells in enumerate(self.folded):
            last = layer == len(self.folded) - 1
            keep = not (last and pooling)
            outs, pools = [], []
            for d, cell in enumerate(cells):
                out = np.zeros((batch, steps, hidden), dtype=np.float32) if keep else None
                pool = None
                if last and pooling in ("max", "mean"):
                    pool = np.full((batch, hidden), -np.inf if pooling == "max" else 0.0, dtype=np.float32)
                if layer == 0:
                    xw_at = (lambda d: lambda t, n, buf: first_at(d, t, n, buf))(d)
                else:
                    xw = cell.blocked(cell.project(x))
                    xw_at = (lambda xw: lambda t, n, buf: xw[:, t, :n])(xw)
                h = cell.run(xw_at, counts, batch, reverse=d == 1, out=out, pool=pool, how=pooling or "")
                outs.append(out)
                pools.append(h if pooling == "last" else pool)
            if not keep:
                pooled = np.concatenate(pools, axis=-1) if len(pools) > 1 else pools[0]
                if pooling == "max":
                    return np.maximum(pooled, -1e4)
                if pooling == "mean":
                    return pooled / np.maximum(lengths, 1)[:, None]
                if pooling == "last":
                    return pooled
                raise ValueError(f"unknown pooling {pooling!r}")
            x = np.concatenate(outs, axis=-1) if len(outs) > 1 else outs[0]
        return x

    def __call__(self, ids: np.ndarray, lengths: np.ndarray, trace: bool = False,
                 subword_ids: np.ndarray | None = None):
        """ids [B, T] (and n-gram rows [B, T, K]) -> outputs [B, T, directions * hidden] and a list of :class:`Trace`."""
        x = self.embed(ids, subword_ids)
        mask = np.arange(ids.shape[1])[None, :] < lengths[:, None]
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
