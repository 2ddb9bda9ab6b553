"""The figures of a sơ kết / tổng kết review (báo cáo sơ kết, tổng kết), read by the report
writer (``lakehouse.review_docx``) for the command line and the dashboard alike.

Each function is a small transformation of gold and reference frames:
- ``indicator_results``: one row per indicator of the campaign (every one, also those not due in
  the period): the campaign's own figure (its roll-up, or the one unit that reports it) or, for an
  indicator many units report without a sum, how many of them reached their target.
- ``leaders``: the leading units of each cluster, proposed for commendation.
- ``shortfalls``: unit × indicator pairs not met in the period, or at risk by the year-end forecast.
- ``timeliness``: per unit, reports due in the period received on time, late, or missing.
"""
from __future__ import annotations

import polars as pl

from lakehouse.gold import forecast
from lakehouse.rules import STATUS_VI


def same_end(att: pl.DataFrame, period: str) -> pl.DataFrame:
    """The rows of ``period`` and of the periods ending on the same day (a quarterly indicator's
    second quarter in a half-year review); the period itself first."""
    end = att.filter(pl.col("period") == period)["period_end"]
    if end.is_empty():
        return att.clear()
    return (att.filter(pl.col("period_end") == end[0])
            .with_columns(_own=pl.col("period") == period)
            .sort("_own", descending=True)
            .unique(subset=["unit_code", "indicator_code"], keep="first", maintain_order=True).drop("_own"))


def indicator_results(att: pl.DataFrame, indicators: pl.DataFrame, period: str) -> pl.DataFrame:
    """One row per top-level indicator (catalog order): ``plan`` and ``actual`` as text,
    ``attainment``, ``verdict`` (Vietnamese) and ``units_met`` / ``units`` when many units report."""
    rows = same_end(att, period).filter(pl.col("parent_code").is_null())
    own = (rows.filter(pl.col("is_rollup")).vstack(
        rows.filter(~pl.col("is_rollup")).filter(pl.len().over("indicator_code") == 1)
        .filter(~pl.col("indicator_code").is_in(rows.filter(pl.col("is_rollup"))["indicator_code"].implode())))
           .select("indicator_code", "actual", "actual_text", "target_low", "target_high", "attainment", "status"))
    many = (rows.filter(~pl.col("is_rollup")).group_by("indicator_code")
            .agg(units=pl.len(), units_met=pl.col("status").is_in(["met", "exceeded"]).sum(),
                 units_reported=pl.col("actual").is_not_null().sum()))
    top = indicators.filter(pl.col("parent_code").is_null())
    return (top.select("indicator_code", "name", "group_name", "uom", "target_text", "sort_order")
            .join(own, on="indicator_code", how="left").join(many, on="indicator_code", how="left")
            .with_columns(
                plan=pl.col("target_text"),
                verdict=pl.when(pl.col("status").is_not_null())
                .then(pl.col("status").replace_strict(STATUS_VI, default=pl.col("status")))
                .when(pl.col("units").is_not_null())
                .then(pl.format("{}/{} đơn vị đạt", pl.col("units_met"), pl.col("units")))
                .otherwise(pl.lit("Chưa đến kỳ")))
            .sort("sort_order"))


def leaders(scores: pl.DataFrame, per_cluster: int = 2) -> pl.DataFrame:
    """The first ``per_cluster`` ranks of each cluster (ties included), with a score."""
    return (scores.filter(pl.col("score").is_not_null() & (pl.col("rank") <= per_cluster))
            .sort("cluster_name", "rank", "unit_name"))


def shortfalls(att: pl.DataFrame, period: str) -> pl.DataFrame:
    """Unit × indicator pairs not met in ``period`` or at risk by the year-end forecast made
    from it, with ``why`` ("chưa đạt" / "có nguy cơ không đạt cả năm")."""
    rows = same_end(att, period).filter(~pl.col("is_rollup") & pl.col("parent_code").is_null())
    not_met = rows.filter(pl.col("status") == "not_met").select("unit_code", "indicator_code",
                                                                why=pl.lit("Chưa đạt trong kỳ"))
    risk = forecast.year_end(att.filter(~pl.col("is_rollup")), period).filter(pl.col("outlook") == "at_risk").select(
        "unit_code", "indicator_code", why=pl.lit("Có nguy cơ không đạt cả năm"))
    return pl.concat([not_met, risk]).group_by("unit_code", "indicator_code").agg(
        why=pl.col("why").unique().sort().str.join("; "))


def timeliness(completeness: pl.DataFrame, period: str) -> pl.DataFrame:
    """Per unit, the reports due for ``period`` (and periods ending with it): expected, on
    time, late, missing."""
    end = completeness.filter(pl.col("period") == period)["due_date"]
    rows = completeness.filter(pl.col("due_date") == end[0]) if not end.is_empty() else completeness.clear()
    return (rows.group_by("unit_code").agg(pl.col("expected", "on_time", "late", "missing").sum())
            .sort("missing", "late", "unit_code", descending=[True, True, False]))
