"""Data access for the dashboard: gold and reference tables, cached per Delta table version.

A nightly refresh or an upload creates a new table version; the next interaction reads it
without a restart. Pages ask this module for frames shaped for what they draw; no page
computes a business rule. Nothing here imports Great Expectations.
"""
from __future__ import annotations

import polars as pl
import streamlit as st

# As modules of builds (``area_status`` below is this module's query of the table).
from lakehouse.gold import area_completeness as reporting_by_area
from lakehouse.gold import area_status as status_by_area
from lakehouse.periods import label_vi, period_type, sort_key
from lakehouse.rules import STATUSES
from lakehouse.store import Lake
from lakehouse.tables import GOLD, spec

TOP_LEVEL = pl.col("parent_code").is_null()


def lake() -> Lake:
    return Lake()


@st.cache_resource(show_spinner=False, max_entries=8)
def _kept(root: str) -> Lake:
    """One lake per server whose tables stay open (``Lake.table``): a page asks a table's newest
    version about twenty times, and each answer reads only the log entries added since."""
    return Lake(root)


@st.cache_resource(show_spinner=False, max_entries=256)
def _opened(root: str, name: str, version: int, identity: str | None):
    """The table as it stood at ``version``, its log replayed once per server (a version never
    changes; a table created anew in its place has another ``identity``)."""
    return Lake(root).table(name, version)


@st.cache_resource(show_spinner=False, max_entries=256)
def _scanned(root: str, name: str, version: int, identity: str | None) -> pl.LazyFrame:
    """The table's scan at ``version``, kept: its files are listed once per server."""
    return Lake.scan_opened(_opened(root, name, version, identity))


def _load(root: str, table: str, version: int | None, where: tuple = (), columns: tuple = (),
          identity: str | None = None) -> pl.DataFrame:
    lk = Lake(root)
    opened = _scanned(root, table, version, identity) if version is not None and lk.exists(table) else None
    return lk.read(table, where=dict(where) or None, version=version, columns=columns or None, opened=opened)


@st.cache_resource(show_spinner=False, max_entries=256)
def _read(root: str, table: str, version: int | None, where: tuple = (), columns: tuple = (),
          identity: str | None = None) -> pl.DataFrame:
    return _load(root, table, version, where, columns, identity)


@st.cache_resource(show_spinner=False, max_entries=64)
def _reference(root: str, table: str, version: int | None, identity: str | None = None) -> pl.DataFrame:
    """A catalog table, whole, as published at ``version``. Every page names its units,
    indicators and clusters from these few thousand rows, and the catalog changes only when it
    is published again: the server holds each version once, and a refresh of gold (which
    leaves the catalog as it is) does not make the next visitor read them again."""
    return _load(root, table, version, (), (), identity)


@st.cache_resource(show_spinner=False, max_entries=8)
def _current(root: str, runs_version: int | None) -> dict[str, int]:
    from lakehouse.submissions import current_versions

    return current_versions(Lake(root))


def _shown_version(lk: Lake, name: str) -> int | None | bool:
    """The version of ``name`` readers are shown now: as it stood at the chosen past moment,
    or as the last recorded run left it (derived tables), or its newest; False when it did not
    exist at the chosen moment."""
    moment = st.session_state.get("as_of")
    if moment is not None:
        version = _past(lk.location, moment.isoformat()).get(name)
        if version is None:   # the table did not exist yet
            return False
    else:
        version = _current(lk.location, _version(lk, "ops.runs")).get(name) if name.split(".")[0] in (
            "silver", "gold") else None
    if version is None:
        version = _version(lk, name)
    return None if version == -1 else version


def table(name: str, columns: tuple[str, ...] = (), **where: str | tuple[str, ...]) -> pl.DataFrame:
    """A table, or the rows whose columns equal the given values (a tuple: any of them), and
    only ``columns`` when given; cached per table version.
    Derived tables are read at the version the last recorded run left them (an ingest still
    writing is not seen half done); partition columns (campaign, period) prune files and gold's
    sort order (unit, indicator) prunes row groups, so a page reads its slice, not the lake.
    While a past moment is chosen ("xem số liệu tại ngày"), every table is read as it stood then."""
    lk = lake()
    version = _shown_version(lk, name)
    if version is False:
        return spec(name).empty() if not columns else spec(name).empty().select(columns)
    filters = tuple((k, v if isinstance(v, tuple) else (v,)) for k, v in sorted(where.items()))
    if name.startswith("reference."):
        rows = _reference(lk.location, name, version, lk.log_identity(name))
        if filters:
            rows = rows.filter(*(pl.col(k).is_in(list(v)) for k, v in filters))
        return rows.select(columns) if columns else rows
    return _read(lk.location, name, version, filters, tuple(columns), lk.log_identity(name))


