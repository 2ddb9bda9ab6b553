"""Reporting completeness (``gold.completeness``): one row per campaign × period × unit.

Source: the reporting grid (``lakehouse.gold.expected``) and every accepted submission in
``silver.report_values`` (history included: a value is on time when its first submission
arrived by the due date, even if a later correction came after). Due date: the period's end
plus the campaign's ``report_due_days``, judged on the Vietnamese calendar day.
"""
from __future__ import annotations

from datetime import date

import polars as pl

from lakehouse.gold.expected import expected_grid, period_facts
from lakehouse.tables import spec

LOCAL_TZ = "Asia/Ho_Chi_Minh"
# A unit's reporting in a period: all on time, all but some late, some missing, nothing.
STATES = ("complete", "complete_late", "partial", "missing")
# What the build reads of silver.report_values (every submission, current or not).
READS = ["period", "unit_code", "indicator_code", "received_at"]


def build(report_values: pl.DataFrame, campaigns: pl.DataFrame, indicators: pl.DataFrame,
          assignments: pl.DataFrame, as_of: date, periods: list[str] | None = None) -> pl.DataFrame:
    """``periods`` limits the work to those partitions (the values must cover at least them)."""
    leaves = indicators.filter(pl.col("rule_type") != "all_of").select("indicator_code")
    grid = expected_grid(campaigns, indicators.join(leaves, on="indicator_code"), assignments, as_of, periods)
    # Lazily: polars' streaming engine groups a month's millions of submissions twice as fast.
    first = report_values.lazy().group_by("unit_code", "indicator_code", "period").agg(
        first_received_at=pl.col("received_at").min(), last_received_at=pl.col("received_at").max())
    facts = period_facts(campaigns, grid)
    items = (grid.lazy().join(first, on=["unit_code", "indicator_code", "period"], how="left")
             .join(facts.lazy().select("campaign_code", "period", "due_date"), on=["campaign_code", "period"], how="left")
             .with_columns(
                 received=pl.col("first_received_at").is_not_null(),
                 on_time=pl.col("first_received_at").dt.convert_time_zone(LOCAL_TZ).dt.date() <= pl.col("due_date")))
    out = items.group_by("campaign_code", "period", "unit_code").agg(
        due_date=pl.col("due_date").first(), expected=pl.len(), received=pl.col("received").sum(),
        on_time=pl.col("on_time").fill_null(False).sum(),
        first_received_at=pl.col("first_received_at").min(), last_received_at=pl.col("last_received_at").max(),
    ).with_columns(late=pl.col("received") - pl.col("on_time"), missing=pl.col("expected") - pl.col("received")).collect()
    # Everything received but some of it after the deadline is not the same as on time.
    out = out.with_columns(state=pl.when((pl.col("missing") == 0) & (pl.col("late") > 0)).then(pl.lit("complete_late"))
                           .when(pl.col("missing") == 0).then(pl.lit("complete"))
                           .when(pl.col("received") == 0).then(pl.lit("missing")).otherwise(pl.lit("partial")))
    return spec("gold.completeness").conform(out).sort("campaign_code", "period", "unit_code")
