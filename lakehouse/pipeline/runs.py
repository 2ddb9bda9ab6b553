"""Run records (``ops.runs``, ``ops.check_results``): what each job did, for the nightly log
and the data-quality page."""
from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import polars as pl

from lakehouse import checks
from lakehouse.store import Lake
from lakehouse.tables import spec


@dataclass
class Run:
    job: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    tables: dict[str, dict] = field(default_factory=dict)
    checks: list[checks.CheckRun] = field(default_factory=list)
    summary: str = ""
    errors: list[dict] = field(default_factory=list)   # internal errors: file, code, trace (never shown to users)
    file_id: str | None = None                          # an ingest's file: its run record marks it finished

    def count(self, table: str, rows_in: int | None = None, rows_out: int | None = None,
              written: bool | None = None) -> None:
        entry = self.tables.setdefault(table, {})
        if rows_in is not None:
            entry["rows_in"] = entry.get("rows_in", 0) + rows_in
        if rows_out is not None:
            entry["rows_out"] = entry.get("rows_out", 0) + rows_out
        if written is not None:
            entry["written"] = entry.get("written", False) or written

    def error(self, file: str, code: str, trace: str) -> None:
        self.errors.append({"file": file, "code": code, "trace": trace})

    def record(self, lake: Lake, status: str) -> None:
        # The version each table this run wrote or maintained reached, recorded last: readers take
        # these as current (lakehouse.submissions), and a table found older had its newest commit lost
        # (lakehouse.health).
        for name, entry in self.tables.items():
            if lake.exists(name):
                with contextlib.suppress(Exception):   # a damaged table has no version to record
                    entry["version"] = lake.version(name)
        passed = sum(o.success for c in self.checks for o in c.outcomes)
        failed = sum(not o.success for c in self.checks for o in c.outcomes)
        if self.checks:
            lake.append("ops.check_results", checks.to_rows(self.run_id, self.checks))
        lake.append("ops.runs", spec("ops.runs").conform(pl.DataFrame([{
            "run_id": self.run_id, "job": self.job, "started_at": self.started_at,
            "finished_at": datetime.now(timezone.utc), "status": status, "summary": self.summary,
            "tables": json.dumps(self.tables, ensure_ascii=False, sort_keys=True),
            "checks_passed": passed, "checks_failed": failed,
            "errors": json.dumps(self.errors, ensure_ascii=False) if self.errors else None,
            "file_id": self.file_id}])))   # the last commit of a run: it marks the run finished


def last_as_of(lake: Lake) -> date | None:
    """The day the last finished refresh judged gold as of (None: no refresh has finished)."""
    runs = lake.read("ops.runs").filter((pl.col("job") == "refresh") & (pl.col("status") == "ok"))
    if runs.is_empty():
        return None
    tables = json.loads(runs.sort("started_at")["tables"][-1] or "{}")
    day = tables.get("gold.attainment", {}).get("as_of")
    return date.fromisoformat(day) if day else None
