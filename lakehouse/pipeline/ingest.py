"""Ingest report files: bronze (bytes, manifest, cells) → silver (values, quarantine) → gold.

``python -m jobs ingest FILE... [--dry-run]``. A dry run reads, types and checks the file
exactly as a real ingest would and reports how it was understood, but writes nothing. A real
ingest keeps the file's bytes and records it in the manifest before anything reads it, so
nothing a unit sent is ever lost, whatever happens next (a file that kills the reader, a bug
of ours, a full disk); then it writes each table in one atomic commit and brings gold up to
date for the partitions it touched. The bytes are parsed in a worker process
(:mod:`lakehouse.bronze.reader`), never in the caller.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from lakehouse import faults
from lakehouse.bronze import cells as bronze_cells
from lakehouse.bronze import inspect
from lakehouse.bronze import files as bronze_files
from lakehouse.bronze.errors import FileRejected
from lakehouse.bronze.reader import ReaderFailed, read_isolated
from lakehouse.gold import file_counts
from lakehouse.reference.catalog import Catalog
from lakehouse.silver import quarantine, report_values, typed_files
from lakehouse import checks
from lakehouse.silver.stage import Staged, restrict_to_units, stage_files
from lakehouse.store import Lake, partition_predicate
from lakehouse.tables import spec
from lakehouse.submissions import is_finished, unfinished
from lakehouse.pipeline import gold
from lakehouse.pipeline.publish import require_published
from lakehouse.pipeline.repair import repair
from lakehouse.pipeline.runs import Run

WRITER_LOCK = "writer"
WRITER_WAIT_SECONDS = 120
# Held only while a receipt is checked and added to the manifest: a long refresh holding the
# writer lock never keeps a file from being recorded.
RECEIPTS_LOCK = "receipts"


@dataclass
class FileReport:
    """What happened to one file, in the terms a steward reads."""
    name: str
    file_id: str
    status: str  # accepted | partial | rejected | duplicate | error (internal: not the data's fault)
    format: str | None = None
    encoding: str | None = None
    layout: str | None = None
    notes: list[str] = field(default_factory=list)
    accepted: pl.DataFrame = field(default_factory=pl.DataFrame)
    rejects: pl.DataFrame = field(default_factory=pl.DataFrame)
    empty_rows: int = 0
    message: str = ""
    duplicate_of: datetime | None = None
    error_code: str | None = None    # internal errors: the code under which the trace was logged
    trace: str | None = None         # never shown to a user; goes to the log and the run record

    @property
    def problems(self) -> list[str]:
        if self.rejects.is_empty():
            return []
        return [quarantine.message({**r, "original_name": self.name}) for r in self.rejects.iter_rows(named=True)]

    @property
    def ok(self) -> bool:
        return self.status in ("accepted", "duplicate")

    def summary_vi(self) -> str:
        if self.status == "duplicate":
            return (f"'{self.name}': tệp này đã được nhận lúc {self.duplicate_of:%d/%m/%Y %H:%M} (UTC); "
                    "không tính lại.")
        if self.message:
            return self.message
        parts = [f"'{self.name}': {self.accepted.height} giá trị hợp lệ"]
        if self.rejects.height:
            parts.append(f"{self.rejects.height} lỗi (đã đưa vào danh sách cách ly)")
        if self.empty_rows:
            parts.append(f"{self.empty_rows} dòng không có số liệu")
        return ", ".join(parts) + "."


def assignment_keys(cat: Catalog) -> frozenset[str]:
    """Who may report what (``indicator|unit``): a unit expected to report an indicator, or a
    unit above one (its own consolidated figure for its area). Once per loaded catalog (a million
    pairs at national scale)."""
    return cat.memo(("assignment_keys",), lambda: frozenset(
        f"{i.code}|{u}" for i in cat.indicators.values() for u in cat.may_report(i)))


def understand(data: bytes, name: str, cat: Catalog, allowed_units: set[str] | None = None) -> tuple[FileReport, pl.DataFrame | None, Staged | None,
                                                          checks.CheckRun | None]:
    """Read, type and check a file without writing anything (the dry run).

    ``allowed_units``: the units the sender may report for (``None``: any); rows for other
    units are rejected, so a steward cannot report for a unit not assigned to them.
    Never raises for anything the file holds: a refusal and an internal error both come back
    as the report's status and Vietnamese message."""
    clean = bronze_files.safe_name(name)
    file_id = hashlib.sha256(data).hexdigest()
    report = FileReport(clean, file_id, "rejected")
    try:
        cells, info = read_isolated(data, clean, bronze_files.extension(clean))
    except FileRejected as exc:
        report.message = exc.reason
        return report, None, None, None
    except ReaderFailed as exc:
        _internal(report, "reading", exc.detail)
        return report, None, None, None
    try:
        return _stage(report, cells, info, cat, allowed_units)
    except Exception as exc:  # a bug of ours met on this file: the file is kept, the trace logged
        _internal(report, "staging", exc)
        return report, cells, None, None


