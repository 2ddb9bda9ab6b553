"""Hostile and broken files: each refused (or read safely) with a clear Vietnamese message,
nothing partial in silver or gold, the original kept in bronze."""
import io
import zipfile

import polars as pl
import pytest
from openpyxl import Workbook

from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.bronze import limits
from tests.conftest import xlsx_bytes


def zip_workbook(sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def refused(lake, cat, data, name, message):
    report = ingest_bytes(lake, cat, data, name, received_by="t", channel="cli")
    assert report.status == "rejected" and message in report.message, report.message
    assert lake.read("silver.report_values").is_empty()
    assert lake.read("gold.attainment").filter(pl.col("actual").is_not_null()).is_empty()
    manifest = lake.read("bronze.manifest")
    assert manifest.height == 1 and lake.get_file(manifest["object_key"][0]) == data   # kept for audit
    assert message in lake.read("silver.quarantine")["reason"][0]
    return report


def test_zip_bomb_is_refused_before_it_is_inflated(lake, cat):
    bomb = zip_workbook(b"<worksheet><sheetData>" + b" " * (limits.MAX_UNCOMPRESSED_BYTES + 1) + b"</sheetData></worksheet>")
    assert len(bomb) < 2_000_000
    refused(lake, cat, bomb, "bom.xlsx", "bom nén")


def test_sheet_declaring_millions_of_rows(lake, cat):
    xml = b'<worksheet><dimension ref="A1:C1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    refused(lake, cat, zip_workbook(xml), "dai.xlsx", "1.048.576 dòng")


def test_pdf_named_xlsx(lake, cat):
    refused(lake, cat, b"%PDF-1.7\n1 0 obj", "bao-cao.xlsx", "là tệp PDF")


def test_empty_file(lake, cat):
    refused(lake, cat, b"", "trong.xlsx", "rỗng")


def test_password_protected_workbook(lake, cat):
    # An encrypted Office file is an OLE container holding an "EncryptedPackage" stream.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512
    refused(lake, cat, ole, "mat-khau.xlsx", "đặt mật khẩu")


def test_file_too_large(lake, cat):
    refused(lake, cat, b"x" * (limits.MAX_FILE_BYTES + 1), "lon.csv", "vượt giới hạn")


def test_macro_workbook_is_read_but_macros_never_run(lake, cat):
    data = xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q1", 790, None, None, None, None]])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"Attribute VB_Name = \"Module1\"\nSub AutoOpen(): Shell \"calc\": End Sub")
    report = ingest_bytes(lake, cat, buf.getvalue(), "macro.xlsm", received_by="t", channel="cli")
    assert report.status == "accepted"
    assert any("macro không bao giờ được chạy" in n for n in report.notes)


def test_formulas_give_their_saved_values_and_unsaved_ones_are_reported(lake, cat):
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị"])
    ws.append(["178-PVHTT", "TP24-03", "2024-Q1", "=700+90"])   # openpyxl saves no computed value
    ws.append(["178-PVHTT", "TP24-04", "2024-Q1", "#DIV/0!"])   # an error cell
    ws.append(["178-PVHTT", "TP24-03", "2024-Q2", 1650])
    buf = io.BytesIO()
    wb.save(buf)
    report = ingest_bytes(lake, cat, buf.getvalue(), "cong-thuc.xlsx", received_by="t", channel="cli")
    assert report.accepted.select("period", "value").rows() == [("2024-Q2", 1650.0)]
    assert any("công thức chưa được tính giá trị (D2)" in n for n in report.notes)
    assert report.rejects.row(0, named=True)["cell"] == "D3"
    assert "#DIV/0!" in report.rejects["reason"][0]


@pytest.mark.parametrize("value, reason", [
    ("NaN", "không phải là số"), ("inf", "không phải là số"), ("1e308", "quá lớn"),
    (-12, "nhỏ hơn mức thấp nhất"), ("104,5", "lớn hơn mức cao nhất"),
])
def test_impossible_numbers(lake, cat, value, reason):
    indicator = "TP24-16" if value == "104,5" else "TP24-14"
    unit = "05971" if indicator == "TP24-16" else "178-PLDTBXH"
    report = ingest_bytes(lake, cat, xlsx_bytes([[unit, indicator, "2024", value, None, None, None, None]]),
                          "so-la.xlsx", received_by="t", channel="cli")
    assert report.accepted.is_empty() and reason in report.rejects["reason"][0]
    assert report.rejects["cell"][0] == "D2"
    assert lake.read("silver.report_values").is_empty()


def test_period_outside_the_campaign(lake, cat):
    report = ingest_bytes(lake, cat, xlsx_bytes([["178-PLDTBXH", "TP24-14", "2025-Q1", 100, None, None, None, None]]),
                          "ky-sai.xlsx", received_by="t", channel="cli")
    assert "sau khi phong trào đã kết thúc" in report.rejects["reason"][0]


def test_written_back_cells_never_run_as_formulas():
    from dashboard.exports import ranking_workbook
    from openpyxl import load_workbook
    data = ranking_workbook(pl.DataFrame({"Đơn vị": ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "Phường"]}), "2024")
    values = [c.value for c in load_workbook(io.BytesIO(data)).active["A"][2:]]
    assert values == ["'=HYPERLINK(\"http://x\")", "'+1", "'-1", "'@SUM(A1)", "Phường"]
    assert all(c.data_type != "f" for c in load_workbook(io.BytesIO(data)).active["A"])
