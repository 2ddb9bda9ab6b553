"""The benchmarks of the national-scale issue, each against a reference measured in the same run.

    python -m bench --scale province|region|nation|nation5y [--dir DIR] [--repeat 3] [--json FILE]

1. ingest    a 100,000-row .xlsx report from file to gold (in a warm process, as the upload
             page runs it); references: calamine reading the file (the floor) and a
             straightforward pandas pipeline (``pandas.read_excel`` with openpyxl, the same GX
             suite on pandas, a Delta write).
2. upload    one unit's re-submission (100 values) from confirming to the overview's query
             returning the new figures; reference: the same on a province lake.
3. refresh   the nightly full rebuild of silver and gold (child process, peak memory from the
             kernel); reference: polars parsing every kept file (the floor).
4. queries   every dashboard page's queries (``dashboard.data``, the read cache cleared: tables
             stay open, as in a running server); reference: DuckDB over the same Delta files
             (file list from the log), the page's main query.
5. start     ``streamlit run dashboard/app.py`` to its first screen (the sign-in form) seen in
             Chromium, and on to the overview's charts drawn after signing in at once;
             reference: a one-line Streamlit app started the same way.

Each figure is the median of ``--repeat`` runs (the refresh of a built lake is measured once,
when it is built: ``bench/build.py``). The table is printed and written as JSON. A benchmark,
not a test: CI runs it at the smallest scale only, to keep it working.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from bench import generate
from bench.build import build
from lakehouse.store import Lake
from lakehouse.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Figure:
    measure: str
    value: float
    unit: str
    reference: str
    reference_value: float
    goal: str
    met: bool | None

    @property
    def ratio(self) -> float:
        return self.value / self.reference_value if self.reference_value else float("nan")


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _built(scale: str, folder: Path) -> dict:
    figures = folder / "build.json"
    if figures.exists():
        return json.loads(figures.read_text(encoding="utf-8"))
    return build(scale, folder, progress=sys.stderr.isatty())


def _catalog(folder: Path):
    from lakehouse.reference.catalog import load
    return load(folder / "catalog")


# ------------------------------------------------------------------ 1. ingest
def big_report(folder: Path, rows: int = 100_000, variant: int = 0, sent: str = "") -> bytes:
    """A canonical .xlsx of ``rows`` values: whole months of the scale's units and indicators,
    latest months first (re-submissions of what the lake holds, so they supersede it).
    ``sent`` marks the workbook's properties, so that runs on the same lake send new files (a
    file received before is only acknowledged) with the same values."""
    from openpyxl import Workbook

    cat = _catalog(folder)
    leaves = [i for i in cat.indicators.values() if i.rule["type"] != "all_of"]
    units = sorted(cat.reporters(leaves[0]))
    periods = sorted(generate.SCALES[json.loads((folder / "build.json").read_text())["scale"]].periods, reverse=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Báo cáo")
    ws.append(generate.HEADER)
    n = 0
    for period in periods:
        for ind in leaves:
            kind = ind.rule["type"]
            for k, unit in enumerate(units):
                if n >= rows:
                    break
                base = None
                if kind == "done":
                    value = "Có"
                elif kind == "group_at_least":
                    value = "Khá"
                else:
                    value = float(ind.rule.get("value") or ind.rule.get("low") or 10) + (k % 7) * 0.1 + variant * 0.01
                    if kind in ("reduce_pct", "increase_pct", "change_pp", "rank_up", "add"):
                        base = value + 1
                ws.append([unit, ind.code, period, value, base])
                n += 1
    wb.properties.identifier = f"bench-{sent}-{variant}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pandas_pipeline(data: bytes, cat, target: Path) -> None:
    """What a team without this product writes: pandas reads the workbook, types it, runs the
    same GX suite, writes a Delta table."""
    import pandas as pd
    from deltalake import write_deltalake

    from lakehouse.pipeline.ingest import assignment_keys
    from lakehouse import checks

    df = pd.read_excel(io.BytesIO(data), engine="openpyxl", dtype=str)
    df.columns = ["unit_code", "indicator_code", "period", "value_text", "baseline_text"]
    inds = pd.DataFrame([{"indicator_code": i.code, "value_min": i.value_min, "value_max": i.value_max}
                         for i in cat.indicators.values()])
    df = df.merge(inds, on="indicator_code", how="left")
    df["value"] = pd.to_numeric(df["value_text"].str.replace(",", ".", regex=False), errors="coerce")
    df["value"] = df["value"].fillna(df["value_text"].map({"Có": 1.0, "Khá": 3.0}))
    df["baseline"] = pd.to_numeric(df["baseline_text"], errors="coerce")
    df["assignment"] = df["indicator_code"] + "|" + df["unit_code"]
    df["assigned"] = df["assignment"].isin(set(assignment_keys(cat)))
    df["file_id"] = "pandas"
    start, end = pd.Timestamp("2000-01-01"), pd.Timestamp("2100-01-01")
    df["period_start"] = df["period_end"] = df["window_start"] = df["window_end"] = start
    df["window_end"] = end
    checks.run_suite("silver.report_values", pl.from_pandas(df), rows=True)
    write_deltalake(str(target), df[["unit_code", "indicator_code", "period", "value", "baseline"]], mode="overwrite")


@contextlib.contextmanager
def left_as_found(lake: Lake) -> Iterator[None]:
    """The lake as it was before a measure that writes to it: each table a measure moved is
    restored to its version before (bronze's kept bytes stay, unreferenced). Every run then
    measures the lake the build made, not one whose bench month grows with each run's ingests
    (it held nine versions of every value after a dozen runs)."""
    before = {name: lake.version(name) for name in TABLES if lake.exists(name)}
    try:
        yield
    finally:
        for name, version in before.items():
            if lake.version(name) != version:
                lake.restore(name, version)


def measure_ingest(folder: Path, repeat: int, rows: int = 100_000) -> list[Figure]:
    import fastexcel

    from lakehouse.pipeline.ingest import ingest_bytes
    from lakehouse import checks

    cat = _catalog(folder)
    lake = Lake(folder / "lake")
    sent = str(lake.read("bronze.manifest", columns=["file_id"]).height)
    files = [big_report(folder, rows, variant=k + 1, sent=sent) for k in range(repeat + 1)]
    floor = median_time(lambda: fastexcel.read_excel(files[0]).load_sheet(0).to_polars(), repeat)
    with tempfile.TemporaryDirectory() as tmp:
        pandas_t = median_time(lambda: pandas_pipeline(files[0], cat, Path(tmp) / "t"), repeat)
    checks._context()  # GX is loaded once per process, as in the dashboard's server
    with left_as_found(lake):
        ingest_bytes(lake, cat, files[0], "bao-cao-100k.xlsx", received_by="bench", channel="cli")  # warm-up
        it = iter(files[1:])
        ours = median_time(lambda: ingest_bytes(lake, cat, next(it), "bao-cao-100k.xlsx", received_by="bench",
                                                channel="cli"), repeat)
    name = f"ingest {rows // 1000}k-row .xlsx → gold"
    return [Figure(name, ours, "s", "calamine read (floor)", floor, "≤ 3× floor", ours <= 3 * floor),
            Figure(name, ours, "s", "pandas+openpyxl+GX pipeline", pandas_t,
                   "≥ 20× faster (ratio ≤ 0.05)", ours * 20 <= pandas_t)]


# ------------------------------------------------------------------ 2. upload to screen
def upload_to_screen(folder: Path, repeat: int) -> float:
    from lakehouse.pipeline.ingest import ingest_bytes

    cat = _catalog(folder)
    scale = generate.SCALES[json.loads((folder / "build.json").read_text())["scale"]]
    lake = Lake(folder / "lake")
    inds = generate.indicator_list(scale)
    unit = sorted(cat.reporters(cat.indicators[inds[0]["code"]]))[0]
    period = scale.periods[-1]
    os.environ["THIDUA_LAKE"] = lake.location
    times = []
    # Values that differ at every run on the same lake (a file sent again unchanged is only acknowledged).
    base = lake.read("bronze.manifest", columns=["file_id"]).height
    with left_as_found(lake):
        for k in range(repeat + 1):
            payload = generate.resubmission(scale, unit, period, inds, seed=1000 + base + k)
            t = time.perf_counter()
            report = ingest_bytes(lake, cat, payload, f"bo-sung-{unit}-{k}.csv", received_by="bench", channel="upload")
            counts = overview_reads(generate.CAMPAIGN, period)
            times.append(time.perf_counter() - t)
            assert report.ok and sum(counts.values()) > 0, report.summary_vi()
    return statistics.median(times[1:])  # the first pays for imports and GX's start


# ------------------------------------------------------------------ 4. dashboard queries
def overview_reads(c: str, period: str) -> dict[str, int]:
    """The overview's data calls, as the page makes them (a national campaign: its areas, then
    the first area's units); returns the status counts it shows."""
    from dashboard import data

    counts = data.status_counts(c, period)
    if data.units_counted(c, period) <= data.MATRIX_UNITS:
        data.matrix(c, period)
    else:
        areas = data.area_status(c, period)
        data.matrix(c, period, data.area_units(c, _first_area(areas)))
    data.year_end_forecast(c, period), data.ahead_and_behind(c, period)
    return counts


def _first_area(frame) -> str:
    """The area a national page opens on (its picker's first: by name)."""
    return frame.sort("area_name", "area_code")["area_code"][0]


def indicator_reads(c: str, period: str, indicator: str) -> None:
    """The indicator page's data calls, as the page makes them."""
    from dashboard import data

    data.indicators_with_data(c, period)
    if not data.by_area(c, period):
        data.indicator_across_units(c, indicator, period), data.indicator_trend(c, indicator)
        return
    area = _first_area(data.area_status(c, period, indicator))
    data.indicator_across_units(c, indicator, period, data.area_units(c, area))
    data.indicator_shares(c, indicator, area)


def completeness_reads(c: str, period: str) -> None:
    """The reporting-progress page's data calls, as the page makes them."""
    from dashboard import data

    if not data.by_area(c, period):
        data.completeness(c), data.completeness(c, period)
        return
    area = _first_area(data.completeness_by_area(c))
    data.completeness(c, period).filter(pl.col("unit_code").is_in(data.area_units(c, area)))


def page_queries(period: str, unit: str, indicator: str) -> dict:
    """Each page's data calls, as the page makes them."""
    from dashboard import data

    c = generate.CAMPAIGN

    return {
        "overview": lambda: overview_reads(c, period),
        "unit": lambda: (data.units_of(c), data.scorecard(c, unit, period), data.year_end_forecast(c, period, unit),
                         data.unit_trend(c, unit),
                         data.unit_vs_cluster(c, unit)),
        "indicator": lambda: indicator_reads(c, period, indicator),
        "ranking": lambda: data.scores(c, period),
        "completeness": lambda: completeness_reads(c, period),
        "quality": lambda: (data.runs(), data.quarantine("")),
        "upload": lambda: data.uploads(None),
    }


def duckdb_queries(lake: Lake, period: str, unit: str, indicator: str) -> dict:
    """The same aggregations in DuckDB over the tables' current Parquet files."""
    import duckdb

    con = duckdb.connect()

    def files(name):
        return "[" + ", ".join(f"'{f}'" for f in lake.table(name).file_uris()) + "]"

    att, scores, comp = files("gold.attainment"), files("gold.unit_scores"), files("gold.completeness")
    silver, manifest = files("silver.report_values"), files("bronze.manifest")

    def ordered(name, order):   # DuckDB reads no empty file list: an empty table is nothing to read
        uris = lake.table(name).file_uris() if lake.exists(name) else []
        return con.sql(f"SELECT * FROM read_parquet({uris}, union_by_name = true) ORDER BY {order}").to_arrow_table() \
            if uris else None
    c = generate.CAMPAIGN
    hive = "hive_partitioning = true, union_by_name = true"

    def q(sql):
        return lambda: con.sql(sql).to_arrow_table()

    return {
        "overview": q(f"SELECT status, count(*) FROM read_parquet({att}, {hive}) WHERE campaign_code = '{c}' "
                      f"AND period = '{period}' AND parent_code IS NULL AND NOT is_rollup GROUP BY status"),
        "unit": q(f"SELECT * FROM read_parquet({att}, {hive}) WHERE campaign_code = '{c}' AND unit_code = '{unit}'"),
        "indicator": q(f"SELECT * FROM read_parquet({att}, {hive}) WHERE campaign_code = '{c}' "
                       f"AND indicator_code = '{indicator}' AND actual IS NOT NULL"),
        "ranking": q(f"SELECT * FROM read_parquet({scores}, {hive}) WHERE campaign_code = '{c}' AND period = '{period}'"),
        "completeness": q(f"SELECT * FROM read_parquet({comp}, {hive}) WHERE campaign_code = '{c}'"),
        # The page's two reads: the run log newest first, the quarantine in its order.
        "quality": lambda: (ordered("ops.runs", "started_at DESC"),
                            ordered("silver.quarantine", 'quarantined_at DESC, original_name, "row"')),
        "upload": q(f"SELECT m.file_id, count(*) FROM read_parquet({manifest}) m JOIN read_parquet({silver}, {hive}) s "
                    f"USING (file_id) GROUP BY m.file_id"),
    }


def measure_queries(folder: Path, repeat: int) -> list[Figure]:
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from dashboard import data

    lake = Lake(folder / "lake")
    os.environ["THIDUA_LAKE"] = lake.location
    scale = generate.SCALES[json.loads((folder / "build.json").read_text())["scale"]]
    cat = _catalog(folder)
    indicator = generate.indicator_list(scale)[0]["code"]
    unit = sorted(cat.reporters(cat.indicators[indicator]))[-1]
    period = scale.periods[-1]
    ours, theirs = page_queries(period, unit, indicator), duckdb_queries(lake, period, unit, indicator)
    out = []
    for page, fn in ours.items():
        def cold(fn=fn):
            data._read.clear()
            fn()
        t = median_time(cold, repeat)
        ref = median_time(theirs[page], repeat)
        out.append(Figure(f"page query: {page}", t, "s", "DuckDB, same files", ref, "≤ DuckDB and < 0.3 s",
                          t <= ref and t < 0.3))
    return out


# ------------------------------------------------------------------ 5. dashboard start
def time_to_render(script: Path, env: dict, wait_for: str,
                   login: tuple[str, str] | None = None) -> tuple[float, float | None]:
    """Seconds from ``streamlit run script`` to ``wait_for`` seen in a new Chromium, and, with a
    login, on to the overview's charts drawn after signing in at once (no typing pause)."""
    from playwright.sync_api import sync_playwright

    from bench.dashboard import OVERVIEW_DRAWN, goto, streamlit_server

    start = time.perf_counter()
    with streamlit_server(script, env) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        goto(page, url + "/")
        page.get_by_text(wait_for, exact=False).first.wait_for(timeout=120_000)
        shown, drawn = time.perf_counter() - start, None
        if login:
            page.get_by_label("Tên đăng nhập").fill(login[0])
            page.get_by_label("Mật khẩu").fill(login[1])
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_function(OVERVIEW_DRAWN, timeout=120_000)
            drawn = time.perf_counter() - start
        browser.close()
        return shown, drawn


def measure_start(folder: Path, repeat: int) -> list[Figure]:
    """``streamlit run dashboard/app.py`` until its first screen (the sign-in form) is seen, and
    on until the overview's charts are drawn after signing in; both against a one-line app."""
    if not Path("/usr/bin/chromium").exists():
        return []
    from lakehouse import accounts

    users = folder / "users.json"
    accounts.upsert("bench", "leadership", "bench-2025", [], "Đo hiệu năng", path=users)
    env = {"THIDUA_LAKE": str(folder / "lake"), "THIDUA_CATALOG": str(folder / "catalog"),
           accounts.ENV_USERS: str(users)}
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text("import streamlit as st\nst.title('Xin chào')\n", encoding="utf-8")
        # Interleaved, so a busy moment of the machine falls on both sides alike.
        refs, ours = [], []
        for _ in range(repeat):
            refs.append(time_to_render(hello, {}, "Xin chào")[0])
            ours.append(time_to_render(ROOT / "dashboard" / "app.py", env, "Tên đăng nhập", ("bench", "bench-2025")))
    ref = statistics.median(refs)
    shown = statistics.median(t for t, _ in ours)
    drawn = statistics.median(t for _, t in ours)
    return [Figure("streamlit run → first screen (sign-in form)", shown, "s", "one-line Streamlit app", ref,
                   "≤ 1.3× the one-line app", shown <= 1.3 * ref),
            Figure("streamlit run → overview drawn (signing in at once)", drawn, "s", "one-line Streamlit app", ref,
                   "reported: adds the sign-in and the national overview", None)]


# ------------------------------------------------------------------ the run
def run(scale: str, folder: Path, repeat: int, ingest_rows: int = 100_000) -> tuple[list[Figure], dict]:
    built = _built(scale, folder)
    figures: list[Figure] = [
        Figure("nightly refresh (full rebuild)", built["refresh_s"], "s", "polars parsing every file (floor)",
               built["parse_floor_s"], "nation5y < 600 s", built["refresh_s"] < 600 if scale == "nation5y" else None),
        Figure("nightly refresh peak memory", built["refresh_peak_mb"], "MB", "6 GB budget", 6144,
               "< 6144 MB", built["refresh_peak_mb"] < 6144),
    ]
    if "night_refresh_s" in built:   # a lake built before incremental refreshes has no such figure
        figures.append(Figure(f"nightly refresh, ordinary night ({built['night_files']} of {built['files']} files new)",
                              built["night_refresh_s"], "s", "full rebuild, same lake", built["refresh_s"],
                              "cost follows the change", None))
    figures += measure_queries(folder, repeat)
    figures += measure_start(folder, repeat)
    province = folder.parent / f"{folder.name}-province-reference" if scale != "province" else folder
    if scale != "province":
        _built("province", province)
    up_ref = upload_to_screen(province, repeat)
    up = upload_to_screen(folder, repeat) if province != folder else up_ref
    figures.append(Figure("upload → overview shows it (100 values)", up, "s", "same on the province lake", up_ref,
                          "< 5 s, ≈ province + small constant", up < 5 and up - up_ref < 1.0))
    figures += measure_ingest(folder, repeat, ingest_rows)
    return figures, built


def machine() -> dict:
    mem = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), None)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_mb": mem, "python": platform.python_version(),
            "polars": pl.__version__, "system": platform.platform()}


