"""Great Expectations checks: one suite per table, as JSON in ``expectations/``.

Great Expectations takes seconds to import, so it is imported here, lazily, and only jobs
that validate call this module (never the dashboard). Suites run in an ephemeral context on
pandas frames whose index is our row id, so a failed row-level expectation names the rows.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

SUITES_DIR = Path(__file__).resolve().parents[1] / "expectations"
_state: dict = {}


@dataclass
class Outcome:
    expectation: str
    column: str | None
    meta: dict
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_index: list[int] = field(default_factory=list)

    @property
    def description(self) -> str:
        return self.meta.get("message_vi") or f"{self.expectation}({self.column or ''})"


@dataclass
class CheckRun:
    table: str
    outcomes: list[Outcome]

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]


def suite_definition(table: str) -> dict:
    return json.loads((SUITES_DIR / f"{table}.json").read_text(encoding="utf-8"))


def _context():
    if "batch" not in _state:
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every in-memory batch below this size (md5 of a hash of every row), only
        # to record it in the result's metadata, which we do not keep: 0.2 s a million-row frame,
        # 8 % of a national refresh (cProfile, 2026-11-26). Nothing else reads the fingerprint.
        pandas_execution_engine.HASH_THRESHOLD = 0

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        asset = context.data_sources.add_pandas("frames").add_dataframe_asset("frame")
        _state.update(gx=gx, context=context, batch=asset.add_batch_definition_whole_dataframe("whole"))
    return _state


def run_suite(table: str, frame: pl.DataFrame, parameters: dict | None = None, rows: bool = False) -> CheckRun:
    """Validate ``frame`` against the table's suite. ``rows``: name the failing rows (their
    positions in the frame, ``Outcome.unexpected_index``), as staging needs to reject them;
    otherwise counts only, which GX resolves with fewer metrics (a third of a small frame's
    validation)."""
    state = _context()
    gx, context = state["gx"], state["context"]
    definition = suite_definition(table)
    name = definition["name"]
    try:
        suite = context.suites.get(name)
    except Exception:
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=definition["expectations"]))
    # Only the columns the suite reads: GX drops a domain's null rows by taking every column of
    # the frame, once per expectation (half of a batch's validation time on the staged rows).
    pdf = frame.select([c for c in frame.columns if c in _columns(definition)] or frame.columns[:1]).to_pandas()
    pdf.index = range(len(pdf))
    pdf.index.name = None
    batch = state["batch"].get_batch(batch_parameters={"dataframe": pdf})
    result = batch.validate(suite, expectation_parameters=parameters or {}, result_format="COMPLETE" if rows else "BASIC")
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(f"{table}: {cfg.type} failed to run: {r.exception_info.get('exception_message')}")
        kwargs = cfg.kwargs
        column = kwargs.get("column") or kwargs.get("column_A") or ",".join(kwargs.get("column_list", []) or [])
        outcomes.append(Outcome(
            expectation=cfg.type, column=column or None, meta=dict(cfg.meta or {}), success=bool(r.success),
            element_count=int(res.get("element_count") or len(pdf)),
            unexpected_count=int(res.get("unexpected_count") or 0),
            unexpected_index=[int(i) for i in res.get("unexpected_index_list") or []]))
    return CheckRun(table, outcomes)


def _columns(definition: dict) -> set[str]:
    named = set()
    for e in definition["expectations"]:
        kw = e["kwargs"]
        named.update(kw[k] for k in ("column", "column_A", "column_B") if k in kw)
        named.update(kw.get("column_list") or ())
    return named


def to_rows(run_id: str, runs: list[CheckRun]) -> pl.DataFrame:
    """Check outcomes in ``ops.check_results`` form."""
    now = datetime.now(timezone.utc)
    rows = [dict(run_id=run_id, table=c.table, expectation=o.expectation, column=o.column,
                 description=o.description, success=o.success, element_count=o.element_count,
                 unexpected_count=o.unexpected_count, checked_at=now)
            for c in runs for o in c.outcomes]
    from lakehouse.tables import spec
    return spec("ops.check_results").conform(pl.DataFrame(rows, infer_schema_length=None)) if rows else \
        spec("ops.check_results").empty()


def combine(table: str, runs: list[CheckRun]) -> CheckRun | None:
    """One result for a table validated in batches: counts summed per expectation and column."""
    if not runs:
        return None
    merged: dict[tuple[str, str | None], Outcome] = {}
    for run in runs:
        for o in run.outcomes:
            key = (o.expectation, o.column)
            m = merged.get(key)
            if m is None:
                merged[key] = Outcome(o.expectation, o.column, o.meta, o.success, o.element_count, o.unexpected_count)
            else:
                m.success = m.success and o.success
                m.element_count += o.element_count
                m.unexpected_count += o.unexpected_count
    return CheckRun(table, list(merged.values()))
