from datetime import datetime, timezone

import polars as pl
import pytest

from lakehouse.bronze.cells import read_cells
from lakehouse.silver import report_values
from lakehouse.silver.layouts import read_layout
from tests.conftest import xlsx_bytes


def typed(cat, rows):
    cells, _ = read_cells(xlsx_bytes(rows), "t.xlsx", "xlsx")
    ok, bad, empty, _ = report_values.type_rows(read_layout(cells, "t.xlsx", cat).rows, cat)
    return ok, bad, empty


def test_values_are_converted_to_the_indicators_unit(cat):
    ok, bad, empty = typed(cat, [
        ["178-PTCKH", "TP24-05", "2024-Q2", "221.500", "triệu đồng"],   # 221.500 triệu = 221,5 tỷ
        ["178-PVHTT", "TP24-04", "2024-Q2", "1.150,5 tỷ đồng", None],   # unit written in the cell
        ["178-PVHTT", "TP24-03", "2024-Q2", 1.6, "triệu lượt"],         # unknown unit → rejected
    ])
    values = dict(zip(ok["indicator_code"], ok["value"]))
    assert values["TP24-05"] == pytest.approx(221.5)
    assert values["TP24-04"] == pytest.approx(1150.5)
    assert bad.height == 1 and "triệu lượt" in bad["reason"][0] and bad["cell"][0] == "E4"


def test_codes_that_excel_stripped_of_leading_zeros(cat):
    ok, bad, _ = typed(cat, [[5971, "tp24-16", "2024-H1", 98.2, "%"]])
    assert bad.is_empty() and ok.row(0, named=True)["unit_code"] == "05971"
    assert ok.row(0, named=True)["indicator_code"] == "TP24-16"


def test_done_and_group_values(cat):
    ok, bad, _ = typed(cat, [["05992", "TP24-06", "2024", "Đạt", None],
                             ["20-SKHDT", "LS21-18", "2021", "khá", None],
                             ["20-SKHDT", "LS21-18", "2021-H1", "Xuất sắc", None]])
    assert ok.sort("indicator_code").select("value", "value_text").rows() == [(4.0, "Khá"), (1.0, None)]
    assert "không phải tên nhóm" in bad["reason"][0]


def test_khong_answers_a_done_indicator_but_is_no_data_elsewhere(cat):
    ok, bad, empty = typed(cat, [["05992", "TP24-06", "2024", "Không", None],
                                 ["178-PVHTT", "TP24-03", "2024", "không", None]])
    assert bad.is_empty() and empty == 1
    assert ok.select("indicator_code", "value").rows() == [("TP24-06", 0.0)]


@pytest.mark.parametrize("row, column, reason", [
    (["999", "TP24-03", "2024", 1, None], "Mã đơn vị", "không có trong danh mục đơn vị"),
    (["178-PVHTT", "TP24-00", "2024", 1, None], "Mã chỉ tiêu", "không có trong danh mục chỉ tiêu"),
    (["178-PVHTT", "TP24-03", "Q5/2024", 1, None], "Kỳ báo cáo", "không đúng dạng"),
    (["178-PVHTT", "TP24-03", "2024", "nhiều", None], "Giá trị", "không phải là số"),
    (["178-PVHTT", "TP24-03", None, 1, None], "Kỳ báo cáo", "thiếu kỳ báo cáo"),
    (["178-CA", "TP24-18", "2024", 1, None], "Mã chỉ tiêu", "tiêu chí con"),
])
def test_rejected_rows_name_the_cell_and_the_reason(cat, row, column, reason):
    ok, bad, _ = typed(cat, [row])
    assert ok.is_empty()
    r = bad.row(0, named=True)
    assert r["column"] == column and reason in r["reason"] and r["row"] == 2 and r["cell"]


