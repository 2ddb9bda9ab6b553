"""Where the nightly work runs: in this process (the default), in a few worker processes on
this machine (``--workers N``: its cores), or on a Dask cluster when one is named
(``--scheduler tcp://host:8786`` or ``THIDUA_DASK_SCHEDULER``: several machines).

The work handed out is pure: a function of its arguments and of tables read from the lake by
their names, returning frames; writing stays in the job that holds the lake's locks. Workers
must reach the same lake (a shared folder, or the object store once the lake lives there) and
run the same code version as the job.
"""
from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import Callable, Iterable, Iterator

ENV_SCHEDULER = "THIDUA_DASK_SCHEDULER"


def scheduler(address: str | None = None) -> str | None:
    """The scheduler named on the command line, or in the environment (the nightly refresh only:
    an upload's few partitions are not worth a round trip)."""
    return address or os.environ.get(ENV_SCHEDULER) or None


def run_all(fn: Callable, tasks: Iterable[tuple], shared: dict | None = None,
            address: str | None = None, workers: int = 1) -> Iterator:
    """``fn(*task, **shared)`` for every task, results as they finish. ``shared`` (the
    reference tables) is sent to each worker once, not with every task. ``address``: a Dask
    scheduler; else ``workers`` > 1: that many processes of this machine."""
    shared = shared or {}
    if address is not None:
        yield from _on_dask(fn, tasks, shared, address)
    elif workers > 1:   # in order, a few tasks ahead: results not taken yet would pile up in memory
        yield from imap(fn, tasks, shared, workers)
    else:
        for task in tasks:
            yield fn(*task, **shared)


def _on_dask(fn: Callable, tasks: Iterable[tuple], shared: dict, address: str) -> Iterator:
    from distributed import Client, as_completed

    with Client(address) as client:
        sent = {k: client.scatter(v, broadcast=True) for k, v in shared.items()}
        futures = [client.submit(fn, *task, **sent, pure=False) for task in tasks]
        for future in as_completed(futures):
            result = future.result()
            future.release()          # the worker may drop it: the job holds one chunk at a time
            yield result


_shared: dict = {}   # in a worker process: what every task of the run shares


def _receive(shared: dict) -> None:
    _shared.update(shared)


def _call(fn: Callable, task: tuple):
    return fn(*task, **_shared)


@contextlib.contextmanager
def _processes(workers: int, shared: dict) -> Iterator:
    """The standard library's process pool: nothing to install, nothing to start beforehand.
    Processes are spawned, not forked (polars' thread pool does not survive a fork)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_receive,
                               initargs=(shared,))
    try:
        yield pool
    finally:   # a failed task (or a job stopped) leaves no task running behind it
        pool.shutdown(wait=True, cancel_futures=True)


def imap(fn: Callable, tasks: Iterable[tuple], shared: dict | None = None, workers: int = 1) -> Iterator:
    """``fn(*task, **shared)`` for every task, results in the tasks' order; with ``workers`` > 1
    in that many processes of this machine. ``tasks`` is drawn as the work goes (two tasks a
    worker ahead of the results taken), so a long stream of tasks never sits in memory."""
    shared = shared or {}
    if workers <= 1:
        for task in tasks:
            yield fn(*task, **shared)
        return
    with _processes(workers, shared) as pool:
        pending: collections.deque = collections.deque()
        for task in tasks:
            pending.append(pool.submit(_call, fn, task))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
