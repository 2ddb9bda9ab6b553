"""Staging types many files at once (a night's batch): each file must come out exactly as it
would alone — its own notation, its own year-to-date sums, its own repeats and messages."""
import polars as pl

from lakehouse.bronze.cells import read_cells
from lakehouse.pipeline.ingest import assignment_keys
from lakehouse.silver.stage import stage_files
from tests.conftest import csv_bytes
from tests.corpus.build import form, xlsx


def _item(file_id, name, data):
    cells, _ = read_cells(data, name, name.rsplit(".", 1)[1])
    return file_id, name, cells


def _files():
    quarters = [["STT", "Chỉ tiêu", "ĐVT", "Quý I/2024", "Quý II/2024", "Lũy kế 6 tháng"]]
    second = [["STT", "Chỉ tiêu", "ĐVT", "Quý II/2024 (trong kỳ)"]]
    return [
        # Quý II's own amount becomes the year to date with this file's Quý I.
        _item("a", "6-thang.xlsx", xlsx({"Biểu": form("UBND phường Chi Lăng", "BÁO CÁO 6 THÁNG 2024", quarters,
                                                     [[1, "Thu nội địa", "tỷ đồng", "1,85", "2,01", "3,86"]])})),
        # The same indicator's Quý II alone: another file's Quý I in the batch must not complete it.
        _item("b", "quy-2.xlsx", xlsx({"Biểu": form("UBND phường Chi Lăng", "BÁO CÁO QUÝ II 2024", second,
                                                   [[1, "Thu nội địa", "tỷ đồng", "2,01"]])})),
        # International notation in one file, Vietnamese in the next, same texts read differently.
        _item("c", "quoc-te.csv", csv_bytes([["05983", "TP24-05", "2024-Q1", "1,234.5"],
                                             ["05983", "TP24-05", "2024-Q3", "2,000.25"]])),
        # An exact repeat inside the file is one report; the same value as file c is not a repeat.
        _item("d", "viet-nam.csv", csv_bytes([["05983", "TP24-05", "2024-Q1", "1.234,5"],
                                              ["05983", "TP24-05", "2024-Q1", "1.234,5"],
                                              ["05983", "TP24-05", "2024-Q3", "1.234"]])),
        _item("e", "khong-phai-bao-cao.csv", csv_bytes([["xin chào"]], header=["Lời nhắn"])),
    ]


def _values(s):
    return sorted((r["unit_code"], r["indicator_code"], r["period"], r["value"])
                  for r in s.accepted.iter_rows(named=True)) if not s.accepted.is_empty() else []


def test_a_batch_of_files_is_staged_as_each_file_alone(cat):
    items, keys = _files(), assignment_keys(cat)
    together, check = stage_files(items, cat, keys)
    assert [s.file_id for s in together] == ["a", "b", "c", "d", "e"]
    assert check is not None and check.outcomes[0].element_count == sum(s.accepted.height for s in together)
    for item, s in zip(items, together):
        (alone,), _ = stage_files([item], cat, keys)
        assert _values(s) == _values(alone), item[1]
        assert s.rejects.equals(alone.rejects), item[1]
        assert (s.notes, s.problem, s.rows_read, s.empty_rows) == (alone.notes, alone.problem, alone.rows_read,
                                                                    alone.empty_rows), item[1]
        if not s.accepted.is_empty():
            assert s.accepted["file_id"].unique().to_list() == [s.file_id]

    a, b, c, d, e = together
    assert _values(a) == [("05983", "TP24-05", "2024-Q1", 1.85), ("05983", "TP24-05", "2024-Q2", 3.86)]
    assert _values(b) == [] and b.rejects["check"].to_list() == ["period_flow"]
    assert _values(c) == [("05983", "TP24-05", "2024-Q1", 1234.5), ("05983", "TP24-05", "2024-Q3", 2000.25)]
    assert _values(d) == [("05983", "TP24-05", "2024-Q1", 1234.5), ("05983", "TP24-05", "2024-Q3", 1234.0)]
    assert any("quốc tế" in n for n in c.notes) and any("Việt Nam" in n for n in d.notes)
    assert any("cộng dồn" in n for n in a.notes) and not any("cộng dồn" in n for n in b.notes)
    assert e.problem and "khong-phai-bao-cao.csv" in e.problem and e.accepted.is_empty()


def test_a_batch_whose_files_have_no_rows(cat):
    items = [_item("e", "khong-phai-bao-cao.csv", csv_bytes([["xin chào"]], header=["Lời nhắn"]))]
    (s,), check = stage_files(items, cat, assignment_keys(cat))
    assert check is None and s.problem and s.accepted.is_empty() and s.rejects.height == 0
    assert isinstance(s.rejects, pl.DataFrame)


def test_a_rows_assignment_is_looked_up_the_same_for_a_file_and_a_nights_batch(cat, monkeypatch):
    from lakehouse.silver import stage

    keys = assignment_keys(cat)
    known = sorted(keys)[:3]
    rows = pl.Series([known[0], "TP24-05|không-có", None, known[2], known[1]], dtype=pl.String)
    small = stage.assigned(rows, keys)
    monkeypatch.setattr(stage, "LOOKUP_ROWS", 0)   # as for a batch of a million rows
    assert small.to_list() == stage.assigned(rows, keys).to_list() == [True, False, None, True, True]
