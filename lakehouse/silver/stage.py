"""From files' cells to accepted report values and quarantined rows (no I/O).

cells (bronze.cells) → layout rows → typed rows → GX suite ``silver.report_values`` →
accepted rows + rejects. Many files are checked in one GX validation (its fixed cost is
~0.5 s a call), so ``jobs refresh`` stages every file of the lake at once and ``jobs ingest``
stages its one file the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from lakehouse import checks
from lakehouse.numbers import NOTATION_VI, VI, decide_notations
from lakehouse.reference.catalog import Catalog
from lakehouse.silver import layouts, report_values
from lakehouse.silver.layouts import FIELD_VI
from lakehouse.silver.report_values import REJECT_SCHEMA
from lakehouse.text import column_letter

@dataclass
class Staged:
    """One file, understood: its layout, accepted values and rejected rows (or why it has none)."""
    file_id: str
    name: str
    layout: str | None = None
    notes: list[str] = field(default_factory=list)
    accepted: pl.DataFrame = field(default_factory=pl.DataFrame)
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))
    empty_rows: int = 0
    rows_read: int = 0
    problem: str | None = None  # the file as a whole could not be read as a report


def _understand(file_id: str, name: str, cells: pl.DataFrame, cat: Catalog) -> tuple[Staged, pl.DataFrame | None]:
    """A file's layout (file by file: each file has its own); its rows are typed with the batch's."""
    try:
        found = layouts.read_layout(cells, name, cat)
    except layouts.LayoutError as exc:
        return Staged(file_id, name, problem=exc.reason), None
    return Staged(file_id, name, found.layout, list(found.notes), rows_read=found.rows.height), found.rows


def _type(staged: list[Staged], rows: list[pl.DataFrame | None], cat: Catalog) -> pl.DataFrame:
    """Every file's rows typed in the file's number notation, fitted to their indicators' periods
    and rid of exact repeats, as one frame (``_f``: the file's position in ``staged``); each
    file's rejects, empty rows and notes are set on its :class:`Staged`."""
    given = [r.with_columns(_f=pl.lit(i, pl.Int32)) for i, r in enumerate(rows) if r is not None and not r.is_empty()]
    batch = pl.concat(given) if given else None
    notations = decide_notations(_text_numbers(batch)) if given else {}
    for i, s in enumerate(staged):
        if rows[i] is not None:
            notation, vi, en = notations.get(i, (VI, 0, 0))
            evidence = f" ({vi} số chỉ đọc được kiểu Việt Nam, {en} số chỉ đọc được kiểu quốc tế)" if vi or en else \
                " (không có số nào có thể hiểu hai cách, nên đọc theo kiểu Việt Nam)"
            s.notes.append(f"Cách viết số: {NOTATION_VI[notation]}{evidence}")
    if batch is None:
        return pl.DataFrame()
    typed, done = report_values.type_files(batch, cat, {i: notations.get(i, (VI,))[0] for i in range(len(staged))})
    typed, refused, moved = report_values.fit_periods(typed, cat)
    refused = refused.partition_by("_f", as_dict=True, include_key=False) if not refused.is_empty() else {}
    for i, s in enumerate(staged):
        rejects, s.empty_rows, matches = done.get(i, (s.rejects, 0, []))
        if (i,) in refused:
            rejects = pl.concat([rejects, refused[(i,)].cast(REJECT_SCHEMA)]) if not rejects.is_empty() else \
                refused[(i,)].cast(REJECT_SCHEMA)
        s.rejects = rejects
        s.notes += [*matches, *moved.get(i, [])]
    return report_values.drop_exact_repeats(typed)


def _text_numbers(rows: pl.DataFrame) -> pl.DataFrame:
    """Numbers written as text (a real spreadsheet number needs no notation), with their file's ``_f``."""
    return pl.concat([rows.filter(~pl.col(f"{name}_is_number").fill_null(False) & pl.col(f"{name}_text").is_not_null())
                      .select("_f", text=f"{name}_text") for name in ("value", "plan", "baseline", "pct")])


def _rejects_from_checks(frame: pl.DataFrame, failures: pl.DataFrame, cat: Catalog) -> pl.DataFrame:
    """One quarantine row per failed expectation and row, pointing at the field's cell; who may
    report what is said with the unit's and the indicator's names."""
    rows = failures.join(frame, on="_i", how="left")
    units = {c: u.name for c, u in cat.units.items()}
    inds = {c: i.name for c, i in cat.indicators.items()}
    named = pl.format("{} (mã {}) không báo cáo chỉ tiêu '{}' ({}) và không phải cấp trên của đơn vị nào báo cáo "
                      "chỉ tiêu này", pl.col("unit_code").replace_strict(units, default=pl.col("unit_code")),
                      pl.col("unit_code"), pl.col("indicator_code").replace_strict(inds, default=pl.col("indicator_code")),
                      pl.col("indicator_code"))
    rows = rows.with_columns(reason=pl.when(pl.col("who")).then(named).otherwise(pl.col("reason")))
    field = pl.col("field")
    col = (pl.when(field == "unit").then(pl.col("unit_col")).when(field == "indicator").then(pl.col("indicator_col"))
           .when(field == "period").then(pl.col("period_col")).otherwise(pl.col("value_col")))
    shown = (pl.when(field == "unit").then(pl.col("unit_code")).when(field == "indicator").then(pl.col("indicator_code"))
             .when(field == "period").then(pl.col("period")).otherwise(pl.col("reported_text")))
    letters = col.map_elements(column_letter, return_dtype=pl.String)
    return rows.select(
        "_i", "file_id", "sheet", "row", column=field.replace_strict(FIELD_VI, return_dtype=pl.String),
        cell=pl.when(col.is_not_null()).then(pl.format("{}{}", letters, pl.col("row"))),
        value=shown, reason=pl.col("reason"), check=pl.lit("gx"))


# Below this many rows, each row's key is looked up in the catalog's set; above, polars hashes the
# catalog's million keys once for the batch (0.2 s, whatever the rows: most of a small upload's staging).
LOOKUP_ROWS = 50_000


def assigned(keys: pl.Series, assignments: frozenset[str]) -> pl.Series:
    """Whether each row's ``indicator|unit`` is one the catalog expects (null where the row has none)."""
    if keys.len() < LOOKUP_ROWS:
        return pl.Series([None if k is None else k in assignments for k in keys.to_list()], dtype=pl.Boolean)
    return keys.is_in(pl.Series(list(assignments), dtype=pl.String).implode())


def stage_files(items: list[tuple[str, str, pl.DataFrame]], cat: Catalog,
                assignments: frozenset[str]) -> tuple[list[Staged], checks.CheckRun | None]:
    """``items``: (file id, file name, cells). Returns one :class:`Staged` per item, in order,
    and the GX result for all of them together."""
    understood = [_understand(file_id, name, cells, cat) for file_id, name, cells in items]
    staged = [s for s, _ in understood]
    typed = _type(staged, [r for _, r in understood], cat)
    if typed.is_empty():
        return staged, None
    # Whether each row's unit is assigned its indicator is a hash lookup here; GX then checks and
    # reports the flag (a million-key value set inside the suite costs GX minutes per batch).
    frame = typed.with_columns(
        file_id=pl.col("_f").replace_strict(dict(enumerate(s.file_id for s in staged)), return_dtype=pl.String),
        assigned=assigned(typed["assignment"], assignments))
    check = checks.run_suite("silver.report_values", frame.drop([c for c in frame.columns if c.endswith("_col")]),
                             rows=True)
    failures = [{"_i": i, "field": o.meta.get("field", "value"), "reason": o.description,
                 "who": o.column == "assigned"} for o in check.failed for i in o.unexpected_index]
    if failures:
        bad = _rejects_from_checks(frame.with_row_index("_i"), pl.DataFrame(failures, schema={
            "_i": pl.UInt32, "field": pl.String, "reason": pl.String, "who": pl.Boolean}), cat)
        frame = frame.with_row_index("_i").join(bad.select("_i").unique(), on="_i", how="anti").drop("_i")
        for s in staged:
            mine = bad.filter(pl.col("file_id") == s.file_id)
            if not mine.is_empty():
                s.rejects = pl.concat([s.rejects, mine.select(list(REJECT_SCHEMA)).cast(REJECT_SCHEMA)])
    for (i,), accepted in frame.partition_by("_f", as_dict=True, include_key=False).items():
        staged[i].accepted = accepted
    for s in staged:
        s.rejects = s.rejects.sort("sheet", "row", nulls_last=True)
    return staged, check


def restrict_to_units(staged: Staged, allowed: set[str] | frozenset[str], cat: Catalog) -> None:
    """Who may report what: rows for units the sender was not allowed to report for become
    rejects naming the unit in words. Applied at the upload and in every re-read of the file
    (the nightly refresh, a rebuild), from the permissions recorded with its receipt."""
    if staged.accepted.is_empty():
        return
    keep = pl.col("unit_code").is_in(sorted(allowed))
    outside = staged.accepted.filter(~keep)
    if outside.is_empty():
        return
    names = {code: unit.name for code, unit in cat.units.items()}
    letters = pl.col("unit_col").map_elements(column_letter, return_dtype=pl.String)
    refused = outside.select(
        "sheet", "row", column=pl.lit(FIELD_VI["unit"]),
        cell=pl.when(pl.col("unit_col").is_not_null()).then(pl.format("{}{}", letters, pl.col("row"))),
        value=pl.col("unit_code"),
        reason=pl.format("người gửi không được giao báo cáo cho {} (mã {})",
                         pl.col("unit_code").replace_strict(names, default=pl.col("unit_code")), pl.col("unit_code")),
        check=pl.lit("permission"))
    staged.rejects = pl.concat([staged.rejects, refused.cast(REJECT_SCHEMA)]).sort("sheet", "row", nulls_last=True)
    staged.accepted = staged.accepted.filter(keep)
