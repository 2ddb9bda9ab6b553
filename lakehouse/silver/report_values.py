"""Report values (``silver.report_values``): one row per unit × indicator × period × file.

Source: report rows from a layout reader (``lakehouse.silver.layouts``). Each row is typed here
(unit and indicator looked up in the catalog, period normalised, the value read in Vietnamese
or plain notation and converted to the indicator's unit of measure), then checked by the
Great Expectations suite ``expectations/silver.report_values.json``. Rows that fail either
step go to ``silver.quarantine`` with the reason and the cell. Of all submissions for the same
unit × indicator × period, the latest received is current (``is_current``); the earlier ones
stay as history with ``superseded_by`` naming the file that replaced them.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from lakehouse import rules
from lakehouse.formatting import number_vi
from lakehouse.numbers import VI, NumberError, is_no_data, parse_quantity, parse_yes_no
from lakehouse.periods import PERIOD_TYPE_VI, WINDOW, PeriodError, bounds, expected_periods, label_vi, parse_period
from lakehouse.reference import matching
from lakehouse.reference.catalog import Catalog, Indicator
from lakehouse.silver.layouts import FIELD_VI
from lakehouse.tables import sort_rows, spec
from lakehouse.text import cell_ref, fold

KEY = ["unit_code", "indicator_code", "period"]
REJECT_SCHEMA = {"sheet": pl.String, "row": pl.Int32, "column": pl.String, "cell": pl.String,
                 "value": pl.String, "reason": pl.String, "check": pl.String}


class _Lookup:
    """Catalog lookups: codes first (tolerating what spreadsheets do to them: lost leading
    zeros, case), then names (``lakehouse.reference.matching``) among the candidates that make
    sense for the row — the indicator's reporters, the unit's indicators, units that existed
    in the period. Every name match is remembered for the dry run."""

    def __init__(self, cat: Catalog):
        self.cat = cat
        # The catalog is read-only: its lookups are built once and shared by every file.
        if "lookup" not in cat._cache:
            # A unit above a reporter may send its own consolidated figure: it is a candidate too.
            reporters = {code: frozenset(cat.may_report(ind)) for code, ind in cat.indicators.items()}
            assigned: dict[str, set[str]] = {}
            for code, units in reporters.items():
                for u in units:
                    assigned.setdefault(u, set()).add(code)
            cat._cache["lookup"] = ({fold(code): code for code in cat.units},
                                    {fold(code): code for code in cat.indicators}, reporters, assigned)
        self.units, self.indicators, self.reporters, self.assigned = cat._cache["lookup"]
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


def _answers_no(look: _Lookup, row: dict) -> bool:
    """"Không" is no data, except as the answer to a done / not done indicator."""
    if fold(str(row.get("value_text") or "")) not in ("khong", "no"):
        return False
    code = look.indicator_code(row["indicator_text"])
    return code is not None and look.cat.indicators[code].rule["type"] == "done"


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


_TYPED_SCHEMA = {
    "period": pl.String, "unit_code": pl.String, "indicator_code": pl.String, "value": pl.Float64,
    "value_text": pl.String, "reported_text": pl.String, "reported_uom": pl.String, "plan_value": pl.Float64,
    "baseline": pl.Float64, "note": pl.String, "sheet": pl.String, "row": pl.Int32, "value_min": pl.Float64,
    "value_max": pl.Float64, "period_start": pl.Date, "period_end": pl.Date, "window_start": pl.Date,
    "window_end": pl.Date, "assignment": pl.String, "unit_col": pl.Int32, "indicator_col": pl.Int32,
    "period_col": pl.Int32, "value_col": pl.Int32, "period_kind": pl.String}


def type_rows(rows: pl.DataFrame, cat: Catalog, notation: str = VI) -> tuple[pl.DataFrame, pl.DataFrame, int, list[str]]:
    """One file's layout rows → (typed candidates, rejected rows, rows with no value, name matches
    made). See :func:`type_files`."""
    typed, done = type_files(rows.with_columns(_f=pl.lit(0, pl.Int32)), cat, {0: notation})
    rejects, empty, matches = done.get(0, (pl.DataFrame(schema=REJECT_SCHEMA), 0, []))
    return (typed.drop("_f") if not typed.is_empty() else typed), rejects, empty, matches


def type_files(rows: pl.DataFrame, cat: Catalog, notations: dict[int, str]
               ) -> tuple[pl.DataFrame, dict[int, tuple[pl.DataFrame, int, list[str]]]]:
    """Layout rows of many files (``_f``: the file's number; ``notations``: each file's number
    notation) → (typed candidates of all of them, with ``_f``, in file, sheet and row order;
    per file that had rows needing the row-by-row reader: its rejected rows, rows with no value
    and name matches made).

    Candidates keep their cell columns (``*_col``) and the bounds GX checks against. Plain rows
    (codes, a bare number, a known unit of measure) are typed column-wise, every file of a
    notation at once (a national night types thousands of files: per-file frame operations
    would cost more than the typing); every other row goes through the row-by-row reader below,
    file by file, which also writes every message.
    """
    typed_parts, rest_parts = [], []
    notation_of = pl.col("_f").replace_strict(notations, return_dtype=pl.String)
    for (notation,), group in rows.with_columns(_notation=notation_of).partition_by(
            "_notation", as_dict=True, include_key=False).items():
        fast, rest = _type_plain_rows(group, cat, notation)
        typed_parts.append(fast)
        rest_parts.append(rest)
    done = {}
    rest = pl.concat([r for r in rest_parts if not r.is_empty()]) if any(not r.is_empty() for r in rest_parts) else None
    if rest is not None:
        for (f,), part in rest.partition_by("_f", as_dict=True).items():
            slow, rejects, empty, matches = _type_row_by_row(part, cat, notations[f])
            typed_parts.append(slow.with_columns(_f=pl.lit(f, pl.Int32)) if not slow.is_empty() else slow)
            done[f] = (rejects, empty, matches)
    frames = [f for f in typed_parts if not f.is_empty()]
    typed = pl.concat(frames, how="diagonal_relaxed").sort("_f", "sheet", "row") if frames else pl.DataFrame()
    return typed, done


def _plain_number(text: pl.Expr, is_number: pl.Expr, notation: str) -> pl.Expr:
    """The number in a cell when it is written in one of the plain forms; null otherwise (the
    row-by-row reader then reads it, or says why it cannot)."""
    t = text.str.strip_chars().str.replace_all(r"[ \u00a0]", "")
    if notation == VI:
        body = (pl.when(t.str.contains(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$"))
                .then(t.str.replace_all(r"\.", "").str.replace(",", ".", literal=True))
                .when(t.str.contains(r"^-?\d+(,\d+)?$")).then(t.str.replace(",", ".", literal=True))
                .when(t.str.contains(r"^-?\d+\.\d+$")).then(t)
                .otherwise(None))
    else:
        body = (pl.when(t.str.contains(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")).then(t.str.replace_all(",", "", literal=True))
                .when(t.str.contains(r"^-?\d+(\.\d+)?$")).then(t)
                .otherwise(None))
    native = pl.when(t.str.contains(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")).then(t)
    number = pl.when(is_number.fill_null(False)).then(native).otherwise(body).cast(pl.Float64, strict=False)
    return pl.when(number.abs() <= 1e15).then(number)


def _type_plain_rows(rows: pl.DataFrame, cat: Catalog, notation: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    if rows.is_empty():
        return pl.DataFrame(), rows
    look = _Lookup(cat)
    units = {t: look.unit_code(t) for t in rows["unit_text"].drop_nulls().unique().to_list()}
    inds = {t: look.indicator_code(t) for t in rows["indicator_text"].drop_nulls().unique().to_list()}
    periods = {}
    for t in rows["period_text"].drop_nulls().unique().to_list():
        try:
            periods[t] = parse_period(t)
        except PeriodError:
            periods[t] = None
    plain_rules = {c for c, i in cat.indicators.items() if i.rule["type"] not in ("all_of", "done", "group_at_least")}
    answered = {c for c, i in cat.indicators.items() if i.rule["type"] in ("done", "group_at_least")}
    frame = rows.with_row_index("_i").with_columns(
        unit_code=pl.col("unit_text").replace_strict(units, default=None, return_dtype=pl.String),
        indicator_code=pl.col("indicator_text").replace_strict(inds, default=None, return_dtype=pl.String),
        period=pl.col("period_text").replace_strict(periods, default=None, return_dtype=pl.String),
        value=_plain_number(pl.col("value_text"), pl.col("value_is_number"), notation),
        plan_value=_plain_number(pl.col("plan_text"), pl.col("plan_is_number"), notation),
        baseline=_plain_number(pl.col("baseline_text"), pl.col("baseline_is_number"), notation),
    )
    frame = _answers(frame, cat, answered)
    # Units of measure: the column's, converted to the indicator's (unknown or foreign ones go row by row).
    factors = {}
    for text, code in frame.select("uom_text", "indicator_code").unique().iter_rows():
        if code is None or code not in cat.indicators:
            continue
        target = cat.uoms[cat.indicators[code].uom]
        given = target if not text or not text.strip() else cat.find_uom(text)
        if given is not None and given.family == target.family:
            factors[(text or "", code)] = given.factor / target.factor
    factor_frame = pl.DataFrame([{"uom_key": k[0], "indicator_code": k[1], "_factor": v} for k, v in factors.items()],
                                schema={"uom_key": pl.String, "indicator_code": pl.String, "_factor": pl.Float64})
    frame = frame.with_columns(uom_key=pl.col("uom_text").fill_null("")).join(
        factor_frame, on=["uom_key", "indicator_code"], how="left")
    plain = (pl.col("unit_code").is_not_null() & pl.col("indicator_code").is_in(sorted(plain_rules | answered))
             & pl.col("period").is_not_null() & pl.col("value").is_not_null() & pl.col("_factor").is_not_null()
             & (pl.col("plan_text").is_null() | pl.col("plan_value").is_not_null())
             & (pl.col("baseline_text").is_null() | pl.col("baseline").is_not_null()) & pl.col("pct_text").is_null())
    fast = frame.filter(plain)
    rest = rows.with_row_index("_i").join(fast.select("_i"), on="_i", how="anti").drop("_i")
    if fast.is_empty():
        return pl.DataFrame(), rest
    ind_rows = [{"indicator_code": c, "value_min": i.value_min, "value_max": i.value_max, "campaign": i.campaign}
                for c, i in cat.indicators.items()]
    ind_frame = pl.DataFrame(ind_rows, schema={"indicator_code": pl.String, "value_min": pl.Float64,
                                               "value_max": pl.Float64, "campaign": pl.String})
    spans = []
    for period, campaign in fast.join(ind_frame, on="indicator_code").select("period", "campaign").unique().iter_rows():
        window = cat.campaigns[campaign].window
        start, end = bounds(period, window)
        spans.append({"period": period, "campaign": campaign, "period_start": start, "period_end": end,
                      "window_start": window[0], "window_end": window[1]})
    span_frame = pl.DataFrame(spans, schema={"period": pl.String, "campaign": pl.String, "period_start": pl.Date,
                                             "period_end": pl.Date, "window_start": pl.Date, "window_end": pl.Date})
    typed = (fast.join(ind_frame, on="indicator_code").join(span_frame, on=["period", "campaign"])
             .with_columns(pl.col("value", "plan_value", "baseline") * pl.col("_factor"),
                           reported_text=pl.col("value_text"), value_text=pl.col("_answer_text"),
                           reported_uom=pl.when(pl.col("uom_text").str.strip_chars() != "").then(
                               pl.col("uom_text").str.strip_chars()),
                           note=pl.col("note_text"),
                           assignment=pl.format("{}|{}", pl.col("indicator_code"), pl.col("unit_code"))))
    return typed.select(pl.col("_f").cast(pl.Int32), *[pl.col(c).cast(t) for c, t in _TYPED_SCHEMA.items()]), rest


def _answers(frame: pl.DataFrame, cat: Catalog, answered: set[str]) -> pl.DataFrame:
    """Done / not done and ranking-group answers, read once per distinct text and indicator;
    texts that do not read (or mean no data) stay null and go row by row, for their message."""
    rows = []
    pairs = frame.filter(pl.col("indicator_code").is_in(sorted(answered))).select("indicator_code", "value_text")
    for code, text in pairs.unique().iter_rows():
        if is_no_data(text) and fold(str(text or "")) != "khong":
            continue
        try:
            value, value_text = _read_value(text, False, cat.indicators[code], cat, "")
        except NumberError:
            continue
        if value is not None:
            rows.append({"indicator_code": code, "value_text": text, "_answer": value, "_answer_text": value_text})
    found = pl.DataFrame(rows, schema={"indicator_code": pl.String, "value_text": pl.String, "_answer": pl.Float64,
                                       "_answer_text": pl.String})
    is_answer = pl.col("indicator_code").is_in(sorted(answered))
    return frame.join(found, on=["indicator_code", "value_text"], how="left", nulls_equal=False).with_columns(
        value=pl.when(is_answer).then(pl.col("_answer")).otherwise(pl.col("value")),
        plan_value=pl.when(is_answer).then(None).otherwise(pl.col("plan_value")),
        baseline=pl.when(is_answer).then(None).otherwise(pl.col("baseline")),
    ).with_columns(plan_text=pl.when(is_answer).then(None).otherwise(pl.col("plan_text")),
                   baseline_text=pl.when(is_answer).then(None).otherwise(pl.col("baseline_text")))


def _type_row_by_row(rows: pl.DataFrame, cat: Catalog, notation: str) -> tuple[pl.DataFrame, pl.DataFrame, int, list[str]]:
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
        if (is_no_data(r.get("value_text")) and not r.get("plan_text") and not r.get("baseline_text")
                and not _answers_no(look, r)):
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
            "period_kind": r.get("period_kind"),
        })
    typed = pl.DataFrame(out, schema=_TYPED_SCHEMA) if out else pl.DataFrame()
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
    """The same key twice in a file (``_f``) with the same value is one report; with different
    values GX rejects both."""
    if typed.is_empty():
        return typed
    return typed.unique(subset=["_f", *KEY, "value"], keep="first", maintain_order=True)


def to_table(accepted: pl.DataFrame, file_id: str, received_at: datetime) -> pl.DataFrame:
    return spec("silver.report_values").conform(accepted.with_columns(
        file_id=pl.lit(file_id), received_at=pl.lit(received_at, dtype=spec("silver.report_values").schema["received_at"]),
        is_current=pl.lit(True), superseded_by=pl.lit(None, pl.String)))


def resolve_current(rows: pl.DataFrame) -> pl.DataFrame:
    """Mark, per unit × indicator × period, the latest received submission as current."""
    if rows.is_empty():
        return rows
    packed = _packed(rows)
    if packed is None:      # ranks too many to pack (or a value missing): the rows sorted whole
        ordered = sort_rows(rows, _SUBMISSION_ORDER)
        return ordered.with_columns(superseded_by=pl.when(_same_key()).then(pl.col("file_id").shift(-1))
                                    ).with_columns(is_current=pl.col("superseded_by").is_null())
    code, submission_bits = packed
    # In submission order per key, a key's next submission is the next row when that row has the
    # same key (a comparison with the neighbour, not a window over a million groups). Only one
    # integer a row is put in that order and the answer scattered back: the rows stay where they
    # are (a month with its history is millions of rows; a sorted copy doubled the job's memory).
    order = code.to_frame("code").select(pl.arg_sort_by("code", maintain_order=True)).to_series()
    following = pl.DataFrame({"key": code.gather(order) // (1 << submission_bits), "row": order}).select(
        pl.when(pl.col("key").shift(-1) == pl.col("key")).then(pl.col("row").shift(-1))).to_series()
    position = pl.zeros(rows.height, pl.UInt32, eager=True).scatter(order, pl.int_range(rows.height, dtype=pl.UInt32,
                                                                                       eager=True))
    superseded_by = rows["file_id"].gather(following.gather(position))
    return rows.with_columns(superseded_by=superseded_by, is_current=superseded_by.is_null())


_SUBMISSION_ORDER = [*KEY, "received_at", "file_id"]


def _same_key() -> pl.Expr:
    return pl.all_horizontal(pl.col(k).shift(-1).eq_missing(pl.col(k)) for k in KEY)


def _packed(rows: pl.DataFrame) -> tuple[pl.Series, int] | None:
    """One unsigned integer a row that orders the rows as (key, received_at, file_id) do, each
    column's rank among its distinct values in bits of its own, and how many low bits are the
    submission's; ``None`` when the ranks need more than 63 bits or a column has an empty value."""
    code, bits = None, []
    for column in _SUBMISSION_ORDER:
        values = rows[column]
        if values.null_count():
            return None
        distinct = values.unique().sort()
        rank = (values.cast(pl.Enum(distinct)).to_physical() if values.dtype == pl.String
                else distinct.search_sorted(values)).cast(pl.UInt64)
        width = max(1, (distinct.len() - 1).bit_length())
        bits.append(width)
        if sum(bits) > 63:
            return None
        code = rank if code is None else code * (1 << width) + rank
    return code, bits[-2] + bits[-1]


