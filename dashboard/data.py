"""Data access for the dashboard: gold and reference tables only, cached per Delta version.

A nightly refresh or an upload creates a new table version; the next interaction reads it
without a restart. Nothing here imports Great Expectations.
"""
from __future__ import annotations

import polars as pl
import streamlit as st

from lake.store import Lake


@st.cache_resource(show_spinner=False, max_entries=64)
def _read(root: str, table: str, version: int | None) -> pl.DataFrame:
    return Lake(root).read(table)


def table(table_name: str, lake: Lake | None = None) -> pl.DataFrame:
    lake = lake or Lake()
    return _read(str(lake.root), table_name, lake.version(table_name))


def campaigns(lake: Lake | None = None) -> pl.DataFrame:
    return table("reference.campaigns", lake).sort("issued_on", descending=True)


def attainment(campaign: str, lake: Lake | None = None) -> pl.DataFrame:
    """Attainment of one campaign with indicator and unit names attached."""
    att = table("gold.attainment", lake).filter(pl.col("campaign_code") == campaign)
    inds = table("reference.indicators", lake).select("indicator_code", "name", "uom", "target_text", "group_name",
                                                     "sort_order")
    units = table("reference.units", lake).select("unit_code", unit_name="name")
    return att.join(inds, on="indicator_code", how="left").join(units, on="unit_code", how="left")


def status_counts(att: pl.DataFrame, period: str) -> dict[str, int]:
    rows = att.filter((pl.col("period") == period) & pl.col("parent_code").is_null())
    counts = dict(rows.group_by("status").len().iter_rows())
    return {s: int(counts.get(s, 0)) for s in ("exceeded", "met", "not_met", "no_data")}
