"""Quarantine (``silver.quarantine``): one row per rejected report row or cell, with its reason.

Source: rows a layout reader could not type (``report_values.type_rows``) and rows that
failed the GX suite ``silver.report_values``. They never reach gold; a steward fixes the
file and sends it again, and the reasons here say exactly where and what.
"""
from __future__ import annotations

from datetime import datetime

import polars as pl

from lakehouse.tables import spec


def to_table(rejects: pl.DataFrame, file_id: str, original_name: str, at: datetime) -> pl.DataFrame:
    s = spec("silver.quarantine")
    return s.conform(rejects.with_columns(
        file_id=pl.lit(file_id), original_name=pl.lit(original_name),
        quarantined_at=pl.lit(at, dtype=s.schema["quarantined_at"])))


def message(row: dict) -> str:
    """One line a steward reads: where (file, sheet, row, cell) and what is wrong."""
    where = [f"tệp '{row['original_name']}'"] if row.get("original_name") else []
    if row.get("sheet"):
        where.append(f"trang '{row['sheet']}'")
    if row.get("row"):
        where.append(f"dòng {row['row']}")
    if row.get("column"):
        where.append(f"cột {row['column']}" + (f" (ô {row['cell']})" if row.get("cell") else ""))
    value = f" — giá trị '{row['value']}'" if row.get("value") not in (None, "") else ""
    return f"{', '.join(where)}: {row['reason']}{value}"