@st.cache_resource(show_spinner=False, max_entries=64)
def _partitions(root: str, name: str, version: int, identity: str | None) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(sorted(p.items())) for p in _opened(root, name, version, identity).partitions())


@st.cache_resource(show_spinner=False, max_entries=16)
def _past(root: str, moment: str) -> dict[str, int | None]:
    from datetime import datetime

    from lakehouse.submissions import versions_at
    from lakehouse.tables import TABLES

    return versions_at(Lake(root), datetime.fromisoformat(moment), TABLES)


DERIVED_SHOWN = (*GOLD, "gold.file_counts")


def _version(lk: Lake, name: str) -> int | None:
    kept = _kept(lk.location)
    try:
        return kept.table(name).version() if kept.exists(name) else None
    except Exception:   # a garbled log: the health check says what is wrong
        kept.forget(name)
        return -1


@st.cache_resource(show_spinner=False, max_entries=32)
def _damaged(root: str, versions: tuple, runs_version: int | None) -> tuple[str, ...]:
    from lakehouse import health

    return tuple(d.table for d in health.damaged(Lake(root), DERIVED_SHOWN, deep=False))


def damaged_tables() -> tuple[str, ...]:
    """Gold tables that cannot be trusted now (damaged on disk, or older than the last run
    recorded): the pages say the figures are being rebuilt instead of showing them.
    Checked once per table version."""
    lk = lake()
    return _damaged(lk.location, tuple(_version(lk, n) for n in DERIVED_SHOWN), _version(lk, "ops.runs"))


def _period_labels(frame: pl.DataFrame, order: bool = False) -> pl.DataFrame:
    """``period_label`` ("Quý II/2024"), ``period_kind`` (quarter, half, year…) and, with
    ``order``, a sortable ``order`` column; each distinct period is labelled once (a national
    trend has 600 thousand rows, 60 periods)."""
    periods = frame["period"].unique().to_list()
    cols = [pl.col("period").replace_strict({p: label_vi(p) for p in periods}, return_dtype=pl.String)
            .alias("period_label"),
            pl.col("period").replace_strict({p: period_type(p) for p in periods}, return_dtype=pl.String)
            .alias("period_kind")]
    if order:
        rank = {p: n for n, p in enumerate(sorted(periods, key=sort_key))}   # time order, not text order
        cols.append(pl.col("period").replace_strict(rank, return_dtype=pl.Int32).alias("order"))
    return frame.with_columns(cols)


# ------------------------------------------------------------------ reference
def campaigns() -> pl.DataFrame:
    return table("reference.campaigns").sort("window_end", descending=True)


def campaign(code: str) -> dict:
    return campaigns().filter(pl.col("campaign_code") == code).row(0, named=True)


def milestones(code: str) -> pl.DataFrame:
    return table("reference.milestones").filter(pl.col("campaign_code") == code).sort("start")


def named(frame: pl.DataFrame, code: str = "unit_code", name: str = "unit_name") -> pl.DataFrame:
    """``frame`` with each unit's name beside its code (the code where the catalog has no such
    unit): a join, not a lookup through a Python dict (ten thousand units at national scale)."""
    names = table("reference.units", ("unit_code", "name")).rename({"unit_code": code, "name": name})
    return (frame.join(names, on=code, how="left", maintain_order="left")
            .with_columns(pl.coalesce(name, code).alias(name)))


def unit_names() -> dict[str, str]:
    return dict(table("reference.units").select("unit_code", "name").iter_rows())


def indicators(code: str | None = None) -> pl.DataFrame:
    inds = table("reference.indicators")
    return (inds if code is None else inds.filter(pl.col("campaign_code") == code)).sort("sort_order")


