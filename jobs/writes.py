"""Writes that keep reruns idempotent: a table is rewritten only when its content changed."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from lake.store import Lake
from lake.tables import spec


def _same(old: pl.DataFrame, new: pl.DataFrame) -> bool:
    if old.height != new.height:
        return False
    cols = list(new.columns)
    return old.sort(cols, nulls_last=True).equals(new.sort(cols, nulls_last=True))


def write_if_changed(lake: Lake, name: str, frame: pl.DataFrame) -> bool:
    frame = spec(name).conform(frame)
    if lake.exists(name) and _same(lake.read(name), frame):
        return False
    lake.overwrite(name, frame)
    return True


def replace_if_changed(lake: Lake, name: str, frame: pl.DataFrame, where: Mapping[str, Iterable[object]]) -> bool:
    frame = spec(name).conform(frame)
    if lake.exists(name) and _same(lake.read(name, where=where), frame):
        return False
    lake.replace(name, frame, where=where)
    return True
