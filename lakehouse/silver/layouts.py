"""Layout readers: a file's cells (``bronze.cells``) → report rows still as text, with provenance.

Each layout knows one way units lay out a report. The canonical layout (one row per unit ×
indicator × period, Vietnamese or English headers) is here; the government forms (title
rows, merged headers, wide layouts) register further readers in :data:`LAYOUTS`, and all
of them produce the same :data:`ROW_SCHEMA`, so the typing step and the tables downstream
never change.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import polars as pl

from lakehouse.silver.forms import read_form
from lakehouse.silver.report_rows import (FIELD_VI, FIELDS, REQUIRED, ROW_SCHEMA, LayoutError, LayoutResult,  # noqa: F401
                                     conform)
from lakehouse.text import column_letter, fold

HEADER_ALIASES: dict[str, set[str]] = {
    "unit": {"ma don vi", "ma dv", "don vi", "don vi bao cao", "unit", "unit code", "unit_code", "unit id"},
    "indicator": {"ma chi tieu", "ma ct", "chi tieu", "indicator", "indicator code", "indicator_code"},
    "period": {"ky bao cao", "ky", "ky bc", "period", "reporting period"},
    "value": {"gia tri", "so thuc hien", "thuc hien", "gia tri thuc hien", "so lieu", "value", "actual"},
    "uom": {"don vi tinh", "dvt", "dv tinh", "unit of measure", "uom"},
    "plan": {"ke hoach", "chi tieu giao", "chi tieu duoc giao", "plan", "target"},
    "baseline": {"ky goc", "cung ky", "cung ky nam truoc", "so cung ky", "baseline", "same period last year"},
    "pct": {"% so voi ke hoach", "% ke hoach", "% kh", "ty le % so voi ke hoach", "% so ke hoach"},
    "note": {"ghi chu", "note", "notes", "comment"},
}
_ALIAS_TO_FIELD = {alias: f for f, aliases in HEADER_ALIASES.items() for alias in aliases}
_HEADER_SCAN_ROWS = 30


@functools.lru_cache(maxsize=65_536)   # headers repeat from file to file
def match_header(text: str) -> str | None:
    key = fold(text).strip(" *:.").replace("_", " ")
    return _ALIAS_TO_FIELD.get(key)


def _find_header(top: pl.DataFrame) -> tuple[int, dict[str, int]] | None:
    """The first row naming every required column, with the column of each field it names
    (the first, when a field is named twice)."""
    by_row: dict[int, dict[str, int]] = {}
    for row, col, text in top.select("row", "col", "text").iter_rows():
        f = match_header(text)
        if f:
            by_row.setdefault(row, {}).setdefault(f, col)
    complete = [row for row, found in by_row.items() if all(f in found for f in REQUIRED)]
    return (min(complete), by_row[min(complete)]) if complete else None


def read_canonical(cells: pl.DataFrame, file_name: str, cat=None) -> LayoutResult:
    """One row per unit × indicator × period under a header row found in the first 30 rows."""
    frames, notes, partial = [], [], []
    # Headers are looked for in the top rows alone; only the columns found are read below them,
    # so a sheet of millions of cells is never copied whole.
    top_cells = cells.filter(pl.col("row") <= _HEADER_SCAN_ROWS)
    for (sheet_index, sheet), top in top_cells.group_by(["sheet_index", "sheet"], maintain_order=True):
        header = _find_header(top)
        if header is None:
            found = {match_header(t) for t in top["text"]}
            if found & set(REQUIRED):
                missing = [FIELD_VI[f] for f in REQUIRED if f not in found]
                partial.append(f"trang '{sheet}' thiếu cột: {', '.join(missing)}")
            continue
        header_row, cols = header
        body = cells.filter((pl.col("sheet_index") == sheet_index) & (pl.col("row") > header_row)
                            & pl.col("col").is_in(list(cols.values())))
        # One pivot, not a filter and a join per field: a national night reads thousands of files.
        field_of = {c: f for f, c in cols.items()}
        rows = (body.with_columns(field=pl.col("col").replace_strict(field_of, return_dtype=pl.String))
                .pivot(on="field", on_columns=list(cols), index="row", values=["text", "is_number"],
                       aggregate_function="first"))
        rows = rows.rename({f"{v}_{f}": f"{f}_{v}" for f in cols for v in ("text", "is_number")})
        key_cols = [f"{f}_text" for f in REQUIRED if f"{f}_text" in rows.columns]
        rows = rows.filter(pl.any_horizontal(pl.col(key_cols).is_not_null()))
        rows = rows.with_columns(sheet=pl.lit(sheet), **{f"{f}_col": pl.lit(cols.get(f), pl.Int32) for f in FIELDS})
        frames.append(conform(rows))
        letters = ", ".join(f"{FIELD_VI[f]}={column_letter(c)}" for f, c in cols.items())
        notes.append(f"Trang '{sheet}': bảng một dòng cho mỗi đơn vị × chỉ tiêu × kỳ; dòng tiêu đề {header_row}, "
                     f"cột {letters}")
    if not frames:
        detail = "; ".join(partial) if partial else (
            "không thấy dòng tiêu đề có các cột Mã đơn vị, Mã chỉ tiêu, Kỳ báo cáo, Giá trị")
        raise LayoutError(f"Tệp '{file_name}': {detail}.")
    return LayoutResult("canonical", pl.concat(frames).sort("sheet", "row"), notes)


# Readers tried in order; the first that recognises the file wins. Government forms plug in here.
LAYOUTS: list[tuple[str, Callable[..., LayoutResult]]] = [
    ("canonical", read_canonical),
    ("form", read_form),
]


def read_layout(cells: pl.DataFrame, file_name: str, cat=None) -> LayoutResult:
    """The first layout that recognises the file; otherwise every layout's reason."""
    if cells.is_empty():
        raise LayoutError(f"Tệp '{file_name}' không có ô nào có dữ liệu.")
    errors = []
    for _name, reader in LAYOUTS:
        try:
            return reader(cells, file_name, cat)
        except LayoutError as exc:
            errors.append(exc.reason)
    raise LayoutError(errors[0] if len(errors) == 1 else " / ".join(errors))
