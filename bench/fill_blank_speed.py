"""Blanks per second of `rnnlu fill-blank` on 10k items, as a whole process (start-up included).

    python bench/fill_blank_speed.py [--items 10000] [--model NAME|PATH] [--repeats 3] [--compare] [--workers 1,2]

Items: the agreement sentences (two options) and the MSR Sentence Completion questions (five
options) from ../shared/data, repeated to ``--items``; timed as a user runs it
(`rnnlu fill-blank -f jsonl < file`). With --compare the n-gram baseline answers too.
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
DATA = REPO.parent / "shared" / "data" / "fillblank"


def items(n: int) -> list[str]:
    sys.path.insert(0, str(REPO / "src"))
    from rnnlu.tasks.fill_blank.items import read_items

    found = []
    for path in (DATA / "agreement" / "linzen_2016_subset" / "linzen2016_subset.tsv", DATA / "msr" / "msr_scc_dev_half.tsv"):
        if path.exists():
            found += [f"{i.left}___ ({'/'.join(i.options)}){i.right}" for i in read_items(path)]
    if not found:
        sys.exit(f"no blank items under {DATA}; this benchmark needs ../shared/data")
    return (found * (n // len(found) + 1))[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--workers", default="1,2", help="rnnlu --workers settings to time, comma-separated")
    a = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write("\n".join(items(a.items)) + "\n")
    for workers in a.workers.split(","):
        cmd = [sys.executable, "-m", "rnnlu", "fill-blank", "-f", "jsonl", "--workers", workers] \
            + (["-m", a.model] if a.model else []) + (["--compare"] if a.compare else [])
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            with open(f.name, "rb") as stdin:
                done = subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            times.append(time.perf_counter() - t0)
            if done.returncode:
                sys.exit(f"rnnlu fill-blank failed: {done.stderr.decode()[-300:]}")
        best, median = min(times), statistics.median(times)
        print(f"rnnlu fill-blank{' --compare' if a.compare else ''} --workers {workers}: {a.items:,} blanks, whole "
              f"process: best {best:.2f}s ({a.items / best:,.0f} blanks/s), median {median:.2f}s "
              f"({a.items / median:,.0f} blanks/s)")
    Path(f.name).unlink()


if __name__ == "__main__":
    main()
