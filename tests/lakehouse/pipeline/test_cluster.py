"""The nightly gold build on a Dask cluster (a local one of two worker processes, as a ministry
would run several machines), and on two processes of this machine (``--workers 2``): the same
lake as in one process."""
from __future__ import annotations

import os
import shutil
import sys
import types
from datetime import date

import pytest

from lakehouse.pipeline import cluster, gold
from lakehouse.pipeline.runs import Run
from lakehouse.store import Lake
from tests.lakehouse.pipeline.test_refresh import content

distributed = pytest.importorskip("distributed")


def test_gold_built_on_two_workers_is_the_gold_built_here(demo_lake, cat, tmp_path, monkeypatch):
    # Worker processes are spawned and would run this process's __main__ again: in a suite where
    # Streamlit's AppTest ran, that is the dashboard's script. Workers of the real job start apart.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    other = Lake(tmp_path / "other")
    shutil.copytree(demo_lake.root, other.root)
    # Every gold partition built again (silver as it is: typing files is not the cluster's work).
    run = Run("refresh")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        gold.rebuild(demo_lake, run, date.today(), scheduler=c.scheduler_address)
        with distributed.Client(c) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
            kept = client.run(lambda dask_worker: len(dask_worker.data))
    assert len(executed) == 2 and all(n > 0 for n in executed.values())   # both workers built chunks
    assert sum(kept.values()) == 0                                        # and hold nothing after
    gold.rebuild(other, Run("refresh"), date.today())
    for table in gold.GOLD:
        assert content(demo_lake, table).equals(content(other, table)), table
    assert {c.table for c in run.checks} >= set(gold.GOLD)


def test_a_full_refresh_on_two_processes_of_this_machine_gives_the_lake_one_process_gave(demo_lake, cat,
                                                                                          monkeypatch):
    """``jobs refresh --full --workers 2``: bronze typed a batch a process, gold a chunk of
    periods a process; the same rows as the demo's own full refresh in one process."""
    from lakehouse.pipeline import refresh as refresh_module
    from lakehouse.pipeline.refresh import refresh

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    tables = ("silver.report_values", "silver.quarantine", *gold.GOLD)
    expected = {t: content(demo_lake, t) for t in tables}
    for t in tables:
        demo_lake.overwrite(t, demo_lake.read(t).clear())
    sizes = demo_lake.read("bronze.manifest")["size_bytes"]
    monkeypatch.setattr(refresh_module, "BATCH_BYTES", int(sizes.median() * 3))   # several batches
    run = refresh(demo_lake, cat, full=True, workers=2)
    for t in tables:
        assert content(demo_lake, t).equals(expected[t]), t
    assert {c.table for c in run.checks} >= {"silver.report_values", *gold.GOLD}


def test_work_given_to_processes_runs_in_them_and_a_failure_comes_back(monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    pids = list(cluster.run_all(os.getpid, [()] * 6, workers=2))
    assert len(pids) == 6 and os.getpid() not in pids and 1 <= len(set(pids)) <= 2
    # What the shared dict holds reaches every task (sent once to each process).
    assert sorted(cluster.run_all(int, [("11",), ("7",)], {"base": 8}, workers=2)) == [7, 9]
    with pytest.raises(ValueError):
        list(cluster.run_all(int, [("12",), ("mười hai",)], workers=2))
