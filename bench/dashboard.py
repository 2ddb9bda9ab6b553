"""Dashboard render times: each page's first render and a filter change, on the demo lake and
on a lake ten times larger (the demo's units copied nine times over), measured in one run.

    python -m bench.dashboard [--lake DIR] [--repeat 3]

Renders run through Streamlit's AppTest (the real app script, without a browser), so the
figures are the server-side time a page takes, which is what grows with the lake.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from lake.store import Lake

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
PAGES = ["overview", "unit", "indicator", "ranking", "completeness", "upload", "quality", "catalog"]
COPIED = ["gold.attainment", "gold.unit_scores", "gold.completeness", "reference.units",
          "reference.cluster_members", "reference.assignments"]


def build_demo(root: Path) -> Lake:
    from jobs.__main__ import main
    main(["demo", "--lake", str(root), "--out", str(root.parent / "reports")])
    return Lake(root)


def enlarge(src: Lake, dst: Lake, factor: int) -> Lake:
    """Every table of ``src`` in ``dst``; units (and all their rows) copied ``factor`` times."""
    from lake.tables import TABLES

    for name in TABLES:
        if not src.exists(name):
            continue
        frame = src.read(name)
        if name in COPIED:
            copies = [frame]
            for k in range(1, factor):
                c = frame.with_columns(pl.col("unit_code") + f"~{k}")
                if name == "reference.units":
                    c = c.with_columns(pl.col("name") + f" ({k})")
                copies.append(c)
            frame = pl.concat(copies)
        dst.overwrite(name, frame)
    return dst


def _time_page(lake: Lake, page: str) -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    from lake import accounts
    from lake.accounts import Account

    os.environ["THIDUA_LAKE"] = str(lake.root)
    bench = Account("bench", "Bench", "admin")
    users = lake.root.parent / "bench-users.json"
    accounts.save({bench.username: bench}, users)
    os.environ["THIDUA_USERS"] = str(users)   # the app checks the signed-in account on every run
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["account"] = bench
    at.query_params["campaign"] = "TPLS2024"
    start = time.perf_counter()
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    first = time.perf_counter() - start
    assert not at.exception, [e.message for e in at.exception]
    periods = at.selectbox(key="sel_period").options
    start = time.perf_counter()
    at.selectbox(key="sel_period").select(periods[0]).run()
    change = time.perf_counter() - start
    return first, change


def measure(lake: Lake, repeat: int) -> dict[str, tuple[float, float]]:
    from dashboard import data

    out = {}
    for page in PAGES:
        firsts, changes = [], []
        for _ in range(repeat):
            data._read.clear()  # a cold cache: what the first visitor after a refresh waits for
            f, c = _time_page(lake, page)
            firsts.append(f)
            changes.append(c)
        out[page] = (statistics.median(firsts), statistics.median(changes))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", help="an existing demo lake (default: build one in a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = Lake(args.lake) if args.lake else build_demo(Path(tmp) / "demo" / "lake")
        big = enlarge(base, Lake(Path(tmp) / "big" / "lake"), args.factor)
        rows = base.read("gold.attainment").height, big.read("gold.attainment").height
        small_t, big_t = measure(base, args.repeat), measure(big, args.repeat)
    print(f"gold.attainment rows: demo {rows[0]:,}, ×{args.factor} {rows[1]:,}; median of {args.repeat} runs, seconds")
    print(f"{'page':14} {'first (demo)':>13} {'first (×10)':>12} {'ratio':>6} {'filter (demo)':>14} "
          f"{'filter (×10)':>13} {'ratio':>6}")
    for page in PAGES:
        (f1, c1), (f2, c2) = small_t[page], big_t[page]
        print(f"{page:14} {f1:13.3f} {f2:12.3f} {f2 / f1:6.2f} {c1:14.3f} {c2:13.3f} {c2 / c1:6.2f}")


if __name__ == "__main__":
    main()
