"""The nightly gold build on a Dask cluster (a local one of two worker processes, as a ministry
would run several machines): the same lake as in one process."""
from __future__ import annotations

import shutil
import sys
import types
from datetime import date

import pytest

from lakehouse.pipeline import gold
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
