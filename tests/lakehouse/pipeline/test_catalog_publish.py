"""Publishing a catalog change (``lakehouse.pipeline.publish.publish_changes``, the path the dashboard and
``python -m jobs catalog`` share): checked before anything is written, gold rebuilt for the
campaigns it changed, every version recorded with its diff, any version restorable."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from jobs.__main__ import main
from lakehouse.pipeline.publish import publish_changes, restore
from lakehouse.reference import directive, editing, history
from lakehouse.reference.catalog import CatalogError, load

CATALOG = Path(__file__).resolve().parents[3] / "catalog"


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG, target)
    return target


def _att(lake, indicator: str, period: str) -> dict:
    return lake.read("gold.attainment", where={"period": [period]}).filter(
        (pl.col("indicator_code") == indicator) & (pl.col("unit_code") == "178-PTCKH")).row(0, named=True)


def test_a_revised_target_judges_later_periods_only(demo_lake, folder):
    before_h1 = _att(demo_lake, "TP24-01", "2024-H1")
    files = editing.snapshot(folder)
    rows = directive.rows_of(editing.indicator_items(files["indicators/TPLS2024.yaml"]))
    rows[0]["low"], rows[0]["high"] = 12.0, 13.0
    text = editing.set_indicators(files["indicators/TPLS2024.yaml"], directive.to_items(rows), "TPLS2024", "",
                                  revised_from=date(2024, 7, 1))
    done = publish_changes(demo_lake, {"indicators/TPLS2024.yaml": text}, "quantri", "Điều chỉnh giữa năm", folder)
    assert done.version == 1 and done.campaigns == ["TPLS2024"]      # LS2021 is not rebuilt
    h1, year = _att(demo_lake, "TP24-01", "2024-H1"), _att(demo_lake, "TP24-01", "2024")
    assert (h1["target_low"], h1["target_high"], h1["status"]) == (10, 11, before_h1["status"])
    assert (year["target_low"], year["target_high"]) == (12, 13)
    revisions = demo_lake.read("reference.indicator_revisions")
    assert revisions.sort("valid_from", nulls_last=False)["target_low"].to_list() == [10, 12]
    versions = history.versions(demo_lake)
    assert versions["version"].to_list() == [1, 0] and versions["published_by"][0] == "quantri"
    assert "+    revisions:" in history.diff_of(demo_lake, 1)


def test_a_change_the_catalog_refuses_writes_nothing(demo_lake, folder):
    before = editing.snapshot(folder)
    broken = before["campaigns.yaml"].replace('scope_unit: "178"', 'scope_unit: "999"')
    with pytest.raises(CatalogError, match="đơn vị phát động '999' không có"):
        publish_changes(demo_lake, {"campaigns.yaml": broken}, "quantri", "x", folder)
    assert editing.snapshot(folder) == before and history.latest(demo_lake) is None


def test_restoring_publishes_an_old_version_as_a_new_one(demo_lake, folder):
    files = editing.snapshot(folder)
    entry = editing.campaign_entry(load(folder).campaigns["TPLS2024"]) | {"short_name": "Tên mới"}
    publish_changes(demo_lake, {"campaigns.yaml": editing.set_campaign(files["campaigns.yaml"], entry)}, "a", "đổi tên",
                    folder)
    assert demo_lake.read("reference.campaigns").filter(pl.col("campaign_code") == "TPLS2024")["short_name"][0] == "Tên mới"
    done = restore(demo_lake, 0, "b", folder)
    assert done.version == 2 and editing.snapshot(folder) == files
    assert demo_lake.read("reference.campaigns").filter(pl.col("campaign_code") == "TPLS2024")["short_name"][0] != "Tên mới"


def test_the_command_line_allocates_publishes_lists_shows_and_restores(demo_lake, folder, tmp_path, capsys):
    common = ["--lake", str(demo_lake.root), "--catalog", str(folder)]
    book = tmp_path / "giao.xlsx"
    assert main(["catalog", "allocation", "TPLS2024", "-o", str(book), *common]) == 0
    wb = load_workbook(book)
    ws = wb["Giao chỉ tiêu"]
    col = next(c for c in range(3, ws.max_column + 1) if ws.cell(4, c).value == "TP24-05")
    ws.cell(9, col, "nhiều")
    wb.save(book)
    assert main(["catalog", "allocate", "TPLS2024", str(book), "--note", "Giao lại", *common]) == 1
    assert "dòng 9, cột" in capsys.readouterr().err
    ws.cell(9, col, 60)
    wb.save(book)
    assert main(["catalog", "allocate", "TPLS2024", str(book), "--note", "Giao lại", "--by", "quantri", *common]) == 0
    assert "Đã công bố danh mục bản 1" in capsys.readouterr().out
    (folder / "campaigns.yaml").write_text("campaigns: [\n", encoding="utf-8")      # a hand edit gone wrong
    assert main(["catalog", "history", *common]) == 0
    assert "quantri: Giao lại" in capsys.readouterr().out
    assert main(["catalog", "show", "1", *common]) == 0
    shown = capsys.readouterr().out
    assert "+++ b/unit_targets.csv" in shown and any(line.startswith("+TP24-05,") and ",60," in line
                                                      for line in shown.splitlines())
    assert main(["catalog", "restore", "1", *common]) == 0
    assert (folder / "campaigns.yaml").read_text(encoding="utf-8") == (CATALOG / "campaigns.yaml").read_text(
        encoding="utf-8")
    assert main(["catalog", "show", "9", *common]) == 2


def test_the_published_check_reads_a_published_version_once_per_catalog(lake, cat, monkeypatch):
    from dataclasses import replace

    from lakehouse.pipeline.publish import publish, unpublished
    from lakehouse.store import Lake

    fresh = replace(cat)   # a catalog of its own: nothing remembered from other tests
    publish(lake, fresh)
    assert unpublished(lake, fresh) == []
    reads = []
    real = Lake.read
    monkeypatch.setattr(Lake, "read", lambda self, name, *a, **k: (reads.append(name), real(self, name, *a, **k))[1])
    assert unpublished(lake, fresh) == [] and reads == []      # the same versions: nothing read again
    units = real(lake, "reference.units")
    lake.overwrite("reference.units", units.head(units.height - 1))   # someone published something else
    assert unpublished(lake, fresh) == ["reference.units"] and reads == ["reference.units"]
