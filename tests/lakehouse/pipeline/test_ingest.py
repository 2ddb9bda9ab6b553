"""``python -m jobs ingest``: real files into real Delta tables, GX and all."""
from datetime import datetime, timezone

import polars as pl
import pytest

from jobs.__main__ import main
from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.store import Lake
from tests.conftest import csv_bytes, xlsx_bytes

WHEN = datetime(2024, 7, 8, 2, 0, tzinfo=timezone.utc)


def ingest(lake, cat, data, name="bao-cao.xlsx", **kw):
    kw.setdefault("received_at", WHEN)
    return ingest_bytes(lake, cat, data, name, received_by="can-bo-a", channel="cli", **kw)


def gold_row(lake, unit, indicator, period):
    att = lake.read("gold.attainment")
    return att.filter((pl.col("unit_code") == unit) & (pl.col("indicator_code") == indicator)
                      & (pl.col("period") == period)).row(0, named=True)


def test_a_file_reaches_gold(lake, cat):
    report = ingest(lake, cat, xlsx_bytes([
        ["178-PVHTT", "TP24-03", "2024-Q2", "1.820", "nghìn lượt", None, None, None],
        ["178-PVHTT", "TP24-04", "2024-Q2", "1.150,5", "tỷ đồng", None, None, None],
    ]))
    assert report.status == "accepted" and report.accepted.height == 2
    r = gold_row(lake, "178-PVHTT", "TP24-03", "2024-Q2")
    assert r["actual"] == 1820 and r["campaign_code"] == "TPLS2024" and r["file_id"] == report.file_id
    assert r["sheet"] == "Báo cáo" and r["row"] == 2
    manifest = lake.read("bronze.manifest").row(0, named=True)
    assert (manifest["original_name"], manifest["received_by"], manifest["channel"]) == ("bao-cao.xlsx", "can-bo-a", "cli")
    assert lake.read("bronze.cells").filter(pl.col("text") == "1.150,5").height == 1
    assert lake.read("gold.completeness").height > 0 and lake.read("gold.unit_scores").height > 0
    runs = lake.read("ops.runs")
    assert runs["job"].to_list() == ["ingest"] and runs["checks_passed"][0] > 0


def test_dry_run_writes_nothing(lake, cat):
    report = ingest(lake, cat, xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None],
                                           ["999", "TP24-03", "2024-Q2", 1, None, None, None, None]]), dry_run=True)
    assert report.status == "partial" and report.accepted.height == 1
    assert report.problems == ["tệp 'bao-cao.xlsx', trang 'Báo cáo', dòng 3, cột Mã đơn vị (ô A3): "
                               "mã đơn vị '999' không có trong danh mục đơn vị — giá trị '999'"]
    assert any("dòng tiêu đề 1" in n for n in report.notes)
    assert not (lake.root / "bronze").exists() and not (lake.root / "silver").exists()


def test_rejected_rows_go_to_quarantine_and_never_to_gold(lake, cat):
    report = ingest(lake, cat, xlsx_bytes([
        ["05980", "TP24-16", "2024-H1", 104.5, "%", None, None, None],       # over 100%
        ["05980", "TP24-12", "2024", 96, "%", None, None, None],             # fine
        ["05980", "TP24-08", "2023-Q4", 1, None, None, None, None],          # before the campaign
        ["05980", "TP24-01", "2024", 10.5, None, None, None, None],          # not this unit's indicator
        ["05980", "TP24-16", "2024", -3, "%", None, None, None],             # negative share
    ]))
    assert report.status == "partial"
    q = lake.read("silver.quarantine").sort("row")
    assert q["row"].to_list() == [2, 4, 5, 6]
    assert q["cell"].to_list() == ["D2", "C4", "A5", "D6"]
    assert all(q["original_name"] == "bao-cao.xlsx")
    silver = lake.read("silver.report_values")
    assert silver.select("indicator_code", "period").rows() == [("TP24-12", "2024")]
    att = lake.read("gold.attainment")
    assert att.filter((pl.col("unit_code") == "05980") & (pl.col("indicator_code") == "TP24-16"))["actual"].null_count() \
        == att.filter((pl.col("unit_code") == "05980") & (pl.col("indicator_code") == "TP24-16")).height


