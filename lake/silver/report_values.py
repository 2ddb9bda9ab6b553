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
from lake.numbers import NumberError, is_no_data, parse_quantity, parse_yes_no
from lake.periods import PeriodError, bounds, parse_period
from lake.reference.catalog import Catalog, Indicator
from lake.silver.layouts import FIELD_VI
from lake.tables import spec
from lake.text import cell_ref, fold

KEY = ["unit_code", "indicator_code", "period"]
REJECT_SCHEMA = {"sheet": pl.String, "row": pl.Int32, "column": pl.String, "cell": pl.String,
                 "value": pl.String, "reason": pl.String, "check": pl.String}


class _Lookup:
    """Catalog lookups tolerant of what spreadsheets do to codes (lost leading zeros, case)."""

    def __init__(self, cat: Catalog):
        self.cat = cat
        self.units = {fold(code): code for code in cat.units}
        self.indicators = {fold(code): code for code in cat.indicators}

    def unit(self, text: str) -> str | None:
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

    def indicator(self, text: str) -> str | None:
        return self.indicators.get(fold(text))


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


def _read_value(text, is_number, ind: Indicator, cat: Catalog, column_uom: str) -> tuple[float | None, str | None]:
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
    value, cell_unit = parse_quantity(text, is_number)
    return _convert(value, cell_unit or column_uom, ind, cat), None


def type_rows(rows: pl.DataFrame, cat: Catalog) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Layout rows → (typed candidates, rejected rows, rows with no value).

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
        unit = look.unit(r["unit_text"])
        if unit is None:
            reject(r, "unit", f"mã đơn vị '{r['unit_text']}' không có trong danh mục đơn vị", "known_unit")
            continue
        code = look.indicator(r["indicator_text"])
        if code is None:
            reject(r, "indicator", f"mã chỉ tiêu '{r['indicator_text']}' không có trong danh mục chỉ tiêu",
                   "known_indicator")
            continue
        ind = cat.indicators[code]
        if ind.rule["type"] == "all_of":
            reject(r, "indicator", f"chỉ tiêu {code} được tính từ các tiêu chí con; hãy báo cáo từng tiêu chí "
                   f"({', '.join(i.code for i in cat.indicators.values() if i.parent == code)})", "composite")
            continue
        try:
            period = parse_period(r["period_text"])
        except PeriodError as exc:
            reject(r, "period", exc.reason, "period_format")
            continue
        column_uom = (r.get("uom_text") or "").strip()
        try:
            value, value_text = _read_value(r.get("value_text"), r.get("value_is_number"), ind, cat, column_uom)
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
                    number, cell_unit = parse_quantity(r.get(f"{f}_text"), r.get(f"{f}_is_number"))
                    extras[f] = _convert(number, cell_unit or column_uom, ind, cat)
            except NumberError as exc:
                reject(r, f, exc.reason, "number")
                bad = True
        if bad:
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
    return typed, pl.DataFrame(rejects, schema=REJECT_SCHEMA), empty


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
