"""Attainment (``gold.attainment``): one row per campaign × unit × indicator × period.

Source: the reporting grid (``lake.gold.expected``) joined with the current values of
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

from lake import rules
from lake.gold.expected import expected_grid, period_facts
from lake.tables import spec

_HIGHER_ABSOLUTE = ["at_least", "add", "range", "per_population"]


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
          periods: list[str] | None = None) -> pl.DataFrame:
    """Attainment rows; ``periods`` limits the work to the partitions an ingest touched."""
    current = report_values.filter(pl.col("is_current"))
    grid = expected_grid(campaigns, indicators, assignments, as_of, periods)
    due = grid.with_columns(due=pl.lit(True))
    observed = current.join(assignments, on=["indicator_code", "unit_code"], how="inner").select(
        "campaign_code", "indicator_code", "unit_code", "period")
    ind = _indicator_frame(indicators)
    grid = pl.concat([grid, observed]).unique()
    # A reported criterion brings its all_of parent into the grid, whatever the period.
    parents = (grid.join(ind.select("indicator_code", "parent_code"), on="indicator_code")
               .filter(pl.col("parent_code").is_not_null())
               .select("campaign_code", indicator_code="parent_code", unit_code="unit_code", period="period"))
    grid = pl.concat([grid, parents]).unique()
    if periods is not None:
        grid = grid.filter(pl.col("period").is_in(periods))
    facts = period_facts(campaigns, grid)

    # "due": the unit owed this value by now (the period has ended); only due rows are scored, so
    # a value sent early, or for a period the indicator does not have, never tilts a ranking.
    grid = grid.join(due, on=["campaign_code", "indicator_code", "unit_code", "period"], how="left").with_columns(
        due=pl.col("due").fill_null(False))
    frame = (grid.join(ind.drop("campaign_code"), on="indicator_code", how="left")
             .join(current.select("unit_code", "indicator_code", "period", actual="value", actual_text="value_text",
                                  plan="plan_value", reported_baseline="baseline", file_id="file_id",
                                  sheet="sheet", row="row", received_at="received_at"),
                   on=["unit_code", "indicator_code", "period"], how="left")
             .join(unit_targets.select("indicator_code", "unit_code", ut_value="value", ut_low="low",
                                       ut_high="high", ut_baseline="baseline"),
                   on=["indicator_code", "unit_code"], how="left")
             .join(facts, on=["campaign_code", "period"], how="left"))
    frame = _goals(frame).with_columns(is_rollup=pl.lit(False))
    rollups = _rollups(frame, campaigns, ind)
    frame = pl.concat([frame, rollups], how="diagonal_relaxed") if not rollups.is_empty() else frame
    frame = _unallocated(rules.evaluate(frame))
    frame = _parents(frame)
    frame = _pace(frame)
    # Sums over groups run in parallel and may differ in the last bit; rounding keeps reruns identical.
    floats = [c for c, t in spec("gold.attainment").schema.items() if t == pl.Float64]
    frame = frame.with_columns(pl.col(floats).round(9))
    return spec("gold.attainment").conform(frame).sort("campaign_code", "period", "indicator_code", "unit_code")


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


def _rollups(frame: pl.DataFrame, campaigns: pl.DataFrame, ind: pl.DataFrame) -> pl.DataFrame:
    """The campaign's own unit: the sum of its reporting units, against the campaign-wide target."""
    summable = frame.filter((pl.col("aggregate") == "sum") & pl.col("rule_type").is_in(_HIGHER_ABSOLUTE + ["at_most"]))
    if summable.is_empty():
        return pl.DataFrame()
    scope = campaigns.select("campaign_code", scope_unit="scope_unit")
    agg = summable.group_by("campaign_code", "indicator_code", "period").agg(
        actual=pl.col("actual").sum(), reported=pl.col("actual").is_not_null().sum(), units=pl.len(),
        period_end=pl.col("period_end").first(), elapsed_share=pl.col("elapsed_share").first(),
        received_at=pl.col("received_at").max(),
    ).with_columns(actual=pl.when(pl.col("reported") > 0).then(pl.col("actual")).otherwise(None))
    out = (agg.join(scope, on="campaign_code").join(ind.drop("campaign_code"), on="indicator_code", how="left")
           .with_columns(unit_code=pl.col("scope_unit"), goal_low=pl.col("campaign_low"),
                         goal_high=pl.col("campaign_high"), baseline=pl.lit(None, pl.Float64),
                         target_source=pl.lit("campaign"), is_rollup=pl.lit(True),
                         actual_text=pl.format("Tổng hợp {}/{} đơn vị", pl.col("reported"), pl.col("units"))))
    # A unit that reports for itself is not replaced by the sum of others.
    own = frame.select("campaign_code", "indicator_code", "period", "unit_code").unique()
    out = out.join(own, on=["campaign_code", "indicator_code", "period", "unit_code"], how="anti")
    return out.drop("scope_unit", "reported", "units")


def _unallocated(frame: pl.DataFrame) -> pl.DataFrame:
    """An additive target (``aggregate: sum``: "thêm 05 xã …" for the whole province) says
    nothing about one district until a share is allocated to it (giao chỉ tiêu, or the
    report's Kế hoạch): the unit's value is shown, but judged "chưa giao chỉ tiêu" and left
    out of scoring — never against the whole province's figure."""
    unallocated = ((pl.col("aggregate") == "sum") & ~pl.col("is_rollup") & (pl.col("target_source") == "campaign")
                   & (pl.col("rule_type") != "all_of"))
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
