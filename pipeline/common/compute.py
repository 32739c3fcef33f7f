"""Where parallel work runs: this process, worker processes on this machine, or a Dask cluster.

One map and one rule for when to use it (`executor`): every executor gives the same `map`,
results in input order, with a bounded number of tasks in flight, so a stage can stream a
corpus larger than memory through its workers. A task function must be a module-level
function of picklable arguments; what it returns must not depend on which worker ran it,
which is what makes the backends give the same outputs.

Why a pool of our own and not joblib's `Parallel(return_as="generator")`: the tokenizer's
workers keep what they learned (each distinct word is decided once per process, and sent to
the parent once per worker), which wants workers forked warm from the stage's process and
this process taking tasks itself, so that n_jobs processes work on n_jobs cores. joblib's
default backend (loky) spawns cold workers, each importing the project and building its
MeCab taggers, and joblib's caller only waits. A trial of joblib (loky) in this map on the
tokenizer benchmark (4 M characters, 2 cores shared with other jobs, one or two rounds) was
inconclusive: the machine's own 2-process ceiling moved between 0.9x and 1.8x from round to
round. Until a quiet benchmark shows joblib at least as fast, the pool below stays (about
100 lines); Dask runs through its own client.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pipeline.common.errors import PipelineError


def resolve_jobs(n_jobs: int) -> int:
    """-1 means every core; otherwise the number asked for, at least 1 and at most the cores
    (more processes than cores only compete for them, each with its own memory)."""
    cores = os.cpu_count() or 1
    return cores if n_jobs == -1 else max(1, min(n_jobs, cores))


def capped_notes(compute, n_jobs: int, key: str) -> list[str]:
    """The log's note when `key` (n_jobs, or compute.n_workers for a LocalCluster) asks for
    more processes than this machine has cores: they are capped, not refused."""
    cores = os.cpu_count() or 1
    asked = [(key, n_jobs)] if compute.backend == "local" else []
    if compute.backend == "dask" and not compute.scheduler and compute.n_workers:
        asked.append(("compute.n_workers", compute.n_workers))
    return [f"note: {name} is {number} but this machine has {cores} cores; using {cores}"
            for name, number in asked if number > cores]


class SerialExecutor:
    """Everything in this process: small inputs, or n_jobs 1."""

    backend = "serial"
    n_workers = 1

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """fn over items, in order, here."""
        return map(fn, items)

    def describe(self) -> str:
        """Where the work runs, for the log."""
        return "1 process"

    def close(self) -> None:
        pass


class LocalExecutor:
    """n_jobs processes on this machine: this one and n_jobs - 1 workers (forked where the
    OS has fork, so workers start warm)."""

    backend = "local"
    LIMIT_PER_PROCESS = 4  # items read ahead per process: streaming with bounded memory

    def __init__(self, n_jobs: int = -1):
        # Processes, this one included: as many as asked (make_executor caps the config's
        # number at the cores first).
        self.n_workers = os.cpu_count() or 1 if n_jobs == -1 else max(1, n_jobs)
        self._pool: multiprocessing.pool.Pool | None = None

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        if self.n_workers == 1:
            yield from map(fn, items)
            return
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = context.Pool(self.n_workers - 1)
            _widen_pipes(self._pool)
        yield from _map_sharing_work(self._pool.apply_async, fn, items, self.n_workers - 1,
                                     self.LIMIT_PER_PROCESS * self.n_workers)

    def describe(self) -> str:
        """Where the work runs, for the log."""
        return f"{self.n_workers} process{'es' if self.n_workers > 1 else ''}"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _widen_pipes(pool) -> None:
    """Let the pool's pipes hold several tasks and results (Linux: 64 KB -> 1 MB).

    A chunk of text is ~120 KB: through a 64 KB pipe, a worker that finished a task waits
    for the parent to be scheduled and write the rest of the next one, on a machine whose
    cores are all busy with workers; that was ~4% of a 2-core run. Best effort: the pipes
    are the pool's own (no public API), and other systems keep their size.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        return
    size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if size is None:
        return
    for queue in (getattr(pool, "_inqueue", None), getattr(pool, "_outqueue", None)):
        if queue is None:
            continue
        try:
            fcntl.fcntl(queue._writer.fileno(), size, 1 << 20)
        except (AttributeError, OSError, ValueError):
            pass


class DaskExecutor:
    """A dask.distributed client: on the scheduler given, else on a LocalCluster."""

    backend = "dask"

    def __init__(self, scheduler: str | None, n_workers: int | None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise PipelineError("compute.backend: dask needs dask.distributed; install it with "
                                "pip install -e '.[dask]'") from None
        self._cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="20s")
            else:
                # One thread per worker process: MeCab taggers and BLAS calls stay
                # single-threaded, as in the local path.
                self._cluster = LocalCluster(
                    n_workers=min(n_workers or os.cpu_count() or 1, os.cpu_count() or 1),
                    threads_per_worker=1,
                    processes=True, dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self._cluster)
        except (OSError, ValueError) as exc:
            raise PipelineError(f"compute.scheduler: cannot connect to {scheduler!r} ({exc}); "
                                "check that the scheduler runs there, or set it to null for a "
                                "LocalCluster") from None
        self.n_workers = max(1, len(self.client.scheduler_info()["workers"]))

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        def submit(task, args):
            return self.client.submit(task, *args, pure=False)

        yield from _bounded(submit, lambda f: f.result(), fn, items, 2 * self.n_workers)

    def describe(self) -> str:
        """Where the work runs, for the log."""
        return f"dask, {self.n_workers} workers"

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


