"""Tokens per second of `rnnlu tag --scheme pos` on 10k lines, as a whole process, beside NLTK's pos_tag.

    python bench/tag_speed.py [--lines 10000] [--model NAME|PATH] [--repeats 3]

Text: the sentences of UD English-EWT test and Tweebank v2 test (from ../shared/data), repeated to
``--lines``. rnnlu is timed as a user runs it (`rnnlu tag -f tags < file`, start-up included);
NLTK's perceptron tagger is timed on the same text, in one process, with its start-up and its own
tokenizer (``word_tokenize`` needs punkt; where that is missing the text is split on spaces), only
where its data is on this machine: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UD = REPO.parent / "shared" / "data" / "tagging" / "ud"
SOURCES = [UD / "en_ewt" / "en_ewt-ud-test.conllu", UD / "en_tweebank2" / "en-ud-tweet-test.conllu"]

NLTK_SCRIPT = r"""
import sys, time
t0 = time.perf_counter()
from nltk.tag import pos_tag
try:
    from nltk.tokenize import word_tokenize
    word_tokenize("a test")
except LookupError:
    word_tokenize = str.split
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    tokens = word_tokenize(line.strip())
    n += len(pos_tag(tokens, lang="eng")) if tokens else 0
print(n, time.perf_counter() - t0)
"""


def texts(lines: int) -> list[str]:
    found = []
    for path in SOURCES:
        if path.exists():
            found += [line.split("=", 1)[1].strip() for line in path.read_text(encoding="utf-8").splitlines()
                      if line.startswith("# text =")]
    if not found:
        sys.exit(f"no UD test files under {UD}; this benchmark needs ../shared/data")
    return (found * (lines // len(found) + 1))[:lines]


def nltk_available() -> str | None:
    try:
        import nltk

        nltk.data.find("taggers/averaged_perceptron_tagger_eng")
    except (ImportError, LookupError):
        return None
    return nltk.__version__


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--model", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.txt"
        path.write_text("\n".join(texts(args.lines)) + "\n", encoding="utf-8")
        cmd = [sys.executable, "-m", "rnnlu", "tag", "--scheme", "pos", "-f", "tags"]
        if args.model:
            cmd += ["-m", args.model]
        rnnlu_runs, tokens = [], 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            with open(path, "rb") as stdin:
                out = subprocess.run(cmd, stdin=stdin, capture_output=True, check=True)
            rnnlu_runs.append(time.perf_counter() - t0)
            tokens = sum(len(line.split()) for line in out.stdout.decode().splitlines())
        best = min(rnnlu_runs)
        print(f"rnnlu tag --scheme pos: {args.lines:,} lines, {tokens:,} tokens, median {statistics.median(rnnlu_runs):.2f}s, "
              f"best {best:.2f}s -> {tokens / best:,.0f} tokens/s (whole process)")
        version = nltk_available()
        if version is None:
            print("NLTK pos_tag: not measured (nltk or its averaged_perceptron_tagger_eng data is not on this machine; "
                  "nothing is downloaded)")
            return 0
        nltk_runs = []
        for _ in range(args.repeats):
            out = subprocess.run([sys.executable, "-c", NLTK_SCRIPT, str(path)], capture_output=True, check=True, text=True)
            n, seconds = out.stdout.split()
            nltk_runs.append((int(n), float(seconds)))
        n, seconds = min(nltk_runs, key=lambda r: r[1])
        print(f"NLTK {version} pos_tag: {n:,} tokens, best {seconds:.2f}s -> {n / seconds:,.0f} tokens/s; "
              f"ratio rnnlu / NLTK = {(tokens / best) / (n / seconds):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
