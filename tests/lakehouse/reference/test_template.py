"""Templates: written with openpyxl, filled like a steward would, read back by ingest."""
import io

import pytest
from openpyxl import load_workbook

from jobs.__main__ import main
from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.reference.template import build_workbook
from lakehouse.formatting import safe_cell


def test_template_for_one_unit_and_period_round_trips(lake, cat):
    data = build_workbook(cat, "TPLS2024", unit="178-PVHTT", period="2024-Q2")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Hướng dẫn", "Báo cáo", "Danh mục"]
    ws = wb["Báo cáo"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[4]) for r in rows] == [("178-PVHTT", "TP24-03", "2024-Q2"), ("178-PVHTT", "TP24-04", "2024-Q2")]
    assert rows[0][7] == "≥ 3.269 nghìn lượt"
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "decimal"} <= kinds
    assert any("Hướng dẫn" == s.title for s in wb.worksheets)
    # The steward fills in the yellow cells.
    ws["F2"] = 1820
    ws["F3"] = "1.150,5"
    buf = io.BytesIO()
    wb.save(buf)
    report = ingest_bytes(lake, cat, buf.getvalue(), "mau-da-dien.xlsx", received_by="t", channel="cli")
    assert report.status == "accepted", report.problems
    assert sorted(report.accepted["value"].to_list()) == [1150.5, 1820.0]


def test_done_and_group_rows_get_their_dropdowns(cat):
    wb = load_workbook(io.BytesIO(build_workbook(cat, "LS2021", period="2021")))
    formulas = {dv.formula1 for dv in wb["Báo cáo"].data_validations.dataValidation}
    assert '"Có,Không"' in formulas
    assert any("Khá" in (f or "") for f in formulas)


def test_whole_campaign_template_lists_every_period(cat):
    ws = load_workbook(io.BytesIO(build_workbook(cat, "TPLS2024")))["Báo cáo"]
    periods = {r[4] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert {"2024-Q1", "2024-Q4", "2024-H1", "2024"} <= periods


def test_formula_like_text_is_neutralised():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("@SUM(A1)").startswith("'") and safe_cell("Phường") == "Phường"


@pytest.mark.parametrize("args, message", [
    (["KHONGCO"], "không có phong trào"),
    (["TPLS2024", "--unit", "999"], "không có đơn vị"),
    (["TPLS2024", "--period", "Q9/2024"], "không đúng dạng"),
    (["LS2021", "--unit", "05971"], "không có chỉ tiêu nào"),
])
def test_template_errors(tmp_path, capsys, args, message):
    assert main(["template", *args, "-o", str(tmp_path / "m.xlsx")]) == 2
    assert message in capsys.readouterr().err


def test_template_cli_writes_the_file(tmp_path):
    out = tmp_path / "mau.xlsx"
    assert main(["template", "TPLS2024", "--unit", "05971", "-o", str(out)]) == 0
    assert load_workbook(out)["Báo cáo"].max_row > 2