def replace_files(stored: pl.DataFrame, new: pl.DataFrame, files: list[str]
                  ) -> tuple[pl.LazyFrame, pl.DataFrame, pl.DataFrame]:
    """Rows of a partition (``stored``) with the rows of ``files`` taken out and ``new`` rows
    put in. Which submission is current can change only for the keys those rows have, so only
    they are resolved again. Returns (the other rows, untouched, to be collected when the
    partition is written; the affected rows as they were; as they are now): the partition is
    now the first and the last together, and it changed exactly when the middle and the last
    differ. A night's few files in a month with a long history sort a few rows, not the month."""
    out = pl.col("file_id").is_in(files)
    dropped = stored.filter(out).select(KEY)
    keys = (pl.concat([new.select(KEY), dropped]) if not new.is_empty() else dropped).unique()
    current = stored.filter(pl.col("is_current")).join(keys, on=KEY, how="semi")
    # A key is resolved from its whole history when a row of it is taken out, or when a new row
    # was received before its current one (sent earlier, typed later). Otherwise (an ordinary
    # night's corrections) its current row is the only one that changes: it is now superseded.
    early = _received_early(new, current) if not new.is_empty() else dropped
    deep = pl.concat([early, dropped]).unique()
    shallow = keys.join(deep, on=KEY, how="anti").with_columns(is_current=pl.lit(True))
    before = pl.concat([current.join(shallow, on=KEY, how="semi"), stored.join(deep, on=KEY, how="semi")])
    kept = before.filter(~out)
    now = resolve_current(pl.concat([kept, new], how="diagonal_relaxed") if not new.is_empty() else kept)
    untouched = (stored.lazy().join(shallow.lazy(), on=[*KEY, "is_current"], how="anti")
                 .join(deep.lazy(), on=KEY, how="anti"))
    return untouched, before, now


