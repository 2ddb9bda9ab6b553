"""Nightly refresh: rebuild silver and gold from everything in bronze, idempotently.

``python -m jobs refresh``. Holds the ``refresh`` lock (a second run exits at once) and the
writer lock (ingests wait). Every file in the manifest is read again from its cells (or its
kept bytes) with today's catalog, so a catalog correction reaches every old report. Each
table is replaced in one commit and only when its content changed: a run killed part way
leaves readers on the previous complete version, and the next run converges; two runs in a
row change nothing but the run log.
"""
from __future__ import annotations

from datetime import date

import polars as pl
from tqdm import tqdm

from lake.bronze import cells as bronze_cells
from lake.reference.catalog import Catalog
from lake.silver import quarantine, report_values
from lake.silver.stage import stage_files
from lake.store import Lake
from jobs import gold
from jobs.ingest import WRITER_LOCK, WRITER_WAIT_SECONDS, assignment_keys, file_problem
from jobs.reference import publish
from jobs.runs import Run
from jobs.writes import write_if_changed

REFRESH_LOCK = "refresh"
# Old table versions stay readable (time travel, audit) for this long; older files are deleted.
RETENTION_DAYS = 30


def refresh(lake: Lake, cat: Catalog, as_of: date | None = None, progress: bool = False) -> Run:
    run = Run("refresh")
    with lake.lock(REFRESH_LOCK), lake.lock(WRITER_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        publish(lake, cat, run)
        rebuild_silver(lake, cat, run, progress)
        gold.rebuild(lake, run, as_of or date.today())
        check_tables(lake, run)
        maintain(lake, run)
        written = sorted(t for t, e in run.tables.items() if e.get("written"))
        run.summary = ("Không có gì thay đổi." if not written else "Đã ghi lại: " + ", ".join(written))
        run.record(lake, "ok")
    return run


CHECKED_AS_WRITTEN = ("bronze.manifest", "silver.quarantine", "reference.indicators", "reference.units",
                      "reference.assignments")


def check_tables(lake: Lake, run: Run) -> None:
    """The suites of tables whose rows are already in the lake: recorded for the data-quality page
    (the silver and gold suites run before their writes, in staging and in ``jobs.gold``)."""
    from lake import checks

    for name in CHECKED_AS_WRITTEN:
        if lake.exists(name):
            run.checks.append(checks.run_suite(name, lake.read(name)))


def maintain(lake: Lake, run: Run, retention_days: int = RETENTION_DAYS) -> None:
    """Compact small files and delete those outside the audit window, table by table."""
    from lake.tables import TABLES

    for name in TABLES:
        compacted = lake.compact(name)
        vacuumed = lake.vacuum(name, retention_hours=retention_days * 24)
        if compacted or vacuumed:
            entry = run.tables.setdefault(name, {})
            entry["files_compacted"], entry["files_deleted"] = compacted, vacuumed


def rebuild_silver(lake: Lake, cat: Catalog, run: Run, progress: bool = False) -> None:
    manifest = lake.read("bronze.manifest").sort("received_at", "file_id")
    items, unreadable = [], []
    for entry in tqdm(manifest.iter_rows(named=True), total=manifest.height, disable=not progress,
                      desc="Đọc lại tệp", unit="tệp"):
        file_id, name = entry["file_id"], entry["original_name"]
        cells = lake.read("bronze.cells", where={"shard": [file_id[:2]], "file_id": [file_id]})
        if cells.is_empty():
            # Cells never written (the ingest stopped part way, or the file is unreadable): read the kept bytes.
            try:
                cells, _ = bronze_cells.read_cells(lake.get_file(entry["object_key"]), name, entry["extension"])
            except bronze_cells.FileRejected as exc:
                unreadable.append((entry, exc.reason))
                continue
            if not cells.is_empty():
                lake.append("bronze.cells", bronze_cells.to_table(cells, file_id))
        items.append((file_id, name, cells.drop("shard", "file_id", strict=False)))
    staged, check = stage_files(items, cat, assignment_keys(cat))
    if check is not None:
        run.checks.append(check)
    received = {e["file_id"]: e["received_at"] for e in manifest.iter_rows(named=True)}
    values, rejects = [], []
    for entry, reason in unreadable:
        rejects.append(quarantine.to_table(file_problem(reason), entry["file_id"], entry["original_name"],
                                           entry["received_at"]))
    for s in staged:
        at = received[s.file_id]
        run.count("silver.report_values", rows_in=s.rows_read)
        if s.problem:
            rejects.append(quarantine.to_table(file_problem(s.problem), s.file_id, s.name, at))
            continue
        if not s.rejects.is_empty():
            rejects.append(quarantine.to_table(s.rejects, s.file_id, s.name, at))
        if not s.accepted.is_empty():
            values.append(report_values.to_table(s.accepted, s.file_id, at))
    silver = report_values.resolve_current(pl.concat(values)) if values else lake.read("silver.report_values").clear()
    run.count("silver.report_values", rows_out=silver.height,
              written=write_if_changed(lake, "silver.report_values", silver))
    q = pl.concat(rejects) if rejects else lake.read("silver.quarantine").clear()
    run.count("silver.quarantine", rows_out=q.height, written=write_if_changed(lake, "silver.quarantine", q))

