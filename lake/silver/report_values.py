"""Report values (``silver.report_values``): one row per unit × indicator × period × file.

Source: report rows from a layout reader (``lake.silver.layouts``). Each row is typed here
(unit and indicator looked up in the catalog, period normalised, the value read in Vietnamese
or plain notation and converted to the indicator's unit of measure), then checked by the
Great Expectations suite ``expectations/silver.report_values.json``. Rows that fail either
step go to ``silver.quarantine`` with the reason and the cell. Of all submissions for the same
unit × indicator × period, the latest received is current (``is_current``); the earlier ones
stay as history with ``superseded_by`` naming the file that replaced them.
"""
from __future__ import annotations

from datetime import datetime

import polars as pl

from lake import rules
from lake.formatting import number_vi
from lake.numbers import VI, NumberError, is_no_data, parse_quantity, parse_yes_no
from lake.periods import WINDOW, PeriodError, bounds, parse_period
from lake.reference import matching
from lake.reference.catalog import Catalog, Indicator
from lake.silver.layouts import FIELD_VI
from lake.tables import spec
from lake.text import cell_ref, fold

KEY = ["unit_code", "indicator_code", "period"]
REJECT_SCHEMA = {"sheet": pl.String, "row": pl.Int32, "column": pl.String, "cell": pl.String,
                 "value": pl.String, "reason": pl.String, "check": pl.String}


class _Lookup:
    """Catalog lookups: codes first (tolerating what spreadsheets do to them: lost leading
    zeros, case), then names (``lake.reference.matching``) among the candidates that make
    sense for the row — the indicator's reporters, the unit's indicators, units that existed
    in the period. Every name match is remembered for the dry run."""

    def __init__(self, cat: Catalog):
        self.cat = cat
        self.units = {fold(code): code for code in cat.units}
        self.indicators = {fold(code): code for code in cat.indicators}
        self.reporters = {code: set(cat.reporters(ind)) for code, ind in cat.indicators.items()}
        self.assigned: dict[str, set[str]] = {}
        for code, units in self.reporters.items():
            for u in units:
                self.assigned.setdefault(u, set()).add(code)
        self._unit_names = self._indicator_names = None
        self.matches: dict[str, str] = {}

    def unit_code(self, text: str) -> str | None:
        key = fold(text)
        if key.endswith(".0") and key[:-2].isdigit():
            key = key[:-2]
        if key in self.units:
            return self.units[key]
        if key.isdigit():
            for width in (2, 3, 5):
                if key.zfill(width) in self.units:
                    return self.units[key.zfill(width)]
        return None

    def indicator_code(self, text: str) -> str | None:
        return self.indicators.get(fold(text))

    def unit_by_name(self, text: str, indicator: str | None, period: str, among: set[str] | None = None):
        if self._unit_names is None:
            self._unit_names = matching.unit_index(self.cat)
        among = set(self.cat.units) if among is None else among
        if indicator:
            among &= self.reporters[indicator]
        if period != WINDOW:
            start, end = bounds(period)
            among = {u for u in among if self.cat.units[u].valid_during(start, end)}
        found = self._unit_names.match(text, among)
        if found.code:
            self.matches[f"u:{text}"] = "Đơn vị " + found.describe()
        return found

    def indicator_by_name(self, text: str, unit: str, period: str):
        if self._indicator_names is None:
            self._indicator_names = matching.indicator_index(self.cat)
        among = set(self.assigned.get(unit, ()))
        if period != WINDOW:
            start, end = bounds(period)
            among = {c for c in among if self.cat.campaign_of_indicator(c).window[0] <= end
                     and self.cat.campaign_of_indicator(c).window[1] >= start}
        among = {c for c in among if self.cat.indicators[c].rule["type"] != "all_of"}
        found = self._indicator_names.match(text, among)
        if found.code:
            self.matches[f"i:{text}"] = "Chỉ tiêu " + found.describe()
        return found


def _convert(value: float | None, unit_text: str, ind: Indicator, cat: Catalog) -> float | None:
    if value is None or not unit_text:
        return value
    target = cat.uoms[ind.uom]
    given = cat.find_uom(unit_text)
    if given is None:
        raise NumberError(f"đơn vị tính '{unit_text}' không nhận ra (chỉ tiêu tính bằng '{ind.uom}')")
    if given.family != target.family:
        raise NumberError(f"đơn vị tính '{unit_text}' không đổi được sang '{ind.uom}' của chỉ tiêu {ind.code}")
    return value * given.factor / target.factor


