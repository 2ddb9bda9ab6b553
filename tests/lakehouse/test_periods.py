from datetime import date

import pytest
from hypothesis import given, strategies as st

from lakehouse.periods import (CANONICAL, PeriodError, bounds, due_date, elapsed_share, expected_periods, label_vi,
                          parse_period, period_type)


@pytest.mark.parametrize("text, code", [
    ("2024", "2024"), ("2024-H1", "2024-H1"), ("2024-h2", "2024-H2"), ("6 tháng đầu năm 2024", "2024-H1"),
    ("2024-Q2", "2024-Q2"), ("Quý II/2024", "2024-Q2"), ("quý 3 năm 2024", "2024-Q3"), ("Q4/2024", "2024-Q4"),
    ("2024-06", "2024-06"), ("06/2024", "2024-06"), ("Tháng 6/2024", "2024-06"), ("T12/2024", "2024-12"),
    ("Năm 2021", "2021"), ("DOT", "DOT"), ("Cả đợt", "DOT"), ("Cả đợt thi đua", "DOT"),
])
def test_periods_as_stewards_write_them(text, code):
    assert parse_period(text) == code


@pytest.mark.parametrize("text", ["", None, "2024-Q5", "2024-13", "quý V/2024", "hôm qua", "24"])
def test_bad_periods(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_bounds_and_types():
    assert bounds("2024-Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert bounds("2021-H1") == (date(2021, 1, 1), date(2021, 6, 30))
    assert bounds("DOT", (date(2021, 3, 1), date(2021, 10, 30))) == (date(2021, 3, 1), date(2021, 10, 30))
    assert [period_type(p) for p in ("2024", "2024-H1", "2024-Q1", "2024-01", "DOT")] == \
        ["year", "half", "quarter", "month", "window"]
    assert label_vi("2024-Q2") == "Quý II/2024"
    assert label_vi("2024-H1") == "6 tháng đầu năm 2024"


def test_elapsed_share_of_the_year():
    window = (date(2024, 1, 5), date(2024, 12, 31))
    assert elapsed_share("2024", window) == 1.0
    assert elapsed_share("2024-H1", window) == pytest.approx(182 / 366, abs=1e-6)
    assert elapsed_share("DOT", window) == 1.0


def test_expected_periods_follow_the_window_and_today():
    window = (date(2021, 3, 1), date(2021, 10, 30))
    assert expected_periods("half", window, date(2026, 1, 1)) == ["2021-H1", "2021"]
    assert expected_periods("quarter", window, date(2021, 7, 15)) == ["2021-Q1", "2021-Q2"]
    assert expected_periods("window", window, date(2021, 10, 1)) == []
    assert expected_periods("window", window, date(2021, 11, 1)) == ["DOT"]
    assert due_date("2021-Q2", window, 10) == date(2021, 7, 10)


@given(st.text(max_size=25))
def test_parser_never_crashes_and_only_returns_canonical_codes(text):
    try:
        code = parse_period(text)
    except PeriodError:
        return
    assert CANONICAL.match(code)
