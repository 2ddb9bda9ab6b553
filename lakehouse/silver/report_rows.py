"""Report rows: what every layout reader produces from a file's cells, before typing.

One row per value found, all as text, with the column each field came from (for messages that
point at a cell) and whether the cell held a real spreadsheet number.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from lakehouse.text import fold

FIELDS = ("unit", "indicator", "period", "value", "uom", "plan", "baseline", "pct", "note")
REQUIRED = ("unit", "indicator", "period", "value")
FIELD_VI = {"unit": "Mã đơn vị", "indicator": "Mã chỉ tiêu", "period": "Kỳ báo cáo", "value": "Giá trị",
            "uom": "Đơn vị tính", "plan": "Kế hoạch", "baseline": "Kỳ gốc", "pct": "% so với kế hoạch",
            "note": "Ghi chú"}

ROW_SCHEMA = {"sheet": pl.String, "row": pl.Int32,
              **{f"{f}_text": pl.String for f in FIELDS},
              **{f"{f}_col": pl.Int32 for f in FIELDS},
              "value_is_number": pl.Boolean, "plan_is_number": pl.Boolean, "baseline_is_number": pl.Boolean,
              "pct_is_number": pl.Boolean,
              # "flow": the value is the period's own amount (a form's "Quý II" column), "ytd": the
              # total since the start of the year (lũy kế); None: as written (year to date by rule).
              "period_kind": pl.String}



class LayoutError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class LayoutResult:
    layout: str
    rows: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def conform(rows: pl.DataFrame) -> pl.DataFrame:
    out = []
    for name, dtype in ROW_SCHEMA.items():
        if name in rows.columns:
            out.append(pl.col(name).cast(dtype))
        elif name.endswith("_is_number"):
            out.append(pl.lit(False).alias(name))
        else:
            out.append(pl.lit(None, dtype=dtype).alias(name))
    return rows.select(out)




_YTD_WORDS = ("luy ke", "cong don", "tinh den", "tu dau nam")


def period_kind_of(label: str) -> str | None:
    """A form's column label: "Lũy kế 6 tháng" is year to date; a quarter's or month's own
    column ("Quý II/2024") is that period's own amount."""
    key = fold(label)
    if any(w in key for w in _YTD_WORDS):
        return "ytd"
    if "trong ky" in key:
        return "flow"
    return None
