"""Where the nightly work runs: in this process, in a few processes of this machine (a full
rebuild's gold, one per core), or on a Dask cluster when one is named (``--scheduler
tcp://host:8786`` or ``THIDUA_DASK_SCHEDULER``).

The work handed out is pure: a function of its arguments and of tables read from the lake by
their names, returning frames; writing stays in the job that holds the lake's locks. Workers
must reach the same lake (a shared folder, or the object store once the lake lives there) and
run the same code version as the job.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

ENV_SCHEDULER = "THIDUA_DASK_SCHEDULER"
ENV_PROCESSES = "THIDUA_PROCESSES"


def scheduler(address: str | None = None) -> str | None:
    """The scheduler named on the command line, or in the environment (the nightly refresh only:
    an upload's few partitions are not worth a round trip)."""
    return address or os.environ.get(ENV_SCHEDULER) or None


def processes() -> int:
    """How many processes of this machine a long run of tasks is spread over: ``THIDUA_PROCESSES``,
    else one per core (a worker holds one national period's gold, about 1.5 GB)."""
    value = os.environ.get(ENV_PROCESSES, "").strip()
    return max(1, int(value)) if value else (os.cpu_count() or 1)


def run_all(fn: Callable, tasks: Iterable[tuple], shared: dict | None = None,
            address: str | None = None, workers: int = 1) -> Iterator:
    """``fn(*task, **shared)`` for every task, results as they finish: on the Dask cluster at
    ``address``; else in ``workers`` processes of this machine; else here, one after another.
    ``shared`` (the reference tables) is sent to each worker once, not with every task."""
    shared = shared or {}
    if address is not None:
        yield from _on_cluster(fn, tasks, shared, address)
    elif workers > 1:
        yield from _in_processes(fn, tasks, shared, workers)
    else:
        for task in tasks:
            yield fn(*task, **shared)


def _on_cluster(fn: Callable, tasks: Iterable[tuple], shared: dict, address: str) -> Iterator:
    from distributed import Client, as_completed

    with Client(address) as client:
        sent = {k: client.scatter(v, broadcast=True) for k, v in shared.items()}
        futures = [client.submit(fn, *task, **sent, pure=False) for task in tasks]
        for future in as_completed(futures):
            result = future.result()
            future.release()          # the worker may drop it: the job holds one chunk at a time
            yield result


_shared: dict = {}


def _keep(path: str) -> None:
    global _shared
    with open(path, "rb") as f:
        _shared = pickle.load(f)


def _call(fn: Callable, task: tuple):
    return fn(*task, **_shared)


def _in_processes(fn: Callable, tasks: Iterable[tuple], shared: dict, workers: int) -> Iterator:
    # The shared tables reach each worker through a file: handed to a spawned process directly,
    # tens of MB go down a pipe that the job blocks on if the worker dies before reading it.
    with tempfile.TemporaryDirectory(prefix="thidua-shared-") as folder:
        path = os.path.join(folder, "shared.pickle")
        with open(path, "wb") as f:
            pickle.dump(shared, f, protocol=pickle.HIGHEST_PROTOCOL)
        # Spawned, not forked: the job holds threads (polars', Delta's) that a fork would copy
        # mid-lock. A spawned worker imports the job's main module again: a script that starts a
        # refresh must do it under ``if __name__ == "__main__"`` (``python -m jobs`` does).
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_keep, initargs=(path,))
        pending = iter(tasks)
        # One task ahead of each worker: they never wait for the job, and results do not pile up.
        running = {pool.submit(_call, fn, t) for t in itertools.islice(pending, 2 * workers)}
        try:
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    following = next(pending, None)
                    if following is not None:
                        running.add(pool.submit(_call, fn, following))
                    yield result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
