"""Tables as leadership reads them: Vietnamese headers, numbers and dates the Vietnamese way."""
from __future__ import annotations

import polars as pl

from dashboard.charts import status_label
from lake.formatting import date_vi, number_vi


def num(col: str, digits: int = 2) -> pl.Expr:
    return pl.col(col).map_elements(lambda v: number_vi(v, digits), return_dtype=pl.String, skip_nulls=False)


def pct(col: str) -> pl.Expr:
    return pl.col(col).map_elements(lambda v: "—" if v is None else number_vi(v * 100, 1) + "%",
                                    return_dtype=pl.String, skip_nulls=False)


def target(low: str = "target_low", high: str = "target_high") -> pl.Expr:
    """The unit's own target: "7 – 7,5" for a range, else the one bound the rule has."""
    def fmt(row: dict) -> str:
        lo, hi = row[low], row[high]
        if lo is not None and hi is not None and lo != hi:
            return f"{number_vi(lo)} – {number_vi(hi)}"
        return number_vi(lo if lo is not None else hi)
    return pl.struct(low, high).map_elements(fmt, return_dtype=pl.String)


def status(col: str = "status") -> pl.Expr:
    return pl.col(col).map_elements(status_label, return_dtype=pl.String)


def day(col: str) -> pl.Expr:
    return pl.col(col).map_elements(date_vi, return_dtype=pl.String, skip_nulls=False)


def moment(col: str) -> pl.Expr:
    """A UTC timestamp shown in Hà Nội time."""
    return (pl.col(col).dt.convert_time_zone("Asia/Ho_Chi_Minh").dt.strftime("%d/%m/%Y %H:%M")
            .fill_null("—"))


# A text cell a spreadsheet would run as a formula when the table is downloaded (=, +, -, @ and
# not a plain number): shown with a leading apostrophe, as Excel itself marks text.
_FORMULA_START = r"^([=+@\t\r]|-.)"
_PLAIN_NUMBER = r"^[-+]?\d+([.,]\d+)*%?$"
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$"})


def show(frame: pl.DataFrame, **columns: pl.Expr) -> pl.DataFrame:
    """Select ``columns`` (Vietnamese header = expression) from ``frame``. Every table a page
    draws goes through here, and every table Streamlit offers to download is one of them, so
    text that would run as a formula in Excel is neutralised here."""
    out = frame.select([expr.alias(name) for name, expr in columns.items()])
    text = pl.col(pl.String)
    return out.with_columns(
        pl.when(text.str.contains(_FORMULA_START) & ~text.str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + text).otherwise(text).fill_null("").name.keep())


def plain(text: str) -> str:
    """Text from an uploaded file, safe inside Markdown: no link, image or HTML can come alive."""
    return str(text).translate(_MARKDOWN)