def _internal(report: FileReport, step: str, exc: BaseException | str) -> None:
    report.status = "error"
    report.error_code, report.trace = faults.record_internal(f"{step} '{report.name}' ({report.file_id})", exc)
    report.message = faults.internal_message(report.name, report.error_code)


def _stage(report: FileReport, cells: pl.DataFrame, info, cat: Catalog, allowed_units: set[str] | None):
    clean, file_id = report.name, report.file_id
    report.format, report.encoding = info.format, info.encoding
    (staged,), check = stage_files([(file_id, clean, cells)], cat, assignment_keys(cat))
    if staged.problem:
        report.message = staged.problem
        return report, cells, None, None
    if allowed_units is not None:
        restrict_to_units(staged, allowed_units, cat)
    report.layout, report.notes = staged.layout, list(staged.notes)
    if info.encoding:
        report.notes.insert(0, f"Mã hóa ký tự: {info.encoding}")
    report.notes.extend(info.warnings)
    report.accepted, report.rejects, report.empty_rows = staged.accepted, staged.rejects, staged.empty_rows
    if staged.rejects.is_empty():
        report.status = "accepted" if staged.accepted.height else "rejected"
        if not staged.accepted.height:
            report.message = f"'{clean}': không có giá trị nào để nhận (mọi dòng đều trống)."
    else:
        report.status = "partial" if staged.accepted.height else "rejected"
    return report, cells, staged, check


