"""The dashboard's data access: a server that stays up sees each new version of a table, and a
table created anew in the place of another (set aside and rebuilt) is read afresh, not from
what was opened before."""
import shutil

import polars as pl
import pytest

from dashboard import data
from lakehouse.store import Lake


def units(*codes: str) -> pl.DataFrame:
    return pl.DataFrame({"unit_code": list(codes), "name": [f"Xã {c}" for c in codes]})


@pytest.fixture
def lake(tmp_path, monkeypatch):
    monkeypatch.setenv("THIDUA_LAKE", str(tmp_path / "lake"))
    for cached in (data._read, data._reference, data._kept, data._opened, data._current):
        cached.clear()
    return Lake(tmp_path / "lake")


def test_each_new_version_is_seen_without_a_restart(lake):
    assert data.table("reference.units").is_empty()          # no table yet
    lake.overwrite("reference.units", units("a"))
    assert data.table("reference.units")["unit_code"].to_list() == ["a"]
    lake.overwrite("reference.units", units("a", "b"))
    assert data.table("reference.units")["unit_code"].to_list() == ["a", "b"]
    assert data.table("reference.units", ("name",), unit_code="b").rows() == [("Xã b",)]
    assert data.table("reference.units", ("unit_code",), unit_code=("a", "b")).height == 2
    lake.overwrite("reference.units", units("c"))               # two commits since the last question
    lake.overwrite("reference.units", units("c", "d"))
    assert data.table("reference.units")["unit_code"].to_list() == ["c", "d"]


def test_a_table_rebuilt_in_place_is_read_afresh(lake, tmp_path):
    lake.overwrite("reference.units", units("old"))
    lake.overwrite("reference.units", units("old", "older"))
    assert data.table("reference.units").height == 2          # version 1, opened and kept
    shutil.move(lake.uri("reference.units"), tmp_path / "set-aside")
    lake.overwrite("reference.units", units("new"))           # version 0 of another table
    lake.overwrite("reference.units", units("new", "newer"))  # version 1 again
    assert data.table("reference.units")["unit_code"].to_list() == ["new", "newer"]
