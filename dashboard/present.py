"""Tables as leadership reads them: Vietnamese headers, numbers and dates the Vietnamese way."""
from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import layout
from dashboard.charts import status_label
from lakehouse.formatting import date_vi, number_vi


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


# Pixels a table may take: the main column of a wide page at 1440 px with the sidebar open, half
# of it (two tables side by side), and a phone held upright (390 px less the page's margins).
FULL, HALF, PHONE = 930, 450, 330
_CHECKBOX = 40   # the row-selection column a selectable table adds
_CHAR, _PAD, _FLOOR = 7.6, 22, 64


def widths(frame: pl.DataFrame, budget: int = FULL, keep: tuple[str, ...] = ()) -> dict[str, int]:
    """Column widths (pixels) that fit ``budget``: each column asks for what its header and
    most of its cells need; when they do not all fit, the longest text columns give way first
    (water-filling), never below a readable floor, and the ``keep`` columns (the one a reader
    came for, such as a rejected row's reason) give way last."""
    def need(name: str) -> float:
        cells = frame[name].cast(pl.String).fill_null("").str.len_chars()
        longest = float(cells.quantile(0.9) or 0) if frame.height else 0.0
        return max(len(name), min(longest, 80)) * _CHAR + _PAD

    asked = {c: need(c) for c in frame.columns}
    weight = {c: 2.5 if c in keep else 1.0 for c in asked}

    def fitted(cap: float) -> dict[str, float]:
        return {c: max(min(w, _FLOOR), min(w, cap * weight[c])) for c, w in asked.items()}

    if sum(asked.values()) > budget:
        low, high = 0.0, max(asked.values())
        for _ in range(40):          # the largest cap at which the columns still fit
            cap = (low + high) / 2
            low, high = (cap, high) if sum(fitted(cap).values()) <= budget else (low, cap)
        asked = fitted(low)
    return {c: int(w) for c, w in asked.items()}


def table(frame: pl.DataFrame, budget: int = FULL, keep: tuple[str, ...] = (), container=None, **kw):
    """Draw a table made by ``show`` so every column is on screen at the given width: a column
    too long for its share is cut with "…" and its full text is one tap or hover away."""
    if layout.is_phone():
        budget = min(budget, PHONE)
    if kw.get("on_select", "ignore") != "ignore":
        budget -= _CHECKBOX
    cols = {c: st.column_config.Column(width=w, help=f"{c} — bấm vào ô để đọc đủ nội dung" if w < 200 and (
        frame[c].cast(pl.String).fill_null("").str.len_chars().max() or 0) * _CHAR + _PAD > w else None)
        for c, w in widths(frame, budget, keep).items()}
    if budget <= PHONE and frame.height <= 40:
        kw.setdefault("height", "content")   # a phone scrolls the page, not a box inside it
    return (container or st).dataframe(frame, hide_index=True, column_config=cols, **kw)


def outlook_columns(phone: bool = False, unit: bool = True) -> dict[str, pl.Expr]:
    """The columns of a year-end forecast table (``dashboard.data.year_end_forecast``)."""
    from lakehouse.gold.forecast import OUTLOOK_MARK, OUTLOOK_VI

    verdict = pl.col("outlook").replace_strict({k: f"{OUTLOOK_MARK[k]} {v}" for k, v in OUTLOOK_VI.items()})
    columns = {"Chỉ tiêu": pl.col("name"), "Đơn vị": pl.col("unit_name"),
               "Lũy kế đến nay": pl.format("{} {}", num("actual"), pl.col("uom").fill_null("")),
               "Dự báo cả năm": num("projection"),
               "Khoảng dự báo": pl.format("{} – {}", num("low"), num("high")),
               "Chỉ tiêu năm": num("target"), "Nhận định": verdict}
    if not unit:
        del columns["Đơn vị"]
    if phone:
        columns = {k: v for k, v in columns.items() if k in ("Chỉ tiêu", "Đơn vị", "Khoảng dự báo", "Chỉ tiêu năm")}
    return columns


def milestones_text(info: dict, milestones: pl.DataFrame, today) -> str:
    """The campaign's calendar as lines of text (a phone's overview): launch, each sơ kết and
    tổng kết with its dates, the end, and where today falls."""
    start = f"Phát động {date_vi(info['window_start'])}" if info["window_start_stated"] is not False else (
        "Phát động (văn bản không ghi ngày)")
    lines = [start] + [f"{m['name']}{'' if m['stated'] else ' (theo lệ)'}: {date_vi(m['start'])} – {date_vi(m['end'])}"
                       for m in milestones.iter_rows(named=True)] + [f"Kết thúc {date_vi(info['window_end'])}"]
    if info["window_start"] <= today <= info["window_end"]:
        lines.append(f"Hôm nay {date_vi(today)}: còn {(info['window_end'] - today).days} ngày")
    return "\n".join(f"- {plain(line)}" for line in lines)
