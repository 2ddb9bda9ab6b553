"""A national campaign's pages: areas (provinces) first, one area's units on demand, trends as
shares of units (the benchmark generator's real units and files for two provinces, built by
the real refresh; AppTest runs the real app script, then Chromium at a desktop's and a phone's
size)."""
import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from bench import generate
from lakehouse.periods import label_vi
from lakehouse.pipeline.refresh import refresh
from lakehouse.reference.catalog import load
from lakehouse.store import Lake
from tests.dashboard.browser import ARGS, ARTIFACTS, CHROMIUM, DESKTOP, PHONE, problems_on, serve, settled, sign_in
from tests.dashboard.test_app import LEADER, open_app

SCALE = generate.Scale("two-provinces", (20, 4), 3, date(2025, 1, 1), 2)
PERIOD = SCALE.periods[-1]


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Lake:
    root = tmp_path_factory.mktemp("national")
    cat = load(generate.write_catalog(SCALE, root / "catalog"))
    lake = Lake(root / "lake")
    generate.receive_files(lake, generate.report_files(SCALE))
    refresh(lake, cat, as_of=SCALE.end + timedelta(days=40))
    return lake


def chart(at, n: int) -> dict:
    return json.loads(at.get("plotly_chart")[n].proto.spec)


def test_the_overview_draws_areas_then_the_units_of_the_area_chosen(national, monkeypatch):
    query = {"campaign": generate.CAMPAIGN, "period": PERIOD}
    at = open_app(national.root, LEADER, query=query, monkeypatch=monkeypatch)
    assert not at.exception and not at.error
    # The counts come from gold.area_status and equal those of the attainment rows.
    att = national.read("gold.attainment", where={"period": [PERIOD]}).filter(
        pl.col("parent_code").is_null() & ~pl.col("is_rollup"))
    expected = dict(att.group_by("status").len().iter_rows())
    shown = {m.label: int(m.value) for m in at.metric}
    assert shown["● Đạt"] == expected.get("met", 0) and shown["▼ Chưa đạt"] == expected.get("not_met", 0)
    assert sum(shown.values()) == att.height
    assert "Ma trận địa bàn × chỉ tiêu" in [s.value for s in at.subheader]
    areas = chart(at, 1)["data"][0]["y"]
    assert sorted(areas) == ["Tỉnh Cao Bằng", "Tỉnh Lạng Sơn"]
    # One area's units: Cao Bằng's communes, districts and the province, nothing of Lạng Sơn.
    picker = [s for s in at.selectbox if s.label == "Xem các đơn vị của địa bàn"][0]
    picker.set_value("04").run()
    assert "Các đơn vị của Tỉnh Cao Bằng" in [s.value for s in at.subheader]
    units = set(chart(at, 2)["data"][0]["y"])
    names = dict(national.read("reference.units").select("unit_code", "name").iter_rows())
    mine = set(att.filter(pl.col("unit_code").is_in(list(_units_under(national, "04"))))["unit_code"])
    assert units == {names[u] for u in mine} and "Phường Hoàng Văn Thụ" not in units
    assert at.query_params["area"] in ("04", ["04"])   # a shared link opens the same area
    # A phone: a row per area with its counts, then the chosen area's units, a row each.
    phone = open_app(national.root, LEADER, query={**query, "giao-dien": "dien-thoai", "area": "04"},
                     monkeypatch=monkeypatch)
    assert not phone.exception and not phone.get("plotly_chart")
    tables = [t.value for t in phone.dataframe]
    by_area = [t for t in tables if "Địa bàn" in t.columns][0]
    assert list(by_area.columns) == ["Địa bàn", "▲", "●", "▼", "○"] and len(by_area) == 2
    assert [t for t in tables if "Đơn vị" in t.columns][0].shape[0] == len(mine)


def _units_under(lake: Lake, top: str) -> set[str]:
    parent = dict(lake.read("reference.units").select("unit_code", "parent_code").iter_rows())
    out = set()
    for unit in parent:
        here = unit
        while here is not None and here != top:
            here = parent.get(here)
        if here == top:
            out.add(unit)
    return out


def test_the_indicator_page_draws_areas_and_the_share_of_units_over_time(national, monkeypatch):
    indicator = generate.indicator_list(SCALE)[0]["code"]
    query = {"campaign": generate.CAMPAIGN, "period": PERIOD, "indicator": indicator, "area": "20"}
    at = open_app(national.root, LEADER, "indicator", query=query, monkeypatch=monkeypatch)
    assert not at.exception and not at.error
    heads = [s.value for s in at.subheader]
    assert any(h.startswith("Các địa bàn") for h in heads) and any(h.startswith("Các đơn vị của Tỉnh Lạng Sơn") for h in heads)
    bars = chart(at, 0)["data"][0]
    assert sorted(bars["x"]) == ["Tỉnh Cao Bằng", "Tỉnh Lạng Sơn"]
    # The share drawn for an area is its units at or above target among those with a target.
    att = national.read("gold.attainment", where={"period": [PERIOD], "indicator_code": [indicator]}).filter(
        ~pl.col("is_rollup") & pl.col("unit_code").is_in(list(_units_under(national, "20"))))
    judged = att.filter(pl.col("status") != "no_target")
    share = 100 * judged.filter(pl.col("status").is_in(["met", "exceeded"])).height / judged.height
    assert dict(zip(bars["x"], bars["y"]))["Tỉnh Lạng Sơn"] == pytest.approx(share)
    trend = [c for c in (chart(at, n) for n in range(len(at.get("plotly_chart"))))
             if c["layout"].get("yaxis", {}).get("title", {}).get("text") == "Đơn vị đạt trở lên (%)"
             and c["data"][0]["type"] == "scatter"][0]
    assert {t["name"] for t in trend["data"]} == {"Toàn phong trào", "Tỉnh Lạng Sơn"}
    assert all(len(t["x"]) == len(SCALE.periods) for t in trend["data"])


