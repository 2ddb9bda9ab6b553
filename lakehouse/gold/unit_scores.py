"""Unit scores and ranks (``gold.unit_scores``): one row per campaign × period × cluster × unit.

Source: ``gold.attainment`` (top-level indicators, roll-ups excluded) and
``reference.cluster_members``. The score is the weighted mean of each indicator's credit
(``lakehouse.rules.credit``) on a 0–100 scale: met 100%, exceeded up to 120% so one outlier cannot
carry a unit, not met below 100% and never full, no data 0 — a unit that does not report
cannot lead its cluster. The rules, with examples, are in ``docs/cach-tinh-diem.md``. Ranks are within
the cluster (ties share the better rank), as read out at sơ kết and tổng kết.
"""
from __future__ import annotations

import polars as pl

from lakehouse import rules
from lakehouse.tables import spec

CAP = rules.CREDIT_CAP


def build(attainment: pl.DataFrame, cluster_members: pl.DataFrame) -> pl.DataFrame:
    # Like with like: each unit on the top-level indicators due from it in the period (docs/cach-tinh-diem.md).
    rows = attainment.filter(pl.col("parent_code").is_null() & ~pl.col("is_rollup") & pl.col("due").fill_null(True))
    s = pl.col("status")
    scored = s != "no_target"   # an additive target not allocated to the unit: shown, counted, not scored
    credit = rules.credit()
    weight = pl.col("weight").filter(scored)
    per_unit = rows.group_by("campaign_code", "period", "unit_code").agg(
        score=(100 * (credit * pl.col("weight")).filter(scored).sum() / weight.sum()),
        indicators=scored.sum(), exceeded=(s == "exceeded").sum(), met=(s == "met").sum(),
        not_met=(s == "not_met").sum(), no_data=(s == "no_data").sum(), no_target=(s == "no_target").sum(),
    ).with_columns(score=pl.col("score").fill_nan(0).round(2))
    scored = per_unit.join(cluster_members.select("cluster_code", "campaign_code", "unit_code"),
                           on=["campaign_code", "unit_code"], how="inner")
    window = ["campaign_code", "period", "cluster_code"]
    ranked = scored.with_columns(
        rank=pl.col("score").rank(method="min", descending=True).over(window).cast(pl.Int32),
        cluster_size=pl.len().over(window).cast(pl.Int32),
    )
    return spec("gold.unit_scores").conform(ranked).sort("campaign_code", "period", "cluster_code", "rank", "unit_code")
