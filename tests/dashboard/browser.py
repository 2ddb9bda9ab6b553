"""The real app in a real browser, for the browser tests: a Streamlit server on a copy of a
lake, Debian's Chromium driven by Playwright (never a downloaded browser), and the steps every
test repeats (sign in, wait until the page has drawn, run axe-core)."""
from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
A11Y = ROOT / "tests" / "a11y"
AXE = A11Y / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = dict(viewport={"width": 1440, "height": 900})
# What a phone's browser sends: its size, touch, and a User-Agent with "Mobile".
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
             user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/130.0 Mobile Safari/537.36")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@contextmanager
def serve(lake_source: Path, workdir: Path, catalog: Path | None = None):
    """The dashboard on a private copy of ``lake_source``, with the demo accounts (and the
    catalog folder ``catalog``, when the test changes it); yields its URL and the lake's folder
    once the server answers."""
    from bench.dashboard import streamlit_server
    from jobs.demo import demo_accounts

    lake_dir = workdir / "lake"
    shutil.copytree(lake_source, lake_dir)
    users = workdir / "users.json"
    demo_accounts(users)
    env = {"THIDUA_LAKE": str(lake_dir), "THIDUA_USERS": str(users), "PYTHONPATH": str(ROOT)}
    if catalog is not None:
        env["THIDUA_CATALOG"] = str(catalog)
    with streamlit_server(ROOT / "dashboard" / "app.py", env) as url:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start")
                time.sleep(0.5)
        yield url, lake_dir


def sign_in(page, user: str, password: str) -> None:
    """Sign in, and wait until the session cookie is set (the next address opened is signed in)."""
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_function("() => document.cookie.includes('thidua_session=')")


def settled(page) -> None:
    """The script run has finished and every Plotly chart has drawn its SVG."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                              .every(c => c.querySelector('.main-svg'))""")
    page.wait_for_timeout(300)


def axe_core() -> Path:
    """axe-core from the npm registry (``tests/a11y/package.json``), installed on first use."""
    if not AXE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(A11Y)], check=True,
                       stdout=subprocess.DEVNULL)
    return AXE


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_core()))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)""")
    return list(found)


# Streamlit's English that once showed, and our own words that once leaked (layout and job codes).
ENGLISH = ("Upload", "per file", "Browse files", "Drag and drop", "Print", "Record screen", "canonical",
           "— ingest", "— refresh", "Download as CSV", "Traceback")
ENGLISH_LABELS = ("Link to heading", "Download as CSV", "Search", "Fullscreen", "Show/hide columns")


def problems_on(page, tables_fit: bool = True) -> list[str]:
    """What is wrong with the page as drawn: errors, hidden columns, sideways scroll, English."""
    found = []
    if page.locator('[data-testid="stException"]').count():
        found.append("an exception is shown")
    found += [f"error box: {t}" for t in page.locator('[data-testid="stAlertContentError"]').all_inner_texts()]
    cut = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(e => {
        const s = e.querySelector('.dvn-scroller');
        return s && s.scrollWidth > s.clientWidth + 1 ? `${s.scrollWidth} > ${s.clientWidth}` : null;
    }).filter(Boolean)""")
    found += [f"a table scrolls sideways ({c} px)" for c in cut if tables_fit]
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if wide[0] > wide[1] + 1:
        found.append(f"the page scrolls sideways ({wide[0]} > {wide[1]} px)")
    text = page.locator("body").inner_text()
    found += [f"English on screen: {w!r}" for w in ENGLISH if w in text]
    labels = set(page.evaluate("() => [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))"))
    found += [f"English label: {w!r}" for w in ENGLISH_LABELS if w in labels]
    found += serious_violations(page)
    return found
