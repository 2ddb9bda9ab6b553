"""Build a benchmark lake and measure its nightly refresh (``python -m bench.build``).

    python -m bench.build --scale nation5y --dir /tmp/bench-nation5y

Writes the scale's catalog, keeps its report files in bronze (the inbox), then runs the real
``python -m jobs refresh`` in a child process, timing it and sampling the peak memory of it and
its worker processes together. The reference measured in the same run is the floor of that work: polars
parsing every kept file, nothing else. Figures go to ``DIR/build.json``; ``python -m bench``
reuses a built lake and its figures when pointed at the same folder.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from bench.generate import night_files, SCALES, receive_files, report_files, write_catalog
from lakehouse.store import Lake


def run_measured(args: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB of the process and all its children together, exit
    code) of a child process. The kernel's peak (``wait4``) is the largest single process's, so
    the tree's memory is sampled as well (every 0.2 s): the job's reader works in a process of
    its own, and their memory adds up."""
    import threading

    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    peak, done = [0], threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not done.wait(0.2):
            try:
                tree = [root, *root.children(recursive=True)]
                total = 0
                for p in tree:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total)
            except psutil.Error:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-4000:])
    return wall, max(usage.ru_maxrss * 1024, peak[0]) / 2**20, proc.returncode


def parse_floor(lake: Lake) -> float:
    """Seconds polars takes to parse every kept report file the scale generated (the least a
    refresh must do); the workbooks the bench itself sends later are not among them."""
    manifest = lake.read("bronze.manifest").filter(pl.col("extension") == "csv")
    start = time.perf_counter()
    for key in manifest["object_key"].to_list():
        pl.read_csv(lake.get_file(key), separator=";", infer_schema=False)
    return time.perf_counter() - start


def build(scale_name: str, folder: Path, progress: bool = True, again: bool = False) -> dict:
    """``again``: on a lake already built, time ``refresh --full`` and an ordinary night again
    (after a change to the code; a first night brings the tables' layout up to date untimed)."""
    scale = SCALES[scale_name]
    catalog = write_catalog(scale, folder / "catalog")
    lake = Lake(folder / "lake")
    received = folder / "received.json"  # a build stopped after generating resumes at the refresh
    if received.exists():
        files, rows, generated = json.loads(received.read_text(encoding="utf-8"))
    else:
        t = time.perf_counter()
        files, rows = receive_files(lake, report_files(scale), progress=progress)
        generated = time.perf_counter() - t
        received.write_text(json.dumps([files, rows, generated]), encoding="utf-8")
    if again:   # the lake is built: its layout brought up to date by a night, then the full rebuild timed
        _, _, code = run_measured([sys.executable, "-m", "jobs", "refresh", "--lake", lake.location],
                                  {"THIDUA_CATALOG": str(catalog)})
        full = ["--full"]
    else:
        full = []
    wall, peak_mb, code = run_measured([sys.executable, "-m", "jobs", "refresh", "--lake", lake.location, *full],
                                       {"THIDUA_CATALOG": str(catalog)})
    if code:
        raise SystemExit(f"refresh failed with exit code {code}")
    floor = parse_floor(lake)
    # An ordinary night: 1% of the files sent again, corrected; only they are typed again.
    night = night_files(scale, night=json.loads((folder / "build.json").read_text()).get("nights", 0) if again else 0)
    receive_files(lake, iter(night))
    night_wall, night_peak, code = run_measured([sys.executable, "-m", "jobs", "refresh", "--lake", lake.location],
                                                {"THIDUA_CATALOG": str(catalog)})
    if code:
        raise SystemExit(f"incremental refresh failed with exit code {code}")
    figures = {"scale": scale_name, "files": files, "values": rows, "generate_s": round(generated, 2),
               "refresh_s": round(wall, 2), "refresh_peak_mb": round(peak_mb), "parse_floor_s": round(floor, 2),
               "night_files": len(night), "night_refresh_s": round(night_wall, 2), "night_peak_mb": round(night_peak),
               "nights": (json.loads((folder / "build.json").read_text()).get("nights", 0) if again else 0) + 1,
               "silver_rows": lake.read("silver.report_values").height if rows < 5_000_000 else None}
    (folder / "build.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", choices=sorted(SCALES), default="province")
    p.add_argument("--dir", required=True, type=Path)
    p.add_argument("--again", action="store_true", help="re-time the refreshes of a lake already built")
    args = p.parse_args(argv)
    print(json.dumps(build(args.scale, args.dir, again=args.again), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
