"""Which received files' ingests finished, for receipts from before they were time-stamped:
those whose values or problems the lake holds (read from the per-file counts, not silver)."""
import polars as pl

from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.submissions import unfinished
from tests.conftest import xlsx_bytes


def test_an_old_receipt_counts_as_finished_when_its_values_are_in_the_lake(lake, cat, monkeypatch):
    report = ingest_bytes(lake, cat, xlsx_bytes([["05971", "TP24-16", "2024-H1", 97, "%", None, None, None]]),
                          "a.xlsx", received_by="t", channel="cli")
    manifest = lake.read("bronze.manifest")
    lost = manifest.with_columns(file_id=pl.lit("f" * 64), original_name=pl.lit("mat.xlsx"))
    lake.overwrite("bronze.manifest", pl.concat([manifest, lost]).with_columns(recorded_at=None))
    lake.overwrite("ops.runs", lake.read("ops.runs").clear())   # no run record: judged from the lake
    scanned = []
    real = type(lake).read
    monkeypatch.setattr(type(lake), "read", lambda self, name, *a, **k: (scanned.append(name), real(self, name, *a, **k))[1])
    assert unfinished(lake)["original_name"].to_list() == ["mat.xlsx"]
    assert report.file_id not in unfinished(lake)["file_id"].to_list()
    assert "silver.report_values" not in scanned   # the counts answer, not a scan of every value
