"""Every lake table by name: layer, grain, schema and partition columns.

Code refers to tables by these names (``"silver.report_values"``); ``lakehouse.store`` maps a name
to its location. The README's table reference is written from this module.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

UTC_TS = pl.Datetime("us", "UTC")
# A sorted table's files: row groups of this many rows, files of about this many bytes (a
# national month of attainment is about ten files, each a range of units: replacing one
# unit's rows rewrites one file, not the month).
ROW_GROUP = 16_384
FILE_BYTES = 2 << 20


def _sort_keys(df: pl.DataFrame, by: list[str]) -> list[pl.Expr]:
    # Each text column sorts by its rank among its distinct values (an enum whose categories are
    # those values in order): integers compared, not strings; a national month has a million
    # rows and a few thousand distinct codes.
    return [pl.col(c).cast(pl.Enum(df[c].drop_nulls().unique().sort())) if df.schema[c] == pl.String else pl.col(c)
            for c in by]


def sort_rows(df: pl.DataFrame, by: list[str], nulls_last: bool = False) -> pl.DataFrame:
    """``df.sort(by)``, the same order, in half the time for a large frame (text columns sorted
    by rank)."""
    return df.sort(_sort_keys(df, by), nulls_last=nulls_last, maintain_order=True)


def row_order(df: pl.DataFrame, by: list[str], nulls_last: bool = False) -> pl.Series:
    """The positions of ``df``'s rows in ``sort_rows`` order: a large frame can then be taken in
    order a slice at a time, never copied whole."""
    return df.select(pl.arg_sort_by(_sort_keys(df, by), nulls_last=nulls_last, maintain_order=True)).to_series()


@dataclass(frozen=True)
class TableSpec:
    name: str
    grain: str
    schema: dict[str, pl.DataType]
    partition_by: tuple[str, ...] = ()
    source: str = ""
    # Order of the rows inside each partition's files, written in row groups of ``ROW_GROUP``
    # rows: the Parquet statistics of a group then exclude most groups for a filter on the
    # first column (one unit's rows across every month read a group a month, not the month).
    sort_by: tuple[str, ...] = ()

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def short_name(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def layout(self) -> str | None:
        """How the files are laid out (recorded with the table; a table written with another
        layout is rewritten once)."""
        # "sized": compacted at their file size too (an earlier compaction merged a month into one file).
        return f"sort={','.join(self.sort_by)};rows={ROW_GROUP};bytes={FILE_BYTES};sized" if self.sort_by else None

    def ordered(self, df: pl.DataFrame) -> pl.DataFrame:
        """``df`` in the table's row order (as written to its files)."""
        return sort_rows(df, list(self.sort_by), nulls_last=True) if self.sort_by else df

    def ordered_slices(self, df: pl.DataFrame, rows: int) -> Iterator[pl.DataFrame]:
        """``ordered(df)`` in slices of ``rows`` rows, taken one at a time."""
        if not self.sort_by:
            yield from df.iter_slices(rows)
            return
        order = row_order(df, list(self.sort_by), nulls_last=True)
        for start in range(0, df.height, rows):
            yield df[order.slice(start, rows)]

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.schema)

    def conform(self, df: pl.DataFrame, columns: Iterable[str] | None = None) -> pl.DataFrame:
        """Columns in schema order (or ``columns``, in that order) with schema types; missing
        columns become nulls."""
        cols = []
        wanted = self.schema if columns is None else {c: self.schema[c] for c in columns}
        for name, dtype in wanted.items():
            if name in df.columns:
                cols.append(pl.col(name).cast(dtype, strict=False))
            else:
                cols.append(pl.lit(None, dtype=dtype).alias(name))
        return df.select(cols)


