"""Writes that keep reruns idempotent: the same rows in another order are the same content;
one changed value, a row missing or a row repeated instead of another is not."""
from __future__ import annotations

import polars as pl

from lakehouse.pipeline.writes import same_content, write_if_changed
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