def test_no_data_marks_are_skipped_not_rejected(cat):
    ok, bad, empty = typed(cat, [["178-PVHTT", "TP24-03", "2024", "-", None],
                                 ["178-PVHTT", "TP24-04", "2024", "x", None]])
    assert ok.is_empty() and bad.is_empty() and empty == 2


def test_later_submission_supersedes_earlier_and_history_stays():
    def sub(file_id, day, value):
        return pl.DataFrame({"period": ["2024-Q1"], "unit_code": ["178"], "indicator_code": ["TP24-03"],
                             "value": [value], "file_id": [file_id],
                             "received_at": [datetime(2024, 4, day, tzinfo=timezone.utc)]})
    # Received out of order: the file sent on 10/4 is loaded after the one sent on 12/4.
    rows = report_values.resolve_current(pl.concat([sub("b", 12, 2.0), sub("a", 10, 1.0)]))
    current = rows.filter(pl.col("is_current"))
    assert current["value"].to_list() == [2.0]
    old = rows.filter(~pl.col("is_current")).row(0, named=True)
    assert old["file_id"] == "a" and old["superseded_by"] == "b"


@pytest.mark.parametrize("packed", [True, False])
@pytest.mark.parametrize("seed", range(15))
def test_each_submission_is_superseded_by_the_next_one_received(seed, packed, monkeypatch):
    """Per key, submissions in the order received (ties by file id): each is superseded by the
    next, the last is current; the rows stay in the order given (packed into one integer a row,
    or, when the codes would not fit, sorted whole)."""
    import random

    if not packed:
        monkeypatch.setattr(report_values, "_packed", lambda rows: None)
    rng = random.Random(seed)
    rows = _submissions(rng, rng.randrange(1, 40), list("abcdef"))
    rows = rows.with_columns(period=pl.Series([rng.choice(["2024-Q1", "2024-Q2"]) for _ in range(rows.height)])
                             ).unique(subset=["file_id", *report_values.KEY], maintain_order=True)
    got = report_values.resolve_current(rows)
    expected = {}
    for key, group in rows.group_by(report_values.KEY):
        subs = sorted(group.select("received_at", "file_id").rows())
        for (_, file_id), following in zip(subs, [*subs[1:], None]):
            expected[(*key, file_id)] = following[1] if following else None
    for r in got.iter_rows(named=True):
        assert r["superseded_by"] == expected[(r["unit_code"], r["indicator_code"], r["period"], r["file_id"])]
        assert r["is_current"] == (r["superseded_by"] is None)
    if packed:
        assert got.select(rows.columns).equals(rows)


def _submissions(rng, n, files):
    return pl.DataFrame({
        "period": ["2024-Q1"] * n,
        "unit_code": [rng.choice(["01", "02", "03"]) for _ in range(n)],
        "indicator_code": [rng.choice(["A", "B"]) for _ in range(n)],
        "value": [float(rng.randrange(100)) for _ in range(n)],
        "file_id": [rng.choice(files) for _ in range(n)],
        "received_at": [datetime(2024, 4, rng.randrange(1, 28), tzinfo=timezone.utc) for _ in range(n)],
    }).unique(subset=["file_id", *report_values.KEY])


@pytest.mark.parametrize("seed", range(20))
def test_replacing_files_resolves_as_resolving_the_whole_partition(seed):
    """A night re-types a few files: resolving only the keys their rows have, old and new, gives
    the partition that resolving every row gives (a file that stops reporting a key hands the
    key back to the submission it had superseded)."""
    import random

    rng = random.Random(seed)
    stored = report_values.resolve_current(_submissions(rng, 12, ["a", "b", "c", "d"]))
    files = rng.sample(["a", "b", "c", "d", "e"], 2)
    new = pl.DataFrame() if seed % 5 == 0 else \
        _submissions(rng, rng.randrange(1, 4), files).with_columns(is_current=True, superseded_by=None)
    untouched, before, now = report_values.replace_files(stored, new, files)
    whole = report_values.resolve_current(pl.concat([stored.filter(~pl.col("file_id").is_in(files)), new],
                                                    how="diagonal_relaxed"))
    got = pl.concat([untouched.collect(), now], how="vertical_relaxed")
    order = ["file_id", *report_values.KEY]
    assert got.sort(order).equals(whole.select(got.columns).sort(order))
    # The partition changed exactly when the affected keys' rows did.
    assert before.sort(order).equals(now.sort(order)) == stored.sort(order).equals(got.sort(order))


