"""Writes that keep reruns idempotent: the same rows in another order are the same content;
one changed value, a row missing or a row repeated instead of another is not."""
from __future__ import annotations

import polars as pl
import pytest

from lakehouse.pipeline import writes
from lakehouse.pipeline.writes import same_as_stored, same_content, write_if_changed
from lakehouse.tables import spec


def _units(rows: list[tuple]) -> pl.DataFrame:
    return spec("reference.units").conform(pl.DataFrame(rows, schema=["unit_code", "name", "parent_code"],
                                                        orient="row"))


def test_the_same_rows_in_another_order_are_the_same_content():
    a = _units([("U1", "Phường 1", "Q1"), ("U2", "Phường 2", "Q1"), ("Q1", "Quận 1", None)])
    assert same_content("reference.units", a, a.reverse())
    assert same_content("reference.units", a.clear(), a.clear())


def test_a_changed_value_a_missing_row_or_a_repeat_is_a_change():
    a = _units([("U1", "Phường 1", "Q1"), ("U2", "Phường 2", "Q1")])
    assert not same_content("reference.units", a, a.with_columns(name=pl.lit("Phường 1")))   # U2 renamed
    assert not same_content("reference.units", a, a.head(1))
    assert not same_content("reference.units", a, pl.concat([a.head(1), a.head(1)]))
    assert not same_content("reference.units", a, a.with_columns(parent_code=pl.lit(None, pl.String)))


def test_write_if_changed_writes_once(lake):
    a = _units([("U1", "Phường 1", None)])
    assert write_if_changed(lake, "reference.units", a)
    version = lake.version("reference.units")
    assert not write_if_changed(lake, "reference.units", a)
    assert lake.version("reference.units") == version
    assert write_if_changed(lake, "reference.units", a.with_columns(name=pl.lit("Phường Một")))


def _values(lake, rows: list[tuple]) -> pl.DataFrame:
    frame = spec("gold.file_counts").conform(pl.DataFrame(rows, schema=["period", "file_id", "accepted", "current"],
                                                          orient="row"))
    return frame


@pytest.mark.parametrize("stream", [False, True])
def test_same_as_stored_compares_one_partition_with_what_is_stored(lake, monkeypatch, stream):
    if stream:     # the way a partition of millions of rows is compared
        monkeypatch.setattr(writes, "STREAM_ROWS", 0)
    stored = _values(lake, [("2025-01", "f1", 3, 2), ("2025-01", "f2", 1, 1), ("2025-02", "f1", 5, 5)])
    lake.overwrite("gold.file_counts", stored)
    january = {"period": ["2025-01"]}
    mine = stored.filter(pl.col("period") == "2025-01")
    assert same_as_stored(lake, "gold.file_counts", january, mine.reverse())
    assert not same_as_stored(lake, "gold.file_counts", january, mine.with_columns(current=pl.lit(3, pl.Int64)))
    assert not same_as_stored(lake, "gold.file_counts", january, mine.head(1))
    assert not same_as_stored(lake, "gold.file_counts", january, pl.concat([mine.head(1), mine.head(1)]))
    assert not same_as_stored(lake, "gold.file_counts", january, stored)       # another partition's rows too
    assert same_as_stored(lake, "gold.file_counts", {"period": ["2025-03"]}, mine.clear())
    assert not same_as_stored(lake, "gold.file_counts", {"period": ["2025-03"]}, mine)
    assert same_as_stored(lake, "gold.file_counts", january, mine.select(reversed(mine.columns)))   # column order
