"""The nightly gold build on a Dask cluster (a local one of two worker processes, as a ministry
would run several machines) and over this machine's processes (a full rebuild): the same lake
as in one process."""
from __future__ import annotations

import os
import shutil
import sys
import time
import types
from datetime import date, timedelta

import polars as pl
import pytest

from lakehouse import checks
from lakehouse.pipeline import cluster, gold
from lakehouse.pipeline.runs import Run
from lakehouse.store import Lake
from tests.lakehouse.pipeline.test_refresh import content


def test_gold_built_on_two_workers_is_the_gold_built_here(demo_lake, cat, tmp_path, monkeypatch):
    # Worker processes are spawned and would run this process's __main__ again: in a suite where
    # Streamlit's AppTest ran, that is the dashboard's script. Workers of the real job start apart.
    distributed = pytest.importorskip("distributed")
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


def _fails_on_three(n: int, offset: int) -> tuple[int, int]:
    if n == 3:
        raise ValueError("ba")
    time.sleep(0.2)     # long enough that both workers take tasks
    return n + offset, os.getpid()


def test_tasks_over_processes_give_what_they_give_here(monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    tasks = [(n,) for n in range(7)]
    here = list(cluster.run_all(_fails_on_three, [t for t in tasks if t != (3,)], {"offset": 10}))
    spread = list(cluster.run_all(_fails_on_three, [t for t in tasks if t != (3,)], {"offset": 10}, workers=2))
    assert sorted(n for n, _ in spread) == sorted(n for n, _ in here) == [10, 11, 12, 14, 15, 16]
    assert {pid for _, pid in here} == {os.getpid()}
    assert len({pid for _, pid in spread}) == 2 and os.getpid() not in {pid for _, pid in spread}
    # A task that fails in a worker fails the run in the job, with the worker's error.
    with pytest.raises(ValueError, match="ba"):
        list(cluster.run_all(_fails_on_three, tasks, {"offset": 10}, workers=2))


def test_processes_follow_the_setting(monkeypatch):
    monkeypatch.setenv(cluster.ENV_PROCESSES, "3")
    assert cluster.processes() == 3
    monkeypatch.setenv(cluster.ENV_PROCESSES, "0")
    assert cluster.processes() == 1
    monkeypatch.delenv(cluster.ENV_PROCESSES)
    assert cluster.processes() == (os.cpu_count() or 1)


def test_gold_built_over_two_processes_is_the_gold_built_here(demo_lake, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    spread, here = Lake(tmp_path / "spread"), Lake(tmp_path / "here")
    shutil.copytree(demo_lake.root, spread.root)
    shutil.copytree(demo_lake.root, here.root)
    # One stored partition made wrong: the workers compare what they build with the lake, and
    # only that partition comes back to be written.
    att = spread.read("gold.attainment")
    campaign, period = att.row(0, named=True)["campaign_code"], att.row(0, named=True)["period"]
    spread.replace_partitions("gold.attainment", lambda: iter([att.filter(
        (pl.col("campaign_code") == campaign) & (pl.col("period") == period)).head(3)]),
        [{"campaign_code": campaign, "period": period}])
    run = Run("refresh")
    gold.rebuild(spread, run, date.today(), workers=2)
    gold.rebuild(here, Run("refresh"), date.today(), workers=1)
    for table in gold.GOLD:
        assert content(spread, table).equals(content(here, table)), table
    assert run.tables["gold.attainment"]["written"] and not run.tables["gold.completeness"]["written"]
    assert {c.table for c in run.checks} >= set(gold.GOLD)


def test_a_gold_check_that_fails_writes_nothing(demo_lake, monkeypatch):
    lake = demo_lake
    before = {t: lake.version(t) for t in gold.GOLD}
    real = checks.run_suite

    def failing(name, frame):
        result = real(name, frame)
        if name == "gold.area_status":
            result.outcomes.append(checks.Outcome("expect_column_values_to_not_be_null", "area_code", {}, False, 10, 1))
        return result
    monkeypatch.setattr(checks, "run_suite", failing)
    with pytest.raises(gold.GoldCheckFailed, match="gold.area_status"):
        gold.rebuild(lake, Run("refresh"), date.today() + timedelta(days=40), workers=1)
    assert {t: lake.version(t) for t in gold.GOLD} == before
