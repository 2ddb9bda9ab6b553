"""The lake in an object store against the lake in a folder, in the same run
(``python -m bench.objectstore --scale province --dir DIR``).

An S3-compatible server is started on 127.0.0.1 (moto's server mode, the one the tests use);
the same scale's files are received into a folder lake and into a bucket, and the real
``python -m jobs refresh --full`` builds each (timed, peak memory from the kernel). Then
several processes commit to one table at once, without any lock of ours, in each: Delta's
coordination by conditional put must keep every row, and its cost is the versions a second.
moto is a Python server on the same two cores: its figures bound what S3 costs from above
(a real store answers in parallel, from other machines), they do not predict it.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

S3_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
          "AWS_ALLOW_HTTP": "true"}


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for as long as the block runs; yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def new_bucket(endpoint: str) -> str:
    import boto3

    name = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=name)
    return name


def _commits(location: str, worker: int, commits: int) -> None:
    import polars as pl

    from lakehouse.store import Lake

    lake = Lake(location)
    for n in range(commits):
        lake.append("ops.runs", pl.DataFrame({"run_id": [f"{worker}-{n}"], "job": ["bench"],
                                              "started_at": [datetime.now(timezone.utc)]}))


def concurrent_commits(location: str, writers: int, commits: int) -> dict:
    from lakehouse.store import Lake

    ctx = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    procs = [ctx.Process(target=_commits, args=(location, w, commits)) for w in range(writers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - start
    kept = Lake(location).read("ops.runs").height
    return {"writers": writers, "commits": writers * commits, "kept": kept, "wall_s": round(wall, 2),
            "versions_per_s": round(writers * commits / wall, 1), "failed_processes": sum(p.exitcode != 0 for p in procs)}


def measure(scale_name: str, folder: Path, writers: int = 4, commits: int = 15) -> dict:
    from bench.build import run_measured
    from bench.generate import SCALES, receive_files, report_files, write_catalog
    from lakehouse.store import Lake

    scale = SCALES[scale_name]
    catalog = write_catalog(scale, folder / "catalog")
    figures: dict = {"scale": scale_name}
    with s3_server() as endpoint:
        env = {**S3_ENV, "AWS_ENDPOINT_URL": endpoint, "THIDUA_WORK": str(folder / "work"),
               "THIDUA_CATALOG": str(catalog)}
        os.environ.update(env)
        targets = {"folder": str(folder / f"lake-{uuid.uuid4().hex[:6]}"), "s3": f"s3://{new_bucket(endpoint)}/thidua"}
        for kind, location in targets.items():
            lake = Lake(location)
            start = time.perf_counter()
            files, rows = receive_files(lake, report_files(scale))
            figures[f"{kind}_receive_s"] = round(time.perf_counter() - start, 2)
            wall, peak, code = run_measured([sys.executable, "-m", "jobs", "refresh", "--full", "--lake", location], env)
            if code:
                raise SystemExit(f"refresh of the {kind} lake failed ({code})")
            figures.update({"files": files, "values": rows, f"{kind}_refresh_s": round(wall, 2),
                            f"{kind}_refresh_peak_mb": round(peak)})
            wall, _, code = run_measured([sys.executable, "-m", "jobs", "refresh", "--lake", location], env)
            figures[f"{kind}_quiet_night_s"] = round(wall, 2)
        figures["refresh_ratio_s3_to_folder"] = round(figures["s3_refresh_s"] / figures["folder_refresh_s"], 2)
        for kind in targets:
            location = (str(folder / f"commits-{uuid.uuid4().hex[:6]}") if kind == "folder"
                        else f"s3://{new_bucket(endpoint)}/commits")
            figures[f"{kind}_concurrent"] = concurrent_commits(location, writers, commits)
    return figures


def main(argv: list[str] | None = None) -> int:
    from bench.generate import SCALES

    p = argparse.ArgumentParser(prog="python -m bench.objectstore", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", choices=sorted(SCALES), default="province")
    p.add_argument("--dir", required=True, type=Path)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--commits", type=int, default=15, help="commits each writer makes")
    args = p.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(args.scale, args.dir, args.writers, args.commits), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
