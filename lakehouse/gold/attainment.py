"""Attainment (``gold.attainment``): one row per campaign × unit × indicator × period.

Source: the reporting grid (``lakehouse.gold.expected``) joined with the current values of
``silver.report_values`` and the targets of ``reference.indicators`` / ``reference.unit_targets``.
Each unit is judged against its own target when it has one: the plan column of its report
(``Kế hoạch``) first, then the catalog's allocation (giao chỉ tiêu), then the campaign-wide
figure. Sub-indicators are judged first and their ``all_of`` parent from them; indicators
marked ``aggregate: sum`` also get a roll-up row for the campaign's own unit. Cumulative
indicators carry their pace against the part of the year elapsed.
"""
from __future__ import annotations

import json
from datetime import date

import polars as pl

from lakehouse import rules
from lakehouse.gold.expected import expected_grid, period_facts
from lakehouse.tables import spec

_HIGHER_ABSOLUTE = ["at_least", "add", "range", "per_population"]
# What the build reads of silver.report_values.
READS = ["period", "unit_code", "indicator_code", "value", "value_text", "plan_value", "baseline", "file_id", "sheet",
         "row", "received_at", "is_current"]


def _indicator_frame(indicators: pl.DataFrame) -> pl.DataFrame:
    params = [json.loads(p or "{}") for p in indicators["rule_params"]]
    return indicators.select(
        "indicator_code", "campaign_code", "parent_code", "group_code", "rule_type", "accumulation",
        "weight", "aggregate", campaign_low="target_low", campaign_high="target_high",
    ).with_columns(
        strict=pl.Series([bool(p.get("strict", False)) for p in params]),
        direction=pl.Series([p.get("direction") for p in params], dtype=pl.String),
    )


def build(report_values: pl.DataFrame, campaigns: pl.DataFrame, indicators: pl.DataFrame,
          assignments: pl.DataFrame, unit_targets: pl.DataFrame, as_of: date,
          periods: list[str] | None = None, consolidators: pl.DataFrame | None = None,
          units: pl.DataFrame | None = None, revisions: pl.DataFrame | None = None) -> pl.DataFrame:
    """Attainment rows; ``periods`` limits the work to the partitions an ingest touched.
    ``consolidators`` (units above the reporters, with their own consolidated figures),
    ``units`` (the unit tree, for roll-ups at every level) and ``revisions`` (targets revised
    part-way through, ``reference.indicator_revisions``) are optional for small callers."""
    current = report_values.filter(pl.col("is_current"))
    keys = ["campaign_code", "indicator_code", "unit_code", "period"]
    # "due": the unit owed this value by now (the period has ended); only due rows are scored, so
    # a value sent early, or for a period the indicator does not have, never tilts a ranking.
    # The expected grid is one row a key (one assignment per indicator × unit); what else is
    # judged is found beside it, not by making a million rows unique again.
    expected = expected_grid(campaigns, indicators, assignments, as_of, periods).with_columns(
        due=pl.lit(True), reporter=pl.lit(True))
    consolidators = (consolidators if consolidators is not None
                     else assignments.clear()).select("campaign_code", "indicator_code", "unit_code")
    may_report = pl.concat([assignments.select("campaign_code", "indicator_code", "unit_code"), consolidators])
    reporting = assignments.select("indicator_code", "unit_code").with_columns(reporter=pl.lit(True))
    # Values outside the grid (sent for a period not due, a consolidating unit's own figure), from
    # units that may send them. An indicator belongs to one campaign, so unit, indicator and period
    # tell whether a value has its row in the grid.
    observed = (current.select("indicator_code", "unit_code", "period")
                .join(expected, on=["indicator_code", "unit_code", "period"], how="anti")
                .join(may_report, on=["indicator_code", "unit_code"]).select(keys).unique())
    ind = _indicator_frame(indicators)
    grid = pl.concat([expected, _beside(observed, reporting)])
    # A reported criterion brings its all_of parent into the grid, whatever the period.
    parents = (grid.join(ind.select("indicator_code", "parent_code"), on="indicator_code")
               .filter(pl.col("parent_code").is_not_null())
               .select("campaign_code", indicator_code="parent_code", unit_code="unit_code", period="period")
               .unique().join(grid, on=keys, how="anti"))
    grid = pl.concat([grid, _beside(parents, reporting)])
    if periods is not None:
        grid = grid.filter(pl.col("period").is_in(periods))
    facts = period_facts(campaigns, grid)
    frame = (grid.join(ind.drop("campaign_code"), on="indicator_code", how="left")
             .join(current.select("unit_code", "indicator_code", "period", actual="value", actual_text="value_text",
                                  plan="plan_value", reported_baseline="baseline", file_id="file_id",
                                  sheet="sheet", row="row", received_at="received_at"),
                   on=["unit_code", "indicator_code", "period"], how="left")
             .join(unit_targets.select("indicator_code", "unit_code", ut_value="value", ut_low="low",
                                       ut_high="high", ut_baseline="baseline"),
                   on=["indicator_code", "unit_code"], how="left")
             .join(facts, on=["campaign_code", "period"], how="left"))
    frame = _revised(frame, revisions)
    scope = dict(campaigns.select("campaign_code", "scope_unit").iter_rows())
    frame = _goals(frame).with_columns(scope_unit=pl.col("campaign_code").replace_strict(
        scope, default=None, return_dtype=pl.String)).with_columns(
        is_rollup=pl.lit(False), is_scope=pl.col("unit_code") == pl.col("scope_unit"))
    # Only indicators marked for summing roll up (their rule may be revised, so not by rule here):
    # the tree is not crossed with the others (a national campaign's consolidators × its 10,000
    # communes would be three million pairs).
    adds = consolidators.join(ind.filter(pl.col("aggregate") == "sum").select("indicator_code"), on="indicator_code")
    frame = _rollups(frame, ind, ancestry(units, adds), unit_targets)
    frame = _unallocated(rules.evaluate(frame))
    frame = _parents(frame)
    frame = _pace(frame)
    # Sums over groups run in parallel and may differ in the last bit; rounding keeps reruns identical.
    floats = [c for c, t in spec("gold.attainment").schema.items() if t == pl.Float64]
    frame = frame.with_columns(pl.col(floats).round(9))
    # Not sorted here: every write puts a partition's rows in the table's order (unit, indicator).
    return spec("gold.attainment").conform(frame)


