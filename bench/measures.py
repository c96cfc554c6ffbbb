"""The four measurements. Each takes the shared ``Bench`` and returns a report ``Section``."""

from __future__ import annotations

import os
import shlex
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

import peers
from inputs import REPO, Corpus, training_files
from report import Section
from target import Target
from timing import BenchError, ProcessRun, Stats, repeat, run_process, timed

MIB = 1024 * 1024
ONE_TEXT = "I am not at all happy"
ARCHS = ["bilstm", "bigru", "lstm", "gru", "rnn"]
# OpenBLAS (NumPy's BLAS) and MKL both honour OMP_NUM_THREADS.
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


@dataclass
class Case:
    """One measured command: ``argv`` run as a whole process, stdin from a file or nothing."""

    label: str
    argv: list[str]
    stdin: Path | None = None
    shown: str | None = None      # how the report spells argv, when it is unreadable (a script)
    env: dict[str, str] = field(default_factory=dict)   # added to the environment


@dataclass
class Bench:
    repeats: int                  # runs per one-text command
    batch_repeats: int            # runs per batch command
    work: Path                    # temporary folder: inputs, stand-in model, trained models
    corpus: Corpus
    target: Target
    rnnlu: str                    # the console script (not a pyenv/venv shim in front of it)
    _runs: dict = field(default_factory=dict)

    def runs(self, case: Case, n: int, warmup: int) -> list[ProcessRun]:
        """``n`` recorded runs of ``case`` after ``warmup`` unrecorded ones; remembered, so a later
        measurement asking for the same command and input reuses them instead of running it again."""
        key = (tuple(case.argv), case.stdin, tuple(sorted(case.env.items())))
        if key in self._runs:
            _log(f"{case.label}: reusing the runs measured above")
        else:
            env = {**os.environ, **case.env} if case.env else None
            for _ in range(warmup):
                run_process(case.argv, case.stdin, env)
            self._runs[key] = [run_process(case.argv, case.stdin, env) for _ in range(n)]
            _log(f"{case.label}: median {statistics.median(r.seconds for r in self._runs[key]):.3f} s")
        return self._runs[key]

    def shown(self, case: Case) -> str:
        """The command as a user would type it: `rnnlu`, `python`, and $WORK for the temp folder."""
        line = case.shown or " ".join(shlex.quote(a) for a in case.argv)
        line = line.replace(self.rnnlu, "rnnlu").replace(sys.executable, "python").replace(str(self.work), "$WORK")
        line = line.replace(str(REPO) + os.sep, "")
        if case.env:
            line = _env_words(case.env) + " " + line
        if case.stdin:
            line += f" < $WORK/{case.stdin.name}"
        return line + " > /dev/null"

    def sentiment(self, *extra: str) -> list[str]:
        return [self.rnnlu, "sentiment", *extra, *self.target.args]


def _log(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)


def _stats_of(runs: list[ProcessRun]) -> Stats:
    return Stats([r.seconds for r in runs])


# ---- 1. one-text latency ------------------------------------------------------------------------
def latency(b: Bench) -> Section:
    vader = peers.vader()
    cases = [
        Case("rnnlu sentiment TEXT", b.sentiment(ONE_TEXT)),
        Case("rnnlu sentiment TEXT --compare", b.sentiment(ONE_TEXT, "--compare")),
        Case("rnnlu sentiment TEXT -f table (terminal rendering)", b.sentiment(ONE_TEXT, "-f", "table")),
        Case("rnnlu --help", [b.rnnlu, "--help"]),
        Case("rnnlu models", [b.rnnlu, "models"]),
        Case("reference: python -c pass (bare interpreter)", [sys.executable, "-c", "pass"]),
        Case("reference: python -c 'import torch'", [sys.executable, "-c", "import torch"]),
    ]
    if vader.available:
        cases.append(Case("reference: VADER, one text", [sys.executable, "-c", peers.VADER_ONE.format(text=ONE_TEXT)]))
    section = Section(
        "latency", "1. One-text latency (whole process)",
        f"Wall time of each command as a fresh process (fork to exit, stdout to /dev/null, so output is TSV "
        f"unless `-f table`), {b.repeats} recorded runs after one warm-up run; peak RSS of the process.",
        [("command", "command"), ("median_s", "median s"), ("min_s", "min s"), ("peak_rss_mib", "peak RSS MiB")])
    for case in cases:
        section.rows.append(_process_row(b, case, b.repeats, 1, {"command": case.label}))
        section.commands.append(b.shown(case))
    if not vader.available:
        section.rows.append({"command": "reference: VADER, one text", "median_s": vader.why_not})
    return section


