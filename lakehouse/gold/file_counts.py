"""Values per received file (``gold.file_counts``): one row per period × file.

Source: ``silver.report_values``, a period at a time, written with the silver partition it was
counted from. The upload history shows how many values each file gave and how many are still
in force; counting them from silver on every page view would scan every value in the lake
(55 million at national scale), so the counts are kept here, a few thousand rows.
"""
from __future__ import annotations

import polars as pl

from lakehouse.tables import spec


def build(report_values: pl.DataFrame) -> pl.DataFrame:
    if report_values.is_empty():
        return spec("gold.file_counts").empty()
    counts = report_values.group_by("period", "file_id").agg(
        accepted=pl.len(), current=pl.col("is_current").sum())
    return spec("gold.file_counts").conform(counts).sort("period", "file_id")


def adjust(counts: pl.DataFrame, before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """``counts`` with some silver rows replaced: less those ``before``, plus those ``after``
    (an ingest rewrites a few units' rows of a period, not the period)."""
    keys = ["period", "file_id"]
    delta = pl.concat([build(after), build(before).with_columns(pl.col("accepted", "current") * -1)])
    columns = list(spec("gold.file_counts").schema)
    out = (pl.concat([counts.select(columns), delta])
           .group_by(keys).agg(pl.col("accepted", "current").sum())
           .filter(pl.col("accepted") > 0))
    return spec("gold.file_counts").conform(out).sort(keys)