def _beside(rows: pl.DataFrame, reporting: pl.DataFrame) -> pl.DataFrame:
    """Grid rows beyond the expected ones: not due; reporters when the unit is assigned the indicator."""
    if rows.is_empty():   # usually: joining nothing to a national campaign's million assignments costs 0.1 s
        return rows.select("campaign_code", "indicator_code", "unit_code", "period", due=pl.lit(False),
                           reporter=pl.lit(False))
    return rows.join(reporting, on=["indicator_code", "unit_code"], how="left").select(
        "campaign_code", "indicator_code", "unit_code", "period", due=pl.lit(False),
        reporter=pl.col("reporter").fill_null(False))


def _revised(frame: pl.DataFrame, revisions: pl.DataFrame | None) -> pl.DataFrame:
    """A revised target applies to the periods ending on or after the day it applies from;
    earlier periods keep the target they had (a revision is not an overwrite)."""
    if revisions is None or revisions.is_empty():
        return frame
    versions = _indicator_frame(revisions.with_columns(
        parent_code=pl.lit(None, pl.String), group_code=pl.lit(None, pl.String), accumulation=pl.lit(None, pl.String),
        weight=pl.lit(None, pl.Float64), aggregate=pl.lit(None, pl.String))).select(
        "indicator_code", "rule_type", "campaign_low", "campaign_high", "strict", "direction",
        since=revisions["valid_from"].fill_null(date.min))
    keyed = frame.with_row_index("_row")
    chosen = (keyed.select("_row", "indicator_code", "period_end")
              .join(versions, on="indicator_code", how="inner")
              .filter(pl.col("since") <= pl.col("period_end"))
              .sort("since").group_by("_row").last().drop("indicator_code", "period_end", "since"))
    replaced = ["rule_type", "campaign_low", "campaign_high", "strict", "direction"]
    return (keyed.join(chosen, on="_row", how="left", suffix="_rev")
            .with_columns(pl.when(pl.col("rule_type_rev").is_not_null()).then(pl.col(f"{c}_rev")).otherwise(pl.col(c))
                          .alias(c) for c in replaced)
            .drop([f"{c}_rev" for c in replaced] + ["_row"]))


def _goals(frame: pl.DataFrame) -> pl.DataFrame:
    """Unit-level targets override the campaign-wide one: the report's plan first, then the
    catalog's allocation. A single figure replaces whichever bound the rule has (both, for a
    range: a point target)."""
    override_low = pl.coalesce("plan", "ut_low", "ut_value")
    override_high = pl.coalesce("plan", "ut_high", "ut_value")
    cumulative = pl.col("accumulation") == "cumulative"
    # A catalog baseline is a whole year's figure; part-way through, compare like with like.
    catalog_baseline = (pl.when(cumulative & (pl.col("elapsed_share") < 1))
                        .then(pl.col("ut_baseline") * pl.col("elapsed_share")).otherwise(pl.col("ut_baseline")))
    return frame.with_columns(
        goal_low=pl.when(pl.col("campaign_low").is_not_null() & override_low.is_not_null())
        .then(override_low).otherwise(pl.col("campaign_low")),
        goal_high=pl.when(pl.col("campaign_high").is_not_null() & override_high.is_not_null())
        .then(override_high).otherwise(pl.col("campaign_high")),
        baseline=pl.coalesce("reported_baseline", catalog_baseline),
        target_source=pl.when(pl.col("plan").is_not_null()).then(pl.lit("report"))
        .when(pl.any_horizontal(pl.col("ut_value", "ut_low", "ut_high").is_not_null()))
        .then(pl.lit("unit_target")).otherwise(pl.lit("campaign")),
    )