# ------------------------------------------------------------------ attainment
def attainment(code: str, columns: tuple[str, ...] = (), **where: str) -> pl.DataFrame:
    """Attainment of one campaign (one period, unit or indicator of it when given; only
    ``columns`` of it, when given), with indicator and unit names."""
    if columns:
        columns = tuple(dict.fromkeys(("unit_code", "indicator_code", *columns)))
    att = table("gold.attainment", columns, campaign_code=code, **where)
    inds = table("reference.indicators").select("indicator_code", "name", "uom", "target_text", "group_name",
                                                "sort_order", "accumulation")
    units = table("reference.units").select("unit_code", unit_name="name", unit_type="unit_type")
    return att.join(inds, on="indicator_code", how="left").join(units, on="unit_code", how="left")


def periods(code: str) -> list[str]:
    """Periods with attainment, from the Delta log's partition list (no data file is read)."""
    lk = lake()
    version = _shown_version(lk, "gold.attainment")
    if version is False or version is None:
        return []
    parts = _partitions(lk.location, "gold.attainment", version, lk.log_identity("gold.attainment"))
    found = {dict(p)["period"] for p in parts if dict(p)["campaign_code"] == code}
    return sorted(found, key=sort_key)


def latest_with_data(code: str) -> str | None:
    """The latest period of the campaign in which some unit reported (not the year still open),
    from the per-file counts (a few rows per period), not from attainment."""
    counted = table("gold.file_counts").filter(pl.col("accepted") > 0)["period"].unique().to_list()
    reported = set(counted) & set(periods(code))
    return max(reported, key=sort_key) if reported else None


# A campaign with more units than this is shown by area (the units directly under its scope
# unit: provinces in a national campaign), one area's units on demand: a heat map of ten
# thousand communes is neither readable nor drawable.
MATRIX_UNITS = 60
# The share of an area's units at or above target, in bands (colour and label of a cell).
SHARE_BANDS = (("high", 0.9), ("middle", 0.5), ("low", 0.0))


# The tables of counts by area, each with the table and the build module it is counted from.
_BY_AREA = {"gold.area_status": ("gold.attainment", status_by_area),
            "gold.area_completeness": ("gold.completeness", reporting_by_area)}


def _area_rows(code: str, columns: tuple[str, ...] = (), name: str = "gold.area_status", **where: str) -> pl.DataFrame:
    """A table of counts by area (``_BY_AREA``) of the campaign; where the lake lacks it (a past
    moment before it had it, or a lake written by older code, until its next refresh or upload
    builds it), counted from the source table as shown then, with the same build."""
    lk = lake()
    source, counts = _BY_AREA[name]
    shown = _shown_version(lk, name)
    lacking = shown is False or (shown is None and not lk.exists(name))
    if not lacking or _shown_version(lk, source) is False:
        return table(name, columns, campaign_code=code, **where)
    rows = counts.build(table(source, tuple(counts.READS), campaign_code=code, **where),
                        campaign_areas(code).with_columns(campaign_code=pl.lit(code)))
    return rows.select(columns) if columns else rows


def by_area(code: str, period: str) -> bool:
    """Whether the campaign has too many units to draw one by one: its pages show areas first."""
    return units_counted(code, period) > MATRIX_UNITS


def area_status(code: str, period: str | None = None, indicator: str | None = None) -> pl.DataFrame:
    """Per area × indicator × period (the top-level indicators of one period, or one indicator):
    how many units, how many reported, how many in each status (``gold.area_status``, a few
    thousand rows where attainment has a million), with names, the share of units at or above
    target and its band."""
    where = {k: v for k, v in (("period", period), ("indicator_code", indicator)) if v is not None}
    rows = _area_rows(code, **where)
    if indicator is None:   # the matrix: top-level indicators
        rows = rows.filter(TOP_LEVEL)
    inds = indicators(code).select("indicator_code", "name", "uom", "target_text", "sort_order")
    return (rows.join(inds, on="indicator_code", how="left")
            .pipe(named, "area_code", "area_name")
            .with_columns(share=_met_share())
            .with_columns(band=_band())
            .sort("sort_order", "area_code"))


def _met_share() -> pl.Expr:
    """The share of units at or above target among those given a target (null: none was)."""
    judged = pl.col("units") - pl.col("no_target")
    return pl.when(judged > 0).then((pl.col("exceeded") + pl.col("met")) / judged)


