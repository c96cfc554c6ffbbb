"""Build the word-association table (:mod:`rnnlu.tasks.fill_blank.association`) from a fill-blank corpus cache.

    python -m rnnlu.tasks.fill_blank.build_association --cache RUN.safetensors.corpus.npz \\
        --out pretrained/fill-blank-association.safetensors --vocab 15000 --skip 150 --window 10 --dims 32 --weight 30

The cache is what `rnnlu pretrain --objective blank` writes beside its output. Every sentence in it
counts (the order of the sentences does not matter, so any seed's cache gives the same table):

1. content words: the vocabulary's words of rank ``skip`` to ``vocab`` (the most frequent ``skip``
   are function words) made of letters only;
2. counts of two content words within ``window`` tokens of each other in one sentence (both orders);
3. positive PMI with the context counts raised to 0.75 (Levy, Goldberg and Dagan 2015);
4. a rank-``dims`` SVD (a randomised range finder, fixed seed), rows U sqrt(S) scaled to unit length,
   stored as int8.
The defaults are the bundled table's settings. NumPy only; memory about 16 * vocab**2 bytes at the peak
(3.6 GB for 15,000 words).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from rnnlu.tasks.fill_blank.association import WordAssociation
from rnnlu.tasks.fill_blank.side_files import read_corpus_cache, write_card


def association_vectors(flat: np.ndarray, offsets: np.ndarray, itos: list[str], vocab: int, skip: int,
                        window: int, dims: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """(content words, their unit vectors [N, dims]) from token ids ``flat`` split into sentences by ``offsets``."""
    k = min(vocab, len(itos))
    keep = np.zeros(max(len(itos), int(flat.max(initial=0)) + 1), dtype=bool)
    keep[skip:k] = [w.isalpha() for w in itos[skip:k]]
    ids = flat.astype(np.int64)
    sentence = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    counts = np.zeros(k * k, dtype=np.int64)
    for d in range(1, window + 1):
        a, b = ids[:-d], ids[d:]
        pair = (sentence[:-d] == sentence[d:]) & keep[a] & keep[b]
        counts += np.bincount(a[pair] * k + b[pair], minlength=k * k)
    c = counts.reshape(k, k).astype(np.float32)
    del counts
    c += c.T
    rows, cols = c.sum(axis=1), c.sum(axis=0) ** 0.75
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c * cols.sum() / (rows[:, None] * cols[None, :]))
    pmi[~(c > 0)] = 0.0
    np.maximum(pmi, 0.0, out=pmi)
    del c
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((k, dims + 20)).astype(np.float32)
    for _ in range(3):   # power iterations: the range of the PPMI matrix
        q, _ = np.linalg.qr(pmi @ q)
    u, s, _ = np.linalg.svd(q.T @ pmi, full_matrices=False)
    vectors = (q @ u)[:, :dims] * np.sqrt(s[:dims])
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    rows_kept = [i for i in range(k) if keep[i]]
    return [itos[i] for i in rows_kept], vectors[rows_kept]


def build(cache: str | Path, out: str | Path, vocab: int = 15000, skip: int = 150, window: int = 10,
          dims: int = 32, weight: float = 30.0) -> dict:
    started = time.perf_counter()
    c = read_corpus_cache(cache)
    words, vectors = association_vectors(c.flat, c.offsets, c.vocab, vocab, skip, window, dims)
    settings = {"vocab": vocab, "skip": skip, "window": window, "dims": dims}
    extra = {"corpus": c.corpus, "corpus_cache_sha256": c.sha256, "tokens": int(len(c.flat)), **settings}
    WordAssociation(words, vectors, weight).save(out, extra)
    command = (f"python -m rnnlu.tasks.fill_blank.build_association --cache {cache} --out {out} --vocab {vocab} "
               f"--skip {skip} --window {window} --dims {dims} --weight {weight:g}")
    card = {"name": Path(out).name.removesuffix(".safetensors"), "task": "fill-blank-association",
            "file": Path(out).name, "command": command, **extra, "weight": weight, "words": len(words),
            "parameters": int(vectors.size), "seed": 0, "build_seconds": round(time.perf_counter() - started, 1)}
    return write_card(str(out).removesuffix(".safetensors") + ".card.json", out, card)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--vocab", type=int, default=15000, help="content words come from the N most frequent")
    parser.add_argument("--skip", type=int, default=150, help="the N most frequent words are not content words")
    parser.add_argument("--window", type=int, default=10, help="pairs within N tokens count")
    parser.add_argument("--dims", type=int, default=32)
    parser.add_argument("--weight", type=float, default=30.0, help="weight of the association in the option score")
    a = parser.parse_args()
    if not 0 <= a.skip < a.vocab or a.window < 1 or a.dims < 1:
        parser.error("need 0 <= --skip < --vocab, --window >= 1 and --dims >= 1")
    print(json.dumps(build(a.cache, a.out, a.vocab, a.skip, a.window, a.dims, a.weight), indent=2))


if __name__ == "__main__":
    main()
