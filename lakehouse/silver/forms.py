"""The government report forms units really send (biểu mẫu), read as they are.

A form has a header block (form code "Biểu số …", "Đơn vị báo cáo: …", "Đơn vị nhận báo cáo",
a title naming the period, "Đơn vị tính: …"), a table whose header may span two or three rows
with merged cells, often a row of column indices (A, B, 1, 2, 3=1+2), then one row per
indicator (named, sometimes with the form's own row codes "Mã số 01"), and notes and
signatures ("Người lập biểu", "Thủ trưởng đơn vị") below. The table is found by its header,
never by fixed row numbers. Value columns can be periods (Tháng 1 … 12, Quý I … IV, 6 tháng
đầu năm, Cả năm), units (one column per ward), or trios Kế hoạch / Thực hiện / % so với kế
hoạch under a period. The reporting unit and period come from the columns, else the header
block, else the sheet's name. Output: the same report rows as the canonical layout, with
names left for ``report_values.type_rows`` to match against the catalog.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from lakehouse.periods import find_period, label_vi
from lakehouse.reference import matching
from lakehouse.silver.report_rows import LayoutError, LayoutResult, conform, period_kind_of
from lakehouse.text import column_letter, fold

_NAME_HEADERS = {"chi tieu", "ten chi tieu", "noi dung", "noi dung chi tieu", "cac chi tieu", "chi tieu chu yeu",
                 "danh muc chi tieu"}
_CODE_HEADERS = {"ma so", "ma chi tieu", "ma", "ma ct"}
_SKIP_HEADERS = {"stt", "tt", "so tt", "so thu tu"}
_UOM_HEADERS = {"don vi tinh", "dvt", "dv tinh"}
_NOTE_HEADERS = {"ghi chu"}
_ROLES = [  # (role, folded phrases) — the first that a header part contains wins
    ("pct", ("% so voi ke hoach", "% so ke hoach", "% kh", "ty le %", "so sanh", "% thuc hien", "%")),
    ("plan", ("ke hoach", "kh ", "chi tieu giao", "chi tieu duoc giao")),
    ("baseline", ("cung ky", "ky goc")),
    ("value", ("thuc hien", "so thuc hien", "luy ke", "uoc thuc hien", "th ", "ket qua")),
]
_TABLE_SCAN_ROWS = 60
_FOOTER = ("nguoi lap bieu", "thu truong don vi", "nguoi lap", "ke toan truong", "noi nhan", "xac nhan cua")
_INDEX_CELL = re.compile(r"^\(?([a-z]|\d{1,2})\)?$|^\(?\d+\s*=\s*[\d\s+\-*/x()]+\)?$")
_LABEL = re.compile(r"^\s*(bieu so|mau so|don vi bao cao|don vi nhan bao cao|don vi tinh|ky bao cao)\s*:?\s*(.*)$")


@dataclass
class _Column:
    col: int
    label: str
    role: str | None = None          # name, code, uom, note, value, plan, pct, baseline
    period: str | None = None
    unit: str | None = None          # the unit named in the header (units as columns)


@dataclass
class _Sheet:
    sheet: str
    grid: dict[tuple[int, int], tuple[str, bool]]
    header_block: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    by_row: dict[int, dict[int, tuple[str, bool]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (r, c), v in self.grid.items():
            self.by_row.setdefault(r, {})[c] = v

    @classmethod
    def of(cls, sheet: str, cells: pl.DataFrame) -> "_Sheet":
        return cls(sheet, {(r, c): (t, n) for r, c, t, n in cells.select("row", "col", "text", "is_number").iter_rows()})


def _role(part: str) -> str | None:
    key = fold(part) + " "
    for role, phrases in _ROLES:
        if any(p in key for p in phrases):
            return role
    return None


def _read_header_block(s: _Sheet, top: int) -> None:
    for row in sorted(r for r in s.by_row if r < top):
        for col, (text, _) in sorted(s.by_row[row].items()):
            key = fold(text)
            m = _LABEL.match(key)
            if m:
                label = m.group(1)
                if ":" in text:
                    value = text.split(":", 1)[1].strip()
                else:  # "Biểu số 01/TK-TP": the words after the label
                    value = " ".join(text.split()[len(label.split()):]).strip()
                if not value:  # the value sits in the next filled cell of the row
                    right = sorted((c, t) for c, (t, _) in s.by_row.get(row, {}).items() if c > col)
                    value = right[0][1] if right else ""
                s.header_block.setdefault(label, value)
            elif "period" not in s.header_block:
                period = find_period(text)
                if period:  # the title names the period: "BÁO CÁO ... 6 THÁNG ĐẦU NĂM 2024"
                    s.header_block["period"] = period


def _find_table(s: _Sheet) -> tuple[int, int] | None:
    """(first header row, name column) of the table."""
    for (row, col), (text, _) in sorted(s.grid.items()):
        if row > _TABLE_SCAN_ROWS:
            return None
        key = fold(text).strip(" :.")
        if key in _NAME_HEADERS or key.startswith("ten chi tieu") or key.startswith("chi tieu ("):
            return row, col
    return None


def _row_cells(s: _Sheet, row: int) -> dict[int, tuple[str, bool]]:
    return s.by_row.get(row, {})


def _is_index_row(cells: dict[int, tuple[str, bool]]) -> bool:
    texts = [fold(t).replace(" ", "") for t, _ in cells.values()]
    return len(texts) >= 3 and all(_INDEX_CELL.match(t) for t in texts)


def _header(s: _Sheet, top: int, name_col: int) -> tuple[list[_Column], int]:
    """Columns with their combined multi-row labels, and the first data row."""
    rows = [top]
    row = top + 1
    while row <= top + 3:
        cells = _row_cells(s, row)
        if not cells:
            row += 1
            continue
        if _is_index_row(cells):
            row += 1
            break
        if name_col in cells or any(num for _, num in cells.values()):
            break
        rows.append(row)
        row += 1
    first_data = row
    columns = sorted({c for r in rows for c in s.by_row.get(r, {})})
    labels: dict[int, list[str]] = {c: [] for c in columns}
    for r in rows:
        cells = _row_cells(s, r)
        last = None
        for c in columns:
            text = cells.get(c, (None, False))[0]
            below = any((rr, c) in s.grid for rr in rows if rr > r)
            if text is None and last is not None and below and r != rows[-1]:
                text = last  # a merged cell spans this column: its text sits in the leftmost one
            if text is not None:
                labels[c].append(text)
            last = text if text is not None else (last if below else None)
    return [_Column(c, " | ".join(dict.fromkeys(parts))) for c, parts in labels.items()], first_data


def _classify(cols: list[_Column], name_col: int, year: str | None, units) -> None:
    for c in cols:
        parts = [fold(p).strip(" :.") for p in c.label.split(" | ")]
        if c.col == name_col:
            c.role = "name"
        elif any(p in _CODE_HEADERS for p in parts):
            c.role = "code"
        elif any(p in _SKIP_HEADERS for p in parts):
            c.role = None
        elif any(p in _UOM_HEADERS for p in parts):
            c.role = "uom"
        elif any(p in _NOTE_HEADERS for p in parts):
            c.role = "note"
        else:
            role = next((r for r in (_role(p) for p in parts) if r), None)
            period = next((p for p in (find_period(part, year) for part in c.label.split(" | ")) if p), None)
            unit = None
            if units is not None:
                for part in c.label.split(" | "):
                    found = units.match(part)
                    if found.code or found.ambiguous:
                        unit = part
                        break
            if role == "plan" and period and year and period == year:
                period = None  # "Kế hoạch năm 2024" is the annual target, not a period of its own
            if role or period or unit:
                c.role, c.period, c.unit = role or "value", period, unit


def read_form(cells: pl.DataFrame, file_name: str, cat=None) -> LayoutResult:
    """Every sheet holding a form table; sheets without one (instructions, lists) are skipped."""
    units = matching.unit_index(cat) if cat is not None else None
    frames, notes = [], []
    top_cells = cells.filter(pl.col("row") <= _TABLE_SCAN_ROWS)
    for (sheet_index, sheet), top_sheet in top_cells.group_by(["sheet_index", "sheet"], maintain_order=True):
        # A form's table starts near the top: look there first, and lay the whole sheet out
        # only for a sheet that holds one (a sheet of millions of cells never does).
        found = _find_table(_Sheet.of(sheet, top_sheet))
        if found is None:
            continue
        s = _Sheet.of(sheet, cells.filter(pl.col("sheet_index") == sheet_index))
        top, name_col = found
        _read_header_block(s, top)
        year = None
        for source in (s.header_block.get("period"), s.header_block.get("ky bao cao"), sheet, file_name):
            if source:
                p = find_period(source)
                if p and p != "DOT":
                    year = p[:4]
                    break
        cols, first = _header(s, top, name_col)
        _classify(cols, name_col, year, units)
        rows = _rows(s, cols, first, name_col, year, file_name, notes)
        if rows is not None and rows.height:
            frames.append(rows)
    if not frames:
        raise LayoutError(f"Tệp '{file_name}': không thấy bảng biểu mẫu có cột 'Chỉ tiêu' / 'Tên chỉ tiêu' "
                          "và các cột số liệu (kỳ, Kế hoạch, Thực hiện hoặc đơn vị).")
    return LayoutResult("form", pl.concat(frames).sort("sheet", "row"), notes)


def _rows(s: _Sheet, cols: list[_Column], first: int, name_col: int, year: str | None, file_name: str,
          notes: list[str]) -> pl.DataFrame | None:
    by_role = {}
    for c in cols:
        by_role.setdefault(c.role, []).append(c)
    value_cols = by_role.get("value", [])
    if not value_cols:
        return None
    block_unit = s.header_block.get("don vi bao cao") or None
    sheet_unit = s.sheet if not find_period(s.sheet) else None
    block_period = s.header_block.get("period") or (find_period(s.header_block["ky bao cao"], year)
                                                    if s.header_block.get("ky bao cao") else None)
    sheet_period = find_period(s.sheet, year)
    uom = s.header_block.get("don vi tinh") or None
    groups = []
    for v in value_cols:
        if v.period and block_period and v.period == block_period[:4] != block_period:
            v.period = block_period  # "Năm 2024 | Thực hiện" in a half-year report: the year only labels the group
        key = (v.period, v.unit)
        group = {"value": v}
        for role in ("plan", "pct", "baseline"):
            same = [c for c in by_role.get(role, []) if (c.period, c.unit) == key
                    or (c.unit == v.unit and c.period and block_period and c.period == block_period[:4])]
            if not same and len(value_cols) == 1:
                same = by_role.get(role, [])
            if same:
                group[role] = same[0]
        groups.append(group)
    code_col = (by_role.get("code") or [None])[0]
    uom_col = (by_role.get("uom") or [None])[0]
    note_col = (by_role.get("note") or [None])[0]
    out = []
    last_row = max(r for r, _ in s.grid)
    for row in range(first, last_row + 1):
        cells = _row_cells(s, row)
        if not cells:
            continue
        if any(any(f in fold(t) for f in _FOOTER) for t, _ in cells.values()):
            break
        name = cells.get(name_col, (None, False))[0]
        code = cells.get(code_col.col, (None, False))[0] if code_col else None
        if not name and not code:
            continue
        if not any(g["value"].col in cells for g in groups):
            continue  # a section heading ("I. CHỈ TIÊU KINH TẾ") or a row left blank
        indicator = code if code and matching.looks_like_code(code) and not code.isdigit() else name
        for g in groups:
            v = g["value"]
            text, is_num = cells.get(v.col, (None, False))
            if text is None and not any(g[r].col in cells for r in ("plan", "pct", "baseline") if r in g):
                continue
            rec = {"sheet": s.sheet, "row": row, "indicator_text": indicator,
                   "indicator_col": code_col.col if indicator == code else name_col,
                   "unit_text": v.unit or block_unit or sheet_unit, "unit_col": v.col if v.unit else None,
                   "period_text": v.period or block_period or sheet_period, "period_col": v.col if v.period else None,
                   "value_text": text, "value_is_number": is_num, "value_col": v.col,
                   "period_kind": _period_kind(v, value_cols),
                   "uom_text": (cells.get(uom_col.col, (None, False))[0] if uom_col else None) or uom,
                   "uom_col": uom_col.col if uom_col else None,
                   "note_text": cells.get(note_col.col, (None, False))[0] if note_col else None,
                   "note_col": note_col.col if note_col else None}
            for role in ("plan", "pct", "baseline"):
                if role in g:
                    t, n = cells.get(g[role].col, (None, False))
                    rec.update({f"{role}_text": t, f"{role}_is_number": n, f"{role}_col": g[role].col})
            out.append(rec)
    if not out:
        return None
    shape = _describe(value_cols, by_role)
    where = []
    if s.header_block.get("bieu so"):
        where.append(f"biểu số {s.header_block['bieu so']}")
    if block_unit:
        where.append(f"đơn vị báo cáo '{block_unit}' (đầu biểu)")
    if block_period:
        where.append(f"kỳ {label_vi(block_period)} (tiêu đề)")
    elif sheet_period:
        where.append(f"kỳ {label_vi(sheet_period)} (tên trang)")
    if uom:
        where.append(f"đơn vị tính chung '{uom}'")
    notes.append(f"Trang '{s.sheet}': biểu mẫu, bảng bắt đầu ở dòng {first}, chỉ tiêu ở cột "
                 f"{column_letter(name_col)}; {shape}" + (f"; {', '.join(where)}" if where else ""))
    return conform(pl.DataFrame(out, infer_schema_length=None))


def _period_kind(column: _Column, value_cols: list[_Column]) -> str | None:
    """What a period column holds. Its label may say ("Lũy kế 6 tháng": the total since the
    start of the year; "trong kỳ": the period's own amount). Otherwise forms differ: quarter
    columns beside a "Lũy kế" column hold each quarter's own amount; quarter columns alone are
    taken as written (the rule for reports: year to date)."""
    said = period_kind_of(column.label)
    if said or not column.period:
        return said
    beside_ytd = any(period_kind_of(c.label) == "ytd" for c in value_cols)
    return "flow" if beside_ytd and column.period[4:5] == "-" and column.period[5:6] in "QM" else None


def _describe(value_cols: list[_Column], by_role: dict) -> str:
    if any(c.unit for c in value_cols):
        return f"mỗi cột một đơn vị ({len(value_cols)} đơn vị)"
    periods = [c.period for c in value_cols if c.period]
    trio = " / ".join(x for x, r in (("Kế hoạch", "plan"), ("Thực hiện", "value"), ("%", "pct"), ("Cùng kỳ", "baseline"))
                      if r in by_role)
    if len(periods) > 1:
        return f"mỗi cột một kỳ ({', '.join(label_vi(p) for p in periods)})" + (f", bộ cột {trio}" if "/" in trio else "")
    return f"cột {trio}"
