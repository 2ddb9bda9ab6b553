"""Rules about submissions that the jobs and the dashboard share: whether a received file's
ingest finished, which ones did not, and which table versions readers may take as current.

An ingest writes several tables one commit at a time (silver, the per-file counts, each gold
table) and records its run last (``ops.runs``, with the file's id and the version each table
reached). So:

* a file's ingest **finished** when an ingest run for it was recorded, or a nightly refresh
  that began after the file was recorded in the manifest finished (it re-reads every file);
* a file received but not finished (the process was killed, the disk filled) is completed by
  the next job (``lakehouse.pipeline.repair``), or when it is sent again;
* readers take each derived table at the version the last recorded run left it
  (:func:`current_versions`): a reader never sees the attainment of an ingest that is still
  writing beside the scores of the one before.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import polars as pl

from lakehouse import health
from lakehouse.store import Lake
from lakehouse.tables import spec

FINISHED = ("ok", "rejected_rows", "error")


def _runs(lake: Lake) -> pl.DataFrame:
    try:
        return lake.read("ops.runs")
    except Exception:   # a damaged run log: nothing counts as finished, the next job completes it
        return spec("ops.runs").empty()


def _last_refresh_start(runs: pl.DataFrame) -> datetime | None:
    done = runs.filter((pl.col("job") == "refresh") & pl.col("status").is_in(FINISHED))
    return None if done.is_empty() else done["started_at"].max()


def is_finished(lake: Lake, file_id: str) -> bool:
    return not unfinished(lake, lake.read("bronze.manifest", where={"file_id": [file_id]})).height


def unfinished(lake: Lake, manifest: pl.DataFrame | None = None) -> pl.DataFrame:
    """Manifest rows whose ingest did not finish (oldest first)."""
    manifest = lake.read("bronze.manifest") if manifest is None else manifest
    if manifest.is_empty():
        return manifest
    runs = _runs(lake)
    done = runs.filter((pl.col("job") == "ingest") & pl.col("status").is_in(FINISHED))["file_id"].drop_nulls()
    pending = manifest.filter(~pl.col("file_id").is_in(done.to_list()))
    refreshed = _last_refresh_start(runs)
    if refreshed is not None:
        pending = pending.filter(pl.col("recorded_at").is_null() | (pl.col("recorded_at") > refreshed))
    # Rows from before receipts were time-stamped: finished when silver holds the file's values or
    # problems (the per-file counts say which files have values without scanning silver).
    legacy = pending.filter(pl.col("recorded_at").is_null())
    if not legacy.is_empty():
        ids = legacy["file_id"].to_list()
        values = "gold.file_counts" if lake.exists("gold.file_counts") else "silver.report_values"
        seen = set(lake.read(values, where={"file_id": ids}, columns=["file_id"])["file_id"].to_list()) | set(
            lake.read("silver.quarantine", where={"file_id": ids}, columns=["file_id"])["file_id"].to_list())
        pending = pending.filter(~pl.col("file_id").is_in(sorted(seen)))
    return pending.sort("recorded_at", "received_at", nulls_last=False)


def current_versions(lake: Lake) -> dict[str, int]:
    """The version of each table that the last recorded run left whole (readers take these)."""
    return health.recorded_versions(lake)


def versions_at(lake: Lake, moment: datetime, tables: Iterable[str]) -> dict[str, int | None]:
    """The lake as it stood at ``moment``: for each table, the version readers then took (the
    last run recorded by then, for the tables runs write; else the newest commit by then), or
    None when the table did not exist yet."""
    recorded = health.recorded_versions(lake, until=moment)
    return {name: recorded[name] if name in recorded else lake.version_at(name, moment) for name in tables}
