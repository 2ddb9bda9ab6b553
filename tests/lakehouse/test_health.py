"""A derived table damaged on disk is found (lakehouse.health), set aside and rebuilt equal to what
it was; nothing is lost and no older version is ever taken for the current one."""
import shutil
from pathlib import Path
from datetime import datetime, timezone

import polars as pl
import pytest

from lakehouse.accounts import Account
from jobs.__main__ import main
from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse import health
from lakehouse.store import Lake
from tests.conftest import xlsx_bytes

TABLES = ("silver.report_values", "silver.quarantine", "gold.file_counts", *health.GOLD)


@pytest.fixture(scope="module")
def built(tmp_path_factory, cat):
    """Two ingests and a refresh: every table has several versions."""
    lake = Lake(tmp_path_factory.mktemp("health") / "lake")
    for n, rows in enumerate(([["178-PVHTT", "TP24-03", "2024-Q1", 790, None, None, None, None]],
                              [["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None],
                               ["999", "TP24-03", "2024-Q2", 1, None, None, None, None]])):
        ingest_bytes(lake, cat, xlsx_bytes(rows), f"bao-cao-{n}.xlsx", received_by="t", channel="cli",
                     received_at=datetime(2024, 7, 1 + n, tzinfo=timezone.utc))
    assert main(["refresh", "--lake", str(lake.root)]) == 0
    return lake


@pytest.fixture
def lake(built, tmp_path):
    shutil.copytree(built.root, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def snapshot(lake):
    return {t: lake.read(t).sort(lake.read(t).columns).drop("quarantined_at", strict=False) for t in TABLES}


def newest_log(lake, table):
    return sorted((lake.root.joinpath(*table.split(".")) / "_delta_log").glob("*.json"))[-1]


def data_file(lake, table):
    return sorted(lake.root.joinpath(*table.split(".")).rglob("*.parquet"))[0]


DAMAGE = {
    "garbled log entry": lambda lk, t: newest_log(lk, t).write_text('{"add": {"path": garbled'),
    "truncated log entry": lambda lk, t: newest_log(lk, t).write_bytes(newest_log(lk, t).read_bytes()[:40]),
    "deleted log entry": lambda lk, t: newest_log(lk, t).unlink(),
    "deleted data file": lambda lk, t: data_file(lk, t).unlink(),
    "overwritten data file": lambda lk, t: data_file(lk, t).write_bytes(b"not parquet at all"),
}


def test_a_whole_lake_has_no_damage(built):
    assert health.damaged(built) == []


@pytest.mark.parametrize("how", sorted(DAMAGE))
@pytest.mark.parametrize("table", ["gold.attainment", "gold.unit_scores", "silver.report_values"])
def test_damage_is_found_and_the_refresh_rebuilds_the_table_as_it_was(lake, how, table):
    before = snapshot(lake)
    DAMAGE[how](lake, table)
    found = health.damaged(lake)
    assert [d.table for d in found] == [table], found
    assert main(["refresh", "--lake", str(lake.root)]) == 0
    assert health.damaged(lake) == []
    after = snapshot(lake)
    for name in TABLES:
        assert after[name].equals(before[name]), name
    assert list((lake.root / "_damaged").glob(f"{table}-*/REASON.txt"))   # kept aside for whoever looks
    assert "dựng lại" in lake.read("ops.runs").sort("finished_at")["summary"][-1]


def test_the_next_ingest_heals_the_lake_too(lake, cat):
    DAMAGE["deleted log entry"](lake, "gold.attainment")
    report = ingest_bytes(lake, cat, xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q3", 2600, None, None, None, None]]),
                          "quy-3.xlsx", received_by="t", channel="cli")
    assert report.status == "accepted"
    assert health.damaged(lake) == []
    att = lake.read("gold.attainment").filter((pl.col("unit_code") == "178-PVHTT")
                                              & (pl.col("indicator_code") == "TP24-03"))
    assert att.filter(pl.col("actual").is_not_null())["period"].sort().to_list() == ["2024-Q1", "2024-Q2", "2024-Q3"]


def test_the_dashboard_says_the_figures_are_being_rebuilt(lake, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lakehouse import accounts

    monkeypatch.setenv("THIDUA_LAKE", str(lake.root))
    leader = Account("lanhdao", "Lãnh đạo", "leadership")
    accounts.save({leader.username: leader}, lake.root.parent / "users.json")
    monkeypatch.setenv("THIDUA_USERS", str(lake.root.parent / "users.json"))
    DAMAGE["deleted data file"](lake, "gold.attainment")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["account"] = leader
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("đang được dựng lại" in w.value for w in at.warning)
    assert not at.metric   # no figures shown while they cannot be trusted
