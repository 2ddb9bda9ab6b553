"""The lake in an object store (``s3://…``, against moto's S3 server on the loopback address):
the same tables, raw files, locks and damage checks as a lake in a folder."""
from __future__ import annotations

import json
import multiprocessing
import sys
import threading
import time
import types
from datetime import datetime, timezone

import obstore
import polars as pl
import pytest

from lakehouse import health, objects
from lakehouse.store import Lake, LakeBusyError

def values(period: str, n: int, start: int = 0) -> pl.DataFrame:
    return pl.DataFrame({"period": [period] * n, "unit_code": [f"U{i:03d}" for i in range(start, start + n)],
                         "indicator_code": ["X"] * n, "value": [float(i) for i in range(n)],
                         "file_id": ["f"] * n, "sheet": ["s"] * n, "row": list(range(n)),
                         "received_at": [datetime(2024, 4, 1, tzinfo=timezone.utc)] * n, "is_current": [True] * n})


def test_tables_are_written_read_and_time_travelled_in_the_bucket(s3_lake):
    assert s3_lake.remote and s3_lake.location.startswith("s3://")
    assert not s3_lake.exists("silver.report_values") and s3_lake.read("silver.report_values").is_empty()
    s3_lake.append("silver.report_values", values("2024-Q1", 3))
    s3_lake.append("silver.report_values", values("2024-Q2", 2))
    first = s3_lake.version("silver.report_values")
    between = datetime.now(timezone.utc)
    time.sleep(0.05)
    s3_lake.replace("silver.report_values", values("2024-Q1", 5, start=10), where={"period": ["2024-Q1"]})
    now = s3_lake.read("silver.report_values")
    assert now.height == 7 and sorted(now.filter(pl.col("period") == "2024-Q1")["unit_code"]) == [
        f"U{i:03d}" for i in range(10, 15)]
    assert sorted(p["period"] for p in s3_lake.partitions("silver.report_values")) == ["2024-Q1", "2024-Q2"]
    assert s3_lake.version_at("silver.report_values", between) == first
    assert s3_lake.read("silver.report_values", version=first).height == 5
    assert s3_lake.read("silver.report_values", where={"period": ["2024-Q2"]}).height == 2
    assert s3_lake.scan("silver.report_values").select(pl.len()).collect().item() == 7
    assert [h["operation"] for h in s3_lake.history("silver.report_values")][:1] == ["WRITE"]
    # Nothing of the table is on this machine: the work folder holds no table.
    assert not (s3_lake.root / "silver").exists()


def test_raw_files_are_kept_once_byte_for_byte(s3_lake, tmp_path):
    data = b"M\xc3\xa3 \xc4\x91\xc6\xa1n v\xe1\xbb\x8b\n" * 1000
    file_id, key = s3_lake.put_file(data)
    again = tmp_path / "same.csv"
    again.write_bytes(data)
    assert s3_lake.put_file(again) == (file_id, key)      # from a path, streamed: the same object
    assert s3_lake.has_file(key) and s3_lake.get_file(key) == data
    assert not s3_lake.has_file("files/00/" + "0" * 64)
    listed = [m["path"] for batch in obstore.list(s3_lake.files.store, prefix="bronze/files/") for m in batch]
    assert listed == [f"bronze/{key}"]                    # no temporary left beside it


def test_a_lock_is_shared_by_every_process_and_machine(s3_lake):
    other = Lake(s3_lake.location)                        # another process, as far as the store knows
    with s3_lake.lock("writer"):
        with pytest.raises(LakeBusyError):
            with other.lock("writer"):
                pass
        t = time.monotonic()
        with pytest.raises(LakeBusyError):
            with other.lock("writer", wait_seconds=0.5):
                pass
        assert time.monotonic() - t >= 0.5                # it waited before giving up
        with other.lock("refresh"):                       # another lock is free
            pass
    with other.lock("writer"):                            # released: the next one gets it
        pass
    assert not s3_lake.files.exists("_locks/writer.lock")


