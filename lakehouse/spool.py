"""Frames too large to hold at once, kept on local disk between the steps of one job.

The nightly refresh reads every bronze file once, in batches, but silver and gold are
written partition by partition; a :class:`Spool` keeps what a batch produced, grouped by
key (a partition), until a single commit streams it into the table. It lives under the
lake's ``_scratch/`` folder and is removed when the job ends, whether it succeeded or not.
"""
from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl


class Spool:
    def __init__(self, folder: Path):
        self.folder = folder
        self._counter = itertools.count()
        self._rows: dict[str, int] = {}

    def add(self, key: str, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        part = self.folder / _safe(key)
        part.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(part / f"{next(self._counter):06d}.parquet", statistics=False)
        self._rows[key] = self._rows.get(key, 0) + frame.height

    def add_by(self, prefix: str, frame: pl.DataFrame, columns: list[str]) -> None:
        """Add ``frame`` split by the values of ``columns`` (key ``prefix/v1/v2``)."""
        if frame.is_empty():
            return
        for values, part in frame.partition_by(columns, as_dict=True, maintain_order=True).items():
            self.add("/".join([prefix, *map(str, values)]), part)

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self._rows if k.startswith(prefix))

    def rows(self, key: str) -> int:
        return self._rows.get(key, 0)

    def read(self, key: str, schema: dict | None = None) -> pl.DataFrame:
        part = self.folder / _safe(key)
        files = sorted(part.glob("*.parquet")) if part.is_dir() else []
        if not files:
            return pl.DataFrame(schema=schema) if schema else pl.DataFrame()
        return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")

    def frames(self, keys: Iterable[str]) -> Iterator[pl.DataFrame]:
        """One key's frame at a time (what a streaming commit consumes)."""
        for key in keys:
            frame = self.read(key)
            if not frame.is_empty():
                yield frame

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _safe(key: str) -> str:
    # Keys are partition values (periods, campaign codes); keep them as plain folder names.
    return "/".join(p.replace("..", "_").replace("\\", "_") or "_" for p in key.split("/"))
