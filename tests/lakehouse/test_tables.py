"""``sort_rows`` is a faster ``DataFrame.sort``: the same order, nulls and all."""
import random

import polars as pl
import pytest

from lakehouse.tables import sort_rows, spec


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("nulls_last", [False, True])
def test_sort_rows_orders_exactly_as_polars_sort(seed, nulls_last):
    rng = random.Random(seed)
    texts = ["05983", "5983", "TP24-05", "TP24-5", "Đông Hòa", "Dong Hoa", "é", "e", "", "z", None]
    frame = pl.DataFrame({"a": [rng.choice(texts) for _ in range(500)],
                          "n": [rng.choice([None, -1.5, 0.0, 2.0, 1e9]) for _ in range(500)],
                          "b": [rng.choice(texts) for _ in range(500)]})
    by = ["a", "n", "b"]
    assert sort_rows(frame, by, nulls_last=nulls_last).equals(frame.sort(by, nulls_last=nulls_last))


def test_a_tables_order_is_its_declared_sort():
    s = spec("gold.attainment")
    frame = pl.DataFrame({"unit_code": ["02", "01", "02", None], "indicator_code": ["B", "B", "A", "A"]})
    assert s.ordered(frame).rows() == [("01", "B"), ("02", "A"), ("02", "B"), (None, "A")]
