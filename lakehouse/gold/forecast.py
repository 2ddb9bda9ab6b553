"""Year-end forecast of cumulative indicators: where each unit will likely end the year, from
the year so far, and whether its target is at risk.

Grain: one row per campaign × unit × indicator, as of one period (the latest the unit reported
for that indicator up to the period asked for). Source: ``gold.attainment`` (the year-to-date
actual, the unit's own target, the share of the year elapsed at the period's end); only the
rows that carry a pace (cumulative indicators judged on an absolute figure, part-way through
the year) are forecast.

The method, as said to a leader in one sentence (``METHOD_VI``): the year-end figure is the
figure so far divided by the share of the year elapsed (or by the share of last year's total
reached at the same point, when the lake holds last year), give or take half of the part of
the year still to come. An indicator is "có nguy cơ không đạt" when even the top of that range
misses the target, "chưa chắc đạt" when the target is inside the range, "dự kiến đạt" when the
bottom of the range reaches it.
"""
from __future__ import annotations

import polars as pl

METHOD_VI = ("Dự báo cuối năm = số lũy kế đến kỳ này chia cho phần của năm đã qua (hoặc cho phần của "
             "cả năm trước đã đạt đến cùng thời điểm, khi có số năm trước), cộng trừ một nửa phần năm còn lại.")
OUTLOOK_VI = {"at_risk": "Có nguy cơ không đạt", "uncertain": "Chưa chắc đạt", "likely": "Dự kiến đạt"}
OUTLOOK_MARK = {"at_risk": "▼", "uncertain": "◐", "likely": "▲"}
KEYS = ["campaign_code", "unit_code", "indicator_code"]
# What ``year_end`` reads of gold.attainment (a caller reading the lake reads only these).
COLUMNS = (*KEYS, "period", "period_end", "actual", "expected_to_date", "elapsed_share", "target_low")


def indicators_read(indicators: pl.DataFrame) -> list[str]:
    """The indicators ``year_end`` can forecast: the cumulative ones (only they carry a pace)."""
    return indicators.filter(pl.col("accumulation") == "cumulative")["indicator_code"].to_list()


def periods_read(as_of: str, periods: list[str]) -> list[str]:
    """The periods ``year_end(…, as_of)`` depends on among ``periods``: those of its year and
    of the year before (last year's profile), not the whole campaign."""
    years = {as_of[:4], str(int(as_of[:4]) - 1)}
    return [p for p in periods if p[:4] in years]


def _year(period: pl.Expr) -> pl.Expr:
    return period.str.slice(0, 4)


def year_end(att: pl.DataFrame, as_of: str) -> pl.DataFrame:
    """The forecast as of period ``as_of`` (its year; the latest figure of each unit ×
    indicator up to its end). Columns: the keys, ``period`` (the one forecast from),
    ``actual``, ``share`` (of the year, from last year's profile or the calendar), ``basis``
    (``last_year`` or ``pace``), ``projection``, ``low``, ``high``, ``target``, ``outlook``."""
    end = att.filter(pl.col("period") == as_of)["period_end"]
    if end.is_empty():
        return _empty()
    rows = (att.filter(pl.col("expected_to_date").is_not_null() & pl.col("actual").is_not_null()
                       & (_year(pl.col("period")) == as_of[:4]) & (pl.col("period_end") <= end[0]))
            .sort("period_end", "elapsed_share", descending=[True, False])
            .unique(subset=KEYS, keep="first"))
    if rows.is_empty():
        return _empty()
    profile = _last_year_share(att, rows)
    return (rows.join(profile, on=[*KEYS, "period_end"], how="left")
            .with_columns(share=pl.coalesce("profile_share", "elapsed_share"),
                          basis=pl.when(pl.col("profile_share").is_not_null()).then(pl.lit("last_year"))
                          .otherwise(pl.lit("pace")))
            .with_columns(projection=pl.col("actual") / pl.col("share"),
                          width=0.5 * (1 - pl.col("share")))
            .with_columns(low=pl.col("projection") * (1 - pl.col("width")),
                          high=pl.col("projection") * (1 + pl.col("width")),
                          target=pl.col("target_low"))
            .with_columns(outlook=pl.when(pl.col("high") < pl.col("target")).then(pl.lit("at_risk"))
                          .when(pl.col("low") < pl.col("target")).then(pl.lit("uncertain"))
                          .otherwise(pl.lit("likely")))
            .select(*KEYS, "period", "actual", "share", "basis", "projection", "low", "high", "target", "outlook")
            .sort("outlook", "indicator_code", "unit_code"))


