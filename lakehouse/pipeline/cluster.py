"""Where the nightly work runs: in this process (the default), or on a Dask cluster when one
is named (``--scheduler tcp://host:8786`` or ``THIDUA_DASK_SCHEDULER``).

The work handed out is pure: a function of its arguments and of tables read from the lake by
their names, returning frames — the staging of a batch of bronze files
(``refresh.stage_batch``) and the gold of a few periods (``gold.build_chunk``); writing stays
in the job that holds the lake's locks. Workers must reach the same lake (the object store, or a
shared folder at the same path) and run the same code version as the job.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

ENV_SCHEDULER = "THIDUA_DASK_SCHEDULER"


def scheduler(address: str | None = None) -> str | None:
    """The scheduler named on the command line, or in the environment (the nightly refresh only:
    an upload's few partitions are not worth a round trip)."""
    return address or os.environ.get(ENV_SCHEDULER) or None


def run_all(fn: Callable, tasks: Iterable[tuple], shared: dict | None = None,
            address: str | None = None) -> Iterator:
    """``fn(*task, **shared)`` for every task, results in the tasks' order. ``shared`` (the
    catalog, the reference tables) is sent to each worker once, not with every task. On a
    cluster, at most two tasks a worker thread are in flight or waiting to be taken, so the
    results held at once stay bounded whatever the number of tasks."""
    shared = shared or {}
    if address is None:
        for task in tasks:
            yield fn(*task, **shared)
        return
    from collections import deque

    from distributed import Client

    with Client(address) as client:
        window = 2 * max(sum(client.nthreads().values()), 1)
        sent = {k: client.scatter(v, broadcast=True) for k, v in shared.items()}
        pending: deque = deque()
        for task in tasks:
            pending.append(client.submit(fn, *task, **sent, pure=False))
            if len(pending) >= window:
                yield _take(pending.popleft())
        while pending:
            yield _take(pending.popleft())


def _take(future):
    result = future.result()
    future.release()          # the worker may drop it: the job holds one result at a time
    return result
