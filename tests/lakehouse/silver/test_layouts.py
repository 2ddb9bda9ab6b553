import pytest

from lakehouse.bronze.cells import read_cells
from lakehouse.silver.layouts import LayoutError, read_layout
from tests.conftest import xlsx_bytes


def rows_of(data, name="a.xlsx"):
    cells, _ = read_cells(data, name, name.rsplit(".", 1)[1])
    return read_layout(cells, name)


@pytest.mark.parametrize("header", [
    ["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị"],
    ["Ma don vi", "Ma chi tieu", "Ky bao cao", "Gia tri"],
    ["unit_code", "indicator_code", "period", "value"],
    ["MÃ ĐƠN VỊ", "Mã  chỉ tiêu", "Kỳ báo cáo:", "Số thực hiện"],
])
def test_headers_in_vietnamese_without_diacritics_and_english(header):
    got = rows_of(xlsx_bytes([["178", "TP24-03", "2024-Q1", 800]], header=header))
    r = got.rows.row(0, named=True)
    assert (r["unit_text"], r["indicator_text"], r["period_text"], r["value_text"]) == ("178", "TP24-03", "2024-Q1", "800")
    assert (r["row"], r["value_col"]) == (2, 4)


def test_header_found_below_a_title_and_columns_in_any_order():
    header = ["Ghi chú", "Giá trị", "Kỳ báo cáo", "Mã chỉ tiêu", "Mã đơn vị", "Đơn vị tính"]
    got = rows_of(xlsx_bytes([["ok", 5, "2024", "TP24-09", "178-PGDDT", "trường"]], header=header,
                             top=[["BÁO CÁO KẾT QUẢ"], ["Đơn vị báo cáo: Phòng GD&ĐT"], []]))
    r = got.rows.row(0, named=True)
    assert r["row"] == 5 and r["unit_text"] == "178-PGDDT" and r["uom_text"] == "trường" and r["note_text"] == "ok"
    assert "dòng tiêu đề 4" in got.notes[0]


def test_blank_rows_are_skipped():
    got = rows_of(xlsx_bytes([["178", "TP24-03", "2024-Q1", 1], [None] * 4, ["178", "TP24-03", "2024-Q2", 2]]))
    assert got.rows["row"].to_list() == [2, 4]


def test_missing_columns_are_named():
    with pytest.raises(LayoutError) as exc:
        rows_of(xlsx_bytes([["178", "TP24-03", 1]], header=["Mã đơn vị", "Mã chỉ tiêu", "Giá trị"]))
    assert "thiếu cột: Kỳ báo cáo" in exc.value.reason and "a.xlsx" in exc.value.reason


def test_no_table_at_all():
    with pytest.raises(LayoutError) as exc:
        rows_of(xlsx_bytes([["xin chào"]], header=None))
    assert "không thấy dòng tiêu đề" in exc.value.reason


def test_several_sheets():
    from openpyxl import Workbook
    import io
    wb = Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active.append(["Điền vào trang Quý 1 và Quý 2"])
    for name, period in (("Quý 1", "2024-Q1"), ("Quý 2", "2024-Q2")):
        ws = wb.create_sheet(name)
        ws.append(["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị"])
        ws.append(["178-PVHTT", "TP24-03", period, 800])
    buf = io.BytesIO()
    wb.save(buf)
    got = rows_of(buf.getvalue())
    assert got.rows.select("sheet", "period_text").rows() == [("Quý 1", "2024-Q1"), ("Quý 2", "2024-Q2")]