# Official and summed figures of one area may differ (the statistics office's figure is the
# official one); beyond this share of the larger, the row is flagged for a look.
DISAGREEMENT = 0.005


def summed() -> pl.Expr:
    """Indicators whose values are summed up the unit tree (additive counts and amounts; rates
    and growth rates never are)."""
    return (pl.col("aggregate") == "sum") & pl.col("rule_type").is_in(_HIGHER_ABSOLUTE + ["at_most"])


def unit_ancestors(units: pl.DataFrame | None) -> pl.DataFrame:
    """(unit, ancestor): every unit above each unit in the tree."""
    schema = {"unit_code": pl.String, "ancestor": pl.String}
    if units is None or units.is_empty():
        return pl.DataFrame(schema=schema)
    # One join a level up the tree (a country's tree is four levels deep), not a walk per unit;
    # a pair already found is not followed again, so a loop in the tree ends.
    parent = (units.select("unit_code", ancestor="parent_code").filter(pl.col("ancestor").is_not_null())
              .cast(schema).unique())
    pairs = step = parent.filter(pl.col("unit_code") != pl.col("ancestor"))
    while not step.is_empty():
        step = (step.join(parent.rename({"unit_code": "ancestor", "ancestor": "up"}), on="ancestor")
                .select("unit_code", ancestor="up").filter(pl.col("unit_code") != pl.col("ancestor")).unique()
                .join(pairs, on=["unit_code", "ancestor"], how="anti"))
        pairs = pl.concat([pairs, step])
    return pairs


def ancestry(units: pl.DataFrame | None, consolidators: pl.DataFrame) -> pl.DataFrame:
    """(campaign, indicator, unit, ancestor): every unit above a unit that may consolidate the indicator."""
    tree = unit_ancestors(None if consolidators.is_empty() else units)
    return tree.join(consolidators.rename({"unit_code": "ancestor"}), on="ancestor")


def _rollups(frame: pl.DataFrame, ind: pl.DataFrame, ancestry: pl.DataFrame, unit_targets: pl.DataFrame) -> pl.DataFrame:
    """Additive indicators summed up the unit tree, at every level above the reporters (wards →
    city, communes → district → province). A unit that sent its own consolidated figure keeps it
    (the official figure) with the sum of its parts beside it (``rollup_actual``) and a flag when
    the two disagree; a unit that did not gets a roll-up row (``is_rollup``), judged against the
    campaign's figure at the scope unit and against its own share (giao chỉ tiêu) below it. Rates
    and growth rates are never summed."""
    summable = frame.filter(summed() & pl.col("reporter"))
    frame = frame.with_columns(rollup_actual=pl.lit(None, pl.Float64), rollup_text=pl.lit(None, pl.String),
                               disagrees=pl.lit(None, pl.Boolean))
    if summable.is_empty() or ancestry.is_empty():
        return frame
    agg = (summable.join(ancestry.drop("campaign_code"), on=["unit_code", "indicator_code"])
           .group_by("campaign_code", "indicator_code", "period", "ancestor").agg(
               actual=pl.col("actual").sum(), reported=pl.col("actual").is_not_null().sum(), units=pl.len(),
               period_end=pl.col("period_end").first(), elapsed_share=pl.col("elapsed_share").first(),
               received_at=pl.col("received_at").max())
           .with_columns(actual=pl.when(pl.col("reported") > 0).then(pl.col("actual")).otherwise(None),
                         text=pl.format("Tổng hợp {}/{} đơn vị", pl.col("reported"), pl.col("units")))
           .rename({"ancestor": "unit_code"}))
    keys = ["campaign_code", "indicator_code", "period", "unit_code"]
    beside = agg.select(*keys, _sum="actual", _text="text")
    frame = frame.join(beside, on=keys, how="left").with_columns(
        rollup_actual=pl.col("_sum"), rollup_text=pl.col("_text"),
        disagrees=pl.when(pl.col("_sum").is_not_null() & pl.col("actual").is_not_null()).then(
            (pl.col("actual") - pl.col("_sum")).abs()
            > DISAGREEMENT * pl.max_horizontal(pl.col("actual").abs(), pl.col("_sum").abs()) + 1e-9),
    ).drop("_sum", "_text")
    own = frame.select(keys).unique()
    scope = frame.select("campaign_code", "scope_unit").unique()
    rows = (agg.join(own, on=keys, how="anti").join(scope, on="campaign_code")
            .join(ind.drop("campaign_code"), on="indicator_code", how="left")
            .join(unit_targets.select("indicator_code", "unit_code", ut="value", ut_low="low", ut_high="high"),
                  on=["indicator_code", "unit_code"], how="left")
            .with_columns(is_scope=pl.col("unit_code") == pl.col("scope_unit")))
    share = pl.any_horizontal(pl.col("ut", "ut_low", "ut_high").is_not_null())
    rows = rows.with_columns(
        goal_low=pl.when(pl.col("is_scope")).then(pl.col("campaign_low")).otherwise(pl.coalesce("ut_low", "ut")),
        goal_high=pl.when(pl.col("is_scope")).then(pl.col("campaign_high")).otherwise(pl.coalesce("ut_high", "ut")),
        baseline=pl.lit(None, pl.Float64), is_rollup=pl.lit(True), reporter=pl.lit(False),
        target_source=pl.when(~pl.col("is_scope") & share).then(pl.lit("unit_target")).otherwise(pl.lit("campaign")),
        actual_text=pl.col("text"), rollup_actual=pl.col("actual"), rollup_text=pl.col("text"),
    ).drop("ut", "ut_low", "ut_high", "reported", "units", "text")
    return pl.concat([frame, rows], how="diagonal_relaxed")


