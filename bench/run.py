"""Run the rnnlu benchmark suite and write report.md and report.json.

    python bench/run.py [--quick] [--out bench/out] [--model NAME|PATH] [--only latency,throughput,...]

Measurements: 1. one-text latency of each command as a whole process; 2. batch throughput beside
VADER (and NLTK's tagger when its data is on the machine); 3. peak memory as the input grows 10×;
4. training seconds per epoch and inference speed per architecture. Inputs, the stand-in model (when no
bundled model exists) and trained models go to a temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inputs  # noqa: E402
import measures  # noqa: E402
import report  # noqa: E402
import target  # noqa: E402


@dataclass(frozen=True)
class Plan:
    repeats: int                  # runs per one-text command
    batch_repeats: int            # runs per batch command
    throughput_sizes: list[int]
    memory_sizes: list[int]
    train_lines: int
    dev_lines: int | None         # None: the whole dev file
    infer_texts: int


FULL = Plan(7, 3, [10_000, 100_000], [10_000, 100_000, 1_000_000], 5000, None, 5000)
# --quick is a smoke test (minutes on a busy 2-core machine): its small files measure start-up more
# than throughput; the full run's figures are the ones to quote.
QUICK = Plan(3, 3, [100, 1_000], [100, 1_000], 500, 200, 1000)
STEPS = {
    "latency": lambda bench, plan: measures.latency(bench),
    "throughput": lambda bench, plan: measures.throughput(bench, plan.throughput_sizes),
    "memory": lambda bench, plan: measures.memory(bench, plan.memory_sizes),
    "training": lambda bench, plan: measures.training(bench, plan.train_lines, plan.dev_lines, plan.infer_texts),
}

TARGET_LATENCY_S = 0.3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, smaller inputs, no 1M-line file")
    ap.add_argument("--out", type=Path, default=inputs.REPO / "bench" / "out", help="folder for report.md/json")
    ap.add_argument("--model", help="rnnlu model name or .safetensors path (default: the bundled default)")
    ap.add_argument("--only", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    ap.add_argument("--sizes", help="comma-separated line counts for throughput and memory (e.g. 1000,10000)")
    args = ap.parse_args(argv)
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        ap.error(f"unknown step(s) {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
    plan = QUICK if args.quick else FULL
    if args.sizes:
        sizes = sorted(int(x) for x in args.sizes.split(","))
        plan = dataclasses.replace(plan, throughput_sizes=sizes, memory_sizes=sizes)

    facts = report.machine_facts()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rnnlu-bench-") as tmp:
        work = Path(tmp)
        corpus = inputs.load_corpus()
        chosen = target.choose(args.model, work, corpus.texts)
        log(f"model: {chosen.name} ({chosen.architecture}); {chosen.note}")
        bench = measures.Bench(plan.repeats, plan.batch_repeats, work, corpus, chosen,
                               rnnlu=str(Path(sys.executable).parent / "rnnlu"))
        sections = []
        for step in steps:
            log(f"{step} ...")
            sections.append(STEPS[step](bench, plan))
    facts["load_average_at_end"] = report.load_average()
    facts["bench_seconds"] = round(time.perf_counter() - started, 1)

    targets = check_targets(sections)
    mode = "quick" if args.quick else "full"
    context = [
        f"Run: `{' '.join(['python', 'bench/run.py', *(argv if argv is not None else sys.argv[1:])])}` ({mode}: "
        f"{plan.repeats} runs per one-text command, {plan.batch_repeats} per batch command).",
        f"Model measured: **{chosen.name}** ({chosen.architecture}, {chosen.parameters:,} parameters): {chosen.note}.",
        f"Input texts: {corpus.source} ({len(corpus.texts):,} distinct lines).",
        "Timings depend on the machine and on what else runs on it: see the load averages below.",
    ]
    md = report.markdown("rnnlu benchmarks", facts, context, targets, sections)
    data = report.as_json(facts, {"mode": mode, "plan": plan.__dict__, "model": chosen.__dict__,
                                  "input": {"source": corpus.source, "distinct_lines": len(corpus.texts)}},
                          targets, sections)
    md_path, json_path = report.write(args.out, md, data)
    log(f"wrote {md_path} and {json_path}")
    return 0


def check_targets(sections: list[report.Section]) -> list[report.TargetCheck]:
    by_key = {s.key: s for s in sections}
    checks = []
    one = next((r for r in by_key["latency"].rows if r["command"] == "rnnlu sentiment TEXT"), None) \
        if "latency" in by_key else None
    if one and isinstance(one.get("median_s"), float):
        checks.append(report.TargetCheck("one-text `rnnlu sentiment`", f"< {TARGET_LATENCY_S} s (median)",
                                         f"{one['median_s']:.3f} s", one["median_s"] < TARGET_LATENCY_S))
    else:
        checks.append(report.TargetCheck("one-text `rnnlu sentiment`", f"< {TARGET_LATENCY_S} s (median)",
                                         "—", None))
    rows = by_key["throughput"].rows if "throughput" in by_key else []
    largest = max((r["lines"] for r in rows), default=None)
    rate = {r["tool"]: r.get("texts_per_s") for r in rows if r["lines"] == largest and r["mode"] == "process"}
    ours, one_thread, vader = rate.get("rnnlu sentiment"), rate.get("rnnlu sentiment, 1 BLAS thread"), rate.get("VADER")
    goal = "≥ VADER's (both as processes, largest file)"
    if ours and vader:
        measured = f"{ours:,.0f} vs {vader:,.0f} texts/s = {ours / vader:.3g}× at {largest:,} lines"
        if one_thread:
            measured += f" ({one_thread / vader:.3g}× with 1 BLAS thread)"
        checks.append(report.TargetCheck("batch `rnnlu sentiment` throughput", goal, measured, ours >= vader))
    else:
        checks.append(report.TargetCheck("batch `rnnlu sentiment` throughput", goal,
                                         "VADER not installed" if ours else "—", None))
    return checks


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