def test_same_key_twice_with_different_values_rejects_both(lake, cat):
    report = ingest(lake, cat, xlsx_bytes([["183", "LS21-21", "2021-Q2", 31, None, None, 35, None],
                                           ["183", "LS21-21", "2021-Q2", 29, None, None, 35, None],
                                           ["183", "LS21-21", "2021-Q3", 40, None, None, 41, None],
                                           ["183", "LS21-21", "2021-Q3", 40, None, None, 41, None]]))
    assert report.accepted.select("period").to_series().to_list() == ["2021-Q3"]
    assert sorted(report.rejects["row"].to_list()) == [2, 3]
    assert "hai giá trị khác nhau" in report.rejects["reason"][0]


def test_same_file_twice_is_recognised(lake, cat):
    data = xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None]])
    first = ingest(lake, cat, data)
    again = ingest(lake, cat, data, name="ban-sao.xlsx")
    assert again.status == "duplicate" and again.duplicate_of == WHEN and first.status == "accepted"
    assert "đã được nhận" in again.summary_vi()
    assert lake.read("bronze.manifest").height == 1
    assert lake.read("silver.report_values").height == 1


def test_later_submission_supersedes_and_history_is_kept(lake, cat):
    ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q2", 200, "tỷ đồng", None, None, None]]))
    later = datetime(2024, 7, 15, tzinfo=timezone.utc)
    ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q2", "221.500", "triệu đồng", None, None,
                                   "Điều chỉnh"]]), name="dieu-chinh.xlsx", received_at=later)
    silver = lake.read("silver.report_values").sort("received_at")
    assert silver["value"].to_list() == [200.0, 221.5]
    assert silver["is_current"].to_list() == [False, True]
    assert silver["superseded_by"][0] == silver["file_id"][1]
    assert gold_row(lake, "178-PTCKH", "TP24-05", "2024-Q2")["actual"] == 221.5
    # Completeness counts the first arrival: on time.
    comp = lake.read("gold.completeness").filter((pl.col("unit_code") == "178-PTCKH") & (pl.col("period") == "2024-Q2"))
    assert comp["on_time"][0] == 1
    # The upload history's counts follow silver: the first file's value is no longer in force.
    counts = {r["file_id"]: (r["accepted"], r["current"]) for r in lake.read("gold.file_counts").iter_rows(named=True)}
    assert counts == {silver["file_id"][0]: (1, 0), silver["file_id"][1]: (1, 1)}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258", "utf-16"])
def test_csv_in_every_encoding(lake, cat, encoding):
    report = ingest(lake, cat, csv_bytes([["05971", "TP24-12", "Năm 2024", "96,5", "%", None, None, "Phường Hoàng Văn Thụ"]],
                                         encoding=encoding, delimiter=";"), name="bao-cao.csv")
    assert report.status == "accepted", report.problems
    assert gold_row(lake, "05971", "TP24-12", "2024")["actual"] == 96.5


def test_unreadable_file_is_kept_and_quarantined(lake, cat):
    report = ingest(lake, cat, b"%PDF-1.4 not a spreadsheet", name="bao-cao.xlsx")
    assert report.status == "rejected" and "PDF" in report.message
    manifest = lake.read("bronze.manifest")
    assert manifest.height == 1
    assert lake.get_file(manifest["object_key"][0]) == b"%PDF-1.4 not a spreadsheet"
    q = lake.read("silver.quarantine").row(0, named=True)
    assert q["check"] == "file" and "PDF" in q["reason"]
    assert lake.read("silver.report_values").is_empty()


def test_file_name_with_path_parts_is_made_safe(lake, cat):
    report = ingest(lake, cat, xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q2", 1, None, None, None, None]]),
                    name="../../etc/bao cáo\x00.xlsx")
    assert report.name == "bao cáo.xlsx"
    assert not any(p.name == "etc" for p in lake.root.rglob("*"))