def _read_value(text, is_number, ind: Indicator, cat: Catalog, column_uom: str,
                notation: str = VI) -> tuple[float | None, str | None]:
    kind = ind.rule["type"]
    if kind == "done":
        return parse_yes_no(text), None
    if kind == "group_at_least":
        if is_no_data(text):
            return None, None
        ordinal = rules.group_ordinal(ind.rule, str(text))
        if ordinal is None:
            raise NumberError(f"'{text}' không phải tên nhóm; dùng một trong: {', '.join(ind.rule['scale'])}")
        return float(ordinal), ind.rule["scale"][ordinal - 1]
    value, cell_unit = parse_quantity(text, is_number, notation)
    return _convert(value, cell_unit or column_uom, ind, cat), None


def type_rows(rows: pl.DataFrame, cat: Catalog, notation: str = VI) -> tuple[pl.DataFrame, pl.DataFrame, int, list[str]]:
    """Layout rows → (typed candidates, rejected rows, rows with no value, name matches made).

    Candidates keep their cell columns (``*_col``) and the bounds GX checks against.
    """
    look = _Lookup(cat)
    out, rejects, empty = [], [], 0

    def reject(r: dict, field: str, reason: str, check: str) -> None:
        col = r.get(f"{field}_col")
        rejects.append({"sheet": r["sheet"], "row": r["row"], "column": FIELD_VI[field],
                        "cell": cell_ref(r["row"], col) if col else None,
                        "value": r.get(f"{field}_text"), "reason": reason, "check": check})

    for r in rows.iter_rows(named=True):
        missing = [f for f in ("unit", "indicator", "period") if not r.get(f"{f}_text")]
        if missing:
            for f in missing:
                reject(r, f, f"thiếu {FIELD_VI[f].lower()}", "required")
            continue
        try:
            period = parse_period(r["period_text"])
        except PeriodError as exc:
            reject(r, "period", exc.reason, "period_format")
            continue
        if is_no_data(r.get("value_text")) and not r.get("plan_text") and not r.get("baseline_text"):
            empty += 1  # "-", "x", blank: no data, whatever the row names
            continue
        code = look.indicator_code(r["indicator_text"])
        unit = look.unit_code(r["unit_text"])
        if unit is None and matching.looks_like_code(r["unit_text"]):
            reject(r, "unit", f"mã đơn vị '{r['unit_text']}' không có trong danh mục đơn vị", "known_unit")
            continue
        if code is None and matching.looks_like_code(r["indicator_text"]):
            reject(r, "indicator", f"mã chỉ tiêu '{r['indicator_text']}' không có trong danh mục chỉ tiêu",
                   "known_indicator")
            continue
        if unit is None:
            found = look.unit_by_name(r["unit_text"], code, period)
            if found.ambiguous and code is None:
                # "Chi Lăng" (the ward or the district?) beside an indicator name: keep the unit
                # for which that indicator, in that period, exists.
                fits = [c for c, _, _ in found.candidates
                        if look.indicator_by_name(r["indicator_text"], c, period).code]
                if len(fits) == 1:
                    found = look.unit_by_name(r["unit_text"], None, period, among={fits[0]})
            if found.code is None:
                reason = (f"đơn vị {found.describe()}" if found.ambiguous else
                          f"mã đơn vị '{r['unit_text']}' không có trong danh mục đơn vị")
                reject(r, "unit", reason, "known_unit")
                continue
            unit = found.code
        if code is None:
            found = look.indicator_by_name(r["indicator_text"], unit, period)
            if found.code is None:
                reason = (f"chỉ tiêu {found.describe()}" if found.ambiguous else
                          f"chỉ tiêu '{r['indicator_text']}' không khớp chỉ tiêu nào mà {cat.units[unit].name} "
                          f"phải báo cáo trong kỳ {period}")
                reject(r, "indicator", reason, "known_indicator")
                continue
            code = found.code
        ind = cat.indicators[code]
        if ind.rule["type"] == "all_of":
            reject(r, "indicator", f"chỉ tiêu {code} được tính từ các tiêu chí con; hãy báo cáo từng tiêu chí "
                   f"({', '.join(i.code for i in cat.indicators.values() if i.parent == code)})", "composite")
            continue
        column_uom = (r.get("uom_text") or "").strip()
        try:
            value, value_text = _read_value(r.get("value_text"), r.get("value_is_number"), ind, cat, column_uom,
                                            notation)
        except NumberError as exc:
            reject(r, "value" if "đơn vị tính" not in exc.reason or not column_uom else "uom", exc.reason, "number")
            continue
        if value is None:
            empty += 1
            continue
        extras = {}
        bad = False
        for f in ("plan", "baseline"):
            try:
                extras[f] = None
                if ind.rule["type"] not in ("done", "group_at_least"):
                    number, cell_unit = parse_quantity(r.get(f"{f}_text"), r.get(f"{f}_is_number"), notation)
                    extras[f] = _convert(number, cell_unit or column_uom, ind, cat)
            except NumberError as exc:
                reject(r, f, exc.reason, "number")
                bad = True
        if bad:
            continue
        if r.get("pct_text") and extras["plan"]:
            problem = _check_pct(r, value, extras["plan"], notation)
            if problem:
                reject(r, "pct", problem, "pct_consistency")
                continue
        campaign = cat.campaigns[ind.campaign]
        p_start, p_end = bounds(period, campaign.window)
        out.append({
            "period": period, "unit_code": unit, "indicator_code": code, "value": value,
            "value_text": value_text, "reported_text": r.get("value_text"),
            "reported_uom": column_uom or None, "plan_value": extras["plan"], "baseline": extras["baseline"],
            "note": r.get("note_text"), "sheet": r["sheet"], "row": r["row"],
            "value_min": ind.value_min, "value_max": ind.value_max,
            "period_start": p_start, "period_end": p_end,
            "window_start": campaign.window[0], "window_end": campaign.window[1],
            "assignment": f"{code}|{unit}",
            **{f"{f}_col": r.get(f"{f}_col") for f in ("unit", "indicator", "period", "value")},
        })
    typed = pl.DataFrame(out, infer_schema_length=None, schema_overrides={
        "value": pl.Float64, "plan_value": pl.Float64, "baseline": pl.Float64, "value_min": pl.Float64,
        "value_max": pl.Float64, "value_text": pl.String, "reported_uom": pl.String, "note": pl.String,
        "row": pl.Int32}) if out else pl.DataFrame()
    return typed, pl.DataFrame(rejects, schema=REJECT_SCHEMA), empty, sorted(look.matches.values())


