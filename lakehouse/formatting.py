"""Vietnamese formatting of numbers and dates (Babel, vi_VN): 5.835,5 and 05/01/2024."""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "vi_VN"


def number_vi(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return format_decimal(round(value, digits), format=f"#,##0.{'#' * digits}" if digits else "#,##0",
                          locale=LOCALE)


def date_vi(value: date | None) -> str:
    return "—" if value is None else format_date(value, format="dd/MM/yyyy", locale=LOCALE)


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is written as plain text (every workbook
    we write: templates, the ranking, the review's annex)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
