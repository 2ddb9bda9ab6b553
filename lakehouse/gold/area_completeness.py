"""Reporting by area (``gold.area_completeness``): one row per campaign × period × area.

Source: ``gold.completeness`` (one row per unit owing reports) and the campaign's areas as
``gold.area_status`` assigns them (``area_status.areas``: a province in a national campaign).
The reporting page of a national campaign reads these few thousand rows instead of grouping
600 thousand units' rows on every visit: how many units owed reports in the area, how many sent
something, how many are in each state.

Every column after the keys is a count, so an ingest adjusts an area's row by the difference
between its units' old and new completeness rows (``adjust``), as for ``gold.area_status``.
"""
from __future__ import annotations

import polars as pl

from lakehouse.gold.area_status import shifted
from lakehouse.gold.completeness import STATES
from lakehouse.tables import spec

KEYS = ["campaign_code", "period", "area_code"]
COUNTS = ["units", "reported", *STATES]
# What the counts read of a completeness row.
READS = ["campaign_code", "period", "unit_code", "received", "state"]


def _counted(comp: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    state = pl.col("state")
    return (comp.join(areas, on=["campaign_code", "unit_code"], how="left")
            # A unit outside the scope's tree counts as an area of its own, as in gold.area_status.
            .with_columns(area_code=pl.coalesce("area_code", "unit_code"))
            .group_by(KEYS)
            .agg(units=pl.len(), reported=(pl.col("received") > 0).sum(), **{s: (state == s).sum() for s in STATES}))


def build(comp: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """The counts of the partitions in ``comp`` (every unit's rows of them)."""
    return spec("gold.area_completeness").conform(_counted(comp, areas)).sort(KEYS)


def adjust(kept: pl.DataFrame, old: pl.DataFrame, new: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """The counts of the areas ``new`` touches: ``kept`` less the old completeness rows of the
    rebuilt units, plus their new ones (``old`` and ``new`` cover the same units)."""
    total = shifted(kept, _counted(old, areas), _counted(new, areas), KEYS, COUNTS)
    return spec("gold.area_completeness").conform(total).sort(KEYS)
