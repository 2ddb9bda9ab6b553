"""Reporting periods (kỳ báo cáo): ``2024``, ``2024-H1``, ``2024-Q2``, ``2024-06`` and ``DOT``.

``DOT`` is the whole campaign window (cả đợt): indicators measured once per campaign, such as
voter turnout. Canonical codes sort correctly as text within a year.
"""
from __future__ import annotations

import calendar
import functools
import re
from datetime import date, timedelta

from lakehouse.text import fold

WINDOW = "DOT"
PERIOD_TYPES = ("month", "quarter", "half", "year", "window")
PERIOD_TYPE_VI = {"month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm", "window": "cả đợt"}
CANONICAL = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$|^DOT$")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PATTERNS = [
    (re.compile(r"^(\d{4})$"), lambda m: m[1]),
    (re.compile(r"^(\d{4})[-/ ]?h([12])$"), lambda m: f"{m[1]}-H{m[2]}"),
    (re.compile(r"^h([12])[-/ ](\d{4})$"), lambda m: f"{m[2]}-H{m[1]}"),
    (re.compile(r"^6 ?(?:thang|t) ?(dau|cuoi) ?(?:nam)? ?[/-]? ?(\d{4})$"),
     lambda m: f"{m[2]}-H{1 if m[1] == 'dau' else 2}"),
    (re.compile(r"^(\d{4})[-/ ]?q([1-4])$"), lambda m: f"{m[1]}-Q{m[2]}"),
    (re.compile(r"^(?:q|quy) ?([1-4]|i{1,3}|iv) ?(?:[/-]|nam)? ?(\d{4})$"),
     lambda m: f"{m[2]}-Q{_ROMAN.get(m[1], m[1])}"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), lambda m: f"{m[1]}-{int(m[2]):02d}"),
    (re.compile(r"^(?:t|thang) ?(\d{1,2}) ?(?:[/-]|nam)? ?(\d{4})$"), lambda m: f"{m[2]}-{int(m[1]):02d}"),
    (re.compile(r"^(\d{1,2})[/-](\d{4})$"), lambda m: f"{m[2]}-{int(m[1]):02d}"),
    (re.compile(r"^(?:nam|ca nam) ?(\d{4})$"), lambda m: m[1]),
    (re.compile(r"^(?:dot|(?:ca|toan) dot(?: thi dua)?|campaign|window)$"), lambda m: WINDOW),
]


class PeriodError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_period(text: str | None) -> str:
    """Canonical period code for what a steward wrote; raises :class:`PeriodError`."""
    if text is None or not str(text).strip():
        raise PeriodError("thiếu kỳ báo cáo")
    key = fold(str(text)).replace("  ", " ")
    for pattern, build in _PATTERNS:
        m = pattern.match(key)
        if m:
            code = build(m)
            if CANONICAL.match(code) and (code == WINDOW or 1900 < int(code[:4]) < 2200):
                return code
    raise PeriodError(
        f"kỳ báo cáo '{text}' không đúng dạng (ví dụ: 2024, 2024-H1, 2024-Q2, 2024-06, DOT)")


def period_type(code: str) -> str:
    if code == WINDOW:
        return "window"
    if len(code) == 4:
        return "year"
    tail = code[5:]
    return {"H": "half", "Q": "quarter"}.get(tail[0], "month")


# Called per distinct (indicator, period) of every file a night types: a handful of distinct answers.
@functools.lru_cache(maxsize=8192)
def bounds(code: str, window: tuple[date, date] | None = None) -> tuple[date, date]:
    """First and last day of the period (the campaign window for ``DOT``)."""
    if code == WINDOW:
        if window is None:
            raise ValueError("DOT needs the campaign window")
        return window
    year = int(code[:4])
    kind = period_type(code)
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    if kind == "half":
        return (date(year, 1, 1), date(year, 6, 30)) if code.endswith("H1") else (date(year, 7, 1), date(year, 12, 31))
    if kind == "quarter":
        q = int(code[-1])
        start = date(year, 3 * q - 2, 1)
        end_month = 3 * q
        return start, date(year, end_month, calendar.monthrange(year, end_month)[1])
    month = int(code[5:])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def elapsed_share(code: str, window: tuple[date, date]) -> float:
    """Part of the year (or of the campaign window for ``DOT``) elapsed at the period's end."""
    if code == WINDOW:
        return 1.0
    _, end = bounds(code)
    start = date(end.year, 1, 1)
    year_days = (date(end.year, 12, 31) - start).days + 1
    return round(((end - start).days + 1) / year_days, 6)


