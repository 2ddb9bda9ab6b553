"""Who may report what holds through the night: the sender's permissions are recorded with the
file and applied in every re-read (refresh, rebuild); ``jobs ingest --as`` applies an account's."""
import json

import polars as pl

from jobs.__main__ import main
from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.pipeline.refresh import refresh
from lakehouse import accounts
from lakehouse.store import Lake
from tests.conftest import xlsx_bytes

ROWS = [["05971", "TP24-16", "2024", 97, "%", None, None, None],        # the steward's ward
        ["178-PKT", "TP24-20", "2024-H1", 999, "ha", None, None, None]]  # not theirs


def pkt_values(lake):
    return lake.read("silver.report_values").filter(pl.col("unit_code") == "178-PKT")


def test_a_stewards_rows_for_other_units_stay_refused_after_the_refresh(tmp_path, cat):
    lake = Lake(tmp_path / "lake")
    report = ingest_bytes(lake, cat, xlsx_bytes(ROWS), "bao-cao.xlsx", received_by="canbo", channel="upload",
                          allowed_units={"05971"})
    assert report.status == "partial"
    assert report.rejects["reason"][0] == "người gửi không được giao báo cáo cho Phòng Kinh tế (mã 178-PKT)"
    manifest = lake.read("bronze.manifest").row(0, named=True)
    assert json.loads(manifest["allowed_units"]) == ["05971"] and manifest["system_user"]
    for _ in range(2):
        refresh(lake, cat)
        assert pkt_values(lake).is_empty()
        q = lake.read("silver.quarantine")
        assert q.filter(pl.col("check") == "permission").height == 1
        att = lake.read("gold.attainment").filter((pl.col("unit_code") == "178-PKT")
                                                  & (pl.col("indicator_code") == "TP24-20"))
        assert att["actual"].drop_nulls().is_empty()


def test_ingest_as_an_account_applies_its_permissions(tmp_path, monkeypatch, capsys):
    users = tmp_path / "users.json"
    monkeypatch.setenv("THIDUA_USERS", str(users))
    accounts.upsert("canbo", "steward", "mat-khau-dai-du", ["05971"], "Cán bộ", users)
    accounts.upsert("lanhdao", "leadership", "mat-khau-dai-du", [], "Lãnh đạo", users)
    (tmp_path / "bao-cao.xlsx").write_bytes(xlsx_bytes(ROWS))
    lake = tmp_path / "lake"
    assert main(["ingest", str(tmp_path / "bao-cao.xlsx"), "--lake", str(lake), "--as", "canbo"]) == 1
    assert "Phòng Kinh tế (mã 178-PKT)" in capsys.readouterr().out
    row = Lake(lake).read("bronze.manifest").row(0, named=True)
    assert row["received_by"] == "canbo" and json.loads(row["allowed_units"]) == ["05971"]
    assert pkt_values(Lake(lake)).is_empty()
    assert main(["ingest", str(tmp_path / "bao-cao.xlsx"), "--lake", str(lake), "--as", "khong-co"]) == 2
    assert main(["ingest", str(tmp_path / "bao-cao.xlsx"), "--lake", str(lake), "--as", "lanhdao"]) == 2
    assert "không được gửi báo cáo" in capsys.readouterr().err


def test_by_records_a_name_and_the_system_user(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(xlsx_bytes(ROWS[:1]))
    assert main(["ingest", str(tmp_path / "a.xlsx"), "--lake", str(tmp_path / "lake"), "--by", "ai-do"]) == 0
    row = Lake(tmp_path / "lake").read("bronze.manifest").row(0, named=True)
    assert row["received_by"] == "ai-do" and row["system_user"] and row["allowed_units"] is None
