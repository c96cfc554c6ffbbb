"""Build the n-gram count baseline from the tokenised corpus of a fill-blank training run.

    python -m rnnlu.tasks.fill_blank.build_baseline --cache RUN.safetensors.corpus.npz \\
        --out pretrained/fill-blank-ngram.counts --min-count 3 --max-entries 1500000

The cache is what `rnnlu pretrain --objective blank` writes beside its output (the same words,
read the same way, as the model saw). Every n-gram of 1-3 words is counted; bigrams and trigrams
seen fewer than ``--min-count`` times are dropped, then the ``--max-entries`` most frequent kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from rnnlu.tasks.fill_blank.baseline import BOUNDARY, NgramBaseline


def build(cache: str | Path, out: str | Path, min_count: int = 3, max_entries: int = 1_500_000) -> dict:
    started = time.perf_counter()
    with np.load(cache, allow_pickle=False) as z:
        flat, offsets = z["ids"], z["offsets"]
        meta = json.loads(str(z["meta"]))
        key = json.loads(str(z["key"]))
    words = [BOUNDARY] + meta["vocab"][1:]          # id 0 (padding) never occurs in text: it marks boundaries
    sentences = [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    baseline = NgramBaseline.build(words, sentences, min_count=min_count, max_entries=max_entries)
    digest = hashlib.sha256(Path(cache).read_bytes()).hexdigest()
    extra = {"corpus": key["corpus"], "corpus_cache_sha256": digest, "tokens": int(len(flat))}
    baseline.save(out, extra)
    card = {"name": Path(out).name, "task": "fill-blank-baseline", **baseline.meta, **extra,
            "command": f"python -m rnnlu.tasks.fill_blank.build_baseline --cache {cache} --out {out} "
                       f"--min-count {min_count} --max-entries {max_entries}",
            "size_bytes": Path(out).stat().st_size, "seconds": round(time.perf_counter() - started, 1),
            "sha256": hashlib.sha256(Path(out).read_bytes()).hexdigest()}
    Path(str(out) + ".card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--max-entries", type=int, default=1_500_000)
    a = parser.parse_args()
    print(json.dumps(build(a.cache, a.out, a.min_count, a.max_entries), indent=2))


if __name__ == "__main__":
    main()
