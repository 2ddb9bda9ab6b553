"""One source for reference data: the refresh publishes the catalog; an ingest holding another
copy (a dashboard started before an admin's change) never writes it back."""
import shutil

import polars as pl
import pytest

from jobs.__main__ import main
from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.pipeline.publish import CatalogNotPublished
from lakehouse.pipeline.refresh import refresh
from lakehouse.reference.catalog import DEFAULT_DIR, load
from lakehouse.store import Lake
from tests.conftest import xlsx_bytes

ROW = ["178-PVHTT", "TP24-03", "2024-Q1", 790, None, None, None, None]


def renamed_catalog(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    path = target / "indicators" / "TPLS2024.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('name: "Tổng lượng khách du lịch"', 'name: "Tổng lượt khách du lịch (sửa)"', 1),
                    encoding="utf-8")
    return target


def name_of(lake, code):
    return lake.read("reference.indicators").filter(pl.col("indicator_code") == code)["name"][0]


def test_an_ingest_with_an_older_catalog_never_writes_it_back(tmp_path, cat):
    lake = Lake(tmp_path / "lake")
    assert ingest_bytes(lake, cat, xlsx_bytes([ROW]), "a.xlsx", received_by="t", channel="cli").ok  # new lake: publishes
    new = load(renamed_catalog(tmp_path))
    refresh(lake, new)                                   # the admin's change, published
    assert name_of(lake, "TP24-03") == "Tổng lượt khách du lịch (sửa)"
    late = xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None]])
    with pytest.raises(CatalogNotPublished):
        ingest_bytes(lake, cat, late, "b.xlsx", received_by="t", channel="upload")   # a server's stale copy
    assert name_of(lake, "TP24-03") == "Tổng lượt khách du lịch (sửa)"
    assert "b.xlsx" in lake.read("bronze.manifest")["original_name"].to_list()     # kept, waiting
    refresh(lake, new)
    assert sorted(lake.read("silver.report_values")["period"].to_list()) == ["2024-Q1", "2024-Q2"]


def test_the_cli_refuses_an_unpublished_catalog_with_exit_2(tmp_path, capsys):
    lake = tmp_path / "lake"
    (tmp_path / "a.xlsx").write_bytes(xlsx_bytes([ROW]))
    assert main(["ingest", str(tmp_path / "a.xlsx"), "--lake", str(lake)]) == 0
    edited = renamed_catalog(tmp_path)
    (tmp_path / "b.xlsx").write_bytes(xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None]]))
    assert main(["ingest", str(tmp_path / "b.xlsx"), "--lake", str(lake), "--catalog", str(edited)]) == 2
    assert "chưa công bố" in capsys.readouterr().err
    assert main(["refresh", "--lake", str(lake), "--catalog", str(edited)]) == 0
    assert name_of(Lake(lake), "TP24-03") == "Tổng lượt khách du lịch (sửa)"
