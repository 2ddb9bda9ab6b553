"""Nightly refresh: rebuild silver and gold from everything in bronze, idempotently.

``python -m jobs refresh``. Holds the ``refresh`` lock (a second run exits at once) and the
writer lock (ingests wait). Every file in the manifest is read again from its cells (or its
kept bytes) with today's catalog, so a catalog correction reaches every old report. Each
table is replaced in one commit and only when its content changed: a run killed part way
leaves readers on the previous complete version, and the next run converges; two runs in a
row change nothing but the run log.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import polars as pl
from tqdm import tqdm

from lakehouse import checks
from lakehouse import faults
from lakehouse.bronze.errors import FileRejected
from lakehouse.bronze.reader import ReaderFailed, read_isolated
from lakehouse.gold import file_counts
from lakehouse.reference.catalog import Catalog
from lakehouse.silver import quarantine, report_values, typed_files
from lakehouse.bronze.files import permitted
from lakehouse.silver.stage import restrict_to_units, stage_files
from lakehouse.store import RETENTION_DAYS, Lake
from lakehouse.pipeline import gold
from lakehouse.pipeline.ingest import WRITER_LOCK, WRITER_WAIT_SECONDS, assignment_keys, file_problem
from lakehouse.pipeline.publish import publish
from lakehouse.pipeline.repair import repair
from lakehouse.pipeline.runs import Run, last_as_of
from lakehouse.pipeline.writes import same_as_stored, same_content, write_if_changed

REFRESH_LOCK = "refresh"


def refresh(lake: Lake, cat: Catalog, as_of: date | None = None, progress: bool = False, full: bool = False,
            scheduler: str | None = None) -> Run:
    """``full``: type every bronze file again, even those already typed with today's catalog and
    code. ``scheduler``: a Dask scheduler's address; gold is then built on its workers."""
    run = Run("refresh")
    with lake.lock(REFRESH_LOCK), lake.lock(WRITER_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        as_of = as_of or date.today()
        since = None if full else last_as_of(lake)
        damaged = repair(lake, cat, run, as_of, deep=True, rebuild_gold=False)
        published = publish(lake, cat, run)
        left = unfinished_silver(lake)
        periods = rebuild_silver(lake, cat, run, progress, full)
        if left is None:
            since = None    # what a stopped job changed cannot be told: gold is rebuilt whole
        else:
            periods = sorted(set(periods) | set(left))
        if since is None or since > as_of or damaged or any(published.values()) or gold.incomplete(lake):
            gold.rebuild(lake, run, as_of, scheduler=scheduler)
        else:   # an ordinary night: the periods whose values changed, and those the date still moves
            gold.rebuild(lake, run, as_of, touched=gold.nightly(lake, as_of, since, periods), compare=True,
                         scheduler=scheduler)
        run.tables.setdefault("gold.attainment", {})["as_of"] = as_of.isoformat()
        check_tables(lake, run, every=full or since is None)
        maintain(lake, run)
        written = sorted(t for t, e in run.tables.items() if e.get("written"))
        run.summary = ("Không có gì thay đổi." if not written else "Đã ghi lại: " + ", ".join(written))
        if damaged:
            run.summary += " Bảng hỏng đã được dựng lại: " + ", ".join(d.table for d in damaged) + "."
        run.record(lake, "ok")
    return run


def unfinished_silver(lake: Lake) -> list[str] | None:
    """Silver periods a job changed without finishing (a refresh killed between silver's commit
    and gold's): silver's partitions that differ from the version the last finished job recorded.
    Their gold is rebuilt tonight although tonight's silver pass finds nothing new in them. None
    when the recorded version cannot be read."""
    from lakehouse.health import recorded_versions

    recorded = recorded_versions(lake).get("silver.report_values")
    current = lake.version("silver.report_values")
    if recorded is None or current is None or current == recorded:
        return []
    changed = lake.changed_partitions("silver.report_values", recorded)
    return None if changed is None else [p["period"] for p in changed]


CHECKED_AS_WRITTEN = ("bronze.manifest", "silver.quarantine", "gold.file_counts", "reference.indicators",
                      "reference.units", "reference.assignments")


def check_tables(lake: Lake, run: Run, every: bool = True) -> None:
    """The suites of tables whose rows are already in the lake: recorded for the data-quality page
    (the silver and gold suites run before their writes, in staging and in ``lakehouse.pipeline.gold``). On an
    ordinary night (``every`` False) only the tables this run wrote: the others' last results stand."""
    for name in CHECKED_AS_WRITTEN:
        if lake.exists(name) and (every or run.tables.get(name, {}).get("written")):
            run.checks.append(checks.run_suite(name, lake.read(name)))


def maintain(lake: Lake, run: Run, retention_days: int = RETENTION_DAYS) -> None:
    """Compact small files and delete those outside the audit window, table by table."""
    from lakehouse.tables import TABLES

    for name in TABLES:
        compacted = lake.compact(name)
        vacuumed = lake.vacuum(name, retention_hours=retention_days * 24)
        if compacted or vacuumed:
            entry = run.tables.setdefault(name, {})
            entry["files_compacted"], entry["files_deleted"] = compacted, vacuumed


# Bronze files read, typed and checked at once: bounds memory (a national month is ~25 MB of CSV).
BATCH_BYTES = 32 * 1024 * 1024


def _batches(manifest: pl.DataFrame, budget: int) -> Iterator[list[dict]]:
    batch, size = [], 0
    for entry in manifest.iter_rows(named=True):
        batch.append(entry)
        size += entry["size_bytes"] or 0
        if size >= budget:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def rebuild_silver(lake: Lake, cat: Catalog, run: Run, progress: bool = False, full: bool = False) -> list[str]:
    """The bronze files not yet typed with today's catalog and code (every file when ``full``,
    or after a catalog or code change) read again, a batch at a time; their values wait in a
    spool by period, then each period they touch (or touched before) is resolved again (latest
    current) from their values and the other files' rows already in silver, and the periods that
    changed are replaced in one commit."""
    fingerprint = typed_files.fingerprint(cat)
    typed = lake.read(typed_files.TABLE)
    kept = typed_files.still_whole(lake, typed.filter(pl.col("fingerprint") == fingerprint)) if not full else typed.clear()
    keep_ids = set(kept["file_id"].to_list())
    # A file is typed once however many receipts list it (a manifest written around ``receive``,
    # which records a file once, could list it twice: typed twice, every row would clash with itself).
    manifest = (lake.read("bronze.manifest").filter(~pl.col("file_id").is_in(list(keep_ids)))
                .sort("received_at", "file_id").unique("file_id", keep="first", maintain_order=True))
    retyped_ids = manifest["file_id"].to_list()
    # Partitions a re-typed file had values in: they are resolved again even if it has none now.
    left = typed_files.periods_of(typed.filter(pl.col("file_id").is_in(retyped_ids)))
    run.count(typed_files.TABLE, rows_in=manifest.height)
    keys = assignment_keys(cat)
    results, rejects, typed_now = [], [], []
    with lake.spool(f"silver-{run.run_id}") as spool, \
            tqdm(total=manifest.height, disable=not progress, desc="Đọc lại tệp", unit="tệp") as bar:
        stored = lake.scan_opened(lake.table("bronze.cells")) if lake.exists("bronze.cells") else None
        for batch, read in _read_ahead(lake, _batches(manifest, BATCH_BYTES), stored):
            items, received, allowed = [], {}, {}
            for entry, got in zip(batch, read):
                received[entry["file_id"]] = entry["received_at"]
                allowed[entry["file_id"]] = permitted(entry)
                if got.reject is not None:
                    rejects.append(got.reject)
                if got.error is not None:
                    run.error(entry["original_name"], *got.error)
                if got.refused:    # refused as a whole by the reader: the same answer until the code changes
                    typed_now.append((entry["file_id"], fingerprint, [], 0, 1))
                if got.cells is not None:
                    items.append((entry["file_id"], entry["original_name"], got.cells))
            staged, check = stage_files(items, cat, keys)
            if check is not None:
                results.append(check)
            tables = []
            for s in staged:
                at = received[s.file_id]
                if allowed[s.file_id] is not None:   # the sender's permissions, as recorded at receipt
                    restrict_to_units(s, allowed[s.file_id], cat)
                run.count("silver.report_values", rows_in=s.rows_read)
                if s.problem:
                    rejects.append(quarantine.to_table(file_problem(s.problem), s.file_id, s.name, at))
                    typed_now.append((s.file_id, fingerprint, [], 0, 1))
                    continue
                if not s.rejects.is_empty():
                    rejects.append(quarantine.to_table(s.rejects, s.file_id, s.name, at))
                typed_now.append((s.file_id, fingerprint, s.accepted["period"].unique().to_list()
                                  if not s.accepted.is_empty() else [], s.accepted.height, s.rejects.height))
                if not s.accepted.is_empty():
                    tables.append(report_values.to_table(s.accepted, s.file_id, at))
            if tables:   # one spool file per batch and period, not per file
                spool.add_by("values", pl.concat(tables), ["period"])
            bar.update(len(batch))
        combined = checks.combine("silver.report_values", results)
        if combined is not None:
            run.checks.append(combined)
        periods = {k.split("/", 1)[1] for k in spool.keys("values/")} | left
        if not keep_ids:   # every file typed again: a partition no file has values in any more goes
            periods |= {p["period"] for p in lake.partitions("silver.report_values")}
        changed, counted, rows, count_rows = [], [], 0, 0
        for period in sorted(periods):
            values = spool.read(f"values/{period}")
            stored_counts = lake.read("gold.file_counts", where={"period": [period]})
            counts = None
            # The partition as it stands, read once: the rows of the files not typed again stay as
            # they are (an ordinary night resolves only the keys its files report, now or before).
            # A month with a long history is a few million rows: no more than two copies at once.
            if keep_ids:
                stored = lake.read("silver.report_values", where={"period": [period]})
                untouched, before, now = report_values.replace_files(stored, values, retyped_ids)
                del values
                same = same_content("silver.report_values", before, now)
                # The counts follow the rows that changed, when they agree with the partition as it was.
                if (stored_counts["accepted"].sum() == stored.height
                        and stored_counts["current"].sum() == stored["is_current"].sum()):
                    counts = file_counts.adjust(stored_counts, before, now)
                new = stored if same else pl.concat([untouched.collect(), now], how="vertical_relaxed")
                del untouched, before, now, stored
            else:
                new = report_values.resolve_current(values) if not values.is_empty() else values
                del values
                same = same_as_stored(lake, "silver.report_values", {"period": [period]}, new)
            rows += new.height
            if not same:
                spool.add(f"silver/{period}", new)
                changed.append(period)
            if counts is None:
                counts = file_counts.build(new.select("period", "file_id", "is_current")) if not new.is_empty() \
                    else file_counts.build(new)
            del new
            count_rows += counts.height
            if not same_content("gold.file_counts", stored_counts, counts):
                spool.add(f"counts/{period}", counts)
                counted.append(period)
        lake.replace_partitions("silver.report_values", lambda: spool.frames(f"silver/{p}" for p in changed),
                                [{"period": p} for p in changed])
        lake.replace_partitions("gold.file_counts", lambda: spool.frames(f"counts/{p}" for p in counted),
                                [{"period": p} for p in counted])
    run.count("silver.report_values", rows_out=rows, written=bool(changed))
    run.count("gold.file_counts", rows_out=count_rows, written=bool(counted))
    if keep_ids:
        rejects.insert(0, lake.read("silver.quarantine").filter(~pl.col("file_id").is_in(retyped_ids)))
    q = pl.concat(rejects) if rejects else lake.read("silver.quarantine").clear()
    run.count("silver.quarantine", rows_out=q.height, written=write_if_changed(lake, "silver.quarantine", q))
    record = pl.concat([typed.filter(~pl.col("file_id").is_in([t[0] for t in typed_now])),
                        typed_files.rows(typed_now)])
    run.count(typed_files.TABLE, rows_out=len(typed_now), written=write_if_changed(lake, typed_files.TABLE, record))
    return changed


@dataclass
class _Read:
    cells: pl.DataFrame | None = None
    refused: bool = False                 # refused by the reader for a reason of the file's own
    reject: pl.DataFrame | None = None    # the file's quarantine row, when it gave no cells
    error: tuple[str, str] | None = None  # (code, trace) of a fault of ours


def _read_ahead(lake: Lake, batches: Iterator[list[dict]], stored) -> Iterator[tuple[list[dict], list[_Read]]]:
    """Each batch with its files' cells, the next batch read on a thread while the caller types
    this one: reading happens in the reader's own process, typing in this one, so the night uses
    both cores (the thread only waits for the reader)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        def submit(batch):
            return batch, pool.submit(lambda: [_cells(lake, entry, stored) for entry in batch])

        pending = None
        for batch in batches:
            ahead = submit(batch)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = ahead
        if pending is not None:
            yield pending[0], pending[1].result()


def _cells(lake: Lake, entry: dict, stored) -> _Read:
    """A file's cells from ``bronze.cells`` (``stored``: its scan, opened once), or read again
    from its kept bytes (the ingest stopped before writing them, or the file came in through the
    inbox in bulk). Touches nothing but the lake's files: it runs on the read-ahead thread."""
    file_id, name = entry["file_id"], entry["original_name"]
    cells = (lake.read("bronze.cells", where={"shard": [file_id[:2]], "file_id": [file_id]}, opened=stored)
             if stored is not None else None)
    if cells is None or cells.is_empty():
        try:
            cells, _ = read_isolated(lake.get_file(entry["object_key"]), name, entry["extension"])
        except FileRejected as exc:
            return _Read(refused=True, reject=quarantine.to_table(file_problem(exc.reason), file_id, name,
                                                                   entry["received_at"]))
        except ReaderFailed as exc:
            code, trace = faults.record_internal(f"re-reading '{name}' ({file_id})", exc.detail)
            return _Read(error=(code, trace), reject=quarantine.to_table(
                file_problem(faults.internal_message(name, code), "internal"), file_id, name, entry["received_at"]))
    return _Read(cells=cells.drop("shard", "file_id", strict=False))
