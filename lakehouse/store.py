"""The lake's storage edge: Delta tables by name and the raw file store.

Everything that reads or writes the lake goes through :class:`Lake`; the rest of the code
works on polars frames. The lake is a local folder or an object store (``s3://…``, see
:mod:`lakehouse.objects` for how it is named and reached); nothing above this module knows which. Writes are atomic Delta commits (a reader sees the previous version
or the new one, never a mix), replacements always carry literal partition values in their
predicate so that only the touched partitions are rewritten, and a commit that loses a race
to another writer is retried.
"""
from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from lakehouse.objects import ENV_ROOT, Held, LakeBusyError, LocalFiles, ObjectFiles, content_key, is_remote, resolve
from lakehouse.objects import storage_options as _storage_options
from lakehouse.objects import work_folder
from lakehouse.spool import Spool
from lakehouse.tables import FILE_BYTES, ROW_GROUP, TableSpec, spec

__all__ = ["ENV_ROOT", "RETENTION_DAYS", "Lake", "LakeBusyError", "partition_predicate", "pairs_predicate"]

# Old table versions stay readable (time travel, audit) for this long; the nightly job deletes
# older files (``vacuum``), so the dashboard offers "xem số liệu tại ngày" within it.
RETENTION_DAYS = 30
_COMMIT_ATTEMPTS = 8
FILES = "bronze/files"


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def add_actions(table: DeltaTable) -> pa.Table:
    """The table's data files as its log lists them (path, size, partition values…). Read as an
    Arrow stream: ``pa.table`` of the log's table would first look for pandas, and importing it
    costs the dashboard a third of a second."""
    return pa.RecordBatchReader.from_stream(table.get_add_actions(flatten=True)).read_all()


def _filtered(lf: pl.LazyFrame, where: Mapping[str, Iterable[object]] | None) -> pl.LazyFrame:
    for column, values in (where or {}).items():
        lf = lf.filter(pl.col(column).is_in(list(values)))
    return lf


def partition_predicate(where: Mapping[str, Iterable[object]]) -> str:
    """``{"period": ["2024-Q1"]}`` → ``period IN ('2024-Q1')`` (literal values, so Delta prunes
    files by their partition values, and by their statistics for other columns)."""
    parts = []
    for column, values in where.items():
        values = sorted({v for v in values}, key=str)
        if not values:
            raise ValueError(f"empty value list for {column}")
        parts.append(f"{column} IN ({', '.join(_sql_literal(v) for v in values)})")
    return " AND ".join(parts)


def pairs_predicate(parts: Iterable[Mapping[str, object]]) -> str:
    """``[{"campaign_code": "A", "period": "2024-01"}, …]`` → an OR of exact partitions (a cross
    product of IN lists would also cover partitions nobody meant to replace)."""
    clauses = sorted({" AND ".join(f"{c} = {_sql_literal(v)}" for c, v in sorted(p.items())) for p in parts})
    if not clauses:
        raise ValueError("no partitions")
    return " OR ".join(f"({c})" for c in clauses)


def _foreign_thread() -> bool:
    """Whether this thread was started outside Python (a native library's worker calling back)."""
    return isinstance(threading.current_thread(), threading._DummyThread)


LAYOUT_KEY = "thidua.layout"
_ARROW_SLICE_ROWS = 262_144


def _layout_options(s: TableSpec) -> dict:
    """Write options of a sorted table: row groups small enough for their statistics to prune
    a filter on the sort column, files split by size."""
    from deltalake import WriterProperties

    if not s.sort_by:
        return {}
    return {"writer_properties": WriterProperties(max_row_group_size=ROW_GROUP, compression="SNAPPY"),
            "target_file_size": FILE_BYTES}


