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
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from lake.store import Lake

# What can be rebuilt, and from what.
DERIVED = ("bronze.cells", "silver.report_values", "silver.quarantine", "gold.file_counts",
           "gold.attainment", "gold.unit_scores", "gold.completeness")
GOLD = ("gold.attainment", "gold.unit_scores", "gold.completeness")


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
    """Why ``name`` cannot be trusted, or None. ``deep`` also reads each data file's footer
    (the nightly job does; the dashboard checks log, version and file sizes only)."""
    import pyarrow as pa
    from deltalake import DeltaTable
    from deltalake.exceptions import DeltaError

    if not lake.exists(name):
        return None
    try:
        table = DeltaTable(lake.uri(name))
        version = table.version()
        actions = pa.table(table.get_add_actions(flatten=True)).select(["path", "size_bytes"]).to_pydict()
    except (DeltaError, OSError) as exc:   # only the storage's own complaints: a bug of ours is no damage
        return Damage(name, f"the log cannot be read: {str(exc).splitlines()[0][:300]}")
    if recorded is not None and version < recorded.get(name, -1):
        return Damage(name, f"at version {version}, older than the version {recorded[name]} a run recorded "
                            "(its newest commit was lost)")
    root = Path(lake.uri(name))
    for path, size in zip(actions.get("path", []), actions.get("size_bytes", [])):
        file = root / path
        try:
            actual = file.stat().st_size
        except OSError:
            return Damage(name, f"data file {path} is missing")
        if size is not None and actual != size:
            return Damage(name, f"data file {path} has {actual} bytes, the log says {size}")
        if deep:
            import pyarrow.parquet as pq

            try:
                with open(file, "rb") as fh:
                    head = fh.read(4)
                    fh.seek(-4, 2)
                    if head != b"PAR1" or fh.read(4) != b"PAR1":
                        return Damage(name, f"data file {path} was overwritten (no parquet marks)")
                pq.read_metadata(file)
            except (OSError, pa.ArrowException) as exc:
                return Damage(name, f"data file {path} is not readable parquet: {str(exc)[:200]}")
    return None


def damaged(lake: Lake, names: tuple[str, ...] = DERIVED, deep: bool = True) -> list[Damage]:
    recorded = recorded_versions(lake)
    return [d for n in names if (d := inspect_table(lake, n, recorded, deep)) is not None]


def set_aside(lake: Lake, damage: Damage) -> Path:
    """Move a damaged table out of the lake (under ``_damaged/``), so it is built again from scratch."""
    source = Path(lake.uri(damage.table))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = lake.root / "_damaged" / f"{damage.table}-{stamp}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))
    (target / "REASON.txt").write_text(damage.reason + "\n", encoding="utf-8")
    return target