def test_cli_exit_codes(tmp_path, capsys):
    lake_dir = str(tmp_path / "lake")
    good = tmp_path / "tot.xlsx"
    good.write_bytes(xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None]]))
    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q9", 1820, None, None, None, None]]))
    assert main(["ingest", "--lake", lake_dir, "--dry-run", str(good)]) == 0
    assert "[thử]" in capsys.readouterr().out
    assert main(["ingest", "--lake", lake_dir, str(good)]) == 0
    assert main(["ingest", "--lake", lake_dir, str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ô C2" in out and "2024-Q9" in out
    assert main(["ingest", "--lake", lake_dir, str(tmp_path / "khong-co.xlsx")]) == 2
    assert "không tìm thấy tệp" in capsys.readouterr().err
    assert main(["ingest", "--lake", lake_dir, "--received-at", "hôm qua", str(good)]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--help"])
    assert exc.value.code == 0
    assert Lake(lake_dir).read("gold.attainment").filter(pl.col("actual") == 1820).height == 1


def test_xls_and_ods_reports(lake, cat):
    import io

    import pandas as pd
    xlwt = pytest.importorskip("xlwt")
    pytest.importorskip("odf")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Báo cáo")
    for c, v in enumerate(["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị"]):
        ws.write(0, c, v)
    for c, v in enumerate(["05971", "TP24-12", "2024", 96.5]):
        ws.write(1, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    assert ingest(lake, cat, buf.getvalue(), name="cu.xls").status == "accepted"
    buf = io.BytesIO()
    pd.DataFrame({"Mã đơn vị": ["05974"], "Mã chỉ tiêu": ["TP24-12"], "Kỳ báo cáo": ["2024"],
                  "Giá trị": ["95,5"]}).to_excel(buf, engine="odf", index=False)
    assert ingest(lake, cat, buf.getvalue(), name="mo.ods").status == "accepted"
    assert gold_row(lake, "05971", "TP24-12", "2024")["actual"] == 96.5
    assert gold_row(lake, "05974", "TP24-12", "2024")["actual"] == 95.5


def test_a_file_whose_ingest_stopped_part_way_is_finished_when_sent_again(lake, cat):
    from lakehouse.bronze import cells as bronze_cells
    from lakehouse.bronze import files as bronze_files
    data = xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None]])
    # What a killed ingest leaves: bytes, manifest row and cells, but nothing in silver or gold.
    got = bronze_files.receive(lake, data, "bao-cao.xlsx", "can-bo-a", "upload", WHEN)
    cells, _ = bronze_cells.read_cells(data, "bao-cao.xlsx", "xlsx")
    lake.append("bronze.cells", bronze_cells.to_table(cells, got.file_id))
    report = ingest(lake, cat, data, name="gui-lai.xlsx", received_at=datetime(2024, 7, 20, tzinfo=timezone.utc))
    assert report.status == "accepted"
    assert gold_row(lake, "178-PVHTT", "TP24-03", "2024-Q2")["actual"] == 1820
    assert lake.read("bronze.manifest").height == 1                      # still one receipt, the first
    assert lake.read("silver.report_values")["received_at"][0] == WHEN   # counted from the first receipt
    assert lake.read("bronze.cells").height == cells.height              # cells not written twice
    assert ingest(lake, cat, data).status == "duplicate"                 # now it is done


def test_the_first_ingest_on_a_lake_without_file_counts_counts_every_period(lake, cat):
    import shutil

    ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q2", 200, "tỷ đồng", None, None, None]]))
    first = lake.read("silver.report_values")["file_id"][0]
    shutil.rmtree(lake.uri("gold.file_counts"))  # a lake written before the table existed
    assert not lake.exists("gold.file_counts")
    ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q3", 210, "tỷ đồng", None, None, None]]),
           name="quy-3.xlsx")
    counts = {(r["period"], r["file_id"] == first, r["accepted"])
              for r in lake.read("gold.file_counts").iter_rows(named=True)}
    assert counts == {("2024-Q2", True, 1), ("2024-Q3", False, 1)}


def _history_files(lake) -> set[str]:
    from lakehouse.store import add_actions

    files = pl.from_arrow(add_actions(lake.table("silver.report_values")))
    return set(files.filter(~pl.col("max.is_current"))["path"].to_list())


