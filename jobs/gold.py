"""Build and write the gold tables, for the whole lake (refresh) or the partitions one file
touched (ingest). Gold frames are validated by their GX suites before they are written: a
frame that fails is not written, so readers keep the previous complete version."""
from __future__ import annotations

from datetime import date

import polars as pl

from lake import checks
from lake.gold import attainment, completeness, unit_scores
from lake.store import Lake
from jobs.runs import Run
from jobs.writes import replace_if_changed, write_if_changed


class GoldCheckFailed(RuntimeError):
    pass


def _refs(lake: Lake) -> dict[str, pl.DataFrame]:
    return {n: lake.read(f"reference.{n}") for n in
            ("campaigns", "indicators", "assignments", "unit_targets", "cluster_members")}


def _validated(run: Run, table: str, frame: pl.DataFrame) -> pl.DataFrame:
    result = checks.run_suite(table, frame)
    run.checks.append(result)
    if not result.success:
        failed = "; ".join(f"{o.expectation}({o.column}): {o.unexpected_count} dòng" for o in result.failed)
        raise GoldCheckFailed(f"{table} không qua kiểm tra chất lượng, chưa ghi: {failed}")
    return frame


def rebuild(lake: Lake, run: Run, as_of: date, touched: dict[str, set[str]] | None = None) -> None:
    """``touched``: campaign → periods an ingest changed; ``None`` rebuilds every partition."""
    refs = _refs(lake)
    if touched is not None and not touched:
        return
    if touched is None:
        values = lake.read("silver.report_values")
        att = attainment.build(values, refs["campaigns"], refs["indicators"], refs["assignments"],
                               refs["unit_targets"], as_of)
        att = _validated(run, "gold.attainment", att)
        run.count("gold.attainment", rows_out=att.height, written=write_if_changed(lake, "gold.attainment", att))
        campaigns = None
    else:
        campaigns = sorted(touched)
        periods = sorted(set().union(*touched.values()))
        values = lake.read("silver.report_values", where={"period": periods})
        inds = refs["indicators"].filter(pl.col("campaign_code").is_in(campaigns))
        att = attainment.build(values, refs["campaigns"], inds, refs["assignments"], refs["unit_targets"],
                               as_of, periods=periods)
        att = _validated(run, "gold.attainment", att)
        for campaign, c_periods in touched.items():
            part = att.filter((pl.col("campaign_code") == campaign) & pl.col("period").is_in(sorted(c_periods)))
            written = replace_if_changed(lake, "gold.attainment", part,
                                         where={"campaign_code": [campaign], "period": sorted(c_periods)})
            run.count("gold.attainment", rows_out=part.height, written=written)
    _scores_and_completeness(lake, run, refs, as_of, campaigns)


def _scores_and_completeness(lake: Lake, run: Run, refs, as_of: date, campaigns: list[str] | None) -> None:
    where = {"campaign_code": campaigns} if campaigns else None
    att = lake.read("gold.attainment", where=where)
    scores = _validated(run, "gold.unit_scores", unit_scores.build(att, refs["cluster_members"]))
    inds = refs["indicators"] if not campaigns else refs["indicators"].filter(pl.col("campaign_code").is_in(campaigns))
    values = lake.read("silver.report_values").filter(pl.col("indicator_code").is_in(inds["indicator_code"].to_list()))
    comp = _validated(run, "gold.completeness",
                      completeness.build(values, refs["campaigns"], inds, refs["assignments"], as_of))
    if campaigns is None:
        run.count("gold.unit_scores", rows_out=scores.height, written=write_if_changed(lake, "gold.unit_scores", scores))
        run.count("gold.completeness", rows_out=comp.height, written=write_if_changed(lake, "gold.completeness", comp))
        return
    for campaign in campaigns:
        for name, frame in (("gold.unit_scores", scores), ("gold.completeness", comp)):
            part = frame.filter(pl.col("campaign_code") == campaign)
            run.count(name, rows_out=part.height,
                      written=replace_if_changed(lake, name, part, where={"campaign_code": [campaign]}))