def _unallocated(frame: pl.DataFrame) -> pl.DataFrame:
    """An additive target (``aggregate: sum``: "thêm 05 xã …" for the whole province) says
    nothing about one district until a share is allocated to it (giao chỉ tiêu, or the
    report's Kế hoạch): the unit's value is shown, but judged "chưa giao chỉ tiêu" and left
    out of scoring — never against the whole province's figure."""
    unallocated = ((pl.col("aggregate") == "sum") & ~pl.col("is_scope").fill_null(False)
                   & (pl.col("target_source") == "campaign") & (pl.col("rule_type") != "all_of"))
    return frame.with_columns(
        status=pl.when(unallocated).then(pl.lit("no_target")).otherwise(pl.col("status")),
        attainment=pl.when(unallocated).then(None).otherwise(pl.col("attainment")),
        target_low=pl.when(unallocated).then(None).otherwise(pl.col("target_low")),
        target_high=pl.when(unallocated).then(None).otherwise(pl.col("target_high")),
        remark=pl.when(unallocated).then(pl.lit("Chưa giao chỉ tiêu cho đơn vị (chỉ tiêu chung là tổng của cả địa "
                                                "bàn); không tính vào điểm")).otherwise(pl.col("remark")),
    )


def _parents(frame: pl.DataFrame) -> pl.DataFrame:
    keys = ["campaign_code", "unit_code", "period"]
    judged = rules.combine_all_of(frame, keys)
    if judged.is_empty():
        return frame
    upd = judged.rename({"status": "_s", "attainment": "_a", "actual_text": "_t", "remark": "_r"})
    frame = frame.join(upd, on=[*keys, "indicator_code"], how="left")
    return frame.with_columns(
        status=pl.coalesce("_s", "status"), attainment=pl.coalesce("_a", "attainment"),
        actual_text=pl.coalesce("_t", "actual_text"),
        remark=pl.when(pl.col("_s").is_not_null()).then(pl.col("_r")).otherwise(pl.col("remark")),
    ).drop("_s", "_a", "_t", "_r")


def _pace(frame: pl.DataFrame) -> pl.DataFrame:
    """Cumulative indicators part-way through the year: expected-to-date and pace against it."""
    applies = ((pl.col("accumulation") == "cumulative") & pl.col("rule_type").is_in(_HIGHER_ABSOLUTE)
               & (pl.col("elapsed_share") < 1) & (pl.col("target_low") > 0))
    expected = pl.when(applies).then(pl.col("target_low") * pl.col("elapsed_share"))
    return frame.with_columns(expected_to_date=expected).with_columns(
        pace=pl.when(applies & pl.col("actual").is_not_null()).then(pl.col("actual") / pl.col("expected_to_date")),
    ).with_columns(
        pace_status=pl.when(pl.col("pace").is_null()).then(None)
        .when(pl.col("pace") >= 1).then(pl.lit("on_track")).otherwise(pl.lit("behind")))
