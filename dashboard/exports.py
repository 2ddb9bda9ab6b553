"""Tables written back to Excel for meetings (cells that look like formulas are neutralised)."""
from __future__ import annotations

from io import BytesIO

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font

from lakehouse.formatting import safe_cell


def ranking_workbook(table: pl.DataFrame, period_label: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Xếp hạng"
    ws.append([f"BẢNG XẾP HẠNG THI ĐUA — {period_label}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(table.columns)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in table.iter_rows():
        ws.append([safe_cell(v) for v in row])
    for col, width in zip("ABCDEFGHI", (34, 8, 34, 10, 12, 8, 8, 10, 16)):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def review_report(campaign: str, period: str, as_of=None):
    """The sơ kết / tổng kết report (Word) and its annex (Excel), built when the button is
    pressed (a few seconds: its charts are drawn by Chromium), as the lake stands or stood."""
    from lakehouse import review_docx
    from lakehouse.store import Lake
    from lakehouse.submissions import versions_at
    from lakehouse.tables import TABLES

    def gather():
        lake = Lake()
        versions = versions_at(lake, as_of, TABLES) if as_of is not None else None
        return review_docx.gather(lake, campaign, period, versions, as_of.date() if as_of is not None else None)

    return (lambda: review_docx.document(gather())), (lambda: review_docx.annex(gather()))