def table(figures: list[Figure]) -> str:
    lines = [f"{'measure':42} {'value':>10} {'reference':34} {'ref. value':>10} {'ratio':>7}  {'goal':28} met"]
    for f in figures:
        met = "—" if f.met is None else ("yes" if f.met else "NO")
        lines.append(f"{f.measure:42} {f.value:>9.3f}{f.unit[0]} {f.reference:34} {f.reference_value:>9.3f}{f.unit[0]} "
                     f"{f.ratio:>7.2f}  {f.goal:28} {met}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", choices=list(generate.SCALES), default="province")
    p.add_argument("--dir", type=Path, help="where the lake is built (and reused when already built)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", type=Path, help="write the figures here (default: DIR/results.json)")
    p.add_argument("--ingest-rows", type=int, default=100_000,
                   help="rows of the .xlsx the ingest is timed on (the goals are stated for 100,000)")
    args = p.parse_args(argv)
    tmp = None
    if args.dir is None:
        tmp = tempfile.mkdtemp(prefix="thidua-bench-")
        args.dir = Path(tmp) / args.scale
    try:
        figures, built = run(args.scale, args.dir, args.repeat, args.ingest_rows)
        print(f"scale {args.scale}: {built['values']:,} report values in {built['files']:,} files; "
              f"median of {args.repeat} runs")
        print(table(figures))
        out = args.json or args.dir / "results.json"
        out.write_text(json.dumps({"scale": args.scale, "measured_at": datetime.now(timezone.utc).isoformat(),
                                   "machine": machine(), "build": built,
                                   "figures": [{**asdict(f), "ratio": f.ratio} for f in figures]},
                                  indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"JSON: {out}")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