def label_vi(code: str) -> str:
    """``2024-H1`` → ``6 tháng đầu năm 2024``."""
    kind = period_type(code)
    if kind == "window":
        return "Cả đợt thi đua"
    year = code[:4]
    if kind == "year":
        return f"Năm {year}"
    if kind == "half":
        return f"6 tháng {'đầu' if code.endswith('H1') else 'cuối'} năm {year}"
    if kind == "quarter":
        return f"Quý {['I', 'II', 'III', 'IV'][int(code[-1]) - 1]}/{year}"
    return f"Tháng {int(code[5:])}/{year}"


def expected_periods(kind: str, window: tuple[date, date], as_of: date) -> list[str]:
    """Periods of this type a unit must report for a campaign window, those ended by ``as_of``.

    Half-year reporting follows Vietnamese practice: "6 tháng đầu năm" then "cả năm".
    """
    return list(_expected_periods(kind, window, as_of))


@functools.lru_cache(maxsize=1024)
def _expected_periods(kind: str, window: tuple[date, date], as_of: date) -> tuple[str, ...]:
    start, end = window
    if kind == "window":
        return (WINDOW,) if end <= as_of else ()
    codes: list[str] = []
    for year in range(start.year, end.year + 1):
        if kind == "year":
            candidates = [f"{year}"]
        elif kind == "half":
            candidates = [f"{year}-H1", f"{year}"]
        elif kind == "quarter":
            candidates = [f"{year}-Q{q}" for q in range(1, 5)]
        else:
            candidates = [f"{year}-{m:02d}" for m in range(1, 13)]
        for code in candidates:
            p_start, p_end = bounds(code)
            if p_start <= end and p_end >= start and p_end <= as_of:
                codes.append(code)
    return tuple(codes)


def due_date(code: str, window: tuple[date, date], due_days: int) -> date:
    _, end = bounds(code, window)
    return end + timedelta(days=due_days)


def sort_key(code: str) -> tuple:
    """Chronological order by period end; at the same end, the shorter period first (Q2, H1)."""
    if code == WINDOW:
        return (9999, 99, 9)
    _, end = bounds(code)
    rank = {"month": 0, "quarter": 1, "half": 2, "year": 3}[period_type(code)]
    return (end.year, end.month, rank)


_ROMAN_Q = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_FIND = [
    (re.compile(r"6 thang (dau|cuoi) (?:nam )?(\d{4})?"), lambda m, y: f"{m[2] or y}-H{1 if m[1] == 'dau' else 2}"),
    (re.compile(r"\bquy (iv|i{1,3}|[1-4])\b(?:\s*(?:/|nam|-)\s*(\d{4}))?"),
     lambda m, y: f"{m[2] or y}-Q{_ROMAN_Q.get(m[1], m[1])}"),
    (re.compile(r"\bthang (\d{1,2})\b(?:\s*(?:/|nam|-)\s*(\d{4}))?"),
     lambda m, y: f"{m[2] or y}-{int(m[1]):02d}" if 1 <= int(m[1]) <= 12 else None),
    (re.compile(r"\b(?:uoc (?:thuc hien )?)?ca nam\b(?:\s*(\d{4}))?"), lambda m, y: f"{m[1] or y}"),
    (re.compile(r"\b(?:nam|year) (\d{4})\b"), lambda m, y: m[1]),
    (re.compile(r"^(\d{4})$"), lambda m, y: m[1]),
    (re.compile(r"\b(?:ca dot|toan dot)\b"), lambda m, y: WINDOW),
]


def find_period(text: str, year: str | int | None = None) -> str | None:
    """A period named somewhere in a title or header ("BÁO CÁO ... QUÝ II NĂM 2024", "Cả năm",
    "Tháng 6"); ``year`` completes one written without its year. ``None`` when there is none."""
    key = fold(str(text))
    for pattern, build in _FIND:
        m = pattern.search(key)
        if m:
            code = build(m, year)
            if code and "None" not in code and CANONICAL.match(code):
                return code
    return None
