"""Catalog versions (``ops.catalog_versions``): one row per published version of ``catalog/``.

Each row keeps the whole text of every catalog file as published (a catalog is a few hundred
kilobytes), who published it, when, why, the campaigns it changed and a unified diff against
the version before, so any version can be read again and restored. The first publication
through this path also records the files as they were before it (version 0), so the state
before the first change made in the dashboard can be restored too.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import polars as pl

from lakehouse.reference.editing import diff
from lakehouse.store import Lake
from lakehouse.tables import spec

TABLE = "ops.catalog_versions"


def versions(lake: Lake) -> pl.DataFrame:
    """Every version, newest first, without the files' text."""
    return lake.read(TABLE).drop("files").sort("version", descending=True)


def latest(lake: Lake) -> int | None:
    v = lake.read(TABLE).select("version")
    return None if v.is_empty() else int(v["version"].max())


def files_of(lake: Lake, version: int) -> dict[str, str]:
    row = lake.read(TABLE, where={"version": [version]})
    if row.is_empty():
        raise KeyError(version)
    return json.loads(row["files"][0])


def diff_of(lake: Lake, version: int) -> str:
    row = lake.read(TABLE, where={"version": [version]})
    if row.is_empty():
        raise KeyError(version)
    return row["diff"][0] or ""


def record(lake: Lake, before: dict[str, str], after: dict[str, str], by: str, note: str,
           campaigns: list[str]) -> int:
    """Add the version ``after`` (and, on the first record, ``before`` as version 0 when its
    text is known); its number."""
    now = datetime.now(timezone.utc)
    rows = []
    last = latest(lake)
    if last is None and before:
        rows.append(dict(version=0, published_at=now, published_by=by,
                         note="Danh mục trước lần công bố đầu tiên trên bảng điều khiển", campaigns="",
                         files=json.dumps(before, ensure_ascii=False), diff=""))
        last = 0
    last = 0 if last is None else last   # hand edits published first: no earlier text, numbered from 1
    rows.append(dict(version=last + 1, published_at=now, published_by=by, note=note, campaigns=", ".join(campaigns),
                     files=json.dumps(after, ensure_ascii=False), diff=diff(before, after)))
    lake.append(TABLE, spec(TABLE).conform(pl.DataFrame(rows)))
    return last + 1
