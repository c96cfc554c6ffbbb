"""What the two builders of fill-blank's side files share (the n-gram counts, the word-association table):
reading the corpus cache that `rnnlu pretrain --objective blank` writes, and writing the side file's card."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlu.engine.modelfile import atomic_write, sha256_of


@dataclass
class CorpusCache:
    flat: np.ndarray      # every token id, sentence after sentence
    offsets: np.ndarray   # sentence i is flat[offsets[i]:offsets[i + 1]]
    vocab: list[str]      # id -> word, as the model saw them
    corpus: list          # the corpus paths the cache was read from
    sha256: str           # of the cache file, for the card


def read_corpus_cache(path: str | Path) -> CorpusCache:
    with np.load(path, allow_pickle=False) as z:
        flat, offsets = z["ids"], z["offsets"]
        meta, key = json.loads(str(z["meta"])), json.loads(str(z["key"]))
    return CorpusCache(flat, offsets, meta["vocab"], key["corpus"], sha256_of(path))


def write_card(card_path: str | Path, out: str | Path, card: dict) -> dict:
    """``card`` plus the built file's size and sha256, written atomically as JSON; returns it."""
    card = {**card, "size_bytes": Path(out).stat().st_size, "sha256": sha256_of(out)}
    with atomic_write(card_path) as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return card
