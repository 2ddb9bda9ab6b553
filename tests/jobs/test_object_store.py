"""The jobs and the dashboard on a lake in an object store (moto's S3 server on the loopback
address): two stewards' ingests at once, the nightly refresh, the gold build on a cluster and
the upload page give the same lake as in a folder, and nothing is lost to a race."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
import types
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from lakehouse.pipeline.gold import GOLD
from lakehouse.store import Lake

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = "2024-07-05T09:00+07:00"


def files(demo_lake_dir) -> list[Path]:
    """Four real reports of the demo: both campaigns, a .csv among the .xlsx."""
    out = sorted((demo_lake_dir / "reports").iterdir())
    chosen = [f for f in out if f.name.startswith(("LS2021_178_2021-Q", "TPLS2024_05971_2024-Q"))]
    return chosen[2:4] + chosen[-2:]


def jobs(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jobs", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, (out, err)
    return out


def content(lake: Lake, table: str) -> pl.DataFrame:
    frame = lake.read(table)
    return frame.sort(frame.columns, nulls_last=True)


def test_two_ingests_at_once_then_the_night_give_the_lake_a_folder_gives(s3_lake, demo_lake_dir, tmp_path):
    chosen = files(demo_lake_dir)
    assert len(chosen) == 4 and any(f.suffix == ".csv" for f in chosen)
    # Two stewards send two files each at the same moment, from two processes (and the same
    # four files reach a folder lake meanwhile, to compare with).
    local = Lake(tmp_path / "local")
    first = jobs("ingest", "--received-at", RECEIVED, *map(str, chosen[:2]))
    second = jobs("ingest", "--received-at", RECEIVED, *map(str, chosen[2:]))
    beside = jobs("ingest", "--lake", local.location, "--received-at", RECEIVED, *map(str, chosen))
    finished(first), finished(second), finished(beside)
    night, night_beside = jobs("refresh"), jobs("refresh", "--lake", local.location)
    finished(night), finished(night_beside)

    manifest = s3_lake.read("bronze.manifest")
    assert manifest.height == 4 and set(manifest["original_name"]) == {f.name for f in chosen}
    for key in manifest["object_key"]:
        assert s3_lake.has_file(key)                       # every original kept in the bucket
    assert s3_lake.get_file(manifest["object_key"][0]) == next(
        f for f in chosen if f.name == manifest["original_name"][0]).read_bytes()
    assert s3_lake.read("silver.report_values").height > 0
    for table in ("silver.report_values", "silver.quarantine", *GOLD):
        assert content(s3_lake, table).equals(content(local, table)), table
    assert not list((s3_lake.root / "_scratch").glob("*"))  # scratch of the jobs removed


def _append_commits(location: str, worker: int, commits: int, rows: int) -> None:
    lake = Lake(location)
    for n in range(commits):
        lake.append("ops.runs", pl.DataFrame({
            "run_id": [f"w{worker}-c{n}-r{i}" for i in range(rows)], "job": ["test"] * rows,
            "started_at": [datetime.now(timezone.utc)] * rows}))


def test_concurrent_commits_to_one_table_lose_nothing(s3_lake, monkeypatch, capsys):
    """Delta's own coordination in the store (conditional put), without any lock of ours."""
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    ctx = multiprocessing.get_context("spawn")
    workers, commits, rows = 3, 10, 5
    started = time.perf_counter()
    procs = [ctx.Process(target=_append_commits, args=(s3_lake.location, w, commits, rows)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    elapsed = time.perf_counter() - started
    assert [p.exitcode for p in procs] == [0] * workers
    table = s3_lake.read("ops.runs")
    assert table.height == workers * commits * rows and table["run_id"].n_unique() == table.height
    assert s3_lake.version("ops.runs") == workers * commits - 1   # one version a commit
    with capsys.disabled():
        print(f"\n{workers} processes × {commits} commits to one table in S3 (moto): "
              f"{workers * commits} versions, {table.height}/{workers * commits * rows} rows kept, {elapsed:.1f} s")


def test_the_nightly_gold_on_a_cluster_reads_and_writes_the_bucket(s3_lake, demo_lake_dir, cat, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from lakehouse.pipeline.ingest import ingest_path
    from lakehouse.pipeline.publish import publish
    from lakehouse.pipeline import gold
    from lakehouse.pipeline.refresh import refresh
    from lakehouse.pipeline.runs import Run

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    publish(s3_lake, cat)
    for f in files(demo_lake_dir)[1:3]:
        assert ingest_path(s3_lake, cat, f, received_by="canbo", channel="cli").status == "accepted"
    refresh(s3_lake, cat)
    before = {t: content(s3_lake, t) for t in GOLD}
    # Workers are started after the AWS_* variables are set: they reach the same store. Every
    # gold partition is built on them again, from the bucket, and written back to it.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        gold.rebuild(s3_lake, Run("refresh"), date.today(), scheduler=c.scheduler_address)
        with distributed.Client(c) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert sum(executed.values()) > 0
    for table in GOLD:
        assert content(s3_lake, table).equals(before[table]), table


def test_a_steward_uploads_to_the_bucket_from_the_dashboard(s3_lake, cat, monkeypatch):
    from dashboard import uploads
    from lakehouse.pipeline.publish import publish
    from lakehouse.accounts import Account
    from tests.conftest import xlsx_bytes

    publish(s3_lake, cat)
    steward = Account("canbo", "Cán bộ", "steward", ["05971"])
    data = xlsx_bytes([["05971", "TP24-12", "2024", 96, "%", None, None, None]])
    report = uploads.send(uploads.preview("bao-cao.xlsx", data, steward), steward)
    assert report.status == "accepted", report.summary_vi()
    assert s3_lake.read("silver.report_values")["unit_code"].to_list() == ["05971"]
    att = s3_lake.read("gold.attainment").filter(pl.col("unit_code") == "05971", pl.col("indicator_code") == "TP24-12")
    assert att["actual"].to_list() == [96.0]
    assert s3_lake.get_file(s3_lake.read("bronze.manifest")["object_key"][0]) == data


def test_leadership_reads_the_overview_from_the_bucket(s3_lake, cat, monkeypatch):
    """The dashboard itself (AppTest runs the real script) on an s3:// lake."""
    from lakehouse.pipeline.ingest import ingest_bytes
    from lakehouse.pipeline.publish import publish
    from streamlit.testing.v1 import AppTest
    from tests.conftest import xlsx_bytes
    from tests.dashboard.test_app import APP, KNOWN_USERS, LEADER

    publish(s3_lake, cat)
    data = xlsx_bytes([["05971", "TP24-12", "2024", 96, "%", None, None, None]])
    assert ingest_bytes(s3_lake, cat, data, "bao-cao.xlsx", received_by="canbo", channel="cli").ok
    monkeypatch.setenv("THIDUA_USERS", str(KNOWN_USERS))
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["account"] = LEADER
    at.query_params["campaign"] = "TPLS2024"
    at.query_params["period"] = "2024"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    counts = {m.label: m.value for m in at.metric}
    assert counts["▲ Vượt"] == "1"                            # 96 % of a 95 % target, read from the bucket
    assert not (s3_lake.root / "gold").exists()