class Lake:
    """The lake at ``root`` (a folder or an ``s3://`` address; default ``$THIDUA_LAKE``).

    ``location`` is that address; ``root`` is the folder on this machine for the lake's log
    and jobs' scratch space — the lake's own folder when it is local (see ``work_folder``)."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.location = resolve(root)
        self.remote = is_remote(self.location)
        self.root = work_folder(self.location)
        self.files: LocalFiles | ObjectFiles = ObjectFiles(self.location) if self.remote else LocalFiles(self.root)
        # Delta and polars get the connection explicitly (not each from the environment in its
        # own way), so a table and a raw file of the lake are always read from the same store.
        self.storage_options: dict[str, str] | None = _storage_options() if self.remote else None
        self._known: set[str] = set()
        self._opened: dict[str, tuple[tuple, DeltaTable]] = {}
        self._opening = threading.Lock()

    def __repr__(self) -> str:
        return f"Lake({self.location!r})"

    def __reduce__(self):   # sent to cluster workers by its address (they read the same env)
        return (Lake, (self.location,))

    # ------------------------------------------------------------------ tables
    def uri(self, name: str) -> str:
        s = spec(name)
        return f"{self.location}/{s.layer}/{s.short_name}"

    def table(self, name: str, version: int | None = None) -> DeltaTable:
        """The Delta table itself (its log, history, files), for what frames do not show.

        The newest version is kept open and brought up to date by reading only the log entries
        added since: an ingest asks for its tables about eighty times, and opening one replays
        its log from the last checkpoint (20–60 ms a table at national scale). A table created
        anew in its place (set aside and rebuilt) is opened afresh. Not on a thread that Python
        did not start (a reader feeding Delta's writer runs on the writer's own runtime, which
        cannot open or update a table): there it is opened as it always was."""
        if version is not None or _foreign_thread():
            return DeltaTable(self.uri(name), version=version, storage_options=self.storage_options)
        with self._opening:
            held = self._opened.get(name)
            if held is not None and held[0] == self._stamp(name, held[1].version()):
                table = held[1]
                if self.may_have_commit_after(name, table.version()):
                    table.update_incremental()
                    self._keep(name, table)
                return table
            table = DeltaTable(self.uri(name), storage_options=self.storage_options)
            self._keep(name, table)
            return table

    def _keep(self, name: str, table: DeltaTable) -> None:
        """Keep ``table`` as the newest version of ``name`` (``_opening`` held)."""
        self._opened[name] = (self._stamp(name, table.version()), table)

    def _stamp(self, name: str, version: int) -> tuple:
        """What tells the table's log entry ``version`` from one that a table created anew in
        its place wrote (a folder's inode may be used again): the log's identity and, on a
        local lake, the entry's own inode and time."""
        if self.remote:
            return (self.log_identity(name),)
        try:
            entry = (Path(self.uri(name)) / "_delta_log" / f"{version:020d}.json").stat()
        except OSError:
            return (None,)
        return self.log_identity(name), entry.st_ino, entry.st_mtime_ns

    def exists(self, name: str) -> bool:
        if not self.remote:
            return (Path(self.uri(name)) / "_delta_log").is_dir()
        # A request to the store each time; a table, once there, stays (until ``forget``).
        if name in self._known:
            return True
        found = DeltaTable.is_deltatable(self.uri(name), storage_options=self.storage_options)
        if found:
            self._known.add(name)
        return found

    def log_identity(self, name: str) -> str | None:
        """Tells this table from one later created in its place (a damaged table set aside and
        rebuilt begins its log again): the log's folder, or its first entry in an object store;
        None when it cannot be told (then a reader opens the table afresh)."""
        s = spec(name)
        if not self.remote:
            return self.files.identity(f"{s.layer}/{s.short_name}/_delta_log")
        return self.files.identity(f"{s.layer}/{s.short_name}/_delta_log/{0:020d}.json")

    def may_have_commit_after(self, name: str, version: int) -> bool:
        """Whether the table may have a commit after ``version``: on a local lake, whether the
        log's next entry exists (one look at the disk, where reading the log costs a
        millisecond); an object store's lake answers yes (the caller reads the log)."""
        if self.remote:
            return True
        return (Path(self.uri(name)) / "_delta_log" / f"{version + 1:020d}.json").exists()

    @contextlib.contextmanager
    def _writing(self, name: str) -> Iterator[DeltaTable]:
        """The table a write to it goes through: the one kept open, brought up to date, so the
        write does not replay the log again (a sixth of a small ingest's commits at national
        scale). Delta's commit still checks for commits made meanwhile by others; a write that
        conflicts raises, and the retry finds the table brought up to date. The table holds the
        new version after the write; it is kept as such."""
        table = self.table(name)
        yield table
        with self._opening:
            held = self._opened.get(name)
            if held is not None and held[1] is table:
                self._keep(name, table)

    def forget(self, name: str) -> None:
        """The table was moved away (``health.set_aside``): ask the store again next time."""
        self._known.discard(name)
        with self._opening:
            self._opened.pop(name, None)

    def version(self, name: str) -> int | None:
        if not self.exists(name):
            return None
        try:
            return self.table(name).version()
        except TableNotFoundError:
            return None

    def version_at(self, name: str, moment: datetime) -> int | None:
        """The table's version as it stood at ``moment`` (its newest commit not after it), or
        None when the table did not exist yet. Readable inside the audit window (``RETENTION_DAYS``)."""
        if not self.exists(name):
            return None
        stamp = moment.timestamp() * 1000
        versions = [h["version"] for h in self.table(name).history() if h.get("timestamp", 0) <= stamp]
        return max(versions) if versions else None

    def scan(self, name: str, where: Mapping[str, Iterable[object]] | None = None) -> pl.LazyFrame:
        """The table (or the rows whose columns take the given values) to query lazily."""
        s = spec(name)
        if not self.exists(name):
            return s.empty().lazy()
        return _filtered(pl.scan_delta(self.uri(name), storage_options=self.storage_options), where)

    @staticmethod
    def scan_opened(opened: DeltaTable) -> pl.LazyFrame:
        """A scan of an opened table to keep and filter again: polars resolves its files and
        their statistics at the first collect and reuses them after (1 ms a read instead of 5)."""
        return pl.scan_delta(opened)

    def read(self, name: str, where: Mapping[str, Iterable[object]] | None = None,
             version: int | None = None, columns: Iterable[str] | None = None,
             opened: DeltaTable | pl.LazyFrame | None = None) -> pl.DataFrame:
        """The table (or the rows whose columns take the given values; only ``columns`` when
        given) as a frame. ``opened``: the table already opened at ``version`` (its log not
        replayed again), or its scan (``scan_opened``: its file list and statistics not
        gathered again either). Filters reach the scan, so partitions and row groups whose
        statistics exclude them are not read."""
        s = spec(name)
        if isinstance(opened, pl.LazyFrame):
            lf = opened
        elif not self.exists(name):
            return s.empty() if columns is None else s.empty().select(list(columns))
        elif opened is not None or (version is None and not _foreign_thread()):
            lf = self.scan_opened(opened if opened is not None else self.table(name))
        else:
            lf = pl.scan_delta(self.uri(name), version=version, storage_options=self.storage_options)
        lf = _filtered(lf, where)
        if columns is not None:
            lf = lf.select(list(columns))
        return s.conform(lf.collect(), columns)

    def append(self, name: str, df: pl.DataFrame) -> None:
        if df.is_empty():
            return
        s = spec(name)
        self._commit(lambda: self._write(s, s.conform(df), mode="append"))

    def overwrite(self, name: str, df: pl.DataFrame) -> None:
        """Replace the whole table in one commit (also when ``df`` is empty)."""
        s = spec(name)
        self._commit(lambda: self._write(s, s.conform(df), mode="overwrite"))

    def replace(self, name: str, df: pl.DataFrame, where: Mapping[str, Iterable[object]]) -> None:
        """Replace exactly the rows matching ``where`` (partition values) by ``df`` in one commit."""
        s = spec(name)
        frame = s.conform(df)
        predicate = partition_predicate(where)
        for column, values in where.items():
            allowed = set(values)
            stray = frame.filter(~pl.col(column).is_in(list(allowed)))
            if not stray.is_empty():
                raise ValueError(f"{name}: rows outside the replaced partitions ({column})")

        def attempt() -> None:
            if not self.exists(name):
                self._write(s, frame, mode="append")
            else:
                self._write(s, frame, mode="overwrite", predicate=predicate)

        self._commit(attempt)

    def partitions(self, name: str, version: int | None = None) -> list[dict[str, str]]:
        """The table's partitions (partition column → value), read from the Delta log alone."""
        if not self.exists(name) or not spec(name).partition_by:
            return []
        return [dict(p) for p in self.table(name, version=version).partitions()]

    def changed_partitions(self, name: str, since: int) -> list[dict[str, str]] | None:
        """The partitions whose data files differ between version ``since`` and now, read from
        the Delta log alone; None when that version cannot be read (the log was cleaned)."""
        s = spec(name)
        columns = [f"partition.{c}" for c in s.partition_by]

        def files(version: int | None) -> set[tuple]:
            t = add_actions(self.table(name, version=version))
            keys = zip(*(t.column(c).to_pylist() for c in columns)) if columns else iter(())
            return set(zip(keys, t.column("path").to_pylist()))

        if not self.exists(name) or not s.partition_by:
            return None
        try:
            before = files(since)
        except Exception:   # noqa: BLE001 - an unreadable old version: the caller rebuilds everything
            return None
        return [dict(zip(s.partition_by, key)) for key in sorted({key for key, _ in before ^ files(None)})]

    def replace_partitions(self, name: str, frames: Callable[[], Iterable[pl.DataFrame]],
                           parts: list[Mapping[str, object]]) -> None:
        """Replace exactly the partitions ``parts`` by the rows ``frames()`` yields, in one commit,
        holding one frame in memory at a time (a partition listed but not yielded is emptied).
        ``frames`` is called again if the commit has to be retried."""
        self.conform_layout(name)
        self._replace_partitions(name, frames, parts)

    def _replace_partitions(self, name: str, frames: Callable[[], Iterable[pl.DataFrame]],
                            parts: list[Mapping[str, object]]) -> None:
        s = spec(name)
        schema = s.empty().to_arrow(compat_level=pl.CompatLevel.oldest()).schema

        def batches():
            for frame in frames():
                # Taken in order and converted to Arrow a slice at a time: a national month with
                # its history is millions of rows, and a sorted copy of it would double the peak.
                for piece in s.ordered_slices(s.conform(frame), _ARROW_SLICE_ROWS):
                    yield from piece.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(schema).to_batches()

        def attempt() -> None:
            from deltalake import write_deltalake

            reader = pa.RecordBatchReader.from_batches(schema, batches())
            uri = self.uri(name)
            if not self.remote:
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            common = {"partition_by": list(s.partition_by) or None, "storage_options": self.storage_options}
            if not self.exists(name):
                write_deltalake(uri, reader, mode="append", **common, **_layout_options(s))
                self._mark_layout(s)
            else:
                with self._writing(name) as table:
                    write_deltalake(table, reader, mode="overwrite", predicate=pairs_predicate(parts), **common,
                                    **_layout_options(s))

        if parts:
            self._commit(attempt)

    def replace_rows(self, name: str, frames: list[pl.DataFrame], predicate: str) -> None:
        """Replace the rows matching ``predicate`` by ``frames`` in one commit; Delta refuses rows
        outside the predicate. Only files that may hold matching rows are read and rewritten."""
        from deltalake import write_deltalake

        s = spec(name)
        self.conform_layout(name)
        schema = s.empty().to_arrow(compat_level=pl.CompatLevel.oldest()).schema
        data = pa.Table.from_batches([b for f in frames for b in s.ordered(s.conform(f)).to_arrow(
            compat_level=pl.CompatLevel.oldest()).cast(schema).to_batches()], schema=schema)

        def attempt() -> None:
            common = {"partition_by": list(s.partition_by) or None, "storage_options": self.storage_options,
                      **_layout_options(s)}
            if not self.exists(name):   # the table's first rows: created with its layout recorded
                if not self.remote:
                    Path(self.uri(name)).parent.mkdir(parents=True, exist_ok=True)
                write_deltalake(self.uri(name), data, mode="append", **common)
                self._mark_layout(s)
            else:
                with self._writing(name) as table:
                    write_deltalake(table, data, mode="overwrite", predicate=predicate, **common)

        self._commit(attempt)

    def conform_layout(self, name: str) -> None:
        """A table written before its partition columns or its columns changed is rewritten
        once, whole, with today's (gold tables that gained a ``period`` partition, scores that
        gained a ``no_target`` count); a table whose files were laid out otherwise (unsorted,
        one file a partition) is rewritten once, a partition at a time, in one commit."""
        s = spec(name)
        if not self.exists(name):
            return
        table = self.table(name)
        current = list(table.metadata().partition_columns)
        columns = [f.name for f in table.schema().fields]
        if current != list(s.partition_by) or set(columns) != set(s.schema):
            frame = self.read(name)
            self._commit(lambda: self._write(s, frame, mode="overwrite", repartition=True))
            table = self.table(name)
        if s.layout is None or table.metadata().configuration.get(LAYOUT_KEY) == s.layout:
            return
        parts = self.partitions(name)
        if parts:
            self._replace_partitions(name, lambda: (self.read(name, where={k: [v] for k, v in p.items()})
                                                    for p in parts), parts)
        self._mark_layout(s)

    def _mark_layout(self, s: TableSpec) -> None:
        if s.layout is not None:   # our own key: delta's checks of known properties are not asked for
            self._commit(lambda: self.table(s.name).alter.set_table_properties({LAYOUT_KEY: s.layout},
                                                                                raise_if_not_exists=False))

    @contextlib.contextmanager
    def spool(self, job_id: str) -> Iterator[Spool]:
        """Scratch space for one job on this machine's disk, removed when the job ends."""
        sp = Spool(self.root / "_scratch" / job_id)
        try:
            yield sp
        finally:
            sp.close()

    def _write(self, s: TableSpec, frame: pl.DataFrame, mode: str, predicate: str | None = None,
               repartition: bool = False) -> None:
        options: dict = {}
        if s.partition_by:
            options["partition_by"] = list(s.partition_by)
        if predicate:
            options["predicate"] = predicate
        if mode == "overwrite" and predicate is None:
            options["schema_mode"] = "overwrite"
        if repartition:
            options["schema_mode"] = "overwrite"
        if mode == "append":
            options["schema_mode"] = "merge"   # a column added since the table was created (ops.runs.errors)
        uri = self.uri(s.name)
        if not self.remote:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        creating = not self.exists(s.name)
        if s.sort_by:
            options.update(_layout_options(s))
            frame = s.ordered(frame)
        if creating:
            frame.write_delta(uri, mode=mode, delta_write_options=options, storage_options=self.storage_options)
            self._mark_layout(s)
            return
        with self._writing(s.name) as table:
            frame.write_delta(table, mode=mode, delta_write_options=options, storage_options=self.storage_options)

    @staticmethod
    def _commit(attempt: Callable[[], None]) -> None:
        for n in range(_COMMIT_ATTEMPTS):
            try:
                attempt()
                return
            except CommitFailedError:
                if n == _COMMIT_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (2 ** n) * (1 + random.random()))

    def compact(self, name: str) -> int:
        """Rewrite small files into larger ones (a new version only when something changed);
        returns how many files were replaced."""
        if not self.exists(name):
            return 0
        # A sorted table's files stay the size they were written at (a range of units each).
        layout = _layout_options(spec(name))
        metrics = self.table(name).optimize.compact(target_size=layout.get("target_file_size"),
                                                    writer_properties=layout.get("writer_properties"))
        return int(metrics.get("numFilesRemoved", 0))

    def vacuum(self, name: str, retention_hours: int) -> int:
        """Delete files no version younger than ``retention_hours`` needs (time travel keeps
        working inside that window); returns how many files were deleted."""
        if not self.exists(name):
            return 0
        table = self.table(name)
        if not table.vacuum(retention_hours=retention_hours, dry_run=True):
            return 0  # nothing to delete: write nothing, not even a vacuum entry in the log
        return len(table.vacuum(retention_hours=retention_hours, dry_run=False))

    def restore(self, name: str, version: int) -> None:
        """The table made as it stood at ``version``, in a new version (the versions between stay
        readable in the audit window, as any older version)."""
        with self._writing(name) as table:
            table.restore(version)

    def history(self, name: str, limit: int = 20) -> list[dict]:
        if not self.exists(name):
            return []
        return self.table(name).history(limit)

    # -------------------------------------------------------------- raw files
    def put_file(self, data: bytes | os.PathLike) -> tuple[str, str]:
        """Keep a file byte for byte under its SHA-256 (``data``: the bytes, or a path read a
        megabyte at a time, so a file of any size is kept without holding it in memory);
        returns (file_id, object key). A write that fails leaves nothing behind under a key."""
        file_id = self.files.keep(FILES, data)
        return file_id, content_key("files", file_id)

    def has_file(self, object_key: str) -> bool:
        return self.files.exists(f"bronze/{object_key}")

    def get_file(self, object_key: str) -> bytes:
        return self.files.get(f"bronze/{object_key}")

    def sweep(self, older_than_seconds: float = 3600) -> int:
        """Remove what killed or failed jobs left behind: ``.incoming-*`` files of the file store,
        scratch folders (only with the writer lock held, when no job can be using one) and Delta
        commit temporaries. Returns how many were removed."""
        removed = 0
        if self.remote:
            return removed   # an object store keeps no temporaries: puts and commits are whole
        cutoff = time.time() - older_than_seconds
        candidates = list((self.root / "bronze" / "files").glob(".incoming-*"))
        candidates += list(self.root.glob("*/*/_delta_log/*.tmp"))
        for path in candidates:
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    def sweep_scratch(self) -> int:
        """Scratch folders of jobs that did not end (call with the writer lock held)."""
        import shutil

        removed = 0
        for folder in (self.root / "_scratch").glob("*"):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
        return removed

    # ------------------------------------------------------------------ locks
    def lock(self, name: str, wait_seconds: float = 0.0) -> contextlib.AbstractContextManager[Held]:
        """An exclusive lock shared by every process on this lake (every machine, for a lake in
        an object store).

        ``wait_seconds=0`` fails at once when held (the nightly refresh must not overlap);
        writers wait a while for each other instead.
        """
        return self.files.lock(name, wait_seconds)