def _last_year_share(att: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """For each forecast row, the share of last year's total the unit had reached at the same
    point of last year (same period label, one year earlier), when the lake holds both."""
    shifted = rows.select(*KEYS, "period_end", last=(_year(pl.col("period")).cast(pl.Int32) - 1).cast(pl.String)
                          + pl.col("period").str.slice(4))
    last = att.select(*KEYS, "period", "actual").drop_nulls("actual")
    totals = _year_figures(att).select(*KEYS, "year", total="actual")
    return (shifted.join(last.rename({"period": "last", "actual": "then"}), on=[*KEYS, "last"])
            .with_columns(year=pl.col("last").str.slice(0, 4))
            .join(totals, on=[*KEYS, "year"])
            .filter((pl.col("total") > 0) & (pl.col("then") > 0) & (pl.col("then") <= pl.col("total")))
            .select(*KEYS, "period_end", profile_share=pl.col("then") / pl.col("total")))


def _year_figures(att: pl.DataFrame) -> pl.DataFrame:
    """Each unit × indicator's figure for the whole year: its value at the year's end, whatever
    the period (the year, or the fourth quarter's figure to date), with ``year``."""
    return (att.filter((pl.col("elapsed_share") >= 0.999) & pl.col("actual").is_not_null())
            .with_columns(year=_year(pl.col("period"))).sort("period").unique(subset=[*KEYS, "year"], keep="first"))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={**{k: pl.String for k in KEYS}, "period": pl.String, "actual": pl.Float64,
                                "share": pl.Float64, "basis": pl.String, "projection": pl.Float64,
                                "low": pl.Float64, "high": pl.Float64, "target": pl.Float64, "outlook": pl.String})


def backtest(att: pl.DataFrame, cutoff_share: float = 0.5) -> pl.DataFrame:
    """Each unit × cumulative indicator of each year the lake holds in full: the forecast made
    from the figure at mid-year (the period ending nearest ``cutoff_share`` of the year, at most
    there: June for quarters and halves) against the year's actual figure. One row per unit ×
    indicator × year, with ``error`` (projection ÷ actual − 1), ``inside`` (actual within the
    range) and whether the outlook was right about meeting the target."""
    finals = _year_figures(att.filter(pl.col("target_low").is_not_null()))
    out = []
    for (year,), final in finals.group_by(["year"]):
        mid = (att.filter((_year(pl.col("period")) == year) & (pl.col("elapsed_share") <= cutoff_share + 0.01)
                          & pl.col("expected_to_date").is_not_null())
               .sort("elapsed_share", "period", descending=[True, False])["period"])
        if mid.is_empty():
            continue
        made = year_end(att.filter(_year(pl.col("period")) <= year), mid[0])
        out.append(made.join(final.select(*KEYS, "year", final=pl.col("actual"), final_target="target_low"), on=KEYS))
    if not out:
        return pl.DataFrame()
    both = pl.concat(out).filter(pl.col("final") > 0)
    return both.with_columns(
        error=pl.col("projection") / pl.col("final") - 1,
        inside=(pl.col("low") <= pl.col("final")) & (pl.col("final") <= pl.col("high")),
        right=pl.when(pl.col("outlook") == "uncertain").then(None)
        .otherwise((pl.col("outlook") == "likely") == (pl.col("final") >= pl.col("final_target"))))
