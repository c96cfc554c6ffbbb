"""Big inputs on several cores: chunks of texts go to worker processes, answers come back in order.

Workers are forked from the answering process, so each starts with the loaded model (no reload) and
only the chunks and their answers cross between processes. At most two chunks per worker are in
flight, so memory stays flat however long the input; the workers ignore Ctrl-C (the main process
stops them), and they are stopped whenever the caller stops reading (``| head``).
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice

START_AFTER = 2  # chunks: an input that fits in fewer is answered in this process, with no start-up cost

_TASK: dict[str, Callable] = {}


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def auto_workers() -> int:
    """One per core that is not already busy (by the 1-minute load average), at least one."""
    cores = usable_cores()
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        busy = 0.0
    return max(1, min(cores, int(cores - busy + 0.5)))


def can_fork() -> bool:
    import multiprocessing  # deferred, as below: small inputs never start a pool

    return "fork" in multiprocessing.get_all_start_methods()


def _quiet() -> None:
    """In a worker: Ctrl-C is the main process's to handle; being stopped ends it silently."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def _run(item):
    return _TASK["fn"](item)


def ordered_map(fn: Callable, items: Iterable, workers: int | None = None) -> Iterator[tuple]:
    """``(item, fn(item))`` for each item, in input order (items stay here; only answers come back).

    ``workers``: processes to use (None: :func:`auto_workers`, decided once the input proves big).
    With one, where the platform cannot fork, or when the input holds fewer than START_AFTER items,
    everything runs in this process.
    """
    it = iter(items)
    head = list(islice(it, START_AFTER))
    if workers is None and len(head) >= START_AFTER:
        workers = auto_workers()
    if workers is None or workers <= 1 or len(head) < START_AFTER or not can_fork():
        for item in chain(head, it):
            yield item, fn(item)
        return
    import multiprocessing

    _TASK["fn"] = fn  # set before the fork: the workers find it there
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_quiet)
    try:
        pending: deque = deque()
        for item in chain(head, it):
            pending.append((item, pool.apply_async(_run, (item,))))
            if len(pending) >= 2 * workers:
                done, answer = pending.popleft()
                yield done, answer.get()
        while pending:
            done, answer = pending.popleft()
            yield done, answer.get()
    finally:
        pool.terminate()
        pool.join()
        _TASK.pop("fn", None)
