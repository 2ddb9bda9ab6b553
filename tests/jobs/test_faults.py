"""Every file is kept and answered, whatever happens: files that kill the reader, faults of
ours, a full or read-only disk, a missing lake, jobs killed part way. Real Delta tables on a
real (size-limited) filesystem."""
import contextlib
import subprocess
import sys

import polars as pl
import pytest

from jobs.__main__ import main
from lakehouse import faults
from lakehouse.bronze import limits
from lakehouse.store import Lake
from tests.conftest import csv_bytes, xlsx_bytes
from tests.lakehouse.bronze import hostile

ROW_A = ["178-PVHTT", "TP24-03", "2024-Q1", 790, None, None, None, None]
ROW_B = ["178-PVHTT", "TP24-03", "2024-Q2", 1820, None, None, None, None]


def run(*args: str) -> int:
    return main([*args, "--by", "can-bo-a"] if args[0] == "ingest" else list(args))


def kept(lake: Lake, name: str) -> dict:
    """The file's manifest row, its bytes in bronze and its answer in silver (values or problems)."""
    manifest = lake.read("bronze.manifest").filter(pl.col("original_name") == name)
    assert manifest.height == 1, f"{name} has no manifest row"
    row = manifest.row(0, named=True)
    assert lake.has_file(row["object_key"])
    answered = (lake.read("silver.quarantine").filter(pl.col("file_id") == row["file_id"]).height
                + lake.read("silver.report_values").filter(pl.col("file_id") == row["file_id"]).height)
    assert answered, f"{name} has neither values nor problems in silver"
    return row


# ------------------------------------------------------------------ files that kill or fool the reader
def test_a_file_that_aborts_the_reader_is_kept_answered_and_the_next_one_goes_on(tmp_path, capsys):
    lake = Lake(tmp_path / "lake")
    files = []
    for name, data in (("a.xlsx", xlsx_bytes([ROW_A])), ("b.xlsx", hostile.lying_shared_strings_xlsx()),
                       ("c.xlsx", xlsx_bytes([ROW_B]))):
        (tmp_path / name).write_bytes(data)
        files.append(str(tmp_path / name))
    assert run("ingest", *files, "--lake", str(lake.root)) == 1
    out = capsys.readouterr()
    assert "'b.xlsx': tệp làm bộ đọc bảng tính dừng bất thường" in out.out and "Traceback" not in out.out + out.err
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        kept(lake, name)
    assert sorted(lake.read("silver.report_values")["period"].to_list()) == ["2024-Q1", "2024-Q2"]


def test_an_internal_error_is_exit_3_with_its_trace_in_the_log_and_the_run(tmp_path, capsys, monkeypatch):
    import lakehouse.pipeline.ingest

    real = lakehouse.pipeline.ingest.stage_files

    def buggy(items, *args):
        if items[0][1] == "loi.csv":
            raise IndexError("a bug of ours")
        return real(items, *args)

    monkeypatch.setattr(lakehouse.pipeline.ingest, "stage_files", buggy)
    lake = Lake(tmp_path / "lake")
    (tmp_path / "loi.csv").write_bytes(csv_bytes([ROW_A]))
    (tmp_path / "tot.csv").write_bytes(csv_bytes([ROW_B]))
    assert run("ingest", str(tmp_path / "loi.csv"), str(tmp_path / "tot.csv"), "--lake", str(lake.root)) == 3
    out = capsys.readouterr()
    assert "lỗi nội bộ" in out.out and "mã lỗi" in out.out and "IndexError" not in out.out + out.err
    row = kept(lake, "loi.csv")
    problem = lake.read("silver.quarantine").filter(pl.col("file_id") == row["file_id"]).row(0, named=True)
    assert problem["check"] == "internal"
    assert lake.read("silver.report_values")["period"].to_list() == ["2024-Q2"]   # the other file went on
    runs = lake.read("ops.runs").filter(pl.col("status") == "error")
    assert "IndexError: a bug of ours" in runs["errors"][0]
    assert "IndexError: a bug of ours" in (lake.root / "_logs" / "thidua.log").read_text()


def test_a_long_name_keeps_its_extension(tmp_path):
    lake = Lake(tmp_path / "lake")
    path = tmp_path / ("bao-cao-" + "rat-dai-" * 28 + ".xlsx")
    assert len(path.name) == 237
    path.write_bytes(xlsx_bytes([ROW_A]))
    assert run("ingest", str(path), "--lake", str(lake.root)) == 0
    assert lake.read("bronze.manifest")["original_name"][0].endswith(".xlsx")


