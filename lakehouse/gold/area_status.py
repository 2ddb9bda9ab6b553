"""Status counts by area (``gold.area_status``): one row per campaign × period × area × indicator.

Source: ``gold.attainment`` (the units' own rows: roll-ups are not counted; a criterion keeps
its parent's code, so the overview counts top-level indicators only) and ``reference.units`` /
``reference.campaigns``. A unit's area is the unit directly
under the campaign's scope unit that it belongs to: a province in a national campaign, a
district, city or department in a provincial one (a unit directly under the scope is its own
area). The national views read this table instead of a million attainment rows: the
overview's status counts and its areas × indicators matrix, and the indicator page's share of
units meeting the target over time.

Every column after the keys is a count, so the rows of an area can be adjusted by the
difference between a few units' old and new attainment rows (``adjust``): an ingest never
recounts the national month.
"""
from __future__ import annotations

import polars as pl

from lakehouse.rules import STATUSES
from lakehouse.tables import spec

KEYS = ["campaign_code", "period", "area_code", "indicator_code", "parent_code"]
COUNTS = ["units", "reported", *STATUSES]
# What the counts read of an attainment row.
READS = ["campaign_code", "period", "unit_code", "indicator_code", "parent_code", "is_rollup", "actual", "status"]


def areas(units: pl.DataFrame, campaigns: pl.DataFrame) -> pl.DataFrame:
    """(campaign_code, unit_code, area_code) for every unit under each campaign's scope unit."""
    parent = dict(units.select("unit_code", "parent_code").iter_rows())
    rows = []
    for campaign, scope in campaigns.select("campaign_code", "scope_unit").iter_rows():
        for unit in parent:
            seen, here = {unit}, unit
            while parent.get(here) not in (None, scope) and parent[here] not in seen:
                here = parent[here]
                seen.add(here)
            if parent.get(here) == scope:
                rows.append((campaign, unit, here))
    return pl.DataFrame(rows, schema={"campaign_code": pl.String, "unit_code": pl.String, "area_code": pl.String},
                        orient="row")


def area_codes(units: set[str], areas: pl.DataFrame) -> list[str]:
    """The areas ``units`` belong to (``areas``: one campaign's), as ``build`` assigns them."""
    known = dict(areas.filter(pl.col("unit_code").is_in(list(units))).select("unit_code", "area_code").iter_rows())
    return sorted({known.get(u, u) for u in units})


def _counted(att: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    rows = att.filter(~pl.col("is_rollup"))
    s = pl.col("status")
    return (rows.join(areas, on=["campaign_code", "unit_code"], how="left")
            # A unit outside the scope's tree (or the scope unit itself) counts as an area of its own.
            .with_columns(area_code=pl.coalesce("area_code", "unit_code"))
            .group_by(KEYS)
            .agg(units=pl.len(), reported=pl.col("actual").is_not_null().sum(),
                 **{x: (s == x).sum() for x in STATUSES}))


def build(att: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """The counts of the partitions in ``att`` (every unit's rows of them)."""
    return spec("gold.area_status").conform(_counted(att, areas)).sort(KEYS)


def adjust(kept: pl.DataFrame, old: pl.DataFrame, new: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """The counts of the areas ``new`` touches, from the counts ``kept`` for them: the old
    attainment rows of the rebuilt units taken out, the new ones put in. ``old`` and ``new``
    cover the same units; an area × indicator left with no unit has no row, as in ``build``."""
    total = shifted(kept, _counted(old, areas), _counted(new, areas), KEYS, COUNTS)
    return spec("gold.area_status").conform(total).sort(KEYS)


def shifted(kept: pl.DataFrame, old: pl.DataFrame, new: pl.DataFrame, keys: list[str], counts: list[str]) -> pl.DataFrame:
    """Counts ``kept`` by ``keys``, less the counts ``old``, plus the counts ``new``; a key left
    with no unit (``units`` 0) has no row, as a recount would give none."""
    ints = {c: pl.Int64 for c in counts}
    minus = old.cast(ints).with_columns(-pl.col(c) for c in counts)
    parts = [kept.select(*keys, *counts).cast(ints), new.select(*keys, *counts).cast(ints), minus.select(*keys, *counts)]
    total = pl.concat(parts).group_by(keys).agg(pl.col(c).sum() for c in counts)
    return total.filter(pl.col("units") > 0)
