"""The nightly work in one process and on a local Dask cluster of two worker processes
(``python -m bench.cluster --dir DIR``, on a lake ``bench.build`` made): the measurement behind
running the per-batch staging and per-partition gold work on Dask (``lakehouse.pipeline.cluster``).
Prints the gold build and the whole ``refresh --full`` both ways, and their ratios."""
from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path


def measure(folder: Path, workers: int = 2) -> dict:
    import distributed

    os.environ["THIDUA_CATALOG"] = str(folder / "catalog")
    from lakehouse.pipeline import gold
    from lakehouse.pipeline.refresh import refresh
    from lakehouse.pipeline.runs import Run
    from lakehouse.reference.catalog import load
    from lakehouse.store import Lake

    lake = Lake(folder / "lake")
    today = date.today()
    start = time.perf_counter()
    gold.rebuild(lake, Run("bench"), today, workers=1)   # the one-process reference, on any lake
    here = time.perf_counter() - start
    cat = load(folder / "catalog")
    start = time.perf_counter()
    refresh(lake, cat, full=True)
    full_here = time.perf_counter() - start
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        start = time.perf_counter()
        gold.rebuild(lake, Run("bench"), today, scheduler=cluster.scheduler_address)
        cold = time.perf_counter() - start
        # A cluster that stays up between nights has its workers' imports done: the second run.
        start = time.perf_counter()
        gold.rebuild(lake, Run("bench"), today, scheduler=cluster.scheduler_address)
        warm = time.perf_counter() - start
        start = time.perf_counter()
        refresh(lake, cat, full=True, scheduler=cluster.scheduler_address)
        full_there = time.perf_counter() - start
    return {"gold_one_process_s": round(here, 2), f"gold_{workers}_workers_cold_s": round(cold, 2),
            f"gold_{workers}_workers_warm_s": round(warm, 2), "ratio_warm": round(warm / here, 2),
            "refresh_full_one_process_s": round(full_here, 2),
            f"refresh_full_{workers}_workers_s": round(full_there, 2), "ratio_refresh": round(full_there / full_here, 2)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", required=True, type=Path, help="a folder bench.build made (catalog/ and lake/)")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    print(measure(args.dir, args.workers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