_SPECS = [
    # ---------------- reference (published from catalog/) ----------------
    TableSpec(
        "reference.campaigns",
        "one row per campaign",
        {"campaign_code": pl.String, "name": pl.String, "short_name": pl.String, "document": pl.String,
         "issuer": pl.String, "scope_unit": pl.String, "issued_on": pl.Date, "window_start": pl.Date, "window_start_stated": pl.Boolean,
         "window_end": pl.Date, "theme": pl.String, "report_due_days": pl.Int32},
        source="catalog/campaigns.yaml"),
    TableSpec(
        "reference.milestones",
        "one row per campaign × milestone (sơ kết, tổng kết)",
        {"campaign_code": pl.String, "kind": pl.String, "name": pl.String, "start": pl.Date,
         "end": pl.Date, "period": pl.String, "stated": pl.Boolean},
        source="catalog/campaigns.yaml"),
    TableSpec(
        "reference.indicators",
        "one row per indicator (sub-indicators included, with parent_code)",
        {"indicator_code": pl.String, "campaign_code": pl.String, "parent_code": pl.String,
         "name": pl.String, "as_written": pl.String, "group_code": pl.String, "group_name": pl.String,
         "uom": pl.String, "rule_type": pl.String, "rule_params": pl.String,
         "target_low": pl.Float64, "target_high": pl.Float64, "target_text": pl.String,
         "accumulation": pl.String, "period_type": pl.String, "owner_unit": pl.String,
         "weight": pl.Float64, "aggregate": pl.String, "sort_order": pl.Int32},
        source="catalog/indicators/*.yaml"),
    TableSpec(
        "reference.indicator_revisions",
        "one row per revised indicator × target version (valid_from null: the original target)",
        {"indicator_code": pl.String, "campaign_code": pl.String, "valid_from": pl.Date, "rule_type": pl.String,
         "rule_params": pl.String, "target_low": pl.Float64, "target_high": pl.Float64, "target_text": pl.String},
        source="catalog/indicators/*.yaml (revisions)"),
    TableSpec(
        "reference.units",
        "one row per unit (GSO administrative units, departments), with validity dates",
        {"unit_code": pl.String, "gso_code": pl.String, "name": pl.String, "unit_type": pl.String,
         "parent_code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date, "source": pl.String},
        source="catalog/units.csv"),
    TableSpec(
        "reference.cluster_members",
        "one row per cluster × member unit",
        {"cluster_code": pl.String, "campaign_code": pl.String, "cluster_name": pl.String,
         "unit_code": pl.String},
        source="catalog/clusters.yaml"),
    TableSpec(
        "reference.assignments",
        "one row per indicator × unit expected to report it",
        {"campaign_code": pl.String, "indicator_code": pl.String, "unit_code": pl.String},
        source="catalog/indicators/*.yaml (reporters)"),
    TableSpec(
        "reference.consolidators",
        "one row per indicator × unit above its reporters that may report its own consolidated figure",
        {"campaign_code": pl.String, "indicator_code": pl.String, "unit_code": pl.String},
        source="catalog/indicators/*.yaml (reporters) and catalog/units.csv (the unit tree)"),
    TableSpec(
        "reference.unit_targets",
        "one row per indicator × unit with its own target (giao chỉ tiêu) or baseline",
        {"indicator_code": pl.String, "unit_code": pl.String, "value": pl.Float64, "low": pl.Float64,
         "high": pl.Float64, "baseline": pl.Float64, "note": pl.String},
        source="catalog/unit_targets.csv"),
    # ---------------- bronze ----------------
    TableSpec(
        "bronze.manifest",
        "one row per distinct file received (by SHA-256)",
        {"file_id": pl.String, "original_name": pl.String, "extension": pl.String,
         "size_bytes": pl.Int64, "received_at": UTC_TS, "received_by": pl.String,
         "channel": pl.String, "object_key": pl.String,
         # The units the sender was allowed to report for at that moment (JSON list; null: every
         # unit), applied again whenever the file is re-read; the operating-system user that ran
         # the upload or command; when the row was written (received_at may be backdated).
         "allowed_units": pl.String, "system_user": pl.String, "recorded_at": UTC_TS},
        source="uploads, command line, inbox folder"),
    TableSpec(
        "bronze.cells",
        "one row per non-empty cell of a received file",
        {"shard": pl.String, "file_id": pl.String, "sheet_index": pl.Int32, "sheet": pl.String,
         "row": pl.Int32, "col": pl.Int32, "text": pl.String, "is_number": pl.Boolean},
        partition_by=("shard",),
        source="bronze files, read as text (fastexcel / CSV decoder)"),
    # ---------------- silver ----------------
    TableSpec(
        "silver.report_values",
        "one row per unit × indicator × period × submitted file (is_current marks the one in force)",
        {"period": pl.String, "unit_code": pl.String, "indicator_code": pl.String,
         "value": pl.Float64, "value_text": pl.String, "reported_text": pl.String,
         "reported_uom": pl.String, "plan_value": pl.Float64, "baseline": pl.Float64,
         "note": pl.String, "file_id": pl.String, "sheet": pl.String, "row": pl.Int32,
         "received_at": UTC_TS, "is_current": pl.Boolean, "superseded_by": pl.String},
        partition_by=("period",),
        # The rows in force apart from the history: an ingest rewrites the files holding them
        # and leaves the history's files be (``report_values.live``); a reader of values in
        # force skips the history's row groups.
        sort_by=("is_current", "unit_code", "indicator_code"),
        source="bronze.cells through a layout reader, GX suite silver.report_values"),
    TableSpec(
        "silver.typed_files",
        "one row per bronze file, as last typed into silver",
        {"file_id": pl.String, "fingerprint": pl.String, "periods": pl.String, "accepted": pl.Int64,
         "rejected": pl.Int64, "typed_at": UTC_TS},
        source="ingest and refresh: the catalog and code versions a file's values were typed with"),
    TableSpec(
        "silver.quarantine",
        "one row per rejected report row or cell, with its reason",
        {"file_id": pl.String, "original_name": pl.String, "sheet": pl.String, "row": pl.Int32,
         "column": pl.String, "cell": pl.String, "value": pl.String, "reason": pl.String,
         "check": pl.String, "quarantined_at": UTC_TS},
        source="parse errors and failed GX expectations"),
    # ---------------- gold ----------------
    TableSpec(
        "gold.attainment",
        "one row per campaign × unit × indicator × period",
        {"campaign_code": pl.String, "period": pl.String, "unit_code": pl.String,
         "indicator_code": pl.String, "parent_code": pl.String, "group_code": pl.String,
         "actual": pl.Float64, "actual_text": pl.String, "target_low": pl.Float64,
         "target_high": pl.Float64, "baseline": pl.Float64, "target_source": pl.String,
         "attainment": pl.Float64, "status": pl.String, "remark": pl.String,
         "period_end": pl.Date, "elapsed_share": pl.Float64, "expected_to_date": pl.Float64,
         "pace": pl.Float64, "pace_status": pl.String, "weight": pl.Float64,
         "is_rollup": pl.Boolean, "due": pl.Boolean, "rollup_actual": pl.Float64, "rollup_text": pl.String, "disagrees": pl.Boolean, "file_id": pl.String, "sheet": pl.String, "row": pl.Int32,
         "received_at": UTC_TS},
        partition_by=("campaign_code", "period"),
        sort_by=("unit_code", "indicator_code"),
        source="silver.report_values, reference.*"),
    TableSpec(
        "gold.unit_scores",
        "one row per campaign × period × cluster × unit",
        {"campaign_code": pl.String, "period": pl.String, "cluster_code": pl.String,
         "unit_code": pl.String, "score": pl.Float64, "rank": pl.Int32, "cluster_size": pl.Int32,
         "indicators": pl.Int32, "exceeded": pl.Int32, "met": pl.Int32, "not_met": pl.Int32,
         "no_data": pl.Int32, "no_target": pl.Int32},
        partition_by=("campaign_code", "period"),
        sort_by=("cluster_code", "unit_code"),
        source="gold.attainment, reference.cluster_members"),
    TableSpec(
        "gold.area_status",
        "one row per campaign × period × area × indicator",
        {"campaign_code": pl.String, "period": pl.String, "area_code": pl.String, "indicator_code": pl.String,
         "parent_code": pl.String,
         "units": pl.Int32, "reported": pl.Int32, "exceeded": pl.Int32, "met": pl.Int32, "not_met": pl.Int32,
         "no_data": pl.Int32, "no_target": pl.Int32},
        partition_by=("campaign_code", "period"),
        source="gold.attainment (units' own rows), reference.units, reference.campaigns"),
    TableSpec(
        "gold.area_completeness",
        "one row per campaign × period × area",
        {"campaign_code": pl.String, "period": pl.String, "area_code": pl.String,
         "units": pl.Int32, "reported": pl.Int32, "complete": pl.Int32, "complete_late": pl.Int32,
         "partial": pl.Int32, "missing": pl.Int32},
        partition_by=("campaign_code", "period"),
        source="gold.completeness, reference.units, reference.campaigns"),
    TableSpec(
        "gold.completeness",
        "one row per campaign × period × unit",
        {"campaign_code": pl.String, "period": pl.String, "unit_code": pl.String,
         "due_date": pl.Date, "expected": pl.Int32, "received": pl.Int32, "on_time": pl.Int32,
         "late": pl.Int32, "missing": pl.Int32, "first_received_at": UTC_TS,
         "last_received_at": UTC_TS, "state": pl.String},
        partition_by=("campaign_code", "period"),
        source="reference.assignments, silver.report_values"),
    TableSpec(
        "gold.file_counts",
        "one row per period × received file",
        {"period": pl.String, "file_id": pl.String, "accepted": pl.Int64, "current": pl.Int64},
        partition_by=("period",),
        source="silver.report_values"),
    # ---------------- ops ----------------
    TableSpec(
        "ops.runs",
        "one row per job run",
        {"run_id": pl.String, "job": pl.String, "started_at": UTC_TS, "finished_at": UTC_TS,
         "status": pl.String, "summary": pl.String, "tables": pl.String,
         "checks_passed": pl.Int32, "checks_failed": pl.Int32, "errors": pl.String, "file_id": pl.String},
        source="jobs"),
    TableSpec(
        "ops.catalog_versions",
        "one row per version of the catalog published from the dashboard or `jobs catalog`",
        {"version": pl.Int32, "published_at": UTC_TS, "published_by": pl.String, "note": pl.String,
         "campaigns": pl.String, "files": pl.String, "diff": pl.String},
        source="catalog/ files as published (every file's text, JSON), with a unified diff against the version before"),
    TableSpec(
        "ops.check_results",
        "one row per run × table × expectation",
        {"run_id": pl.String, "table": pl.String, "expectation": pl.String, "column": pl.String,
         "description": pl.String, "success": pl.Boolean, "element_count": pl.Int64,
         "unexpected_count": pl.Int64, "checked_at": UTC_TS},
        source="Great Expectations runs in jobs"),
]

TABLES: dict[str, TableSpec] = {s.name: s for s in _SPECS}
# The gold tables built together from silver and the catalog, a period at a time
# (``lakehouse.pipeline.gold``); ``gold.file_counts`` is written with silver instead.
GOLD = ("gold.attainment", "gold.unit_scores", "gold.completeness", "gold.area_status", "gold.area_completeness")


def spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown lake table {name!r}; known: {sorted(TABLES)}") from None
