"""Report: measurements as sections (one table each), written as report.md and report.json from the
same data, plus the facts about the machine that the numbers depend on."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Section:
    key: str                                # the section's key in report.json
    title: str
    explanation: str                        # one line: what is measured and how
    columns: list[tuple[str, str]]          # (row key, table header)
    rows: list[dict] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)   # derived figures (ratios, verdicts), JSON only


@dataclass
class TargetCheck:
    name: str
    target: str
    measured: str
    met: bool | None                        # None: could not be measured here

    @property
    def verdict(self) -> str:
        return {True: "met", False: "NOT met", None: "not measured"}[self.met]


# ---- machine facts ------------------------------------------------------------------------------
def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def busy_processes(n: int = 3) -> list[str]:
    """The processes using the most CPU (other work on the machine slows every number here)."""
    try:
        out = subprocess.run(["ps", "-eo", "pcpu=,pid=,comm=", "--sort=-pcpu"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = [line.split(None, 2) for line in out.splitlines() if line.strip()]
    return [f"{comm} (pid {pid}, {cpu}% CPU since it started)" for cpu, pid, comm in rows[:n] if int(pid) != os.getpid()]


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def vector_units() -> str:
    """The SIMD extensions NumPy found on this CPU (its float32 tanh and exp are several times faster with AVX-512)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features  # what np.show_runtime() reads
    except ImportError:
        return "?"
    found = [name for name in ("AVX2", "FMA3", "AVX512F", "AVX512_SKX") if features.get(name)]
    return ", ".join(found) or "none of AVX2, AVX512F"


def step_costs() -> dict:
    """The two costs a recurrent step is made of, at the fast model's shape (hidden 96, 256 texts): ns per
    element of float32 tanh and GFLOP/s of the three-gate product (with the BLAS threads this process has:
    ``blas_threads_env``; rnnlu's CLI asks for one). They explain most of the difference between machines in
    the throughput ratios (about 0.1 s to measure)."""
    import timeit

    import numpy as np

    rng = np.random.default_rng(0)
    h = rng.standard_normal((256, 96)).astype(np.float32)
    w = rng.standard_normal((3, 96, 96)).astype(np.float32)
    x = rng.standard_normal((3, 256, 96)).astype(np.float32)  # typical pre-activations; never NaN or denormal
    gates = np.empty_like(x)
    tanh = min(timeit.repeat(lambda: np.tanh(x, out=gates), number=100, repeat=5)) / 100
    product = min(timeit.repeat(lambda: np.matmul(h, w, out=gates), number=100, repeat=5)) / 100
    return {"blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS", "not set"),
            "float32_tanh_ns_per_element": round(tanh / gates.size * 1e9, 2),
            "gate_product_gflops": round(2 * h.size * w[0].shape[1] * 3 / product / 1e9, 1)}


def machine_facts() -> dict:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "rnnlu": _version("rnnlu"),
        "torch": _version("torch"),
        "numpy": _version("numpy"),
        "numpy_vector_units": vector_units(),
        **step_costs(),
        "nltk": _version("nltk"),
        "vaderSentiment": _version("vaderSentiment"),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load_average_at_start": load_average(),
        "busiest_processes_at_start": busy_processes(),
    }


# ---- rendering ----------------------------------------------------------------------------------
def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3f}"
    return str(value).replace("|", "\\|")


def table(section: Section) -> list[str]:
    lines = ["| " + " | ".join(h for _, h in section.columns) + " |",
             "|" + "|".join("---" for _ in section.columns) + "|"]
    for row in section.rows:
        lines.append("| " + " | ".join(fmt(row.get(k)) for k, _ in section.columns) + " |")
    return lines


def markdown(title: str, facts: dict, context: list[str], targets: list[TargetCheck],
             sections: list[Section]) -> str:
    out = [f"# {title}", "", *context, "", "## Targets", "", "| target | goal | measured | verdict |", "|---|---|---|---|"]
    out += [f"| {t.name} | {t.target} | {t.measured} | **{t.verdict}** |" for t in targets]
    out += ["", "## Machine", "", "| fact | value |", "|---|---|"]
    out += [f"| {k} | {fmt(v if not isinstance(v, list) else ', '.join(map(str, v)))} |" for k, v in facts.items()]
    for s in sections:
        out += ["", f"## {s.title}", "", s.explanation, ""]
        if s.commands:
            out += ["```console", *(f"$ {c}" for c in s.commands), "```", ""]
        out += table(s)
        if s.notes:
            out += ["", *(f"- {n}" for n in s.notes)]
    return "\n".join(out) + "\n"


def as_json(facts: dict, context: dict, targets: list[TargetCheck], sections: list[Section]) -> dict:
    return {
        "machine": facts,
        **context,
        "targets": [{**asdict(t), "verdict": t.verdict} for t in targets],
        "measurements": {s.key: {"title": s.title, "explanation": s.explanation, "commands": s.commands,
                                 "rows": s.rows, "summary": s.summary, "notes": s.notes} for s in sections},
    }


def write(out_dir: Path, md: str, data: dict) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, json_path = out_dir / "report.md", out_dir / "report.json"
    md_path.write_text(md, encoding="utf-8")
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return md_path, json_path
