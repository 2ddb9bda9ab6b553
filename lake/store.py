"""The lake's storage edge: Delta tables by name and the raw file store.

Everything that reads or writes the lake goes through :class:`Lake`; the rest of the code
works on polars frames. Writes are atomic Delta commits (a reader sees the previous version
or the new one, never a mix), replacements always carry literal partition values in their
predicate so that only the touched partitions are rewritten, and a commit that loses a race
to another writer is retried.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from lake.spool import Spool
from lake.tables import TableSpec, spec

DEFAULT_ROOT = "lake"
# Old table versions stay readable (time travel, audit) for this long; the nightly job deletes
# older files (``vacuum``), so the dashboard offers "xem số liệu tại ngày" within it.
RETENTION_DAYS = 30
ENV_ROOT = "THIDUA_LAKE"
_COMMIT_ATTEMPTS = 8


class LakeBusyError(RuntimeError):
    """Another job holds the lock this one needs."""


def resolve_root(root: str | os.PathLike | None = None) -> Path:
    """``--lake DIR`` wins, then ``$THIDUA_LAKE``, then ``./lake``."""
    if root:
        return Path(root)
    return Path(os.environ.get(ENV_ROOT) or DEFAULT_ROOT)


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _chunks(data: bytes | os.PathLike, size: int = 1 << 20) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    with open(data, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def partition_predicate(where: Mapping[str, Iterable[object]]) -> str:
    """``{"period": ["2024-Q1"]}`` → ``period IN ('2024-Q1')`` (literal values, so delta prunes files)."""
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


class Lake:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = resolve_root(root).absolute()

    def __repr__(self) -> str:
        return f"Lake({str(self.root)!r})"

    # ------------------------------------------------------------------ tables
    def uri(self, name: str) -> str:
        s = spec(name)
        return str(self.root / s.layer / s.short_name)

    def exists(self, name: str) -> bool:
        return (Path(self.uri(name)) / "_delta_log").is_dir()

    def version(self, name: str) -> int | None:
        if not self.exists(name):
            return None
        try:
            return DeltaTable(self.uri(name)).version()
        except TableNotFoundError:
            return None

    def version_at(self, name: str, moment: datetime) -> int | None:
        """The table's version as it stood at ``moment`` (its newest commit not after it), or
        None when the table did not exist yet. Readable inside the audit window (``RETENTION_DAYS``)."""
        if not self.exists(name):
            return None
        stamp = moment.timestamp() * 1000
        versions = [h["version"] for h in DeltaTable(self.uri(name)).history() if h.get("timestamp", 0) <= stamp]
        return max(versions) if versions else None

    def scan(self, name: str) -> pl.LazyFrame:
        s = spec(name)
        if not self.exists(name):
            return s.empty().lazy()
        return pl.scan_delta(self.uri(name))

    def read(self, name: str, where: Mapping[str, Iterable[object]] | None = None,
             version: int | None = None) -> pl.DataFrame:
        """The table (or the rows whose columns take the given values) as a frame."""
        s = spec(name)
        if not self.exists(name):
            return s.empty()
        if version is not None:
            lf = pl.scan_delta(self.uri(name), version=version)
        else:
            lf = pl.scan_delta(self.uri(name))
        if where:
            for column, values in where.items():
                lf = lf.filter(pl.col(column).is_in(list(values)))
        return s.conform(lf.collect())

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
        return [dict(p) for p in DeltaTable(self.uri(name), version=version).partitions()]

    def replace_partitions(self, name: str, frames: Callable[[], Iterable[pl.DataFrame]],
                           parts: list[Mapping[str, object]]) -> None:
        """Replace exactly the partitions ``parts`` by the rows ``frames()`` yields, in one commit,
        holding one frame in memory at a time (a partition listed but not yielded is emptied).
        ``frames`` is called again if the commit has to be retried."""
        s = spec(name)
        self.conform_layout(name)
        schema = s.empty().to_arrow(compat_level=pl.CompatLevel.oldest()).schema

        def batches():
            for frame in frames():
                yield from s.conform(frame).to_arrow(compat_level=pl.CompatLevel.oldest()).cast(schema).to_batches()

        def attempt() -> None:
            from deltalake import write_deltalake

            reader = pa.RecordBatchReader.from_batches(schema, batches())
            uri = self.uri(name)
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
            if not self.exists(name):
                write_deltalake(uri, reader, mode="append", partition_by=list(s.partition_by) or None)
            else:
                write_deltalake(uri, reader, mode="overwrite", predicate=pairs_predicate(parts),
                                partition_by=list(s.partition_by) or None)

        if parts:
            self._commit(attempt)

    def conform_layout(self, name: str) -> None:
        """A table written before its partition columns or its columns changed is rewritten
        once, whole, with today's (gold tables that gained a ``period`` partition, scores that
        gained a ``no_target`` count)."""
        s = spec(name)
        if not self.exists(name):
            return
        table = DeltaTable(self.uri(name))
        current = list(table.metadata().partition_columns)
        columns = [f.name for f in table.schema().fields]
        if current != list(s.partition_by) or set(columns) != set(s.schema):
            frame = self.read(name)
            self._commit(lambda: self._write(s, frame, mode="overwrite", repartition=True))

    @contextlib.contextmanager
    def spool(self, job_id: str) -> Iterator[Spool]:
        """Local scratch space for one job, removed when the job ends."""
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
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        frame.write_delta(uri, mode=mode, delta_write_options=options)

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
        metrics = DeltaTable(self.uri(name)).optimize.compact()
        return int(metrics.get("numFilesRemoved", 0))

    def vacuum(self, name: str, retention_hours: int) -> int:
        """Delete files no version younger than ``retention_hours`` needs (time travel keeps
        working inside that window); returns how many files were deleted."""
        if not self.exists(name):
            return 0
        table = DeltaTable(self.uri(name))
        if not table.vacuum(retention_hours=retention_hours, dry_run=True):
            return 0  # nothing to delete: write nothing, not even a vacuum entry in the log
        return len(table.vacuum(retention_hours=retention_hours, dry_run=False))

    def history(self, name: str, limit: int = 20) -> list[dict]:
        if not self.exists(name):
            return []
        return DeltaTable(self.uri(name)).history(limit)

    # -------------------------------------------------------------- raw files
    def put_file(self, data: bytes | os.PathLike) -> tuple[str, str]:
        """Keep a file byte for byte under its SHA-256 (``data``: the bytes, or a path read a
        megabyte at a time, so a file of any size is kept without holding it in memory);
        returns (file_id, object key). A write that fails leaves no temporary file behind."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            file_id = hashlib.sha256(data).hexdigest()
            if (self.root / "bronze" / "files" / file_id[:2] / file_id).exists():
                return file_id, f"files/{file_id[:2]}/{file_id}"
        folder = self.root / "bronze" / "files"
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as fh:
                for chunk in _chunks(data):
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            file_id = digest.hexdigest()
            key = f"files/{file_id[:2]}/{file_id}"
            path = self.root / "bronze" / key
            if path.exists():
                os.unlink(tmp)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return file_id, key

    def has_file(self, object_key: str) -> bool:
        return (self.root / "bronze" / object_key).is_file()

    def sweep(self, older_than_seconds: float = 3600) -> int:
        """Remove what killed or failed jobs left behind: ``.incoming-*`` files of the file store,
        scratch folders (only with the writer lock held, when no job can be using one) and Delta
        commit temporaries. Returns how many were removed."""
        removed = 0
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

    def get_file(self, object_key: str) -> bytes:
        return (self.root / "bronze" / object_key).read_bytes()

    # ------------------------------------------------------------------ locks
    @contextlib.contextmanager
    def lock(self, name: str, wait_seconds: float = 0.0) -> Iterator[None]:
        """An exclusive advisory lock shared by every process on this lake.

        ``wait_seconds=0`` fails at once when held (the nightly refresh must not overlap);
        writers wait a while for each other instead.
        """
        lock_dir = self.root / "_locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        fh = open(lock_dir / f"{name}.lock", "a+")
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LakeBusyError(name) from None
                    time.sleep(0.1)
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