def _process_row(b: Bench, case: Case, n: int, warmup: int, row: dict) -> dict:
    try:
        runs = b.runs(case, n, warmup)
    except BenchError as e:
        _log(f"FAILED {case.label}: {e}")
        return {**row, "error": str(e), "median_s": "failed (see report.json)"}
    stats = _stats_of(runs)
    return {**row, **stats.as_dict(), "peak_rss_mib": round(max(r.peak_rss_bytes for r in runs) / MIB, 1)}


# ---- 2. batch throughput ------------------------------------------------------------------------
def throughput(b: Bench, sizes: list[int]) -> Section:
    vader, tagger = peers.vader(), peers.nltk_tagger()
    section = Section(
        "throughput", "2. Batch throughput",
        f"One text per line from a file on stdin, results to /dev/null; whole-process wall time (start-up "
        f"included) for processes, the scoring loop alone for in-process rows; median of {b.batch_repeats} "
        f"run(s) (inputs freshly written, so in the page cache; no warm-up run). Tokens are counted with rnnlu.engine.tokenize.tokenize.",
        [("lines", "lines"), ("tool", "tool"), ("mode", "mode"), ("median_s", "median s"),
         ("texts_per_s", "texts/s"), ("tokens_per_s", "tokens/s"), ("peak_rss_mib", "peak RSS MiB"),
         ("ratio_to_vader_process", "× VADER process")])
    for n in sizes:
        path, tokens = b.corpus.write(b.work, n), b.corpus.tokens_in_first(n)
        rows: list[dict] = []
        cases = [("rnnlu sentiment", _batch_case(b, n)),
                 ("rnnlu sentiment, 1 BLAS thread", _batch_case(b, n, ONE_THREAD))]
        if vader.available:
            cases.append(("VADER", Case(f"VADER process, {n:,} lines", [sys.executable, "-c", peers.VADER_BATCH],
                                        path, shown='python -c "$VADER_BATCH"')))
        for tool, case in cases:
            rows.append(_process_row(b, case, b.batch_repeats, 0, {"lines": n, "tool": tool, "mode": "process"}))
            if n == sizes[0]:
                section.commands.append(b.shown(case))
        texts = b.corpus.cycled(n)
        if vader.available:
            rows.append(_in_process_row(b, "VADER", peers.vader_scorer(), texts, n))
        if tagger.available:
            rows.append(_in_process_row(b, "NLTK pos_tag", peers.nltk_tagger_fn(), b.corpus.cycled(n, True), n))
        for row in rows:
            if isinstance(row.get("median_s"), float):
                row["texts_per_s"] = round(n / row["median_s"], 1)
                row["tokens_per_s"] = round(tokens / row["median_s"], 1)
            row["tokens"] = tokens
        vader_rate = next((r.get("texts_per_s") for r in rows if r["tool"] == "VADER" and r["mode"] == "process"), None)
        for row in rows:
            if vader_rate and row.get("texts_per_s"):
                row["ratio_to_vader_process"] = round(row["texts_per_s"] / vader_rate, 3)
        section.rows += rows
    if not vader.available:
        section.notes.append(f"VADER: {vader.why_not}.")
    section.notes.append(f"`1 BLAS thread` is the same command with {_env_words(ONE_THREAD)}: NumPy's BLAS "
                         f"otherwise starts a thread per core, and its threads spin-wait on each other when "
                         f"the cores are busy with other work.")
    if vader.available:
        section.notes.append(f"VADER {vader.version}; `$VADER_BATCH` is `peers.VADER_BATCH` in bench/peers.py: "
                             f"read stdin line by line, write the four scores as TSV.")
    section.notes.append(f"NLTK pos_tag: {'in-process over rnnlu tokens' if tagger.available else tagger.why_not}.")
    section.notes.append(f"Input: {b.corpus.source}; {len(b.corpus.texts):,} distinct lines cycled to each size.")
    section.summary["rnnlu_over_vader"] = _ratios(section.rows)
    for n, r in section.summary["rnnlu_over_vader"].items():
        if r:
            section.notes.append(f"rnnlu / VADER texts/s at {n:,} lines: " + ", ".join(
                f"{v:.3g}× vs VADER {k.removeprefix('vs_vader_').replace('_', '-')}" for k, v in r.items()) + ".")
    return section