def _ingest_peak_mb(path, lake) -> tuple[int, str]:
    script = ("import resource, sys; from jobs.__main__ import main; "
              f"code = main(['ingest', {str(path)!r}, '--lake', {str(lake)!r}]); "
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    return int(done.stdout.strip().splitlines()[-1]), done.stdout


def test_a_file_far_over_the_size_limit_is_kept_without_being_held_in_memory(tmp_path):
    sizes = {"lon.csv": 300 * 1024 * 1024, "vua.csv": 30 * 1024 * 1024}
    for name, size in sizes.items():
        with open(tmp_path / name, "wb") as fh:   # sparse: costs no disk until it is read
            fh.truncate(size)
    lake = tmp_path / "lake"
    small, _ = _ingest_peak_mb(tmp_path / "vua.csv", lake)
    big, out = _ingest_peak_mb(tmp_path / "lon.csv", lake)
    assert "vượt giới hạn 25 MB" in out
    assert big - small < 100, (big, small)   # ten times the file, not ten times the memory
    for name, size in sizes.items():
        assert kept(Lake(lake), name)["size_bytes"] == size > limits.MAX_FILE_BYTES


# ------------------------------------------------------------------ the lake's own faults
@contextlib.contextmanager
def small_disk(folder, size="24m"):
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + mounted.stderr.decode())
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder) -> None:
    """Write zeros until the disk says it is full (unbuffered: nothing is left to flush)."""
    fh = open(folder / "filler", "wb", buffering=0)
    try:
        while True:
            fh.write(b"\0" * (1 << 16))
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            fh.close()


def test_a_full_disk_is_exit_2_leaves_nothing_partial_and_the_lake_recovers(tmp_path, capsys):
    with small_disk(tmp_path / "disk") as disk:
        lake = Lake(disk / "lake")
        (tmp_path / "a.xlsx").write_bytes(xlsx_bytes([ROW_A]))
        (tmp_path / "b.xlsx").write_bytes(xlsx_bytes([ROW_B]))
        assert run("ingest", str(tmp_path / "a.xlsx"), "--lake", str(lake.root)) == 0
        before = {t: lake.read(t) for t in ("silver.report_values", "gold.attainment", "bronze.manifest")}
        fill(disk)
        capsys.readouterr()
        assert run("ingest", str(tmp_path / "b.xlsx"), "--lake", str(lake.root)) == 2
        err = capsys.readouterr().err
        assert "đã đầy" in err and "Traceback" not in err and "OSError" not in err
        assert not list((lake.root / "bronze" / "files").glob(".incoming-*"))
        for name, frame in before.items():   # every table still at its last complete version
            assert lake.read(name).equals(frame), name
        (disk / "filler").unlink()
        assert run("ingest", str(tmp_path / "b.xlsx"), "--lake", str(lake.root)) == 0
        assert sorted(lake.read("silver.report_values")["period"].to_list()) == ["2024-Q1", "2024-Q2"]
        assert not list((lake.root / "_scratch").glob("*"))


def test_a_read_only_lake_is_exit_2_with_what_to_do(tmp_path, capsys):
    with small_disk(tmp_path / "disk") as disk:
        lake = Lake(disk / "lake")
        (tmp_path / "a.xlsx").write_bytes(xlsx_bytes([ROW_A]))
        assert run("ingest", str(tmp_path / "a.xlsx"), "--lake", str(lake.root)) == 0
        faults.log_to(tmp_path)   # the log file open on the disk would keep it from being remounted
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        capsys.readouterr()
        (tmp_path / "b.xlsx").write_bytes(xlsx_bytes([ROW_B]))
        assert run("ingest", str(tmp_path / "b.xlsx"), "--lake", str(lake.root)) == 2
        assert "chỉ đọc" in capsys.readouterr().err
        assert run("refresh", "--lake", str(lake.root)) == 2


def test_a_missing_lake_is_exit_2(tmp_path, capsys):
    (tmp_path / "a.xlsx").write_bytes(xlsx_bytes([ROW_A]))
    assert run("ingest", str(tmp_path / "a.xlsx"), "--lake", str(tmp_path / "o-dia-chua-gan" / "lake")) == 2
    assert "không tìm thấy kho dữ liệu" in capsys.readouterr().err


def test_leftovers_of_killed_jobs_are_swept_by_the_next_job(tmp_path):
    import os
    import time

    lake = Lake(tmp_path / "lake")
    assert run("ingest", *[str(p) for p in [tmp_path / "a.xlsx"] if p.write_bytes(xlsx_bytes([ROW_A]))],
               "--lake", str(lake.root)) == 0
    stale = lake.root / "bronze" / "files" / ".incoming-abc"
    stale.write_bytes(b"half a file")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    scratch = lake.root / "_scratch" / "gold-deadbeef"
    scratch.mkdir(parents=True)
    (scratch / "x.parquet").write_bytes(b"x")
    assert run("refresh", "--lake", str(lake.root)) == 0
    assert not stale.exists() and not scratch.exists()