def ingest_bytes(lake: Lake, cat: Catalog, data: bytes, name: str, *, received_by: str, channel: str,
                 dry_run: bool = False, received_at: datetime | None = None, as_of: date | None = None,
                 allowed_units: set[str] | None = None) -> FileReport:
    """One received file through bronze, silver and gold. Storage faults (a full disk, a
    read-only lake), a busy lake and an unpublished catalog raise; everything about the file
    itself is in the report."""
    file_id = hashlib.sha256(data).hexdigest()
    known = lake.read("bronze.manifest", where={"file_id": [file_id]})
    if not known.is_empty() and is_finished(lake, file_id):
        first = known.sort("received_at").row(0, named=True)
        return FileReport(first["original_name"], file_id, "duplicate", duplicate_of=first["received_at"])
    if dry_run:
        return understand(data, name, cat, allowed_units)[0]
    # Bytes first, then the receipt, then the reading: a file that crashes the reader, or an
    # ingest stopped at any point after this, leaves the file and its manifest row in bronze.
    lake.put_file(data)
    with lake.lock(RECEIPTS_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        got = bronze_files.receive(lake, data, name, received_by, channel, received_at, allowed_units=allowed_units)
    # The sender's permissions as recorded with the file's first receipt: the same in every re-read.
    report, cells, staged, check = understand(data, name, cat, got.allowed_units)
    run = Run("ingest")
    run.count("bronze.manifest", rows_out=0 if got.is_duplicate else 1, written=not got.is_duplicate)
    with lake.lock(WRITER_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        # Only the published catalog is used; a stale copy raises, the file waits for the refresh.
        require_published(lake, cat, run)
        # Leftovers of killed jobs, damaged derived tables, other files' ingests stopped part way.
        repair(lake, cat, run, as_of or date.today(), finish_except=file_id)
        if got.is_duplicate and is_finished(lake, file_id):  # another process took the same file meanwhile
            return FileReport(got.original_name, file_id, "duplicate", duplicate_of=got.duplicate_of)
        # A file received before but never finished (its ingest was stopped part way) is finished
        # now, under its first receipt, so sending it again never leaves its values waiting.
        complete(lake, cat, got, (report, cells, staged, check), run, as_of or date.today(),
                 first_attempt=not got.is_duplicate)
    return report


def complete(lake: Lake, cat: Catalog, got: bronze_files.Received, understood, run: Run, as_of: date,
             first_attempt: bool = False) -> None:
    """Write what an ingest understood of a received file: its cells, its problems, its values
    and the gold partitions they touch, then the run record that marks the file finished. Every
    step replaces what an earlier, interrupted attempt at the same file wrote, so completing a
    file twice gives the same lake. ``first_attempt``: the file was received by this ingest, so
    no earlier attempt can have written anything of it."""
    report, cells, staged, check = understood
    file_id = got.file_id
    run.file_id = file_id
    if report.status == "error":
        run.error(got.original_name, report.error_code, report.trace)
    has_cells = not lake.read("bronze.cells", where={"shard": [file_id[:2]], "file_id": [file_id]}).is_empty()
    if cells is not None and not cells.is_empty() and not has_cells:
        lake.append("bronze.cells", bronze_cells.to_table(cells, file_id))
        run.count("bronze.cells", rows_out=cells.height, written=True)
    rejects = report.rejects if staged is not None else file_problem(
        report.message, "internal" if report.status == "error" else "file")
    if not rejects.is_empty() or not lake.read("silver.quarantine", where={"file_id": [file_id]}).is_empty():
        lake.replace("silver.quarantine", quarantine.to_table(rejects, file_id, got.original_name, got.received_at),
                     where={"file_id": [file_id]})
        run.count("silver.quarantine", rows_out=rejects.height, written=True)
    if check is not None:
        run.checks.append(check)
    touched = write_silver(lake, cat, report.accepted, file_id, got.received_at, run, first_attempt)
    if report.status != "error":   # typed with today's catalog and code: the nightly refresh leaves it be
        periods = report.accepted["period"].unique().to_list() if report.accepted.height else []
        lake.replace(typed_files.TABLE, typed_files.rows([(file_id, typed_files.fingerprint(cat), periods,
                                                           report.accepted.height, rejects.height)]),
                     where={"file_id": [file_id]})
    gold.rebuild_units(lake, run, as_of, touched)
    run.summary = report.summary_vi()
    run.record(lake, "error" if report.status == "error" else "ok" if report.ok else "rejected_rows")


def finish_unfinished(lake: Lake, cat: Catalog, as_of: date, skip: str | None = None) -> list[str]:
    """Complete every received file whose ingest was stopped part way (the process killed, the
    disk full), from its kept bytes and the permissions recorded with it. Call with the writer
    lock held. Returns the names of the files completed."""
    done = []
    for entry in unfinished(lake).iter_rows(named=True):
        if entry["file_id"] == skip or not lake.has_file(entry["object_key"]):
            continue
        got = bronze_files.Received(entry["file_id"], entry["original_name"], entry["extension"],
                                    entry["size_bytes"], entry["received_at"], entry["received_by"],
                                    entry["channel"], entry["object_key"], allowed_units=bronze_files.permitted(entry))
        too_large = inspect.size_refusal(entry["size_bytes"], got.original_name)
        if too_large:   # answered from its size, never read whole
            understood = (FileReport(got.original_name, got.file_id, "rejected", message=too_large), None, None, None)
        else:
            understood = understand(lake.get_file(entry["object_key"]), entry["original_name"], cat, got.allowed_units)
        complete(lake, cat, got, understood, Run("ingest"), as_of)
        done.append(entry["original_name"])
    return done


def ingest_path(lake: Lake, cat: Catalog, path: Path, **options) -> FileReport:
    """A file on disk: its size is checked before it is read, so a file far over the limit is
    kept (streamed into bronze) and answered without ever being held in memory."""
    name = bronze_files.safe_name(path.name)
    reason = inspect.size_refusal(path.stat().st_size, name)
    if reason is None:
        return ingest_bytes(lake, cat, path.read_bytes(), path.name, **options)
    report = FileReport(name, "", "rejected", message=reason)
    if options.get("dry_run"):
        return report
    run = Run("ingest")
    with lake.lock(RECEIPTS_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        got = bronze_files.receive(lake, path, path.name, options["received_by"], options["channel"],
                                   options.get("received_at"), allowed_units=options.get("allowed_units"))
    report.file_id = got.file_id
    with lake.lock(WRITER_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        if not is_finished(lake, got.file_id):
            lake.replace("silver.quarantine", quarantine.to_table(file_problem(reason), got.file_id,
                                                                  got.original_name, got.received_at),
                         where={"file_id": [got.file_id]})
            run.file_id, run.summary = got.file_id, reason
            run.record(lake, "rejected_rows")
    return report


def count_files(lake: Lake, periods: list[str]) -> None:
    """Count the periods' values per file again from silver; on a lake from before
    ``gold.file_counts`` existed, every period, so the upload history is whole from the first
    ingest on."""
    if not lake.exists("gold.file_counts"):
        periods = sorted({p["period"] for p in lake.partitions("silver.report_values")} | set(periods))
    lake.replace_partitions(
        "gold.file_counts",
        lambda: (file_counts.build(lake.read("silver.report_values", where={"period": [p]})) for p in periods),
        [{"period": p} for p in periods])


def file_problem(reason: str, check: str = "file") -> pl.DataFrame:
    """A rejection of the file as a whole (no sheet, row or cell to point at); ``check`` is
    ``internal`` when the fault was ours, not the file's."""
    return pl.DataFrame([{"sheet": None, "row": None, "column": None, "cell": None, "value": None,
                          "reason": reason, "check": check}], schema=report_values.REJECT_SCHEMA)



def write_silver(lake: Lake, cat: Catalog, accepted: pl.DataFrame, file_id: str, received_at: datetime,
                 run: Run, first_attempt: bool = False) -> dict[str, dict[str, gold.Change]]:
    """Add one file's accepted values; returns the campaign → period → units and indicators
    whose values it changed (for gold).

    A new file (``first_attempt``) received after the values in force for its keys changes only
    those: they are superseded. Only the periods' rows in force are read and rewritten (its
    units' rows, when they are few: silver is sorted by ``is_current``, then unit), the history
    neither (``report_values.live``). A file completed again after an interrupted attempt (it
    may have left rows under another catalog, and counts out of step), or received before what
    is in force, is resolved with its periods' whole history, and its periods counted again."""
    if accepted.is_empty():
        return {}
    new = report_values.to_table(accepted, file_id, received_at)
    periods = sorted(new["period"].unique().to_list())
    units = sorted(new["unit_code"].unique().to_list())
    reporters = cat.memo(("reporters",), lambda: len(set().union(*map(cat.reporters, cat.indicators.values()))))
    where = {"period": periods, "unit_code": units} if gold.few(len(units), reporters) else {"period": periods}
    stored = spec("silver.report_values").conform(
        lake.scan("silver.report_values", where).filter(report_values.live(file_id)).collect())
    counts = lake.read("gold.file_counts", where={"period": periods}) if lake.exists("gold.file_counts") else None
    follows = (first_attempt and counts is not None and not (stored["file_id"] == file_id).any()
               and not (counts["file_id"] == file_id).any() and report_values.arrives_last(stored, new))
    if follows:
        predicate = f"{partition_predicate(where)} AND {report_values.live_sql(file_id)}"
    else:
        where = {"period": periods}
        stored, predicate = lake.read("silver.report_values", where=where), partition_predicate(where)
    untouched, _, now = report_values.replace_files(stored, new, [file_id])
    merged = pl.concat([untouched.collect(), now], how="vertical_relaxed")
    lake.replace_rows("silver.report_values", [merged], predicate)
    if follows:
        lake.replace("gold.file_counts", file_counts.adjust(counts, stored, merged), where={"period": periods})
    else:
        count_files(lake, periods)
    run.count("silver.report_values", rows_in=accepted.height, rows_out=merged.height, written=True)
    touched: dict[str, dict[str, gold.Change]] = {}
    for (code, period), rows in new.group_by("indicator_code", "period"):
        change = touched.setdefault(cat.indicators[code].campaign, {}).setdefault(period, gold.Change(set(), set()))
        change.units.update(rows["unit_code"].unique().to_list())
        change.indicators.add(code)
    return touched
