"""Mend the lake after a crash or a damaged disk: sweep what killed jobs left behind, and
rebuild every derived table found damaged (``lakehouse.health``) from what it derives from.

Run at the start of every refresh and every ingest, with the writer lock held, so the lake
heals itself at the next job; ``python -m jobs refresh`` is the documented repair command.
"""
from __future__ import annotations

from datetime import date

from lakehouse import faults, health
from lakehouse.reference.catalog import Catalog
from lakehouse.store import Lake
from lakehouse.pipeline.runs import Run


def repair(lake: Lake, cat: Catalog, run: Run, as_of: date, deep: bool = False,
           rebuild_gold: bool = True, finish_except: str | None = None) -> list[health.Damage]:
    """Returns what was found damaged (and has been rebuilt). ``rebuild_gold=False`` leaves
    the gold rebuild to the caller (the refresh rebuilds all of gold anyway). An ingest
    (``finish_except``: its own file) also completes other files' ingests stopped part way;
    the refresh needs not, it re-reads every file."""
    lake.sweep()
    lake.sweep_scratch()
    found = _rebuild_damaged(lake, cat, run, as_of, deep, rebuild_gold)
    if finish_except is not None:
        from lakehouse.pipeline.ingest import finish_unfinished

        for name in finish_unfinished(lake, cat, as_of, skip=finish_except):
            faults.log.warning("completed the ingest of %r, stopped part way before", name)
    return found


def _rebuild_damaged(lake: Lake, cat: Catalog, run: Run, as_of: date, deep: bool,
                     rebuild_gold: bool) -> list[health.Damage]:
    found = health.damaged(lake, deep=deep)
    if not found:
        return []
    for damage in found:
        where = health.set_aside(lake, damage)
        faults.log.warning("table %s damaged (%s); moved to %s and rebuilt", damage.table, damage.reason, where)
        entry = run.tables.setdefault(damage.table, {})
        entry.update(rebuilt=True, damage=damage.reason)
    tables = {d.table for d in found}
    if tables & {"silver.report_values", "silver.quarantine", "gold.file_counts"}:
        from lakehouse.pipeline.refresh import rebuild_silver

        rebuild_silver(lake, cat, run)
    if rebuild_gold and tables & (set(health.GOLD) | {"silver.report_values"}):
        from lakehouse.pipeline import gold

        gold.rebuild(lake, run, as_of)
    for damage in found:   # a rebuilt table counts as written even when it came out empty
        run.tables[damage.table]["written"] = True
    return found