def test_a_new_submission_rewrites_the_rows_in_force_and_leaves_the_history_files(lake, cat, monkeypatch):
    """Silver keeps the rows in force apart from the history: a file sent after them rewrites
    the files holding rows in force and adds the rows it superseded, and never rewrites the
    files of older history (a month that many files were sent for is mostly history)."""
    from lakehouse import store
    from lakehouse.pipeline.ingest import write_silver
    from lakehouse.pipeline.runs import Run

    monkeypatch.setattr(store, "FILE_BYTES", 8 << 10)   # files of a thousand rows, not a million
    # Silver's writer makes a new file every 1,024 rows at most: enough rows for a few files.
    keys = [(f"X{n:04d}", code) for n in range(1_000) for code in ("TP24-03", "TP24-04", "TP24-05")]
    files = []
    for day in range(4):
        accepted = pl.DataFrame({"period": "2024-Q2", "unit_code": [u for u, _ in keys],
                                 "indicator_code": [c for _, c in keys], "value": float(day),
                                 "sheet": "Báo cáo", "row": pl.int_range(2, len(keys) + 2, eager=True)})
        files.append(f"{day:064x}")
        write_silver(lake, cat, accepted, files[-1], datetime(2024, 7, 8 + day, tzinfo=timezone.utc), Run("ingest"),
                     first_attempt=True)
        if day == 2:
            history = _history_files(lake)
    assert len(history) > 1 and history <= _history_files(lake)
    silver = lake.read("silver.report_values")
    assert silver.height == 4 * len(keys)
    for day, file_id in enumerate(files):
        rows = silver.filter(pl.col("file_id") == file_id)
        assert rows["is_current"].all() == (day == 3) and rows["value"].unique().to_list() == [float(day)]
        assert rows["superseded_by"].unique().to_list() == [files[day + 1] if day < 3 else None]
    counts = {r["file_id"]: (r["accepted"], r["current"]) for r in lake.read("gold.file_counts").iter_rows(named=True)}
    assert counts == {f: (len(keys), len(keys) if f == files[-1] else 0) for f in files}


@pytest.mark.parametrize("many", [False, True], ids=["few-units", "many-units"])
def test_successive_submissions_supersede_each_other(lake, cat, monkeypatch, many):
    from lakehouse.pipeline import gold

    if many:   # every file counts as one of many units: the month's rows in force are rewritten
        monkeypatch.setattr(gold, "FEW_UNITS", 0)
        monkeypatch.setattr(gold, "FEW_SHARE", 0.0)
    for day, value in enumerate((200, 210, 220, 230)):
        ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q2", value, "tỷ đồng", None, None, None],
                                      ["178-PVHTT", "TP24-03", "2024-Q2", 1800 + day, None, None, None, None]]),
               name=f"lan-{day}.xlsx", received_at=datetime(2024, 7, 8 + day, tzinfo=timezone.utc))
    silver = lake.read("silver.report_values").filter(pl.col("indicator_code") == "TP24-05").sort("received_at")
    assert silver["value"].to_list() == [200.0, 210.0, 220.0, 230.0]
    assert silver["is_current"].to_list() == [False, False, False, True]
    assert silver["superseded_by"].to_list()[:3] == silver["file_id"].to_list()[1:]
    counts = lake.read("gold.file_counts").sort("file_id")
    assert counts["accepted"].to_list() == [2] * 4 and sorted(counts["current"].to_list()) == [0, 0, 0, 2]
    assert gold_row(lake, "178-PTCKH", "TP24-05", "2024-Q2")["actual"] == 230


def test_a_file_received_before_the_value_in_force_is_put_in_its_place_in_the_history(lake, cat):
    """A file whose ingest finishes after a later file's (received on the 10th, typed after the
    file of the 12th) lands inside the key's history: the later value stays in force."""
    ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q2", 200, "tỷ đồng", None, None, None]]),
           name="lan-1.xlsx", received_at=datetime(2024, 7, 1, tzinfo=timezone.utc))
    ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q2", 220, "tỷ đồng", None, None, None]]),
           name="lan-3.xlsx", received_at=datetime(2024, 7, 12, tzinfo=timezone.utc))
    ingest(lake, cat, xlsx_bytes([["178-PTCKH", "TP24-05", "2024-Q2", 210, "tỷ đồng", None, None, None]]),
           name="lan-2.xlsx", received_at=datetime(2024, 7, 10, tzinfo=timezone.utc))
    silver = lake.read("silver.report_values").sort("received_at")
    assert silver["value"].to_list() == [200.0, 210.0, 220.0]
    assert silver["is_current"].to_list() == [False, False, True]
    assert silver["superseded_by"].to_list() == [silver["file_id"][1], silver["file_id"][2], None]
    assert gold_row(lake, "178-PTCKH", "TP24-05", "2024-Q2")["actual"] == 220
    counts = {r["file_id"]: r["current"] for r in lake.read("gold.file_counts").iter_rows(named=True)}
    assert sorted(counts.values()) == [0, 0, 1] and counts[silver["file_id"][2]] == 1