@pytest.mark.parametrize("seed", range(20))
def test_new_files_in_a_partition_with_history_resolve_as_the_whole_partition(seed):
    """An ordinary night's files are new: when they came after every key's current submission
    only the current rows are resolved again; a file that arrived out of order (received
    before a submission already typed) falls back to the key's whole history. Either way the
    partition is the one resolving every row gives."""
    import random

    rng = random.Random(seed)
    stored = report_values.resolve_current(_submissions(rng, 15, ["a", "b", "c"]))
    files = ["x", "y"]
    new = _submissions(rng, rng.randrange(1, 5), files).with_columns(is_current=True, superseded_by=None)
    if seed % 2:   # sent after everything stored
        new = new.with_columns(received_at=pl.col("received_at") + pl.duration(days=60))
    untouched, before, now = report_values.replace_files(stored, new, files)
    whole = report_values.resolve_current(pl.concat([stored, new], how="diagonal_relaxed"))
    got = pl.concat([untouched.collect(), now], how="vertical_relaxed")
    order = ["file_id", *report_values.KEY]
    assert got.sort(order).equals(whole.select(got.columns).sort(order))
    assert not before.sort(order).equals(now.sort(order))
    if seed % 2:   # only the current rows of the keys the new files report were resolved again
        assert before.height == stored.filter(pl.col("is_current")).join(
            new.select(report_values.KEY).unique(), on=report_values.KEY, how="semi").height


@pytest.mark.parametrize("seed", range(20))
def test_a_file_that_arrives_last_changes_only_the_live_rows(seed):
    """A new file received after every submission in force for its keys: resolving the rows in
    force alone, the history left as it is, gives the partition that resolving every row
    gives, and every row written is one the next such ingest reads again (``live``). A file
    received before a submission in force is not such a file."""
    import random

    rng = random.Random(seed)
    stored = report_values.resolve_current(_submissions(rng, 15, ["a", "b", "c"]))
    new = _submissions(rng, rng.randrange(1, 5), ["x"]).with_columns(is_current=True, superseded_by=None)
    late = seed % 2 == 0
    if late:
        new = new.with_columns(received_at=pl.col("received_at") + pl.duration(days=60))
    live = stored.filter(report_values.live("x"))
    arrives = report_values.arrives_last(live, new)
    # Ties go by file id, and "x" comes after the stored files.
    early = new.join(stored.filter(pl.col("is_current")), on=report_values.KEY, suffix="_in_force").filter(
        pl.col("received_at") < pl.col("received_at_in_force"))
    assert arrives == early.is_empty()
    if late:
        assert arrives
    if not arrives:
        return
    untouched, _, now = report_values.replace_files(live, new, ["x"])
    written = pl.concat([untouched.collect(), now], how="vertical_relaxed")
    assert written.filter(~report_values.live("x")).is_empty()
    got = pl.concat([stored.filter(~report_values.live("x")), written], how="vertical_relaxed")
    whole = report_values.resolve_current(pl.concat([stored, new], how="diagonal_relaxed"))
    order = ["file_id", *report_values.KEY]
    assert got.sort(order).equals(whole.select(got.columns).sort(order))


def test_live_sql_takes_only_file_ids():
    assert report_values.live_sql("ab12") == "(is_current OR file_id = 'ab12' OR superseded_by = 'ab12')"
    with pytest.raises(ValueError):
        report_values.live_sql("x' OR 1=1 --")
