"""Dashboard render times: each page's first render and a filter change, on the demo lake and
on a lake ten times larger (the demo's units copied nine times over), measured in one run; and
in Chromium, the overview drawn after signing in on the demo lake.

    python -m bench.dashboard [--lake DIR] [--repeat 3]

Page renders run through Streamlit's AppTest (the real app script, without a browser), so those
figures are the server-side time a page takes, which is what grows with the lake. The sign-in
figure is what a leader waits for: from pressing "Đăng nhập" to every chart of the overview
drawn, in a real browser against a running server; its reference, measured in the same run, is
Streamlit's own round trip (a one-button app: click → redrawn), and its goal is 2 s.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from lakehouse.store import Lake

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
CHROMIUM = "/usr/bin/chromium"
PAGES = ["overview", "unit", "indicator", "ranking", "completeness", "upload", "quality", "catalog"]
COPIED = ["gold.attainment", "gold.unit_scores", "gold.completeness", "reference.units",
          "reference.cluster_members", "reference.assignments"]


def build_demo(root: Path) -> Lake:
    from jobs.__main__ import main
    main(["demo", "--lake", str(root), "--out", str(root.parent / "reports")])
    return Lake(root)


def enlarge(src: Lake, dst: Lake, factor: int) -> Lake:
    """Every table of ``src`` in ``dst``; units (and all their rows) copied ``factor`` times."""
    from lakehouse.tables import TABLES

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

    from lakehouse import accounts
    from lakehouse.accounts import Account

    os.environ["THIDUA_LAKE"] = lake.location
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(script: Path, env: dict):
    """``streamlit run script`` on a free port; yields its URL as soon as the process is started
    (callers that time the start wait for the page themselves)."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def goto(page, url: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            page.goto(url, timeout=5000)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# Both charts of the overview drawn (the sign-in page's hidden warm-up chart does not count).
OVERVIEW_DRAWN = """() => !document.querySelector('[data-testid="stStatusWidget"]') &&
    [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
      .filter(c => !c.closest('.st-key-warm-charts') && c.querySelector('.main-svg')).length >= 2"""
TYPING = 1.5   # seconds on the sign-in page before pressing the button, as a person typing


def sign_in_to_overview(lake: Lake, repeat: int) -> tuple[float, float]:
    """Median seconds from pressing "Đăng nhập" to the overview's charts drawn (a warm server,
    a new browser each time: no cookie, no cache; ``TYPING`` seconds on the sign-in page first,
    as a person takes to type), and the same click → redraw on a one-button app."""
    from playwright.sync_api import sync_playwright

    from lakehouse import accounts

    users = lake.root.parent / "bench-browser-users.json"
    accounts.upsert("bench", "leadership", "bench-2025", [], "Đo hiệu năng", path=users)
    env = {"THIDUA_LAKE": lake.location, accounts.ENV_USERS: str(users)}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        button = Path(tmp) / "button.py"
        button.write_text("import streamlit as st\nif st.button('Bấm'):\n    st.title('Xong')\n", encoding="utf-8")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ours, floor = [], []
        with streamlit_server(Path(APP), env) as url:
            for n in range(repeat + 1):          # the first visit warms the server's caches, as any day
                page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
                goto(page, url + "/?campaign=TPLS2024")
                page.get_by_label("Tên đăng nhập").fill("bench")
                page.get_by_label("Mật khẩu").fill("bench-2025")
                page.wait_for_timeout(TYPING * 1000)
                start = time.perf_counter()
                page.get_by_role("button", name="Đăng nhập").click()
                page.wait_for_function(OVERVIEW_DRAWN, timeout=120_000)
                if n:
                    ours.append(time.perf_counter() - start)
                page.context.close()
        with streamlit_server(button, {}) as url:
            for n in range(repeat + 1):
                page = browser.new_context().new_page()
                goto(page, url)
                start = time.perf_counter()
                page.get_by_role("button", name="Bấm").click()
                page.get_by_role("heading", name="Xong").wait_for()
                if n:
                    floor.append(time.perf_counter() - start)
                page.context.close()
        browser.close()
    return statistics.median(ours), statistics.median(floor)


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
        signed = sign_in_to_overview(base, args.repeat) if Path(CHROMIUM).exists() else None
    print(f"gold.attainment rows: demo {rows[0]:,}, ×{args.factor} {rows[1]:,}; median of {args.repeat} runs, seconds")
    print(f"{'page':14} {'first (demo)':>13} {'first (×10)':>12} {'ratio':>6} {'filter (demo)':>14} "
          f"{'filter (×10)':>13} {'ratio':>6}")
    for page in PAGES:
        (f1, c1), (f2, c2) = small_t[page], big_t[page]
        print(f"{page:14} {f1:13.3f} {f2:12.3f} {f2 / f1:6.2f} {c1:14.3f} {c2:13.3f} {c2 / c1:6.2f}")
    if signed:
        ours, floor = signed
        print(f"\nChromium, demo lake: sign-in → overview drawn {ours:.2f} s; Streamlit's click → redraw "
              f"(one-button app) {floor:.2f} s; ratio {ours / floor:.1f}; goal ≤ 2 s: "
              f"{'met' if ours <= 2 else 'not met'}")


if __name__ == "__main__":
    main()
