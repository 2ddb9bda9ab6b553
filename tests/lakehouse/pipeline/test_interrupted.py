"""An ingest stopped at any point — between any two of its commits, or killed outright — leaves
readers a consistent lake (scores always agree with attainment), and the file is completed by
sending it again, by the next ingest of another file, or by the refresh."""
import shutil
import signal
import subprocess
import sys
import time

import polars as pl
import pytest

from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.pipeline.refresh import refresh
from lakehouse.pipeline.writes import same_content
from lakehouse.gold import unit_scores
from lakehouse.pipeline import gold
from lakehouse.store import Lake
from lakehouse.submissions import current_versions, is_finished
from tests.conftest import xlsx_bytes

A = xlsx_bytes([["05971", "TP24-16", "2024-H1", 97, "%", None, None, None]])
B = xlsx_bytes([["05974", "TP24-16", "2024-H1", 99, "%", None, None, None],
                ["05977", "TP24-16", "2024-H1", 88, "%", None, None, None]])
C = xlsx_bytes([["05980", "TP24-16", "2024-H1", 91, "%", None, None, None]])
DERIVED = (*gold.GOLD, "silver.report_values")


class Killed(BaseException):
    """The process dying between two commits (nothing after this point runs)."""


@pytest.fixture(scope="module")
def base(tmp_path_factory, cat):
    lake = Lake(tmp_path_factory.mktemp("interrupted") / "lake")
    ingest_bytes(lake, cat, A, "a.xlsx", received_by="t", channel="cli")
    return lake


@pytest.fixture(scope="module")
def reference(tmp_path_factory, base, cat):
    """The lake as it should end: A, B and C ingested without trouble."""
    lake = Lake(tmp_path_factory.mktemp("reference") / "lake")
    shutil.copytree(base.root, lake.root)
    for data, name in ((B, "b.xlsx"), (C, "c.xlsx")):
        ingest_bytes(lake, cat, data, name, received_by="t", channel="cli")
    return lake


def copy(base, tmp_path):
    shutil.copytree(base.root, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def commits_in_an_ingest(base, tmp_path, cat, monkeypatch) -> int:
    lake = copy(base, tmp_path / "count")
    calls = []
    real = Lake._commit
    monkeypatch.setattr(Lake, "_commit", staticmethod(lambda attempt: (calls.append(1), real(attempt))[1]))
    ingest_bytes(lake, cat, B, "b.xlsx", received_by="t", channel="cli")
    monkeypatch.setattr(Lake, "_commit", staticmethod(real))
    return len(calls)


def readers_see_a_consistent_lake(lake):
    """What a reader takes as current (the versions the last run recorded) agrees with itself."""
    versions = current_versions(lake)
    att = lake.read("gold.attainment", version=versions.get("gold.attainment"))
    scores = lake.read("gold.unit_scores", version=versions.get("gold.unit_scores"))
    rebuilt = unit_scores.build(att, lake.read("reference.cluster_members"))
    assert same_content("gold.unit_scores", scores, rebuilt)


def same_figures(lake, reference):
    """The same figures as the lake that had no trouble (receipt times aside)."""
    for name in DERIVED:
        ours, theirs = lake.read(name), reference.read(name)
        drop = [c for c in ("received_at", "first_received_at", "last_received_at") if c in ours.columns]
        a, b = ours.drop(drop), theirs.drop(drop)
        assert a.sort(a.columns, nulls_last=True).equals(b.sort(b.columns, nulls_last=True)), name


def test_an_ingest_stopped_between_any_two_commits(base, reference, tmp_path, cat, monkeypatch):
    total = commits_in_an_ingest(base, tmp_path, cat, monkeypatch)
    assert total >= 6   # manifest, silver, counts, three gold tables, the run record…
    real = Lake._commit
    for stop_at in range(total):
        lake = copy(base, tmp_path / f"at-{stop_at}")
        calls = []

        def dying(attempt, stop_at=stop_at, calls=calls):
            calls.append(1)
            if len(calls) > stop_at:
                raise Killed()
            return real(attempt)

        monkeypatch.setattr(Lake, "_commit", staticmethod(dying))
        with pytest.raises(Killed):
            ingest_bytes(lake, cat, B, "b.xlsx", received_by="t", channel="cli")
        monkeypatch.setattr(Lake, "_commit", staticmethod(real))
        readers_see_a_consistent_lake(lake)
        receipt = lake.read("bronze.manifest").filter(pl.col("original_name") == "b.xlsx")
        if receipt.is_empty():
            continue   # stopped before the receipt: the sender was told nothing was received
        assert not is_finished(lake, receipt["file_id"][0])   # the run record is the last commit
        if stop_at % 2:   # sending it again finishes it …
            again = ingest_bytes(lake, cat, B, "b.xlsx", received_by="t", channel="cli")
            assert again.status in ("accepted", "duplicate"), again.summary_vi()
            ingest_bytes(lake, cat, C, "c.xlsx", received_by="t", channel="cli")
        else:             # … and so does the next file's ingest
            ingest_bytes(lake, cat, C, "c.xlsx", received_by="t", channel="cli")
        readers_see_a_consistent_lake(lake)
        same_figures(lake, reference)


def _ingest_b(lake, tmp_path) -> subprocess.Popen:
    (tmp_path / "b.xlsx").write_bytes(B)
    return subprocess.Popen([sys.executable, "-m", "jobs", "ingest", str(tmp_path / "b.xlsx"), "--lake", str(lake.root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_an_ingest_killed_outright_is_completed_by_the_next_job(base, reference, tmp_path, cat):
    started = time.monotonic()
    assert _ingest_b(copy(base, tmp_path / "timed"), tmp_path).wait() == 0
    took = time.monotonic() - started   # kill at points spread over a whole ingest, its write window included
    # Most of a CLI ingest is the interpreter starting (nothing written): the kills crowd the writes.
    for k, share in enumerate((0.75, 0.85, 0.95)):
        lake = copy(base, tmp_path / f"kill-{k}")
        proc = _ingest_b(lake, tmp_path)
        time.sleep(took * share)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        readers_see_a_consistent_lake(lake)
        ingest_bytes(lake, cat, C, "c.xlsx", received_by="t", channel="cli")
        if lake.read("bronze.manifest").filter(pl.col("original_name") == "b.xlsx").is_empty():
            ingest_bytes(lake, cat, B, "b.xlsx", received_by="t", channel="cli")   # killed before its receipt
        readers_see_a_consistent_lake(lake)
        same_figures(lake, reference)
    refresh(lake, cat)   # and the nightly refresh of such a lake gives the refreshed figures
    clean = copy(reference, tmp_path / "clean")
    refresh(clean, cat)
    same_figures(lake, clean)