def _env_words(env: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in env.items())


def _batch_case(b: Bench, n: int, env: dict[str, str] | None = None) -> Case:
    """`rnnlu sentiment -f tsv < FILE` on the ``n``-line file (shared by throughput and memory)."""
    label = f"rnnlu sentiment{', ' + _env_words(env) if env else ''}, {n:,} lines"
    return Case(label, b.sentiment("-f", "tsv"), b.corpus.write(b.work, n), env=env or {})


def _in_process_row(b: Bench, tool: str, fn, items: list, n: int) -> dict:
    stats = repeat(lambda: timed(lambda: [fn(x) for x in items])[0], b.batch_repeats)
    _log(f"{tool} in-process, {n:,} lines: median {stats.median:.3f} s")
    return {"lines": n, "tool": tool, "mode": "in-process", **stats.as_dict()}


def _ratios(rows: list[dict]) -> dict:
    """rnnlu / VADER texts-per-second at each size, against VADER as a process and in-process."""
    out = {}
    for n in sorted({r["lines"] for r in rows}):
        rate = {(r["tool"], r["mode"]): r.get("texts_per_s") for r in rows if r["lines"] == n}
        ours = rate.get(("rnnlu sentiment", "process"))
        out[n] = {f"vs_vader_{mode.replace('-', '_')}": round(ours / rate[("VADER", mode)], 3)
                  for mode in ("process", "in-process") if ours and rate.get(("VADER", mode))}
    return out


# ---- 3. peak memory as input grows --------------------------------------------------------------
def memory(b: Bench, sizes: list[int], flat_limit: float = 1.2) -> Section:
    section = Section(
        "memory", "3. Peak memory as the input grows 10×",
        "Peak RSS of one `rnnlu sentiment` process on files 10× apart (ru_maxrss of RUSAGE_CHILDREN in a fresh "
        "wrapper process per run, see bench/timing.py); runs shared with measurement 2 are reused, not repeated.",
        [("lines", "lines"), ("peak_rss_mib", "peak RSS MiB"), ("ratio_to_previous", "× previous size"),
         ("ratio_to_smallest", "× smallest"), ("median_s", "median s")])
    previous = smallest = None
    for n in sizes:
        case = _batch_case(b, n)
        row = _process_row(b, case, b.batch_repeats if n <= 100_000 else 1, 0, {"lines": n})
        rss = row.get("peak_rss_mib")
        if rss:
            smallest = smallest or rss
            row["ratio_to_previous"] = round(rss / previous, 3) if previous else None
            row["ratio_to_smallest"] = round(rss / smallest, 3)
            previous = rss
        section.rows.append(row)
        if n == sizes[0]:
            section.commands.append(b.shown(case))
    steps = [r["ratio_to_previous"] for r in section.rows if r.get("ratio_to_previous")]
    flat = bool(steps) and all(s <= flat_limit for s in steps)
    section.notes.append(f"Flat (each 10× step adds at most {flat_limit - 1:.0%}): {'yes' if flat else 'NO'}"
                         f" (steps: {', '.join(f'{s:.2f}×' for s in steps) or 'none'}).")
    section.summary.update(flat=flat, flat_limit_per_10x=flat_limit, step_ratios=steps)
    return section