def _band() -> pl.Expr:
    """The band of ``share`` (none: no unit of the area reported)."""
    band = pl.when(pl.col("reported") == 0).then(pl.lit("none"))
    for name, low in SHARE_BANDS:
        band = band.when(pl.col("share") >= low).then(pl.lit(name))
    return band.otherwise(pl.lit("none"))


def status_counts(code: str, period: str) -> dict[str, int]:
    """How many of the units' top-level indicators are in each status in the period."""
    rows = _area_rows(code, ("parent_code", *STATUSES), period=period).filter(TOP_LEVEL)
    return {s: int(rows[s].sum() or 0) for s in STATUSES}


def units_counted(code: str, period: str) -> int:
    """How many units the period's matrix has a row for (the most of any indicator)."""
    rows = _area_rows(code, ("indicator_code", "units"), period=period)
    return int(rows.group_by("indicator_code").agg(pl.col("units").sum())["units"].max() or 0)


@st.cache_resource(show_spinner=False, max_entries=16)
def _areas(root: str, units_version: int | None, campaigns_version: int | None) -> pl.DataFrame:
    lk = Lake(root)
    return status_by_area.areas(lk.read("reference.units", version=units_version), lk.read("reference.campaigns", version=campaigns_version))


def campaign_areas(code: str) -> pl.DataFrame:
    """(unit_code, area_code) of the campaign's units (``lakehouse.gold.area_status.areas``)."""
    lk = lake()
    versions = (_shown_version(lk, "reference.units"), _shown_version(lk, "reference.campaigns"))
    if any(v is False for v in versions):   # the catalog was not published yet at the chosen moment
        return pl.DataFrame(schema={"unit_code": pl.String, "area_code": pl.String})
    return _areas(lk.location, *versions).filter(pl.col("campaign_code") == code).drop("campaign_code")


def area_units(code: str, area: str) -> tuple[str, ...]:
    """The units of an area (the area itself among them), as ``gold.area_status`` counts them."""
    mine = campaign_areas(code).filter(pl.col("area_code") == area)["unit_code"].to_list()
    return tuple(sorted(set(mine) | {area}))


def indicator_shares(code: str, indicator: str, area: str | None = None) -> pl.DataFrame:
    """One indicator over every period: the share of units at or above target and the units in
    each status, for the whole campaign (``series`` "Toàn phong trào") and, when given, one area
    (the national trend, from ``gold.area_status``, not 600 thousand attainment rows)."""
    rows = area_status(code, indicator=indicator)
    whole = rows.group_by("period").agg(pl.col("units", "reported", *STATUSES).sum()).with_columns(
        series=pl.lit("Toàn phong trào"))
    parts = [whole]
    if area is not None:
        mine = rows.filter(pl.col("area_code") == area)
        parts.append(mine.select("period", "units", "reported", *STATUSES,
                                 series=pl.col("area_name")))
    out = pl.concat(parts, how="vertical_relaxed").with_columns(share=100 * _met_share())
    return _period_labels(out, order=True).sort("order", "series").drop("order") if out.height else out


def area_totals(rows: pl.DataFrame) -> pl.DataFrame:
    """``area_status`` rows folded to one row per area: its indicators' units in each status,
    the areas with most not met first (the phone's national overview)."""
    return (rows.group_by("area_code", "area_name").agg(pl.col(s).sum().cast(pl.Int64) for s in STATUSES)
            .sort("not_met", "no_data", "area_code", descending=[True, True, False])
            .select("area_code", "area_name", *STATUSES))


MATRIX_COLUMNS = ("indicator_code", "parent_code", "unit_code", "status", "actual", "actual_text", "attainment", "period")


def matrix(code: str, period: str, units: tuple[str, ...] = ()) -> pl.DataFrame:
    """Units × indicators for the traffic-light matrix (top-level indicators, roll-ups
    included): every unit of the period, or ``units`` only."""
    where = {"unit_code": units} if units else {}
    att = attainment(code, MATRIX_COLUMNS, period=period, **where)
    return (att.filter(TOP_LEVEL)
            .select("unit_code", "unit_name", "indicator_code", "name", "status", "actual", "actual_text",
                    "target_text", "attainment", "uom", "sort_order")
            .sort("sort_order", "unit_code"))