class _RanHere:
    """A task this process ran itself, kept in line until the tasks before it are read."""

    __slots__ = ("error", "value")

    def __init__(self, fn, item) -> None:
        self.value = self.error = None
        try:
            self.value = fn(item)
        except Exception as exc:  # raised in input order, as a worker's would be
            self.error = exc

    def get(self):
        if self.error is not None:
            raise self.error
        return self.value

    def ready(self) -> bool:
        return True


def _map_sharing_work(submit, fn, items, workers: int, limit: int) -> Iterator[Any]:
    """Results of fn over items, in input order, from `workers` pool processes and this one.

    The pool gets its share of what is left (workers in workers + 1), and at most two tasks
    per worker not yet finished: one running, one queued so that it never waits for this
    process. This process runs the next item itself whenever the oldest is not done, so
    n_jobs processes work (not n_jobs workers plus a parent that mostly waits but competes
    for a core), and fewer inputs cross a pipe. At most `limit` items are read and unread.
    """
    started: deque = deque()  # pool results and _RanHere, in input order
    waiting: deque = deque()  # read, not started
    items = iter(items)
    exhausted = False
    while True:
        while not exhausted and len(started) + len(waiting) < limit:
            try:
                waiting.append(next(items))
            except StopIteration:
                exhausted = True
        unfinished = sum(not task.ready() for task in started)
        # With few items left (a few big files, a short sweep), the pool must not take them
        # all while this process has nothing to do.
        share = min(2 * workers, -(-(unfinished + len(waiting)) * workers // (workers + 1)))
        while waiting and unfinished < share:
            started.append(submit(fn, (waiting.popleft(),)))
            unfinished += 1
        if not started and not waiting:
            return
        if started and (started[0].ready() or not waiting):
            yield started.popleft().get()
        else:
            started.append(_RanHere(fn, waiting.popleft()))


def _bounded(submit, result, fn, items, window: int) -> Iterator[Any]:
    """Results of fn over items, in order, with at most `window` tasks submitted and unread."""
    pending: deque = deque()
    for item in items:
        pending.append(submit(fn, (item,)))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


Executor = SerialExecutor | LocalExecutor | DaskExecutor


def runs_in_parallel(backend: str, n_jobs: int, work: float = 0, min_work: float = 0) -> bool:
    """The one rule: on a Dask cluster whenever the config says so; on this machine when
    n_jobs gives more than one process and the work (characters, bytes) is worth starting
    workers for."""
    return backend == "dask" or (resolve_jobs(n_jobs) > 1 and work >= min_work)


def make_executor(compute, n_jobs: int = -1, work: float = 0, min_work: float = 0) -> Executor:
    """The executor the config asks for (compute.backend, n_jobs), by `runs_in_parallel`;
    the caller closes it."""
    if not runs_in_parallel(compute.backend, n_jobs, work, min_work):
        return SerialExecutor()
    if compute.backend == "dask":
        return DaskExecutor(compute.scheduler, compute.n_workers)
    return LocalExecutor(resolve_jobs(n_jobs))


@contextmanager
def executor(compute, n_jobs: int = -1, work: float = 0,
             min_work: float = 0) -> Iterator[Executor]:
    """make_executor's executor, closed on exit."""
    ex = make_executor(compute, n_jobs, work, min_work)
    try:
        yield ex
    finally:
        ex.close()


def start_workers(ex: Executor) -> None:
    """Start ex's workers now (a local pool forks at its first map): a stage that will hold
    large inputs starts them before reading, so they do not map (and the process tree's
    memory does not count again) what it holds by the time of its first parallel work."""
    list(ex.map(int, ()))


# The executor a stage set for the cores it calls (`mapping`), as joblib's parallel_config
# sets a backend: cores deep in a call tree (the speakers' bootstrap, the networks' counts)
# map their blocks with `parallel_map` instead of taking an executor through every
# signature. Unset, they run here, in order.
_CURRENT: ContextVar[Executor | None] = ContextVar("executor", default=None)


@contextmanager
def mapping(ex: Executor) -> Iterator[Executor]:
    """`parallel_map` runs on ex inside the block."""
    token = _CURRENT.set(ex)
    try:
        yield ex
    finally:
        _CURRENT.reset(token)


def parallel_map(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
    """fn over items, in input order, on the executor `mapping` set (else in this process).
    As with every executor, fn must be a module-level function of picklable items whose
    result does not depend on where it ran."""
    ex = _CURRENT.get()
    return map(fn, items) if ex is None else ex.map(fn, items)