# ---- 4. training time per epoch and inference speed per architecture -----------------------------
def training(b: Bench, lines: int, dev_lines: int | None, infer_texts: int) -> Section:
    from rnnlu.engine.model import Model
    from rnnlu.training.train import TrainOptions, train

    files = training_files(b.work, lines, dev_lines)
    tokens = b.corpus.cycled(infer_texts, tokenized=True)
    section = Section(
        "training", "4. Training time per epoch and inference speed, per architecture",
        f"`rnnlu.training.train.train` in-process, 1 epoch, hidden 128, embeddings 128, other options at their "
        f"defaults, on {files.source}. Seconds per epoch as train() logs it (training batches plus "
        f"scoring dev); inference: Model.load(path).predict_proba on {infer_texts:,} pre-tokenised texts.",
        [("arch", "arch"), ("architecture", "architecture"), ("parameters", "parameters"),
         ("epoch_s", "s / epoch"), ("epoch_ratio_to_bilstm", "× bilstm"), ("train_call_s", "train() wall s"),
         ("dev_metric", "dev after 1 epoch"), ("infer_texts_per_s", "inference texts/s"),
         ("infer_ratio_to_bilstm", "inference × bilstm")])
    out_dir = b.work / "trained"
    import torch  # noqa: F401  (imported before the clock, so the first architecture does not pay for it)

    for arch in ARCHS:
        opts = TrainOptions(task="sentiment", train=[str(files.train)], dev=[str(files.dev)],
                            out=str(out_dir / f"{arch}.safetensors"), arch=arch, hidden=128, embedding_dim=128,
                            epochs=1)
        try:
            wall, result = timed(lambda: train(opts, command=f"bench/run.py training {arch}"))
        except Exception as e:  # one architecture failing still leaves the others' numbers
            _log(f"FAILED train {arch}: {e!r}")
            section.rows.append({"arch": arch, "architecture": f"failed: {e!r}"})
            continue
        model = Model.load(result.path)
        model.predict_proba(tokens[:256])  # warm-up
        infer_s, _ = timed(lambda: model.predict_proba(tokens))
        epoch = result.history[0]
        _log(f"train {arch}: {epoch.seconds:.2f} s/epoch; inference {infer_texts / infer_s:,.0f} texts/s")
        section.rows.append({"arch": arch, "architecture": model.config.describe(), "parameters": model.parameters,
                             "epoch_s": round(epoch.seconds, 3), "train_call_s": round(wall, 3),
                             "dev_metric": epoch.dev, "infer_s": round(infer_s, 4),
                             "infer_texts_per_s": round(infer_texts / infer_s, 1)})
    base = next((r for r in section.rows if r["arch"] == "bilstm" and "epoch_s" in r), None)
    for row in section.rows:
        if base and "epoch_s" in row:
            row["epoch_ratio_to_bilstm"] = round(row["epoch_s"] / base["epoch_s"], 3)
            row["infer_ratio_to_bilstm"] = round(row["infer_texts_per_s"] / base["infer_texts_per_s"], 3)
    section.commands.append(
        f"python -c 'from rnnlu.training.train import TrainOptions, train; train(TrainOptions(task=\"sentiment\", "
        f"train=[\"$WORK/{files.train.name}\"], dev=[\"{_shared_or_work(files.dev, b.work)}\"], out=\"$WORK/ARCH.safetensors\", "
        f"arch=ARCH, hidden=128, embedding_dim=128, epochs=1))'")
    section.notes.append("The dev metric is dev accuracy after one epoch on a small subset: a sanity "
                         "check that each model learned something, not a quality comparison.")
    section.notes.append("`train() wall s` adds reading and tokenising the files, building the vocabulary, "
                         "saving the model and scoring dev again for the card.")
    section.notes.append("torch uses every CPU thread (TrainOptions.threads=0); inference is rnnlu's NumPy engine.")
    return section


def _shared_or_work(path: Path, work: Path) -> str:
    text = str(path)
    return text.replace(str(work), "$WORK") if text.startswith(str(work)) else "../shared/data/" + text.split("/shared/data/", 1)[-1]
