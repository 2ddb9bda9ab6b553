"""Giao chỉ tiêu: the allocation workbook of a campaign, and reading it back.

The workbook has one row per unit that reports at least one allocatable indicator and one
column per indicator; above the units, the campaign-wide figure, a live sum of the shares
(an Excel formula) and what remains to allocate. The office fills the white cells and sends
the file back; :func:`read` checks it (numbers, units outside the campaign, shares against the
campaign figure for additive indicators, units left without a share) and returns the shares
that feed ``unit_targets.csv`` and from there the per-unit targets gold judges against.

Grain of the result: one share per indicator × unit.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.protection import SheetProtection

from lakehouse.formatting import number_vi, safe_cell
from lakehouse.numbers import NumberError, parse_number
from lakehouse.reference.catalog import Catalog, Indicator, campaign_figure, share_gap
from lakehouse.text import column_letter, fold

SHEET = "Giao chỉ tiêu"
# A share replaces the rule's figure for one unit; these rules have one figure (or a range) to replace.
ALLOCATABLE = ("at_least", "at_most", "add", "maintain", "range", "per_population")
HEADER_ROW, FIRST_UNIT_ROW = 4, 9
LABELS = {5: "Tên chỉ tiêu", 6: "Đơn vị tính", 7: "Chỉ tiêu chung của phong trào", 8: "Tổng đã giao (tự cộng)"}


def indicators(cat: Catalog, campaign: str) -> list[Indicator]:
    """The campaign's indicators a share can be given for: a figure to replace and more than one reporter."""
    return [i for i in cat.indicators_of(campaign)
            if i.rule["type"] in ALLOCATABLE and len(cat.reporters(i)) > 1]


def _units(cat: Catalog, inds: list[Indicator]) -> list[str]:
    order = list(cat.units)
    wanted = {u for i in inds for u in cat.reporters(i)}
    return sorted(wanted, key=order.index)


def workbook(cat: Catalog, campaign: str, shares: dict[tuple[str, str], float] | None = None) -> bytes:
    """The allocation workbook, with the shares already given (``unit_targets``) filled in."""
    inds = indicators(cat, campaign)
    units = _units(cat, inds)
    if shares is None:
        shares = {(t.indicator, t.unit): t.value for t in cat.unit_targets if t.value is not None}
    c = cat.campaigns[campaign]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    thin = Side(style="thin", color="BBBBBB")
    ws["A1"] = safe_cell(f"Giao chỉ tiêu: {c.short_name} ({c.code})")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = ("Điền phần giao cho từng đơn vị vào ô trắng (để trống: không giao). Dòng 8 tự cộng các phần đã giao; "
                "không sửa mã ở cột A và dòng 4.")
    ws.cell(HEADER_ROW, 1, "Mã đơn vị").font = bold
    ws.cell(HEADER_ROW, 2, "Tên đơn vị").font = bold
    for row, label in LABELS.items():
        ws.cell(row, 2, label).font = bold
    last = FIRST_UNIT_ROW + len(units) - 1
    for n, ind in enumerate(inds, start=3):
        col = get_column_letter(n)
        ws.cell(HEADER_ROW, n, ind.code).font = bold
        ws.cell(5, n, safe_cell(ind.name)).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(6, n, ind.uom)
        ws.cell(7, n, campaign_figure(ind))
        ws.cell(8, n, f"=SUM({col}{FIRST_UNIT_ROW}:{col}{max(last, FIRST_UNIT_ROW)})")
        ws.column_dimensions[col].width = 18
        reporters = set(cat.reporters(ind))
        for r, unit in enumerate(units, start=FIRST_UNIT_ROW):
            cell = ws.cell(r, n, shares.get((ind.code, unit)) if unit in reporters else None)
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if unit not in reporters:
                cell.fill = grey                  # this unit does not report this indicator
            else:
                cell.protection = cell.protection.copy(locked=False)
        for row in range(5, 9):
            ws.cell(row, n).fill = grey
    for r, unit in enumerate(units, start=FIRST_UNIT_ROW):
        ws.cell(r, 1, unit)
        ws.cell(r, 2, safe_cell(cat.units[unit].name))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 14, 34
    ws.row_dimensions[5].height = 60
    ws.freeze_panes = ws.cell(FIRST_UNIT_ROW, 3)
    # Codes and figures are locked (no password: a guard against slips, not a lock).
    ws.protection = SheetProtection(sheet=True, formatCells=False, formatColumns=False, formatRows=False)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class Allocation:
    shares: dict[tuple[str, str], float] = field(default_factory=dict)
    indicators: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)      # the file cannot be used as it is
    warnings: list[str] = field(default_factory=list)    # it can, but someone should look

    def table(self, cat: Catalog) -> pl.DataFrame:
        rows = [{"indicator_code": i, "unit_code": u, "unit_name": cat.units[u].name, "share": v}
                for (i, u), v in sorted(self.shares.items())]
        return pl.DataFrame(rows, schema={"indicator_code": pl.String, "unit_code": pl.String,
                                          "unit_name": pl.String, "share": pl.Float64})


