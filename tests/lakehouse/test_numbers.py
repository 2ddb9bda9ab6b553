import math

import pytest
from hypothesis import given, strategies as st

import polars as pl

from lakehouse.numbers import NumberError, decide_notation, parse_number, parse_quantity, parse_yes_no


@pytest.mark.parametrize("text, expected", [
    ("5.835", 5835.0),            # Vietnamese thousands
    ("7,5", 7.5),                 # Vietnamese decimal comma
    ("1.234.567,89", 1234567.89),
    ("1,234.5", 1234.5),          # English notation, whole file aside
    ("0,02", 0.02),
    ("90,6", 90.6),
    ("425.000", 425000.0),
    ("12 345", 12345.0),
    ("-3,5", -3.5),
    ("98%", 98.0),
    ("7.5", 7.5),                 # not a thousands group: a decimal point
    ("1E-3", 0.001),
])
def test_vietnamese_and_plain_numbers(text, expected):
    assert parse_number(text) == pytest.approx(expected)


def test_native_spreadsheet_number_is_not_read_as_thousands():
    assert parse_number("5.835", is_number=True) == 5.835
    assert parse_number("5.835", is_number=False) == 5835


@pytest.mark.parametrize("text", [None, "", "-", "x", "X", "không", "Không", "n/a", "..."])
def test_no_data_marks_are_not_zero(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text, reason", [
    ("nan", "không phải là số"),
    ("inf", "không phải là số"),
    ("1e308", "quá lớn"),
    ("khoảng 50", "không phải là số"),
    ("1,2,3", "nhiều dấu phẩy"),
    ("5.835 tỷ đồng", "đơn vị tính"),     # parse_number wants the unit in its own column
])
def test_bad_numbers_say_why(text, reason):
    with pytest.raises(NumberError) as exc:
        parse_number(text)
    assert reason in exc.value.reason


def test_quantity_keeps_the_unit_written_in_the_cell():
    assert parse_quantity("5.835 tỷ đồng") == (5835.0, "tỷ đồng")
    assert parse_quantity("3.269 nghìn lượt") == (3269.0, "nghìn lượt")
    assert parse_quantity("425.000 triệu đồng") == (425000.0, "triệu đồng")


@pytest.mark.parametrize("text, value", [("Có", 1.0), ("Đạt", 1.0), ("hoàn thành", 1.0), ("Không", 0.0),
                                         ("Chưa đạt", 0.0), ("1", 1.0), ("0", 0.0), ("", None)])
def test_yes_no(text, value):
    assert parse_yes_no(text) == value


def test_yes_no_rejects_other_text():
    with pytest.raises(NumberError):
        parse_yes_no("có lẽ")


@given(st.integers(min_value=0, max_value=10**12))
def test_vietnamese_grouping_round_trips(n):
    grouped = f"{n:,}".replace(",", ".")
    assert parse_number(grouped) == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_vietnamese_decimal_round_trips(whole, cents):
    text = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    assert parse_number(text) == pytest.approx(whole + cents / 100)


@given(st.text(max_size=30))
def test_never_crashes_and_never_returns_a_non_finite_number(text):
    try:
        value = parse_number(text)
    except NumberError:
        return
    assert value is None or math.isfinite(value)


@pytest.mark.parametrize("texts, expected", [
    (["7,5", "1.234,5", "5.835"], ("vi", 2, 0)),                    # 5.835 alone can be read both ways
    (["1,234.5", "7.25", " 3.14159 "], ("en", 0, 3)),
    (["5.835 tỷ đồng", "12,5 %", "1.234.567"], ("vi", 2, 0)),       # the number at the head of the text
    (["1,234.5", "7,5"], ("vi", 1, 1)),                              # a tie is read the Vietnamese way
    (["5.835", "100", "không có số liệu", ""], ("vi", 0, 0)),
    ([], ("vi", 0, 0)),
])
def test_a_files_notation_is_decided_by_the_numbers_that_read_only_one_way(texts, expected):
    assert decide_notation(pl.Series(texts, dtype=pl.String)) == expected