def unit_status_counts(m: pl.DataFrame) -> pl.DataFrame:
    """The matrix folded to one row per unit: how many of its indicators are in each status
    (the phone's overview, where a units × indicators grid has no room)."""
    return (m.pivot("status", index=["unit_code", "unit_name"], values="indicator_code", aggregate_function="len")
            .with_columns([pl.lit(0, pl.UInt32).alias(s) for s in STATUSES if s not in m["status"].unique()])
            .with_columns(pl.col(s).fill_null(0).cast(pl.Int64) for s in STATUSES)
            .sort("not_met", "no_data", "unit_code", descending=[True, True, False])
            .select("unit_code", "unit_name", *STATUSES))


def year_end_forecast(code: str, period: str, unit: str | None = None) -> pl.DataFrame:
    """Year-end forecast of the campaign's cumulative indicators as of ``period`` (its rule:
    ``lakehouse.gold.forecast``), with names; worst outlook first. One unit's when ``unit`` is given."""
    from lakehouse.gold import forecast

    where = {"unit_code": unit} if unit else {}
    cumulative = tuple(forecast.indicators_read(indicators(code)))
    read = table("gold.attainment", forecast.COLUMNS, campaign_code=code, indicator_code=cumulative,
                 period=tuple(forecast.periods_read(period, periods(code))), **where) if cumulative else None
    made = forecast.year_end(read, period) if read is not None else forecast.year_end(
        spec("gold.attainment").empty().select(forecast.COLUMNS), period)
    inds = table("reference.indicators").filter(pl.col("campaign_code") == code).select(
        "indicator_code", "name", "uom", "sort_order")
    names = table("reference.units").select("unit_code", unit_name="name")
    order = pl.col("outlook").replace_strict({"at_risk": 0, "uncertain": 1, "likely": 2}, return_dtype=pl.Int8)
    return (made.join(inds, on="indicator_code", how="left").join(names, on="unit_code", how="left")
            .sort(order, pl.col("high") / pl.col("target"), "sort_order"))


def scores(code: str, period: str) -> pl.DataFrame:
    """Cluster leaderboards of one period, with names."""
    clusters = table("reference.cluster_members", ("cluster_code", "cluster_name"), campaign_code=code).unique()
    return (table("gold.unit_scores", campaign_code=code, period=period)
            .join(clusters, on="cluster_code", how="left")
            .pipe(named)
            .sort("cluster_code", "rank", "unit_code"))


