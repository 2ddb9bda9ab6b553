"""The reporting grid: which unit owes which indicator for which period (no I/O).

Built from ``reference.assignments`` (who reports what) and each indicator's period type
within its campaign window, up to ``as_of``. Shared by attainment and completeness.
"""
from __future__ import annotations

from datetime import date

import polars as pl

from lakehouse.periods import bounds, due_date, elapsed_share, expected_periods


def campaign_periods(campaigns: pl.DataFrame, indicators: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One row per indicator × expected period."""
    windows = {r["campaign_code"]: (r["window_start"], r["window_end"]) for r in campaigns.iter_rows(named=True)}
    rows = []
    for r in indicators.select("indicator_code", "campaign_code", "period_type").iter_rows(named=True):
        window = windows.get(r["campaign_code"])
        if window is None:
            continue
        for p in expected_periods(r["period_type"], window, as_of):
            rows.append({"indicator_code": r["indicator_code"], "period": p})
    return pl.DataFrame(rows, schema={"indicator_code": pl.String, "period": pl.String})


def expected_grid(campaigns: pl.DataFrame, indicators: pl.DataFrame, assignments: pl.DataFrame,
                  as_of: date, periods: list[str] | None = None) -> pl.DataFrame:
    """One row per campaign × indicator × unit × period the unit must report (only ``periods``
    when given: the grid of a whole national campaign is far larger than one period's)."""
    expected = campaign_periods(campaigns, indicators, as_of)
    if periods is not None:
        expected = expected.filter(pl.col("period").is_in(periods))
    periods = expected
    return assignments.join(periods, on="indicator_code", how="inner").select(
        "campaign_code", "indicator_code", "unit_code", "period")


def period_facts(campaigns: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """For distinct (campaign_code, period): period_end, elapsed_share, due_date."""
    info = {r["campaign_code"]: r for r in campaigns.iter_rows(named=True)}
    rows = []
    for campaign, period in pairs.select("campaign_code", "period").unique().iter_rows():
        c = info[campaign]
        window = (c["window_start"], c["window_end"])
        rows.append({"campaign_code": campaign, "period": period, "period_end": bounds(period, window)[1],
                     "elapsed_share": elapsed_share(period, window),
                     "due_date": due_date(period, window, c["report_due_days"])})
    return pl.DataFrame(rows, schema={"campaign_code": pl.String, "period": pl.String, "period_end": pl.Date,
                                      "elapsed_share": pl.Float64, "due_date": pl.Date})