def test_a_held_lock_is_renewed_and_a_dead_holders_lock_is_taken_over(s3_lake, monkeypatch):
    monkeypatch.setattr(objects, "LOCK_LEASE_SECONDS", 2.0)
    other = Lake(s3_lake.location)
    with s3_lake.lock("refresh") as held:
        time.sleep(5)                                     # two and a half leases: renewed meanwhile
        with pytest.raises(LakeBusyError):
            with other.lock("refresh"):
                pass
        assert not held.lost.is_set()
    # A holder that died leaves its lock object behind, renewed no more.
    obstore.put(s3_lake.files.store, "_locks/refresh.lock", json.dumps({"pid": 1}).encode(), mode="create")
    with pytest.raises(LakeBusyError):
        with other.lock("refresh"):
            pass
    time.sleep(3.5)                                       # a lease and the second Last-Modified rounds off
    with other.lock("refresh") as held:                   # taken over after a lease without renewal
        assert not held.lost.is_set()


def _take_and_count(location: str, counter_key: str, rounds: int) -> None:
    lake = Lake(location)
    for _ in range(rounds):
        with lake.lock("writer", wait_seconds=60):
            try:
                n = int(lake.files.get(counter_key))
            except FileNotFoundError:
                n = 0
            lake.files.write_text(counter_key, str(n + 1))   # read-modify-write: safe only under the lock


def test_the_lock_excludes_processes_racing_for_it(s3_lake, monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_take_and_count, args=(s3_lake.location, "counter", 8)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert s3_lake.files.get("counter") == b"24"          # no increment lost


def test_damage_in_the_bucket_is_found_and_set_aside(s3_lake):
    s3_lake.append("gold.completeness", pl.DataFrame({
        "campaign_code": ["C"], "period": ["2024"], "unit_code": ["U"], "expected": [1], "received": [1]}))
    assert health.inspect_table(s3_lake, "gold.completeness", deep=True) is None
    path = s3_lake.table("gold.completeness").file_uris()[0]
    key = path.split(s3_lake.location + "/", 1)[1]
    size = s3_lake.files.sizes(key.rsplit("/", 1)[0])[key.rsplit("/", 1)[1]]
    obstore.put(s3_lake.files.store, key, b"x" * size)    # overwritten, same size
    damage = health.inspect_table(s3_lake, "gold.completeness", deep=True)
    assert damage is not None and "no parquet marks" in damage.reason
    assert health.inspect_table(s3_lake, "gold.completeness", deep=False) is None   # sizes agree
    obstore.delete(s3_lake.files.store, key)
    damage = health.inspect_table(s3_lake, "gold.completeness", deep=False)
    assert damage is not None and "missing" in damage.reason
    where = health.set_aside(s3_lake, damage)
    assert where.startswith(s3_lake.location + "/_damaged/gold.completeness-")
    assert not s3_lake.exists("gold.completeness")
    assert s3_lake.files.get(where[len(s3_lake.location) + 1:] + "/REASON.txt").decode().startswith("data file")


def test_an_unreachable_store_is_said_in_words(s3_endpoint, monkeypatch, tmp_path):
    from bench.objectstore import S3_ENV

    for key, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3_endpoint, "THIDUA_WORK": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    assert Lake("s3://khong-co-bucket-nay/thidua").files.problem().startswith(
        "không kết nối được kho dữ liệu s3://khong-co-bucket-nay/thidua")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")   # nothing listens there
    monkeypatch.setattr(objects, "_CLIENT_TIMEOUT", "2s")
    assert "không kết nối được" in Lake("s3://bucket/thidua").files.problem()


def test_storage_options_come_from_the_environment():
    env = {"AWS_ENDPOINT_URL": "http://minio:9000", "AWS_REGION": "ap-southeast-1", "HOME": "/root",
           "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": ""}
    assert objects.storage_options(env) == {"AWS_ENDPOINT_URL": "http://minio:9000", "AWS_REGION": "ap-southeast-1",
                                            "AWS_ACCESS_KEY_ID": "k", "AWS_CONDITIONAL_PUT": "etag"}
    locked = objects.storage_options({"AWS_S3_LOCKING_PROVIDER": "dynamodb"})
    assert "AWS_CONDITIONAL_PUT" not in locked
    assert objects.resolve("s3://b/p/") == "s3://b/p" and objects.work_folder("s3://b/p").name == "b_p"
    assert objects.resolve("relative") .startswith("/")


def test_a_local_lake_keeps_its_folder(tmp_path):
    lake = Lake(tmp_path / "lake")
    assert not lake.remote and lake.root == tmp_path / "lake" and lake.location == str(tmp_path / "lake")
    assert lake.storage_options is None
    _, key = lake.put_file(b"a")
    assert (tmp_path / "lake" / "bronze" / key).read_bytes() == b"a"
    with lake.lock("x") as held:
        assert isinstance(held.lost, threading.Event)
