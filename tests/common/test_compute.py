"""The local executor: this process and its workers, results in input order."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from pipeline.common.compute import LocalExecutor, start_workers


@pytest.fixture
def two_processes():
    ex = LocalExecutor(2)
    yield ex
    ex.close()


def _slow_square(x: int) -> tuple[int, int]:
    # Uneven durations, so that tasks finish out of order.
    time.sleep(0.002 * (x % 5))
    return x * x, os.getpid()


def _fails_at_7(x: int) -> int:
    if x == 7:
        raise ValueError("seven")
    return x


def test_results_come_in_input_order_from_this_process_and_the_workers(two_processes):
    out = list(two_processes.map(_slow_square, range(60)))
    assert [square for square, _ in out] == [x * x for x in range(60)]
    # Both this process and the worker ran tasks: n_jobs=2 is two processes working.
    assert len({pid for _, pid in out}) == 2
    assert os.getpid() in {pid for _, pid in out}


def test_a_failing_task_raises_after_the_results_before_it(two_processes):
    seen = []
    with pytest.raises(ValueError, match="seven"):
        for value in two_processes.map(_fails_at_7, range(20)):
            seen.append(value)
    assert seen == list(range(7))


def test_items_are_read_lazily_with_a_bounded_number_waiting(two_processes):
    read = []

    def items():
        for i in range(200):
            read.append(i)
            yield i

    for i, (square, _) in enumerate(two_processes.map(_slow_square, items())):
        assert square == i * i
        if i == 10:
            # Streaming: far from all 200 items were taken when the 11th result is out.
            assert len(read) <= 11 + LocalExecutor.LIMIT_PER_PROCESS * 2


def _nap(x: int) -> int:
    # Long enough that the worker cannot finish before this process picks its own item.
    time.sleep(0.5)
    return os.getpid()


def test_few_items_are_shared_with_this_process(two_processes):
    # Two big files on two processes: one each, not both queued on the one worker while this
    # process waits.
    pids = list(two_processes.map(_nap, range(2)))
    assert len(set(pids)) == 2 and os.getpid() in pids


@pytest.mark.parametrize(("backend", "n_jobs", "work", "min_work", "parallel"), [
    ("local", 2, 10, 5, True),
    ("local", 2, 4, 5, False),  # too little work to start workers
    ("local", 1, 10, 5, False),  # n_jobs 1: never
    ("dask", 1, 0, 5, True),  # a cluster asked for is used, whatever the size
])
def test_one_rule_for_when_to_run_in_parallel(backend, n_jobs, work, min_work, parallel):
    from pipeline.common.compute import runs_in_parallel

    assert runs_in_parallel(backend, n_jobs, work, min_work) is parallel


def test_the_executor_follows_the_rule():
    from pipeline.common.compute import SerialExecutor, executor
    from pipeline.common.config import ComputeConfig

    with executor(ComputeConfig(), 2, work=1, min_work=10) as ex:
        assert isinstance(ex, SerialExecutor)
        assert list(ex.map(abs, [-1, -2])) == [1, 2] and ex.describe() == "1 process"
    with executor(ComputeConfig(), 2, work=10, min_work=10) as ex:
        assert isinstance(ex, LocalExecutor) and ex.n_workers == 2


def test_more_jobs_than_cores_are_capped_with_a_note(monkeypatch):
    # 40 processes on 2 cores only compete for them (issue 29.8): capped, and the log says so.
    from pipeline.common.compute import capped_notes, make_executor
    from pipeline.common.config import ComputeConfig

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    ex = make_executor(ComputeConfig(), 40)
    try:
        assert ex.n_workers == 2
    finally:
        ex.close()
    assert capped_notes(ComputeConfig(), 40, "model.n_jobs") == [
        "note: model.n_jobs is 40 but this machine has 2 cores; using 2"]
    assert capped_notes(ComputeConfig(), 2, "model.n_jobs") == []
    assert capped_notes(ComputeConfig(), -1, "model.n_jobs") == []
    assert capped_notes(ComputeConfig(backend="dask", n_workers=8), 40, "tokens.n_jobs") == [
        "note: compute.n_workers is 8 but this machine has 2 cores; using 2"]
    assert capped_notes(ComputeConfig(backend="dask", scheduler="tcp://h:8786", n_workers=8),
                        40, "tokens.n_jobs") == []


def test_parallel_map_runs_on_the_executor_a_stage_set(two_processes):
    from pipeline.common.compute import mapping, parallel_map

    # Unset: this process, in order.
    assert {pid for _, pid in parallel_map(_slow_square, range(6))} == {os.getpid()}
    with mapping(two_processes):
        out = list(parallel_map(_slow_square, range(30)))
    assert [square for square, _ in out] == [x * x for x in range(30)]
    assert len({pid for _, pid in out}) == 2
    # ... and only inside the block.
    assert {pid for _, pid in parallel_map(_slow_square, range(6))} == {os.getpid()}


def test_start_workers_forks_a_local_pool_before_any_work():
    ex = LocalExecutor(2)
    try:
        before = len(multiprocessing.active_children())
        start_workers(ex)
        assert len(multiprocessing.active_children()) == before + 1  # 2 processes: this + 1
        assert list(ex.map(abs, [-1, -2])) == [1, 2]
    finally:
        ex.close()
