"""Build the n-gram count baseline from the tokenised corpus of a fill-blank training run.

    python -m rnnlu.tasks.fill_blank.build_baseline --cache RUN.safetensors.corpus.npz \\
        --out pretrained/fill-blank-ngram.counts --min-count 3 --max-entries 1500000

The cache is what `rnnlu pretrain --objective blank` writes beside its output (the same words,
read the same way, as the model saw). Every n-gram of 1-3 words is counted; bigrams and trigrams
seen fewer than ``--min-count`` times are dropped, then the ``--max-entries`` most frequent kept.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rnnlu.tasks.fill_blank.baseline import BOUNDARY, NgramBaseline
from rnnlu.tasks.fill_blank.side_files import read_corpus_cache, write_card


def build(cache: str | Path, out: str | Path, min_count: int = 3, max_entries: int = 1_500_000) -> dict:
    started = time.perf_counter()
    c = read_corpus_cache(cache)
    words = [BOUNDARY] + c.vocab[1:]          # id 0 (padding) never occurs in text: it marks boundaries
    sentences = [c.flat[c.offsets[i] : c.offsets[i + 1]] for i in range(len(c.offsets) - 1)]
    baseline = NgramBaseline.build(words, sentences, min_count=min_count, max_entries=max_entries)
    extra = {"corpus": c.corpus, "corpus_cache_sha256": c.sha256, "tokens": int(len(c.flat))}
    baseline.save(out, extra)
    card = {"name": Path(out).name, "task": "fill-blank-baseline", **baseline.meta, **extra,
            "command": f"python -m rnnlu.tasks.fill_blank.build_baseline --cache {cache} --out {out} "
                       f"--min-count {min_count} --max-entries {max_entries}",
            "seconds": round(time.perf_counter() - started, 1)}
    return write_card(str(out) + ".card.json", out, card)


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