def _received_early(new: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """The keys of ``new`` rows received before the row in force for their key (in submission
    order: the receipt time, then the file)."""
    return new.join(current.select(*KEY, _at="received_at", _id="file_id"), on=KEY).filter(
        (pl.col("received_at") < pl.col("_at")) | ((pl.col("received_at") == pl.col("_at"))
                                                   & (pl.col("file_id") < pl.col("_id")))).select(KEY)


def live(file_id: str) -> pl.Expr:
    """The rows of a partition that an ingest of a new file ``file_id`` can change: the rows in
    force, and after the write the rows it superseded and its own. When the file comes after
    every submission in force for its keys (``arrives_last``) and has no rows there yet, these
    are all an ingest reads and rewrites: the history before them stays as it is (a month that
    many files were sent for is mostly history). Rows of the file itself among them mean an
    interrupted attempt. ``live_sql`` is the same rule for a Delta write."""
    return pl.col("is_current") | (pl.col("file_id") == file_id) | (pl.col("superseded_by") == file_id)


def live_sql(file_id: str) -> str:
    # A file id is the hex digest of its bytes; anything else would be a bug upstream.
    if not file_id.isalnum():
        raise ValueError(f"not a file id: {file_id!r}")
    return f"(is_current OR file_id = '{file_id}' OR superseded_by = '{file_id}')"


def arrives_last(live_rows: pl.DataFrame, new: pl.DataFrame) -> bool:
    """Whether every new row was received after the row in force for its key, so that its key's
    current row is the only one to change. A file received earlier but typed later (its ingest
    finished after a later file's) lands inside a key's history and needs the whole of it."""
    if new.is_empty():
        return True
    return _received_early(new, live_rows.filter(pl.col("is_current"))).is_empty()


# ----------------------------------------------------------------------------- periods that fit
def fit_periods(typed: pl.DataFrame, cat: Catalog) -> tuple[pl.DataFrame, pl.DataFrame, dict[int, list[str]]]:
    """Every value lands on one of its indicator's own periods, by a stated rule, or is refused.

    1. For a cumulative indicator (lũy kế), silver keeps the total since the start of the year:
       a period's own amount ("trong kỳ", a form's quarter column) becomes that total by adding
       the earlier periods of the same year from the same file; without all of them it is refused.
    2. A value for a period that is not one of the indicator's (a quarter for a half-year
       indicator) is the value of the indicator's period ending the same day ("Quý II" → "6
       tháng đầu năm", "Quý IV" → "cả năm"), when there is one; otherwise it is refused.
    ``typed`` holds the rows of one or more files (``_f``, the file's number). Returns the typed
    rows, the refused rows (with ``_f``) and each file's notes for the dry run."""
    empty = pl.DataFrame(schema={"_f": pl.Int32, **REJECT_SCHEMA})
    if typed.is_empty():
        return typed, empty, {}
    rejects, notes = [], {}
    typed = typed.with_row_index("_i")
    cumulative = {c for c, i in cat.indicators.items() if i.accumulation == "cumulative"}
    flows = typed.filter((pl.col("period_kind") == "flow") & pl.col("indicator_code").is_in(sorted(cumulative)))
    if not flows.is_empty():
        typed, refused, converted = _flows_to_year_to_date(typed, flows)
        rejects += refused
        for f, n in converted.items():
            notes.setdefault(f, []).append(f"{n} giá trị 'trong kỳ' của chỉ tiêu lũy kế được cộng dồn từ đầu năm.")
    moved: dict[tuple[str, str], str] = {}
    for code, period in typed.select("indicator_code", "period").unique().iter_rows():
        ind = cat.indicators.get(code)
        if ind is None:
            continue
        window = cat.campaigns[ind.campaign].window
        own = expected_periods(ind.period_type, window, date.max)
        p_start, p_end = bounds(period, window) if period != WINDOW else window
        if period in own or p_start > window[1] or p_end < window[0]:
            continue   # outside the campaign altogether: the check on the window says so
        if period != WINDOW:
            end = bounds(period, window)[1]
            same_end = [p for p in own if p != WINDOW and bounds(p, window)[1] == end]
            if same_end:
                moved[(code, period)] = same_end[0]
                continue
        moved[(code, period)] = ""
    if moved:
        keys = pl.DataFrame([{"indicator_code": c, "period": p, "_to": t} for (c, p), t in moved.items()],
                            schema={"indicator_code": pl.String, "period": pl.String, "_to": pl.String})
        typed = typed.join(keys, on=["indicator_code", "period"], how="left")
        refused = typed.filter(pl.col("_to") == "")
        for r in refused.iter_rows(named=True):
            ind = cat.indicators[r["indicator_code"]]
            rejects.append(_period_reject(r, f"chỉ tiêu {ind.code} báo cáo theo kỳ {PERIOD_TYPE_VI[ind.period_type]}; "
                                             f"'{label_vi(r['period'])}' không phải kỳ báo cáo của chỉ tiêu này và "
                                             "không có kỳ nào của chỉ tiêu kết thúc cùng ngày", "period_type"))
        shifted = typed.filter(pl.col("_to").is_not_null() & (pl.col("_to") != ""))
        for (f, frm, to), group in shifted.group_by(["_f", "period", "_to"]):
            notes.setdefault(f, []).append(f"{group.height} giá trị kỳ '{label_vi(frm)}' được tính cho kỳ "
                                           f"'{label_vi(to)}' của chỉ tiêu (cùng ngày cuối kỳ).")
        typed = typed.filter(pl.col("_to").is_null() | (pl.col("_to") != "")).with_columns(
            period=pl.coalesce("_to", "period")).drop("_to")
        spans = {p: bounds(p, (w0, w1)) for p, w0, w1 in
                 typed.select("period", "window_start", "window_end").unique().iter_rows()}
        typed = typed.with_columns(
            period_start=pl.col("period").replace_strict({p: b[0] for p, b in spans.items()}, return_dtype=pl.Date),
            period_end=pl.col("period").replace_strict({p: b[1] for p, b in spans.items()}, return_dtype=pl.Date))
    out_rejects = pl.DataFrame(rejects, schema=empty.schema) if rejects else empty
    return typed.drop("_i"), out_rejects, notes


def _period_reject(r: dict, reason: str, check: str) -> dict:
    from lakehouse.text import column_letter

    col = r.get("period_col") or r.get("value_col")
    return {"_f": r["_f"], "sheet": r["sheet"], "row": r["row"], "column": FIELD_VI["period"],
            "cell": f"{column_letter(col)}{r['row']}" if col else None, "value": label_vi(r["period"]),
            "reason": reason, "check": check}


def _flows_to_year_to_date(typed: pl.DataFrame, flows: pl.DataFrame) -> tuple[pl.DataFrame, list[dict], dict[int, int]]:
    """Replace each flow of a cumulative indicator by the sum of that year's flows up to it, in
    the same file. Returns the rows, the refused ones and how many were converted per file."""
    totals, refused, dropped, converted = {}, [], [], {}
    year_to_date = set(typed.filter(pl.col("period_kind").is_null() | (pl.col("period_kind") != "flow"))
                       .select("_f", "unit_code", "indicator_code", "period_end").iter_rows())
    for (_, _, _, year), group in flows.with_columns(year=pl.col("period_start").dt.year()).group_by(
            ["_f", "unit_code", "indicator_code", "year"]):
        running, next_start, broken = 0.0, date(year, 1, 1), False
        for r in sorted(group.iter_rows(named=True), key=lambda r: r["period_end"]):
            broken = broken or r["period_start"] != next_start
            if broken and (r["_f"], r["unit_code"], r["indicator_code"], r["period_end"]) in year_to_date:
                dropped.append(r["_i"])   # the file gives the year to date itself ("Lũy kế 6 tháng"): that counts
                continue
            if broken:   # a gap: this flow and the later ones cannot be added up
                refused.append(_period_reject(r, (
                    f"giá trị trong kỳ '{label_vi(r['period'])}' của chỉ tiêu lũy kế: tệp không có đủ các kỳ trước "
                    "trong năm để cộng dồn; hãy báo cáo số lũy kế từ đầu năm"), "period_flow"))
                continue
            running = round(running + r["value"], 9)   # 1.85 + 2.01 is 3.86, not 3.8599999999999994
            totals[r["_i"]] = running
            converted[r["_f"]] = converted.get(r["_f"], 0) + 1
            next_start = r["period_end"] + timedelta(days=1)
    refused_ids = flows.filter(~pl.col("_i").is_in(list(totals)))["_i"].to_list()   # dropped ones too
    typed = typed.filter(~pl.col("_i").is_in(refused_ids)).with_columns(
        value=pl.col("_i").replace_strict(totals, default=pl.col("value"), return_dtype=pl.Float64),
        period_kind=pl.when(pl.col("_i").is_in(list(totals))).then(pl.lit("ytd")).otherwise(pl.col("period_kind")))
    return typed, refused, converted
