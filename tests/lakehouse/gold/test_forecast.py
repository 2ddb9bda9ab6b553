"""Year-end forecast: the pace of the year so far (or last year's profile), a range that
narrows as the year goes on, an outlook against the target; and its backtest."""
from datetime import date

import polars as pl
import pytest

from lakehouse.gold import forecast

ENDS = {"Q1": (date(2024, 3, 31), 0.25), "Q2": (date(2024, 6, 30), 0.5), "Q3": (date(2024, 9, 30), 0.75),
        "Q4": (date(2024, 12, 31), 1.0)}


def _rows(values: dict[str, float], unit="u1", indicator="i1", target=100.0, year=2024):
    out = []
    for q, actual in values.items():
        end, share = ENDS[q]
        out.append({"campaign_code": "C", "unit_code": unit, "indicator_code": indicator, "period": f"{year}-{q}",
                    "period_end": end.replace(year=year), "elapsed_share": share, "actual": actual,
                    "target_low": target, "expected_to_date": target * share if share < 1 else None})
    return pl.DataFrame(out)


def test_the_pace_of_the_year_so_far_with_a_range_that_narrows():
    att = _rows({"Q1": 20, "Q2": 40, "Q3": 81})
    june = forecast.year_end(att, "2024-Q2").row(0, named=True)
    assert june["period"] == "2024-Q2" and june["basis"] == "pace"
    assert june["projection"] == pytest.approx(80) and (june["low"], june["high"]) == pytest.approx((60, 100))
    september = forecast.year_end(att, "2024-Q3").row(0, named=True)
    assert september["projection"] == pytest.approx(108)
    assert september["high"] - september["low"] < june["high"] - june["low"]


@pytest.mark.parametrize("june, outlook", [(20, "at_risk"), (40, "uncertain"), (70, "likely")])
def test_the_outlook_against_the_target(june, outlook):
    # 20 by June → 40 (30–50): even the top misses 100; 40 → 80 (60–100): unsure; 70 → 140 (105–175).
    assert forecast.year_end(_rows({"Q2": june}), "2024-Q2")["outlook"].to_list() == [outlook]


def test_the_latest_figure_up_to_the_period_asked_and_nothing_else():
    att = pl.concat([_rows({"Q1": 20, "Q2": 45}), _rows({"Q1": 10}, unit="u2"),
                     _rows({"Q4": 120}, unit="u3")])   # the year's end: nothing left to forecast
    made = forecast.year_end(att, "2024-Q2")
    assert dict(zip(made["unit_code"], made["period"])) == {"u1": "2024-Q2", "u2": "2024-Q1"}
    assert forecast.year_end(att, "2024-Q1")["actual"].sort().to_list() == [10, 20]
    assert forecast.year_end(att, "2031-Q2").is_empty()


def test_last_years_profile_replaces_the_calendar_when_the_lake_has_it():
    # Last year, 60% of the year's total was reached by June: this June's 48 points to 80, not 96.
    att = pl.concat([_rows({"Q2": 60, "Q4": 100}, year=2023), _rows({"Q2": 48})])
    row = forecast.year_end(att, "2024-Q2").row(0, named=True)
    assert row["basis"] == "last_year" and row["share"] == pytest.approx(0.6)
    assert row["projection"] == pytest.approx(80)


def test_backtest_projects_from_june_and_compares_with_december():
    att = pl.concat([_rows({"Q1": 20, "Q2": 40, "Q3": 70, "Q4": 90}),           # 80 (60–100) vs 90: inside
                     _rows({"Q2": 10, "Q4": 120}, unit="u2")])                    # 20 (15–25) vs 120: at risk, wrong
    result = forecast.backtest(att).sort("unit_code")
    assert result["error"].to_list() == pytest.approx([80 / 90 - 1, 20 / 120 - 1])
    assert result["inside"].to_list() == [True, False]
    assert result["right"].to_list() == [None, False]   # "uncertain" is no call; u2 met its target after all


def test_the_forecast_needs_only_its_year_and_the_one_before():
    att = pl.concat([_rows({"Q2": 10, "Q4": 30}, year=2022), _rows({"Q2": 60, "Q4": 100}, year=2023),
                     _rows({"Q2": 48, "Q3": 70})])
    kept = forecast.periods_read("2024-Q2", att["period"].unique().to_list())
    assert sorted(kept) == ["2023-Q2", "2023-Q4", "2024-Q2", "2024-Q3"]
    subset = att.filter(pl.col("period").is_in(kept)).select(forecast.COLUMNS)
    assert forecast.year_end(subset, "2024-Q2").equals(forecast.year_end(att, "2024-Q2"))


def test_only_cumulative_indicators_are_read():
    inds = pl.DataFrame({"indicator_code": ["a", "b", "c"], "accumulation": ["cumulative", "level", "cumulative"]})
    assert forecast.indicators_read(inds) == ["a", "c"]
