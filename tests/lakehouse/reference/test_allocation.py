"""The allocation workbook (giao chỉ tiêu): written, filled by openpyxl as an office would, read
back through the bronze reader, every problem named with its sheet, row and column."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from lakehouse.bronze.cells import read_cells
from lakehouse.reference import allocation


def _read(cat, wb, name="giao.xlsx"):
    buf = io.BytesIO()
    wb.save(buf)
    cells, _ = read_cells(buf.getvalue(), name, "xlsx")
    return allocation.read(cat, "TPLS2024", cells, name)


def _sheet(cat):
    wb = load_workbook(io.BytesIO(allocation.workbook(cat, "TPLS2024")))
    ws = wb[allocation.SHEET]
    cols = {ws.cell(4, c).value: c for c in range(3, ws.max_column + 1)}
    rows = {ws.cell(r, 1).value: r for r in range(9, ws.max_row + 1)}
    return wb, ws, cols, rows


def test_the_workbook_carries_the_shares_given_and_a_live_sum(cat):
    wb, ws, cols, rows = _sheet(cat)
    assert list(cols) == [i.code for i in allocation.indicators(cat, "TPLS2024")]
    c = cols["TP24-05"]
    assert ws.cell(7, c).value == 425                                # the campaign's figure
    assert ws.cell(8, c).value.startswith("=SUM(")                   # the sum Excel keeps up to date
    given = {(t.indicator, t.unit): t.value for t in cat.unit_targets}
    assert ws.cell(rows["05971"], c).value == given[("TP24-05", "05971")]
    got = _read(cat, wb)
    assert not got.errors and got.shares[("TP24-05", "05971")] == given[("TP24-05", "05971")]


def test_every_problem_is_named_with_its_place(cat):
    wb, ws, cols, rows = _sheet(cat)
    c = cols["TP24-05"]
    ws.cell(rows["05971"], c, "bốn mươi")
    ws.cell(rows["05974"], 1, "99999")
    ws.cell(rows["05977"], 1, "05980")                               # the same unit twice
    ws.cell(4, ws.max_column + 1, "LS21-05")                         # another campaign's indicator
    got = _read(cat, wb)
    where = "Tệp 'giao.xlsx', trang 'Giao chỉ tiêu', dòng"
    assert f"{where} {rows['05971']}, cột C (TP24-05): 'bốn mươi' không phải là số" in got.errors
    assert f"{where} {rows['05974']}, cột A: mã đơn vị '99999' không có trong danh mục." in got.errors
    assert any(e.startswith(f"{where} {rows['05980']}, cột A: đơn vị '05980' xuất hiện hai lần") for e in got.errors)
    assert any("chỉ tiêu 'LS21-05' thuộc phong trào khác" in e for e in got.errors)


def test_a_unit_that_does_not_report_the_indicator_cannot_be_given_a_share(cat):
    wb, ws, cols, rows = _sheet(cat)
    department = next(u for u in rows if str(u).startswith("178-"))
    target = next(code for code, c in cols.items() if ws.cell(rows[department], c).fill.fgColor.rgb.endswith("EEEEEE"))
    ws.cell(rows[department], cols[target], 3)
    got = _read(cat, wb)
    assert any(f"đơn vị '{department}'" in e and "không báo cáo chỉ tiêu này" in e for e in got.errors)


def test_shares_against_the_campaign_figure_and_units_left_out(cat):
    wb, ws, cols, rows = _sheet(cat)
    c = cols["TP24-05"]
    for r in rows.values():
        if ws.cell(r, c).value is not None:
            ws.cell(r, c).value = 60
    ws.cell(rows["05992"], c).value = None
    got = _read(cat, wb)
    assert not got.errors
    assert any("TP24-05" in w and "vượt" in w and "so với chỉ tiêu chung 425" in w for w in got.warnings)
    assert any("TP24-05" in w and "1 đơn vị chưa được giao" in w for w in got.warnings)
    assert ("TP24-05", "05992") not in got.shares
