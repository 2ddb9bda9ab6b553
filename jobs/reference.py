"""Publish the catalog into the lake's reference tables (only those that changed)."""
from __future__ import annotations

from lake.reference import tables as reference_tables
from lake.reference.catalog import Catalog
from lake.store import Lake
from jobs.writes import write_if_changed


def publish(lake: Lake, cat: Catalog, run=None) -> dict[str, bool]:
    changed = {}
    for name, frame in reference_tables.build_all(cat).items():
        changed[name] = write_if_changed(lake, name, frame)
        if run is not None:
            run.count(name, rows_out=frame.height, written=changed[name])
    return changed
