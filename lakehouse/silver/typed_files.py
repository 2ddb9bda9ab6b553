"""Typed files (``silver.typed_files``): one row per bronze file, as it was last typed into silver.

Source: the ingest that typed a file, or the refresh that typed it again. ``fingerprint`` names
what the typing depended on besides the file's bytes (which its ``file_id``, a SHA-256, already
names): the published reference tables and the code that reads, types and checks values. A
nightly refresh re-types only the files whose fingerprint differs from today's (new files, or
every file after a catalog or code change); the silver rows and quarantined rows of the others
stay as they are. ``periods`` lists the silver partitions the file's values landed in, so the
partitions a re-typed file leaves are known without scanning silver.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import polars as pl

from lakehouse.reference.catalog import Catalog
from lakehouse.tables import spec

TABLE = "silver.typed_files"
_ROOT = Path(__file__).resolve().parents[2]
# Everything a value's typing depends on, besides the file and the catalog (listed folder by
# folder: gold's code and the report writers do not change what a value is typed as).
_CODE = ("lakehouse/*.py", "lakehouse/bronze/*.py", "lakehouse/silver/*.py", "lakehouse/reference/*.py",
         "expectations/*.json")


@lru_cache(maxsize=1)
def code_version() -> str:
    digest = hashlib.sha256()
    for pattern in _CODE:
        for path in sorted(_ROOT.glob(pattern)):
            digest.update(path.relative_to(_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def catalog_version(cat: Catalog) -> str:
    """The published form of ``cat`` (its reference tables), hashed."""
    from lakehouse.reference.tables import build_all

    digest = hashlib.sha256()
    for name, frame in sorted(build_all(cat).items()):
        digest.update(name.encode())
        digest.update(frame.write_csv().encode())
    return digest.hexdigest()[:16]


def fingerprint(cat: Catalog) -> str:
    if "fingerprint" not in cat._cache:       # a catalog is read-only once loaded
        cat._cache["fingerprint"] = f"{catalog_version(cat)}-{code_version()}"
    return cat._cache["fingerprint"]


def rows(entries: list[tuple[str, str, list[str], int, int]]) -> pl.DataFrame:
    """Rows for ``(file_id, fingerprint, periods, accepted rows, rejected rows)``."""
    now = datetime.now(timezone.utc)
    return spec(TABLE).conform(pl.DataFrame(
        [{"file_id": f, "fingerprint": fp, "periods": json.dumps(sorted(ps)), "accepted": a, "rejected": r,
          "typed_at": now} for f, fp, ps, a, r in entries], schema=spec(TABLE).schema))


def still_whole(lake, kept: pl.DataFrame) -> pl.DataFrame:
    """The files of ``kept`` whose rows are all still in silver and in the quarantine (a table
    restored from a backup, or emptied by hand, has its files typed again)."""
    if kept.is_empty():
        return kept
    counts = [lake.scan(name).group_by("file_id").agg(pl.len().alias(column)).collect()
              for name, column in (("silver.report_values", "in_silver"), ("silver.quarantine", "in_quarantine"))]
    found = kept.join(counts[0], on="file_id", how="left").join(counts[1], on="file_id", how="left")
    return found.filter((pl.col("in_silver").fill_null(0) == pl.col("accepted"))
                        & (pl.col("in_quarantine").fill_null(0) == pl.col("rejected"))).drop("in_silver", "in_quarantine")


def periods_of(frame: pl.DataFrame) -> set[str]:
    return {p for text in frame["periods"].drop_nulls() for p in json.loads(text)}
