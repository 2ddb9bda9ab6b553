"""The nightly work on a Dask cluster (a local one of two worker processes, as a ministry would
run several machines): bronze batches staged and gold built there give the lake one process gives."""
from __future__ import annotations

import shutil
import sys
import types

import pytest

from lakehouse.pipeline.refresh import refresh
from lakehouse.store import Lake
from tests.lakehouse.pipeline.test_refresh import content

distributed = pytest.importorskip("distributed")


def test_the_night_on_two_workers_is_the_night_in_one_process(demo_lake, cat, tmp_path, monkeypatch):
    # Worker processes are spawned and would run this process's __main__ again: in a suite where
    # Streamlit's AppTest ran, that is the dashboard's script. Workers of the real job start apart.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    other = Lake(tmp_path / "other")
    shutil.copytree(demo_lake.root, other.root)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        run = refresh(demo_lake, cat, full=True, scheduler=c.scheduler_address)
        with distributed.Client(c) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
            kept = client.run(lambda dask_worker: len(dask_worker.data))
            kinds = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert {"stage_batch", "build_chunk"} <= set(kinds)                   # silver staged and gold built there
    assert len(executed) == 2 and all(n > 0 for n in executed.values())   # both workers had work
    assert sum(kept.values()) == 0                                        # and hold nothing after
    refresh(other, cat, full=True)
    for table in ("silver.report_values", "silver.quarantine",
                  "gold.attainment", "gold.unit_scores", "gold.completeness"):
        assert content(demo_lake, table).equals(content(other, table)), table
    assert content(demo_lake, "silver.typed_files").drop("typed_at").equals(
        content(other, "silver.typed_files").drop("typed_at"))           # every file typed, with the same result
    assert {c.table for c in run.checks} >= {"gold.attainment", "gold.unit_scores", "gold.completeness"}
