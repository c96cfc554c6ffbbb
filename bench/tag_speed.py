"""Tokens per second of `rnnlu tag --scheme pos` on 10k lines, as a whole process, beside NLTK's pos_tag.

    python bench/tag_speed.py [--lines 10000] [--model NAME|PATH] [--repeats 3] [--workers 1,2]

Text: the sentences of UD English-EWT test and Tweebank v2 test (from ../shared/data), repeated to
``--lines``. rnnlu is timed as a user runs it (`rnnlu tag -f tags < file`, start-up included);
NLTK's perceptron tagger is timed on the same text, also as a whole process, with its start-up and
its own tokenizer (``word_tokenize`` needs punkt; where that is missing the text is split on spaces).
Nothing is downloaded: where NLTK's pretrained tagger data is not on this machine, the same tagger
(``nltk.tag.perceptron.PerceptronTagger``, the code behind ``pos_tag``) is first trained here on UD
English-EWT train (5 iterations, as NLTK's own default) and loaded from a JSON file by the timed process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
from rnnlu.conll import read_sentences  # noqa: E402  (the project's CoNLL-U reader)

UD = REPO.parent / "shared" / "data" / "tagging" / "ud"
SOURCES = [UD / "en_ewt" / "en_ewt-ud-test.conllu", UD / "en_tweebank2" / "en-ud-tweet-test.conllu"]

NLTK_SCRIPT = r"""
import json, sys
if len(sys.argv) > 2:  # the perceptron trained by this benchmark (NLTK's pretrained data is absent)
    from nltk.tag.perceptron import PerceptronTagger
    tagger = PerceptronTagger(load=False)
    with open(sys.argv[2], encoding="utf-8") as f:
        tagger.decode_json_params(json.load(f))
    tag = tagger.tag
else:
    from nltk.tag import pos_tag
    tag = lambda tokens: pos_tag(tokens, lang="eng")
try:
    from nltk.tokenize import word_tokenize
    word_tokenize("a test")
except LookupError:
    word_tokenize = str.split
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    tokens = word_tokenize(line.strip())
    n += len(tag(tokens)) if tokens else 0
print(n)
"""
EWT_TRAIN = UD / "en_ewt" / "en_ewt-ud-train.conllu"


def train_nltk_perceptron(out: Path) -> str:
    """Train NLTK's PerceptronTagger on EWT train (UPOS) and save its parameters as JSON."""
    from nltk.tag.perceptron import PerceptronTagger

    tagger = PerceptronTagger(load=False)
    tagger.train([list(zip(s.tokens, s.tags)) for s in read_sentences(EWT_TRAIN)], nr_iter=5)
    weights, tagdict, classes = tagger.encode_json_obj()
    out.write_text(json.dumps([weights, tagdict, classes]), encoding="utf-8")
    return str(out)


def texts(lines: int) -> list[str]:
    found = [s.text for path in SOURCES if path.exists() for s in read_sentences(path) if s.text]
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


def time_rnnlu(path: Path, model: str | None, workers: int, repeats: int) -> tuple[int, list[float]]:
    cmd = [sys.executable, "-m", "rnnlu", "tag", "--scheme", "pos", "-f", "tags", "--workers", str(workers)]
    if model:
        cmd += ["-m", model]
    runs, tokens = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        with open(path, "rb") as stdin:
            out = subprocess.run(cmd, stdin=stdin, capture_output=True, check=True)
        runs.append(time.perf_counter() - t0)
        tokens = sum(len(line.split()) for line in out.stdout.decode().splitlines())
    return tokens, runs


def time_nltk(path: Path, params: list[str], repeats: int) -> tuple[int, list[float]]:
    runs, n = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", NLTK_SCRIPT, str(path), *params], capture_output=True,
                             check=True, text=True)
        runs.append(time.perf_counter() - t0)
        n = int(out.stdout.split()[0])
    return n, runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--model", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", default="1,2", help="rnnlu --workers settings to time, comma-separated")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.txt"
        path.write_text("\n".join(texts(args.lines)) + "\n", encoding="utf-8")
        version, params = nltk_available(), []
        if version is None:
            try:
                import nltk
            except ImportError:
                nltk = None
            if nltk is not None and EWT_TRAIN.exists():
                version = nltk.__version__
                params = [train_nltk_perceptron(Path(tmp) / "perceptron.json")]
                print("NLTK's pretrained tagger data is not on this machine (nothing is downloaded): its "
                      "PerceptronTagger was trained here on UD English-EWT train, 5 iterations")
            else:
                print("NLTK pos_tag: not measured (nltk, its tagger data or EWT train is missing)")
        rates = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            tokens, runs = time_rnnlu(path, args.model, workers, args.repeats)
            rates[workers] = tokens / statistics.median(runs)
            print(f"rnnlu tag --scheme pos --workers {workers}: {args.lines:,} lines, {tokens:,} tokens, median "
                  f"{statistics.median(runs):.2f}s (min {min(runs):.2f}s) -> {rates[workers]:,.0f} tokens/s (whole process)")
        if version is None:
            return 0
        n, runs = time_nltk(path, params, args.repeats)
        nltk_rate = n / statistics.median(runs)
        print(f"NLTK {version} perceptron tagger: {n:,} tokens, median {statistics.median(runs):.2f}s "
              f"(min {min(runs):.2f}s) -> {nltk_rate:,.0f} tokens/s (whole process)")
        for workers, rate in rates.items():
            print(f"ratio rnnlu (--workers {workers}) / NLTK tokens/s = {rate / nltk_rate:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