def test_the_reporting_progress_is_drawn_by_area_and_lists_the_late_units_of_one(national, monkeypatch):
    query = {"campaign": generate.CAMPAIGN, "period": PERIOD, "area": "20"}
    at = open_app(national.root, LEADER, "completeness", query=query, monkeypatch=monkeypatch)
    assert not at.exception and not at.error
    grid = chart(at, 0)["data"][0]
    assert sorted(grid["y"]) == ["Tỉnh Cao Bằng", "Tỉnh Lạng Sơn"] and len(grid["x"]) == len(SCALE.periods)
    comp = national.read("gold.completeness", where={"period": [PERIOD]})
    assert int([m for m in at.metric if m.label == "Đơn vị phải báo cáo"][0].value) == comp.height
    # Each cell: the share of the area's units that sent everything owed.
    mine = comp.filter(pl.col("unit_code").is_in(list(_units_under(national, "20"))))
    share = mine.filter(pl.col("state").is_in(["complete", "complete_late"])).height / mine.height
    row = grid["y"].index("Tỉnh Lạng Sơn")
    assert grid["text"][row][grid["x"].index(label_vi(PERIOD))] == f"{round(share * 100)}%"
    assert "Đơn vị chậm hoặc thiếu của Tỉnh Lạng Sơn" in " ".join(s.value for s in at.subheader)
    late = mine.filter((pl.col("late") > 0) | (pl.col("missing") > 0))
    names = dict(national.read("reference.units").select("unit_code", "name").iter_rows())
    listed = [t.value for t in at.dataframe if "Còn thiếu" in t.value.columns]
    assert (set(listed[0]["Đơn vị"]) if listed else set()) == {names[u] for u in late["unit_code"]}


def test_a_lake_from_before_reporting_counts_by_area_draws_the_grid_from_completeness(national, tmp_path, monkeypatch):
    """A lake built by code from before gold.area_completeness draws the same reporting grid,
    counted from completeness rows: before its next refresh, and at a day chosen from before."""
    import time
    from datetime import datetime, timezone

    from lakehouse.pipeline import gold

    query = {"campaign": generate.CAMPAIGN, "period": PERIOD}
    now = chart(open_app(national.root, LEADER, "completeness", query=query, monkeypatch=monkeypatch), 0)["data"][0]
    cat = load(national.root.parent / "catalog")
    lake = Lake(tmp_path / "lake")
    generate.receive_files(lake, generate.report_files(SCALE))
    with monkeypatch.context() as old_code:
        old_code.setattr(gold, "GOLD", tuple(t for t in gold.GOLD if t != "gold.area_completeness"))
        refresh(lake, cat, as_of=SCALE.end + timedelta(days=40))
    assert not lake.exists("gold.area_completeness")
    # Before its next refresh, the upgraded dashboard counts the grid from completeness.
    at = open_app(lake.root, LEADER, "completeness", query=query, monkeypatch=monkeypatch)
    assert not at.exception and not at.error
    assert chart(at, 0)["data"][0]["text"] == now["text"]
    time.sleep(1.1)
    before = datetime.now(timezone.utc)
    time.sleep(1.1)
    refresh(lake, cat, as_of=SCALE.end + timedelta(days=40))   # the upgraded code builds the table
    assert lake.exists("gold.area_completeness")
    at = open_app(lake.root, LEADER, "completeness", query={**query, "ngay": before.isoformat()}, monkeypatch=monkeypatch)
    assert not at.exception and not at.error and at.session_state["as_of"] is not None
    then = chart(at, 0)["data"][0]
    assert (then["x"], then["y"], then["z"], then["text"]) == (now["x"], now["y"], now["z"], now["text"])


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_national_pages_read_right_in_a_browser_at_both_sizes(national, tmp_path, size):
    """The three national views in Chromium, as a leader opens them from a shared link (an area
    chosen): no error, no sideways scroll, whole tables where a leader reads them, no English,
    nothing serious for axe-core; the chosen area's units are listed by name."""
    playwright = pytest.importorskip("playwright.sync_api")
    query = f"?campaign={generate.CAMPAIGN}&period={PERIOD}&area=04"
    problems = {}
    with serve(national.root, tmp_path) as (url, _), playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(locale="vi-VN", **(DESKTOP if size == "desktop" else PHONE))
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        sign_in(page, "lanhdao", "lanhdao2024")
        for path in ("", "chi-tieu", "tien-do"):
            page.goto(f"{url}/{path}{query}")
            page.locator("h1").first.wait_for()
            settled(page)
            if found := problems_on(page):
                problems[path or "tong-quan"] = found
            if path == "":
                assert "Các đơn vị của Tỉnh Cao Bằng" in page.locator("body").inner_text()
                page.screenshot(path=str(ARTIFACTS / f"{size}-toan-quoc.png"), full_page=True)
        browser.close()
    assert not problems, problems
