"""Where the nightly work runs: in this process (the default), or on a Dask cluster when one
is named (``--scheduler tcp://host:8786`` or ``THIDUA_DASK_SCHEDULER``).

The work handed out is pure: a function of its arguments and of tables read from the lake by
their names, returning frames; writing stays in the job that holds the lake's locks. Workers
must reach the same lake (a shared folder, or the object store once the lake lives there) and
run the same code version as the job.
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
    """``fn(*task, **shared)`` for every task, results as they finish. ``shared`` (the
    reference tables) is sent to each worker once, not with every task."""
    shared = shared or {}
    where = address
    if where is None:
        for task in tasks:
            yield fn(*task, **shared)
        return
    from distributed import Client, as_completed

    with Client(where) as client:
        sent = {k: client.scatter(v, broadcast=True) for k, v in shared.items()}
        futures = [client.submit(fn, *task, **sent, pure=False) for task in tasks]
        for future in as_completed(futures):
            result = future.result()
            future.release()          # the worker may drop it: the job holds one chunk at a time
            yield result