def ahead_and_behind(code: str, period: str, n: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    s = scores(code, period).unique(subset=["unit_code"], keep="first")
    return s.sort("score", descending=True).head(n), s.sort("score").head(n)


_ASSIGNING = ("reference.assignments", "reference.consolidators")


@st.cache_resource(show_spinner=False, max_entries=16)
def _units_of(root: str, versions: tuple, code: str) -> list[str]:
    lk = Lake(root)
    found = pl.concat([lk.read(name, where={"campaign_code": [code]}, version=v, columns=["unit_code"])
                       for name, v in zip(_ASSIGNING, versions) if v is not False])
    return found["unit_code"].unique().sort().to_list()


def units_of(code: str) -> list[str]:
    """Units that report in the campaign (its reporting assignments), and the units above them
    (the city, the province) with their own or summed figures. Kept per version of the
    catalog's tables: a national campaign assigns a million unit × indicator pairs, read once."""
    lk = lake()
    return _units_of(lk.location, tuple(_shown_version(lk, name) for name in _ASSIGNING), code)


def scorecard(code: str, unit: str, period: str) -> pl.DataFrame:
    return attainment(code, period=period, unit_code=unit).sort("sort_order")


def unit_trend(code: str, unit: str) -> pl.DataFrame:
    return (attainment(code, unit_code=unit).filter((pl.col("unit_code") == unit) & TOP_LEVEL & pl.col("attainment").is_not_null())
            .select("period", "indicator_code", "name", "attainment", "status")
            .pipe(_period_labels, order=True)
            .sort("order", "indicator_code"))


def unit_vs_cluster(code: str, unit: str) -> pl.DataFrame:
    """The unit's score and its cluster's average, per period."""
    mine = table("gold.unit_scores", campaign_code=code, unit_code=unit).select(
        "period", "cluster_code", unit_score="score", rank="rank", cluster_size="cluster_size")
    # Only the unit's own clusters are read: a national campaign's scores are 600 thousand rows.
    peers = [table("gold.unit_scores", campaign_code=code, cluster_code=c)
             for c in mine["cluster_code"].drop_nulls().unique().sort().to_list()]
    scores = pl.concat(peers) if peers else spec("gold.unit_scores").empty()
    avg = scores.group_by("period", "cluster_code").agg(cluster_average=pl.col("score").mean().round(2))
    out = mine.join(avg, on=["period", "cluster_code"], how="left")
    return _period_labels(out, order=True).sort("order").drop("order")


def indicators_with_data(code: str, period: str) -> list[str]:
    """Indicators with at least one reported value in the period, in catalog order."""
    reported = set(_area_rows(code, ("indicator_code", "reported"), period=period)
                   .filter(pl.col("reported") > 0)["indicator_code"].to_list())
    return [c for c in indicators(code)["indicator_code"].to_list() if c in reported]


ACROSS_UNITS = ("period", "actual", "actual_text", "target_low", "target_high", "baseline", "attainment", "status",
                "remark")


def indicator_across_units(code: str, indicator: str, period: str, units: tuple[str, ...] = ()) -> pl.DataFrame:
    """Every unit's figure (or ``units``' only) for one indicator and period: what its bars and table show."""
    where = {"unit_code": units} if units else {}
    return (attainment(code, ACROSS_UNITS, period=period, indicator_code=indicator, **where)
            .sort("actual", descending=True, nulls_last=True))


def indicator_trend(code: str, indicator: str) -> pl.DataFrame:
    """One indicator's reported values over every period, for the trend and the spread: only
    the columns they draw (a national campaign's trend is 600 thousand rows)."""
    rows = (table("gold.attainment", ("period", "unit_code", "actual", "attainment", "status"), campaign_code=code,
                  indicator_code=indicator)
            .filter(pl.col("actual").is_not_null())
            .pipe(named))
    return _period_labels(rows, order=True).sort("order", "unit_code")


def completeness(code: str, period: str | None = None) -> pl.DataFrame:
    """Each unit's reporting in every period of the campaign (or in ``period``), with names."""
    where = {"period": period} if period else {}
    return _period_labels(named(table("gold.completeness", campaign_code=code, **where)))


def completeness_by_area(code: str) -> pl.DataFrame:
    """Per area × period: how many units owed reports, how many sent something, how many in
    each state, the share that sent all (on time or late) and its band — the reporting grid of
    a national campaign, whose units would be ten thousand rows (``gold.area_completeness``)."""
    rows = _area_rows(code, name="gold.area_completeness").drop("campaign_code")
    return (rows.with_columns(share=(pl.col("complete") + pl.col("complete_late")) / pl.col("units"))
            .with_columns(band=_band())
            .pipe(named, "area_code", "area_name")
            .sort("area_code", "period"))


# ------------------------------------------------------------------ operations
def runs() -> pl.DataFrame:
    return table("ops.runs").sort("started_at", descending=True)


def check_results(run_id: str) -> pl.DataFrame:
    return table("ops.check_results").filter(pl.col("run_id") == run_id)


def quarantine(search: str = "") -> pl.DataFrame:
    q = table("silver.quarantine").sort("quarantined_at", "original_name", "row", descending=[True, False, False])
    if search:
        needle = search.lower()
        q = q.filter(pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in
                                    ("original_name", "sheet", "column", "cell", "value", "reason")],
                                   separator=" ").str.to_lowercase().str.contains(needle, literal=True))
    return q


def uploads(received_by: str | None) -> pl.DataFrame:
    """Files received (all, or one sender's), newest first, with accepted and rejected counts."""
    manifest = table("bronze.manifest")
    if received_by is not None:
        manifest = manifest.filter(pl.col("received_by") == received_by)
    accepted = table("gold.file_counts").group_by("file_id").agg(pl.col("accepted", "current").sum())
    rejected = table("silver.quarantine").group_by("file_id").agg(rejected=pl.len())
    return (manifest.join(accepted, on="file_id", how="left").join(rejected, on="file_id", how="left")
            .with_columns(pl.col("accepted", "current", "rejected").fill_null(0))
            .sort("received_at", descending=True))
