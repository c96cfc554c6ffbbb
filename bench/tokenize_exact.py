"""Prove the fast tokenizers equal to the plain ones on every text there is, and time both.

    python bench/tokenize_exact.py [--limit N]

Reads every distinct text of ../shared/data/sentiment/**/*.tsv (second column) and
../shared/data/tweets/**/*.txt.gz / *.tsv.gz, tokenizes each with ``rnnlu.engine.tokenize.tokenize_exact``
(NLTK's TweetTokenizer over the whole text) and with ``rnnlu.engine.tokenize.tokenize`` (the fast path,
starting with an empty chunk memory), and likewise the surface tokens of tagging (``surface_tokens``
against ``surface_tokens_exact``, also on the crypto tweets of ../shared/data/tagging/crypto), and prints
any text where they differ (exit 1) and the speed ratio per data group and tokenizer (CPU seconds of
this process, so a busy machine skews it less). Nothing is written.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def read_texts() -> dict[str, list[str]]:
    """Distinct texts per group ('sentiment', 'tweets'), in file order."""
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    for group, files in (("sentiment", sorted((SHARED / "sentiment").glob("**/*.tsv"))),
                         ("tweets", sorted((SHARED / "tweets").glob("**/*.gz"))),
                         ("crypto", sorted((SHARED / "tagging" / "crypto").glob("*.txt.gz")))):
        texts = groups.setdefault(group, [])
        for path in files:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8", newline="\n") as f:
                for line in f:
                    line = line.rstrip("\n")
                    text = line.split("\t", 1)[1] if ".tsv" in path.name and "\t" in line else line
                    if text not in seen:
                        seen.add(text)
                        texts.append(text)
    return groups


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="at most this many texts per group (0 = all)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    from rnnlu.engine import tokenize as tk

    groups = read_texts()
    if not any(groups.values()):
        print(f"no data under {SHARED}; nothing to check")
        return 0
    pairs = {"tokenize": (tk.tokenize_exact, tk.tokenize, tk._fast().chunk),
             "surface": (tk.surface_tokens_exact, tk.surface_tokens, tk._fast().surface_chunk)}
    for exact_fn, fast_fn, _ in pairs.values():
        exact_fn("warm up"), fast_fn("warm up")  # load NLTK before timing
    bad = 0
    print(f"{'group':<10} {'tokenizer':<9} {'texts':>8} {'exact s':>8} {'fast s':>8} {'ratio':>6} {'differ':>6}")
    for group, texts in groups.items():
        if args.limit:
            texts = texts[: args.limit]
        for name, (exact_fn, fast_fn, memory) in pairs.items():
            memory.cache_clear()
            t0 = time.process_time()
            exact = [exact_fn(t) for t in texts]
            t1 = time.process_time()
            fast = [fast_fn(t) for t in texts]
            t2 = time.process_time()
            differ = [i for i, (a, b) in enumerate(zip(exact, fast)) if a != b]
            bad += len(differ)
            print(f"{group:<10} {name:<9} {len(texts):>8} {t1 - t0:>8.2f} {t2 - t1:>8.2f} "
                  f"{(t1 - t0) / max(t2 - t1, 1e-9):>5.1f}x {len(differ):>6}")
            for i in differ[:10]:
                print(f"  DIFFER {texts[i]!r}\n    exact {exact[i]}\n    fast  {fast[i]}")
    print("identical on every text" if not bad else f"{bad} texts differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