def read(cat: Catalog, campaign: str, cells: pl.DataFrame, name: str) -> Allocation:
    """The shares in a filled allocation workbook (its cells as ``lakehouse.bronze`` reads any file),
    with every problem said in Vietnamese with its file, sheet, row and column."""
    out = Allocation()
    inds = {i.code: i for i in indicators(cat, campaign)}
    sheet = cells.filter(pl.col("sheet") == SHEET) if SHEET in cells["sheet"].to_list() else cells.filter(
        pl.col("sheet_index") == 0)
    if sheet.is_empty():
        out.errors.append(f"Tệp '{name}': không có trang '{SHEET}'.")
        return out
    where = f"Tệp '{name}', trang '{sheet['sheet'][0]}'"
    grid = {(r, c): (t, n) for r, c, t, n in sheet.select("row", "col", "text", "is_number").iter_rows()}
    head = [(r, c) for (r, c), (t, _) in grid.items() if fold(t) == "ma don vi" and c == 1]
    if not head:
        out.errors.append(f"{where}: không thấy ô 'Mã đơn vị' ở cột A; hãy dùng tệp giao chỉ tiêu tải từ trang Phong trào.")
        return out
    header = head[0][0]
    columns: dict[int, str] = {}
    for (r, c), (text, _) in sorted(grid.items()):
        if r != header or c < 3:
            continue
        if text not in inds:
            known = cat.indicators.get(text)
            what = ("không có trong danh mục" if known is None
                    else f"thuộc phong trào khác ({known.campaign})" if known.campaign != campaign
                    else "không giao được theo đơn vị (một đơn vị báo cáo, hoặc không có con số để giao)")
            out.errors.append(f"{where}, dòng {r}, cột {column_letter(c)}: chỉ tiêu '{text}' {what}.")
            continue
        columns[c] = text
    out.indicators = set(columns.values())
    first = header + (FIRST_UNIT_ROW - HEADER_ROW)
    rows = sorted({r for (r, c) in grid if r >= first})
    seen: set[str] = set()
    for r in rows:
        unit = grid.get((r, 1), ("", False))[0].strip()
        values = {c: grid[(r, c)] for c in columns if (r, c) in grid}
        if not unit:
            if values:
                out.errors.append(f"{where}, dòng {r}, cột A: thiếu mã đơn vị nhưng có phần giao.")
            continue
        if unit not in cat.units:
            out.errors.append(f"{where}, dòng {r}, cột A: mã đơn vị '{unit}' không có trong danh mục.")
            continue
        if unit in seen:
            out.errors.append(f"{where}, dòng {r}, cột A: đơn vị '{unit}' xuất hiện hai lần.")
            continue
        seen.add(unit)
        for c, (text, is_number) in values.items():
            code = columns[c]
            at = f"{where}, dòng {r}, cột {column_letter(c)} ({code})"
            if unit not in cat.reporters(inds[code]):
                out.errors.append(f"{at}: đơn vị '{unit}' ({cat.units[unit].name}) không báo cáo chỉ tiêu này "
                                  "trong phong trào; không giao được.")
                continue
            try:
                value = parse_number(text, is_number)
            except NumberError as exc:
                out.errors.append(f"{at}: {exc}")
                continue
            if value is None:
                continue
            if value < 0:
                out.errors.append(f"{at}: phần giao không được âm ({text}).")
                continue
            out.shares[(code, unit)] = value
    for code in columns.values():
        _check_indicator(cat, inds[code], out)
    return out


def _check_indicator(cat: Catalog, ind: Indicator, out: Allocation) -> None:
    given = {u: v for (i, u), v in out.shares.items() if i == ind.code}
    if not given:
        return
    gap = share_gap(cat, ind, given)
    label = f"{ind.code} ({ind.name})"
    if gap.missing:
        names = ", ".join(cat.units[u].name for u in gap.missing[:6]) + ("…" if len(gap.missing) > 6 else "")
        out.warnings.append(f"{label}: {len(gap.missing)} đơn vị chưa được giao ({names}); các đơn vị này sẽ hiện "
                            "'chưa giao chỉ tiêu'.")
    if gap.off is not None:
        verb = "vượt" if gap.off > 0 else "thiếu"
        out.warnings.append(f"{label}: các phần giao cộng lại {number_vi(gap.total, 2)} {ind.uom}, {verb} "
                            f"{number_vi(abs(gap.off), 2)} so với chỉ tiêu chung {number_vi(gap.figure, 2)}.")
