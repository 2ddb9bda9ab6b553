"""Every accepted file type and encoding becomes the same table of cells."""
import io

import pandas as pd
import pytest

from lakehouse.bronze.cells import FileRejected, decode_text, read_cells
from tests.conftest import csv_bytes, xlsx_bytes

ROWS = [["178", "TP24-03", "2024-Q1", "812,5", "nghìn lượt", None, None, "Phường Đông Kinh"]]


def cell(frame, row, col):
    hit = frame.filter((frame["row"] == row) & (frame["col"] == col))
    return hit["text"][0] if hit.height else None


def test_xlsx_cells_keep_their_sheet_row_and_column():
    frame, info = read_cells(xlsx_bytes(ROWS, top=[["Biểu số 01"], []]), "bao-cao.xlsx", "xlsx")
    assert info.format == "xlsx" and info.sheets == ("Báo cáo",)
    assert cell(frame, 1, 1) == "Biểu số 01"
    assert cell(frame, 3, 1) == "Mã đơn vị"
    assert cell(frame, 4, 4) == "812,5"
    assert cell(frame, 4, 8) == "Phường Đông Kinh"


def test_table_that_does_not_start_at_a1_keeps_true_positions():
    from openpyxl import Workbook
    wb = Workbook()
    wb.active["C5"] = "Mã đơn vị"
    wb.active["D7"] = 5
    buf = io.BytesIO()
    wb.save(buf)
    frame, _ = read_cells(buf.getvalue(), "lech.xlsx", "xlsx")
    assert cell(frame, 5, 3) == "Mã đơn vị" and cell(frame, 7, 4) == "5"


def test_real_numbers_are_told_apart_from_vietnamese_text():
    frame, _ = read_cells(xlsx_bytes([["178", "LS21-04", "2021", 5.835, "5.835"]]), "so.xlsx", "xlsx")
    native = frame.filter((frame["row"] == 2) & (frame["col"] == 4)).row(0, named=True)
    text = frame.filter((frame["row"] == 2) & (frame["col"] == 5)).row(0, named=True)
    assert (native["text"], native["is_number"]) == ("5.835", True)
    assert (text["text"], text["is_number"]) == ("5.835", False)


def test_xls_written_by_xlwt():
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Báo cáo")
    for c, v in enumerate(["Mã đơn vị", "Giá trị"]):
        ws.write(0, c, v)
    ws.write(1, 0, "05971")
    ws.write(1, 1, 98.5)
    buf = io.BytesIO()
    wb.save(buf)
    frame, info = read_cells(buf.getvalue(), "cu.xls", "xls")
    assert info.format == "xls" and cell(frame, 2, 1) == "05971" and cell(frame, 2, 2) == "98.5"


def test_ods_written_by_odfpy():
    pytest.importorskip("odf")
    buf = io.BytesIO()
    pd.DataFrame({"Mã đơn vị": ["05971"], "Giá trị": ["98,5"]}).to_excel(buf, engine="odf", index=False)
    frame, info = read_cells(buf.getvalue(), "bao-cao.ods", "ods")
    assert info.format == "ods" and cell(frame, 2, 2) == "98,5" and cell(frame, 1, 1) == "Mã đơn vị"


@pytest.mark.parametrize("encoding, label", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
                                             ("cp1258", "windows-1258")])
def test_csv_encodings(encoding, label):
    frame, info = read_cells(csv_bytes(ROWS, encoding=encoding), "bao-cao.csv", "csv")
    assert info.encoding == label
    assert cell(frame, 1, 1) == "Mã đơn vị"          # NFC, whatever the encoding did to it
    assert cell(frame, 2, 8) == "Phường Đông Kinh"


def test_csv_semicolons_and_quotes():
    data = 'Mã đơn vị;Giá trị;Ghi chú\n178;"5.835,5";"có dấu ; trong ghi chú"\n'.encode()
    frame, _ = read_cells(data, "a.csv", "csv")
    assert cell(frame, 2, 2) == "5.835,5" and cell(frame, 2, 3) == "có dấu ; trong ghi chú"


def test_windows_1258_decoding_is_nfc():
    text, encoding, _ = decode_text("Tỷ lệ hộ nghèo".encode("utf-8"))
    assert encoding == "utf-8"
    from lakehouse.text import encode_windows_1258
    text, encoding, _ = decode_text(encode_windows_1258("Tỷ lệ hộ nghèo"))
    assert encoding == "windows-1258"
    import unicodedata
    assert unicodedata.normalize("NFC", text) == "Tỷ lệ hộ nghèo"


@pytest.mark.parametrize("data, name, ext, message", [
    (b"", "rong.xlsx", "xlsx", "rỗng"),
    (b"%PDF-1.7 ...", "bao-cao.xlsx", "xlsx", "PDF"),
    (b"Ma don vi,Gia tri\n178,5\n", "bao-cao.xlsx", "xlsx", "nội dung là văn bản"),
    (b"PK\x03\x04garbage-not-a-zip", "hong.xlsx", "xlsx", "Không mở được"),
    (b"Ma don vi\n178\n", "bao-cao.docx", "docx", "không được nhận"),
])
def test_unreadable_files_say_why_in_vietnamese(data, name, ext, message):
    with pytest.raises(FileRejected) as exc:
        read_cells(data, name, ext)
    assert message in exc.value.reason and name in exc.value.reason


def test_spreadsheet_named_csv():
    with pytest.raises(FileRejected) as exc:
        read_cells(xlsx_bytes(ROWS), "bao-cao.csv", "csv")
    assert "bảng tính" in exc.value.reason
