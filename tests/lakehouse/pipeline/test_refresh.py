"""The nightly refresh: idempotent, safe to kill, never overlapping; ingests never lose rows."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from lakehouse.pipeline.refresh import refresh
from lakehouse.store import Lake, LakeBusyError
from tests.conftest import xlsx_bytes

ROOT = Path(__file__).resolve().parents[3]


def content(lake, table):
    frame = lake.read(table)
    return frame.sort(frame.columns, nulls_last=True)


def test_demo_then_refresh_gives_the_whole_picture(demo_lake, cat):
    att = demo_lake.read("gold.attainment")
    assert set(att["campaign_code"]) == {"LS2021", "TPLS2024"}
    assert set(att["indicator_code"]) == set(cat.indicators)          # every indicator
    assert att["period"].n_unique() >= 8                              # several periods
    # "no_target": districts without a share of an additive target (LS21-06, LS21-11 have none)
    assert set(att["status"]) == {"exceeded", "met", "not_met", "no_data", "no_target"}
    comp = demo_lake.read("gold.completeness")
    assert comp["late"].sum() > 0 and comp["missing"].sum() > 0
    assert demo_lake.read("silver.quarantine").height >= 5
    assert demo_lake.read("silver.report_values").filter(~pl.col("is_current")).height >= 1  # a correction
    scores = demo_lake.read("gold.unit_scores")
    assert set(scores["cluster_code"]) == {"LS21-HUYEN", "LS21-SONGANH", "TP24-PHUONGXA", "TP24-PHONGBAN"}


def test_refresh_twice_changes_nothing(demo_lake, cat):
    before = {t: demo_lake.version(t) for t in ("silver.report_values", "silver.quarantine", "gold.attainment",
                                                "gold.unit_scores", "gold.completeness", "reference.indicators")}
    run = refresh(demo_lake, cat)
    after = {t: demo_lake.version(t) for t in before}
    assert after == before
    assert run.summary == "Không có gì thay đổi."
    runs = demo_lake.read("ops.runs").filter(pl.col("job") == "refresh")
    assert runs.height >= 2 and runs.sort("started_at")["status"][-1] == "ok"
    # Nothing was written, so nothing was checked again: the last results (the demo's build) stand.
    assert demo_lake.read("ops.check_results").filter(pl.col("run_id") == run.run_id).is_empty()
    assert demo_lake.read("ops.check_results").height > 0


def test_refresh_rebuilds_from_bronze(demo_lake, cat):
    expected = content(demo_lake, "gold.attainment")
    demo_lake.overwrite("silver.report_values", demo_lake.read("silver.report_values").clear())
    demo_lake.overwrite("gold.attainment", demo_lake.read("gold.attainment").head(3))
    counts = content(demo_lake, "gold.file_counts")
    demo_lake.overwrite("gold.file_counts", demo_lake.read("gold.file_counts").head(2))
    refresh(demo_lake, cat)
    assert content(demo_lake, "gold.attainment").equals(expected)
    assert content(demo_lake, "gold.file_counts").equals(counts)
    silver = demo_lake.read("silver.report_values")
    assert counts["accepted"].sum() == silver.height and counts["current"].sum() == silver["is_current"].sum()


def test_refresh_killed_part_way_leaves_a_complete_gold_and_a_rerun_converges(demo_lake, cat):
    expected = content(demo_lake, "gold.attainment")
    stale = demo_lake.read("gold.attainment").filter(pl.col("campaign_code") == "LS2021")
    demo_lake.overwrite("gold.attainment", stale)
    demo_lake.overwrite("silver.report_values", demo_lake.read("silver.report_values").clear())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for delay in (2.5, 5.0, 7.5):
        proc = subprocess.Popen([sys.executable, "-m", "jobs", "refresh", "--lake", str(demo_lake.root)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen = content(demo_lake, "gold.attainment")
        # Either the previous complete version or the new complete one, never a mix.
        assert seen.equals(stale.sort(stale.columns, nulls_last=True)) or seen.equals(expected)
    done = subprocess.run([sys.executable, "-m", "jobs", "refresh", "--lake", str(demo_lake.root)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert content(demo_lake, "gold.attainment").equals(expected)


def test_a_night_after_a_refresh_stopped_between_silver_and_gold_rebuilds_that_gold(demo_lake, cat):
    """The killed run committed silver and died before gold: tonight's silver pass finds nothing
    new, yet the periods that run changed get their gold (found from silver's log)."""
    from lakehouse.pipeline.refresh import rebuild_silver
    from lakehouse.pipeline.runs import Run

    expected = content(demo_lake, "gold.attainment")
    demo_lake.overwrite("gold.attainment", demo_lake.read("gold.attainment").filter(pl.col("campaign_code") == "LS2021"))
    demo_lake.overwrite("silver.report_values", demo_lake.read("silver.report_values").clear())
    rebuild_silver(demo_lake, cat, Run("refresh"))      # as far as the killed run got: nothing recorded
    refresh(demo_lake, cat)
    assert content(demo_lake, "gold.attainment").equals(expected)


def test_a_second_refresh_is_refused_while_one_runs(demo_lake, cat):
    with demo_lake.lock("refresh"):
        with pytest.raises(LakeBusyError):
            refresh(demo_lake, cat)
    from jobs.__main__ import main
    with demo_lake.lock("refresh"):
        assert main(["refresh", "--lake", str(demo_lake.root)]) == 2


def test_two_ingests_at_once_lose_nothing(tmp_path):
    lake = Lake(tmp_path / "lake")
    files = []
    for n, unit in enumerate(("178-PVHTT", "178-PTCKH")):
        rows = [[unit, "TP24-05", f"2024-Q{q}", 10.0 * q + n, "tỷ đồng", None, None, None] for q in (1, 2, 3)]
        if unit == "178-PVHTT":
            rows = [[unit, "TP24-03", f"2024-Q{q}", 100.0 * q, None, None, None, None] for q in (1, 2, 3)]
        path = tmp_path / f"{unit}.xlsx"
        path.write_bytes(xlsx_bytes(rows))
        files.append(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "jobs", "ingest", "--lake", str(lake.root), str(f)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in files]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert lake.read("bronze.manifest").height == 2
    silver = lake.read("silver.report_values")
    assert silver.height == 6 and silver["is_current"].all()
    att = lake.read("gold.attainment").filter(pl.col("actual").is_not_null() & ~pl.col("is_rollup"))
    assert sorted(att["unit_code"].unique().to_list()) == ["178-PTCKH", "178-PVHTT"]
    assert att.height == 6


def test_refresh_compacts_small_files_and_keeps_the_audit_window(tmp_path, cat):
    from lakehouse.pipeline.ingest import ingest_bytes
    lake = Lake(tmp_path / "lake")
    for q in (1, 2, 3, 4):
        ingest_bytes(lake, cat, xlsx_bytes([["178-PVHTT", "TP24-03", f"2024-Q{q}", 800.0 * q, None, None, None, None]]),
                     f"q{q}.xlsx", received_by="t", channel="cli")
    from deltalake import DeltaTable
    before = len(DeltaTable(lake.uri("ops.runs")).file_uris())   # one small file per ingest's run record
    assert before == 4
    run = refresh(lake, cat)
    assert run.tables["ops.runs"]["files_compacted"] == before
    assert len(DeltaTable(lake.uri("ops.runs")).file_uris()) == 2   # the compacted file + this run's record
    # Nothing is old enough to delete yet: every earlier version still reads (time travel).
    assert lake.read("ops.runs", version=0).height == 1


def test_a_table_laid_out_by_older_code_is_laid_out_anew_at_night(tmp_path, cat, monkeypatch):
    """An upgrade that changes how silver's files are laid out (its rows in force apart from its
    history) is put in place by the night, even one with nothing new, not left to the first
    upload after it."""
    import dataclasses

    from lakehouse import tables
    from lakehouse.pipeline.ingest import ingest_bytes
    from lakehouse.store import LAYOUT_KEY

    today = tables.TABLES["silver.report_values"]
    older = dataclasses.replace(today, sort_by=("unit_code", "indicator_code"))   # before the rows in force came first
    lake = Lake(tmp_path / "lake")
    with monkeypatch.context() as m:
        m.setitem(tables.TABLES, "silver.report_values", older)
        for value in (800.0, 820.0):
            ingest_bytes(lake, cat, xlsx_bytes([["178-PVHTT", "TP24-03", "2024-Q1", value, None, None, None, None]]),
                         f"q1-{value}.xlsx", received_by="t", channel="cli")
    layout = lambda: lake.table("silver.report_values").metadata().configuration[LAYOUT_KEY]  # noqa: E731
    assert layout() == older.layout
    before = lake.read("silver.report_values")
    refresh(lake, cat)
    assert layout() == today.layout
    assert lake.read("silver.report_values").sort("file_id").equals(before.sort("file_id"))


def test_every_table_with_a_suite_is_checked_in_the_nightly_run(demo_lake, cat):
    from pathlib import Path
    run = refresh(demo_lake, cat, full=True)     # values are checked when typed: every file is, here
    suites = {p.stem for p in (Path(__file__).resolve().parents[3] / "expectations").glob("*.json")}
    assert {c.table for c in run.checks} == suites
    failed = {(c.table, o.expectation) for c in run.checks for o in c.outcomes if not o.success}
    # Only the demo's deliberate mistakes fail, and they fail in silver staging, never in gold.
    assert failed and all(table == "silver.report_values" for table, _ in failed)


def test_refresh_in_small_batches_gives_the_same_lake(demo_lake, cat, monkeypatch):
    """Bronze is read a batch at a time and silver/gold written a few periods at a time: batch
    sizes change the memory a refresh needs, never its result."""
    from lakehouse.pipeline import gold
    from lakehouse.pipeline import refresh as refresh_module

    expected = {t: content(demo_lake, t) for t in ("silver.report_values", "gold.attainment", "gold.completeness",
                                                   "gold.unit_scores")}
    for t in ("silver.report_values", "gold.attainment", "gold.unit_scores", "gold.completeness"):
        demo_lake.overwrite(t, demo_lake.read(t).clear())
    sizes = demo_lake.read("bronze.manifest")["size_bytes"]
    monkeypatch.setattr(refresh_module, "BATCH_BYTES", int(sizes.median() * 3))   # a few files a batch
    monkeypatch.setattr(gold, "CHUNK_ROWS", 1)                # one period per chunk
    refresh(demo_lake, cat)
    for table, frame in expected.items():
        assert content(demo_lake, table).equals(frame), table
    assert not (demo_lake.root / "_scratch").exists() or not any((demo_lake.root / "_scratch").iterdir())


def test_refresh_moves_gold_written_with_the_old_partitioning(demo_lake, cat):
    """Scores and completeness were partitioned by campaign only; a refresh rewrites such a
    table once with today's partitions, keeping its rows."""
    from deltalake import DeltaTable, write_deltalake

    expected = content(demo_lake, "gold.completeness")
    uri = demo_lake.uri("gold.completeness")
    write_deltalake(uri, expected.to_arrow(), mode="overwrite", partition_by=["campaign_code"],
                    schema_mode="overwrite")
    assert DeltaTable(uri).metadata().partition_columns == ["campaign_code"]
    refresh(demo_lake, cat)
    assert DeltaTable(uri).metadata().partition_columns == ["campaign_code", "period"]
    assert content(demo_lake, "gold.completeness").equals(expected)


def test_a_gold_table_the_lake_lacks_is_built_by_the_next_night(demo_lake, cat):
    """A lake written by code from before a gold table existed gets it whole, with every
    partition the other gold tables have, at the next ordinary night."""
    import shutil

    expected = content(demo_lake, "gold.area_status")
    shutil.rmtree(demo_lake.uri("gold.area_status"))
    demo_lake.forget("gold.area_status")
    refresh(demo_lake, cat)
    assert content(demo_lake, "gold.area_status").equals(expected)


def test_a_file_listed_twice_in_the_manifest_is_typed_once(demo_lake, cat):
    expected = {t: content(demo_lake, t).drop("quarantined_at", strict=False)
                for t in ("silver.report_values", "silver.quarantine")}
    manifest = demo_lake.read("bronze.manifest")
    demo_lake.append("bronze.manifest", manifest.head(1))
    refresh(demo_lake, cat, full=True)
    for table, frame in expected.items():
        assert content(demo_lake, table).drop("quarantined_at", strict=False).equals(frame), table


def _typed(run) -> int:
    return run.tables.get("silver.typed_files", {}).get("rows_in", 0)


def test_an_ordinary_night_types_only_the_new_files_and_gives_the_full_rebuilds_lake(demo_lake, cat, tmp_path):
    """A file already typed with today's catalog and code is not read again; the lake the
    incremental night leaves is the one a full rebuild makes."""
    import shutil

    from lakehouse.pipeline.ingest import ingest_bytes
    from lakehouse.bronze.files import receive

    sent = xlsx_bytes([["05971", "TP24-12", "2024", "88", "%", None, None, "gửi qua bảng điều khiển"]])
    ingest_bytes(demo_lake, cat, sent, "bo-sung.xlsx", received_by="canbo", channel="upload")
    assert _typed(refresh(demo_lake, cat)) == 0          # the ingest typed it: nothing to read again
    # A correction dropped into the inbox (received, not yet typed) and one new file.
    receive(demo_lake, xlsx_bytes([["05971", "TP24-12", "2024", "91", "%", None, None, "sửa"]]), "sua.xlsx",
            "canbo", "inbox")
    receive(demo_lake, xlsx_bytes([["05974", "TP24-12", "2024", "70", "%", None, None, None],
                                   ["05974", "TP24-99", "2024-Q3", "1", "%", None, None, None]]), "moi.xlsx",
            "canbo", "inbox")
    other = Lake(tmp_path / "full")
    shutil.copytree(demo_lake.root, other.root)
    night = refresh(demo_lake, cat)
    assert _typed(night) == 2
    assert _typed(refresh(other, cat, full=True)) == demo_lake.read("bronze.manifest").height
    for table in ("silver.report_values", "silver.quarantine", "gold.attainment", "gold.completeness",
                  "gold.unit_scores", "gold.file_counts"):
        assert content(demo_lake, table).drop("quarantined_at", strict=False).equals(
            content(other, table).drop("quarantined_at", strict=False)), table
    current = demo_lake.read("silver.report_values").filter(
        (pl.col("unit_code") == "05971") & (pl.col("indicator_code") == "TP24-12") & (pl.col("period") == "2024")
        & pl.col("is_current"))
    assert current["value"].to_list() == [91.0]
    assert _typed(refresh(demo_lake, cat)) == 0


def test_a_catalog_change_types_every_file_again(demo_lake, cat):
    from dataclasses import replace

    changed = replace(cat, groups=cat.groups | {"kinh_te": "Kinh tế (đổi tên)"})
    assert _typed(refresh(demo_lake, changed)) == demo_lake.read("bronze.manifest").height


def test_a_night_rebuilds_the_periods_the_date_moves_as_a_full_rebuild_would(demo_lake, cat, tmp_path):
    """Between two nights a report falls due: the night rebuilds that period's gold (late,
    missing, due), and leaves the lake a full rebuild on that day leaves."""
    import shutil
    from datetime import date

    refresh(demo_lake, cat, as_of=date(2024, 7, 5), full=True)
    other = Lake(tmp_path / "full")
    shutil.copytree(demo_lake.root, other.root)
    night = refresh(demo_lake, cat, as_of=date(2024, 7, 15))
    refresh(other, cat, as_of=date(2024, 7, 15), full=True)
    assert _typed(night) == 0
    for table in ("gold.attainment", "gold.completeness", "gold.unit_scores"):
        assert content(demo_lake, table).equals(content(other, table)), table
    h1 = demo_lake.read("gold.completeness", where={"period": ["2024-Q2"]})
    assert h1["missing"].sum() > 0


def test_files_in_the_inbox_that_the_reader_refuses_are_answered_and_the_rest_typed(lake, cat):
    """Files are read a batch ahead on a thread while the night types the one before: a refusal
    read there still reaches the quarantine, and every other file is typed."""
    from lakehouse.bronze.files import receive
    from lakehouse.pipeline import refresh as nightly

    good = [xlsx_bytes([["05971", "TP24-12", "2024", str(90 + n), "%", None, None, f"lần {n}"]]) for n in range(3)]
    for n, data in enumerate(good):
        receive(lake, data, f"tot-{n}.xlsx", received_by="canbo", channel="inbox")
    receive(lake, b"PK\x03\x04 not really a workbook", "hong.xlsx", received_by="canbo", channel="inbox")
    original = nightly.BATCH_BYTES
    nightly.BATCH_BYTES = 1   # one file a batch: every batch but the first is read ahead
    try:
        run = refresh(lake, cat)
    finally:
        nightly.BATCH_BYTES = original
    assert lake.read("silver.report_values").height == 3
    q = lake.read("silver.quarantine")
    assert q["original_name"].to_list() == ["hong.xlsx"] and q["reason"][0]
    assert run.tables["silver.typed_files"]["rows_out"] == 4