def _check_pct(r: dict, value: float, plan: float, notation: str) -> str | None:
    """The form's "% so với kế hoạch" column is derived: it must agree with value / plan."""
    try:
        pct = parse_quantity(r["pct_text"], r.get("pct_is_number"), notation)[0]
    except NumberError as exc:
        return exc.reason
    if pct is None:
        return None
    if r.get("pct_is_number") and pct <= 5 and value / plan > 0.05:
        pct *= 100  # a percentage cell holds 0.98 for 98%
    expected = value / plan * 100
    if abs(pct - expected) > max(0.5, 0.005 * abs(expected)):
        return (f"cột % so với kế hoạch ghi {number_vi(pct, 2)}% nhưng Thực hiện / Kế hoạch = "
                f"{number_vi(expected, 2)}%; hãy kiểm tra lại các số")
    return None


def drop_exact_repeats(typed: pl.DataFrame) -> pl.DataFrame:
    """The same key twice with the same value is one report; with different values GX rejects both."""
    if typed.is_empty():
        return typed
    return typed.unique(subset=[*KEY, "value"], keep="first", maintain_order=True)


def to_table(accepted: pl.DataFrame, file_id: str, received_at: datetime) -> pl.DataFrame:
    return spec("silver.report_values").conform(accepted.with_columns(
        file_id=pl.lit(file_id), received_at=pl.lit(received_at, dtype=spec("silver.report_values").schema["received_at"]),
        is_current=pl.lit(True), superseded_by=pl.lit(None, pl.String)))


def resolve_current(rows: pl.DataFrame) -> pl.DataFrame:
    """Mark, per unit × indicator × period, the latest received submission as current."""
    if rows.is_empty():
        return rows
    ordered = rows.sort([*KEY, "received_at", "file_id"])
    return ordered.with_columns(
        superseded_by=pl.col("file_id").shift(-1).over(KEY),
    ).with_columns(is_current=pl.col("superseded_by").is_null())
