"""Is a derived table whole? Found out before it is read as current, and mended by rebuilding.

Silver is derived from bronze and gold from silver, so a derived table that was damaged on
disk (its newest log entry garbled, truncated or deleted, a data file deleted or overwritten)
is never repaired in place: it is moved aside under ``<lake>/_damaged/`` (kept for whoever
wants to look) and the nightly refresh, or ``python -m jobs refresh``, builds it again from
what it derives from. A lost newest commit is the silent case: the table still opens, one
version back, so each run records the version every table it wrote reached (``ops.runs``) and
a table found older than that is damaged too. Used by the jobs (to repair) and the dashboard
(to say the figures are being rebuilt instead of showing older ones as current).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote

import polars as pl

from lakehouse.store import Lake, add_actions
from lakehouse.tables import GOLD

# What can be rebuilt, and from what.
DERIVED = ("bronze.cells", "silver.report_values", "silver.quarantine", "gold.file_counts", *GOLD)
_TAIL = 64 * 1024


@dataclass(frozen=True)
class Damage:
    table: str
    reason: str   # for the log and the run record (English)


def recorded_versions(lake: Lake, until: datetime | None = None) -> dict[str, int]:
    """The newest version each table reached, as the runs that wrote it recorded (the runs
    finished by ``until``, when given: the lake as it stood then)."""
    try:
        runs = lake.read("ops.runs")
    except Exception:   # a damaged run log records nothing we can trust
        return {}
    if until is not None:
        runs = runs.filter(pl.col("finished_at") <= until.astimezone(timezone.utc))
    found: dict[str, int] = {}
    for text in runs.sort("finished_at")["tables"].drop_nulls().to_list():
        try:
            entries = json.loads(text)
        except ValueError:
            continue
        for name, entry in entries.items():
            if isinstance(entry, dict) and isinstance(entry.get("version"), int):
                # A table built again from scratch starts its versions anew.
                found[name] = entry["version"] if entry.get("rebuilt") else max(found.get(name, -1), entry["version"])
    return found


def inspect_table(lake: Lake, name: str, recorded: dict[str, int] | None = None, deep: bool = True) -> Damage | None:
    """What is wrong with the table, or None when it is whole. ``deep`` also checks that each
    data file is parquet with a readable footer (the nightly job does; the dashboard checks
    log, version and file sizes only). Works the same on a folder and on an object store."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from deltalake.exceptions import DeltaError

    if not lake.exists(name):
        return None
    try:
        table = lake.table(name)
        version = table.version()
        actions = add_actions(table).select(["path", "size_bytes"]).to_pydict()
    except (DeltaError, OSError) as exc:   # only the storage's own complaints: a bug of ours is no damage
        return Damage(name, f"the log cannot be read: {str(exc).splitlines()[0][:300]}")
    if recorded is not None and version < recorded.get(name, -1):
        return Damage(name, f"at version {version}, older than the version {recorded[name]} a run recorded "
                            "(its newest commit was lost)")
    folder = _table_key(lake, name)
    present = lake.files.sizes(folder)   # one listing, not a request a file (an object store)
    for path, size in zip(actions.get("path", []), actions.get("size_bytes", [])):
        name_in_store = path if path in present else unquote(path)
        actual = present.get(name_in_store)
        if actual is None:
            return Damage(name, f"data file {path} is missing")
        if size is not None and actual != size:
            return Damage(name, f"data file {path} has {actual} bytes, the log says {size}")
        if deep:
            key = f"{folder}/{name_in_store}"
            try:
                head = lake.files.read_range(key, 0, 4)
                # The footer is small: the last 64 kB hold it and its length nearly always.
                tail = lake.files.read_range(key, max(actual - _TAIL, 0), actual)
                if head != b"PAR1" or tail[-4:] != b"PAR1":
                    return Damage(name, f"data file {path} was overwritten (no parquet marks)")
                footer = int.from_bytes(tail[-8:-4], "little") + 8
                if footer + 4 > actual:
                    return Damage(name, f"data file {path} is not readable parquet: footer of {footer} bytes")
                if footer > len(tail):
                    tail = lake.files.read_range(key, actual - footer, actual)
                # The footer alone, after the leading mark, reads as the file's metadata.
                pq.read_metadata(pa.BufferReader(head + tail[-footer:]))
            except (OSError, pa.ArrowException) as exc:
                return Damage(name, f"data file {path} is not readable parquet: {str(exc)[:200]}")
    return None


def damaged(lake: Lake, names: tuple[str, ...] = DERIVED, deep: bool = True) -> list[Damage]:
    recorded = recorded_versions(lake)
    return [d for n in names if (d := inspect_table(lake, n, recorded, deep)) is not None]


def set_aside(lake: Lake, damage: Damage) -> str:
    """Move a damaged table out of the lake (under ``_damaged/``), so it is built again from
    scratch; returns where it went (a path or an address)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = f"_damaged/{damage.table}-{stamp}"
    lake.files.move_tree(_table_key(lake, damage.table), target)
    lake.forget(damage.table)
    lake.files.write_text(f"{target}/REASON.txt", damage.reason + "\n")
    return f"{lake.location}/{target}"


def _table_key(lake: Lake, name: str) -> str:
    """The table's folder relative to the lake (the key prefix of its objects)."""
    return lake.uri(name)[len(lake.location) + 1:]
