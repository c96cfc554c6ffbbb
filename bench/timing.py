"""Clocks: one child process (wall time and its own peak RSS), repeats, and in-process timing.

Each measured command runs under a small wrapper process (``WRAPPER``, plain Python, no imports
beyond the standard library) that starts it, waits for it and reports its wall time and
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``. The wrapper is fresh for every run, so a run
never inherits an earlier run's peak. It is needed because Linux counts the RSS of the process that
forks into the child's peak: forked straight from this benchmark (which holds NumPy, torch and the
inputs) every child would show at least this process's size. The wrapper's own size (about 10 MB)
is the floor instead.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# argv: RESULT_FILE COMMAND...; stdin and stdout pass through to COMMAND.
WRAPPER = """\
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as f:
    json.dump({"seconds": seconds, "ru_maxrss": peak, "returncode": rc}, f)
"""
# ru_maxrss is in KiB on Linux, in bytes on macOS.
_RSS_UNIT = 1 if sys.platform == "darwin" else 1024


class BenchError(RuntimeError):
    """A measured command failed; the message holds its command line and stderr."""


@dataclass
class ProcessRun:
    seconds: float
    peak_rss_bytes: int
    returncode: int


def user_environment(env: dict | None = None) -> dict:
    """The environment a timed process gets: ours (or ``env``) without PYTHONDONTWRITEBYTECODE, so every
    command, rnnlu and peers alike, imports from cached bytecode as it would on a user's machine (the
    warm-up run writes the cache); with it set, rnnlu's 39 modules compile on every call (about 30 ms)."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_process(argv: Sequence[str], stdin: Path | None = None, env: dict | None = None,
                timeout: float = 3600) -> ProcessRun:
    """Run ``argv`` once (stdin from a file or /dev/null, stdout to /dev/null); wall time and peak RSS.

    The wall time is the wrapper's clock around the command alone: from just before it is started
    to when it has exited, so the wrapper's own start-up is not counted.
    """
    env = user_environment(env)
    with tempfile.TemporaryDirectory(prefix="rnnlu-bench-run-") as tmp, \
            open(Path(tmp) / "stderr", "w+b") as err, open(stdin or os.devnull, "rb") as fin:
        result = Path(tmp) / "result.json"
        proc = subprocess.Popen([sys.executable, "-S", "-c", WRAPPER, str(result), *argv], stdin=fin,
                                stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise BenchError(f"`{show(argv, stdin)}` ran past {timeout:.0f} s and was stopped") from None
        data = json.loads(result.read_text()) if result.exists() else {"returncode": proc.returncode}
        if proc.returncode != 0 or data["returncode"] != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip()[-2000:]
            raise BenchError(f"`{show(argv, stdin)}` exited with {data['returncode']}: {tail}")
    return ProcessRun(data["seconds"], int(data["ru_maxrss"]) * _RSS_UNIT, 0)


@dataclass
class Stats:
    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)

    def as_dict(self, digits: int = 4) -> dict:
        return {"median_s": round(self.median, digits), "min_s": round(self.min, digits),
                "runs_s": [round(r, digits) for r in self.runs]}


def repeat(measure: Callable[[], float], n: int, warmup: int = 1) -> Stats:
    """Call ``measure`` (returning seconds) ``warmup`` times unrecorded, then ``n`` times recorded.

    The warm-up run fills the OS file cache (Python modules, the model file), so the recorded runs
    are the warm-cache start-up a user sees from the second command on.
    """
    for _ in range(warmup):
        measure()
    return Stats([measure() for _ in range(n)])


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall seconds of one in-process call, and its result."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def show(argv: Sequence[str], stdin: Path | None = None, stdout: str = "/dev/null") -> str:
    """The shell spelling of a measured command, for the report."""
    line = " ".join(shlex.quote(a) for a in argv)
    if stdin:
        line += f" < {stdin.name}"
    return f"{line} > {stdout}"
