"""End to end in a real browser: Debian's Chromium driven by Playwright.

Starts the app on a copy of the demo lake, signs in as a steward, uploads a real .xlsx and
sees the overview change; saves a screenshot of every page to ``tests/artifacts/``.
"""
from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from lakehouse.store import Lake
from tests.conftest import xlsx_bytes
from tests.dashboard.browser import ARGS, ARTIFACTS, CHROMIUM, serve, settled, sign_in

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture
def server(demo_lake_dir, tmp_path):
    with serve(demo_lake_dir / "lake", tmp_path) as (url, lake_dir):
        yield url, Lake(lake_dir)


@pytest.fixture
def page():
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        pg = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="vi-VN")
        pg.set_default_timeout(60_000)
        yield pg
        browser.close()


def _metric(pg, label: str) -> int:
    box = pg.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().strip())


def _shot(pg, name: str, heading: str) -> None:
    pg.get_by_role("heading", name=heading).first.wait_for()
    settled(pg)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _a_missing_value(lake: Lake) -> dict:
    """A TPLS2024 value the demo steward's units have not reported yet (a level indicator, any period)."""
    att = lake.read("gold.attainment")
    hit = att.filter((pl.col("campaign_code") == "TPLS2024") & (pl.col("status") == "no_data")
                     & pl.col("unit_code").is_in(["05971", "05974", "05977", "05980", "05983", "05986", "05989",
                                                  "05992"])
                     & pl.col("indicator_code").is_in(["TP24-12", "TP24-16", "TP24-11"]))
    return hit.sort("period", "unit_code").row(0, named=True)


def test_steward_uploads_and_the_overview_changes(server, page, tmp_path):
    url, lake = server
    target = _a_missing_value(lake)
    campaign_url = f"{url}/?campaign=TPLS2024&period={target['period']}"

    page.goto(campaign_url)
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill("canbo2024")
    page.get_by_role("button", name="Đăng nhập").click()
    _shot(page, "01-tong-quan", "Thi đua KT-XH thành phố Lạng Sơn 2024")
    before = _metric(page, "Chưa có số liệu")
    for path, name, heading in (("don-vi", "02-don-vi", None), ("chi-tieu", "03-chi-tieu", None),
                                ("xep-hang", "04-xep-hang", "Xếp hạng thi đua"),
                                ("tien-do", "05-tien-do", "Tiến độ báo cáo"),
                                ("chat-luong", "07-chat-luong", "Chất lượng dữ liệu")):
        page.get_by_role("link", name={"don-vi": "Đơn vị", "chi-tieu": "Chỉ tiêu", "xep-hang": "Xếp hạng thi đua",
                                       "tien-do": "Tiến độ báo cáo", "chat-luong": "Chất lượng dữ liệu"}[path]).click()
        page.wait_for_url(f"**/{path}**")
        if heading is None:
            page.locator("h1").first.wait_for()
            heading = page.locator("h1").first.inner_text().strip()
        _shot(page, name, heading)

    report = tmp_path / "bao-cao-bo-sung.xlsx"
    report.write_bytes(xlsx_bytes([[target["unit_code"], target["indicator_code"], target["period"], "97,5", "%",
                                    None, None, "Báo cáo bổ sung"],
                                   ["183", "LS21-01", "DOT", 99, "%", None, None, "Đơn vị không giao cho người gửi"]]))
    page.get_by_role("link", name="Tải lên").click()
    page.get_by_role("heading", name="Tải lên báo cáo").wait_for()
    page.locator('input[type="file"]').set_input_files(str(report))
    page.get_by_text("1 giá trị hợp lệ, 1 lỗi").wait_for()
    page.get_by_text("người gửi không được giao báo cáo cho Huyện Cao Lộc (mã 183)").first.wait_for()
    _shot(page, "06-tai-len", "Tải lên báo cáo")
    page.get_by_role("button", name="Xác nhận gửi 1 tệp").click()
    page.get_by_text("'bao-cao-bo-sung.xlsx': 1 giá trị hợp lệ").wait_for()

    page.get_by_role("link", name="Tổng quan").click()
    page.get_by_role("heading", name="Thi đua KT-XH thành phố Lạng Sơn 2024").wait_for()
    page.wait_for_function(
        """([before]) => {
            const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                .find(e => e.innerText.includes('Chưa có số liệu'));
            return m && parseInt(m.querySelector('[data-testid="stMetricValue"]').innerText) === before - 1;
        }""", arg=[before])
    assert _metric(page, "Chưa có số liệu") == before - 1
    row = lake.read("gold.attainment").filter(
        (pl.col("unit_code") == target["unit_code"]) & (pl.col("indicator_code") == target["indicator_code"])
        & (pl.col("period") == target["period"])).row(0, named=True)
    assert row["actual"] == 97.5
    assert lake.read("bronze.manifest").filter(pl.col("original_name") == "bao-cao-bo-sung.xlsx")["received_by"][0] \
        == "canbo"


def test_a_file_that_aborts_the_reader_is_explained_and_the_next_upload_works(server, page, tmp_path):
    from tests.lakehouse.bronze import hostile

    url, lake = server
    page.goto(url)
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill("canbo2024")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Tải lên").click()
    page.get_by_role("heading", name="Tải lên báo cáo").wait_for()
    crash = tmp_path / "bao-cao-hong.xlsx"
    crash.write_bytes(hostile.lying_shared_strings_xlsx())   # aborts the parser's process outright
    page.locator('input[type="file"]').set_input_files(str(crash))
    page.get_by_text("tệp làm bộ đọc bảng tính dừng bất thường").first.wait_for()
    page.get_by_role("button", name="Xác nhận gửi 1 tệp").click()
    page.get_by_role("button", name="Xác nhận gửi 1 tệp").wait_for(state="detached")
    page.get_by_text("làm bộ đọc bảng tính dừng bất thường").first.wait_for()
    assert lake.read("bronze.manifest").filter(pl.col("original_name") == "bao-cao-hong.xlsx").height == 1

    good = tmp_path / "bao-cao-tot.xlsx"
    good.write_bytes(xlsx_bytes([["05971", "TP24-16", "2024", "97,5", "%", None, None, None]]))
    page.locator('input[type="file"]').set_input_files(str(good))
    page.get_by_text("1 giá trị hợp lệ, 0 lỗi").wait_for()
    page.get_by_role("button", name="Xác nhận gửi 1 tệp").click()
    page.get_by_text("'bao-cao-tot.xlsx': 1 giá trị hợp lệ").wait_for()
    assert lake.read("silver.report_values").filter(pl.col("file_id") == lake.read("bronze.manifest").filter(
        pl.col("original_name") == "bao-cao-tot.xlsx")["file_id"][0]).height == 1


def test_admin_sees_the_catalog_and_a_leader_has_no_upload(server, page):
    url, _ = server
    page.goto(url)
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.").wait_for()
    page.get_by_label("Mật khẩu").fill("lanhdao2024")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Tổng quan").wait_for()
    assert page.get_by_role("link", name="Tải lên").count() == 0
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").fill("quantri")
    page.get_by_label("Mật khẩu").fill("quantri2024")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Danh mục").click()
    page.get_by_role("tab", name="Chỉ tiêu").wait_for()
    _shot(page, "08-danh-muc", "Danh mục")


def test_a_shared_link_opens_what_it_shows_aftersign_in(server, page):
    url, _ = server
    page.goto(f"{url}/don-vi?campaign=TPLS2024&period=2024-H1&unit=05983")
    sign_in(page, "lanhdao", "lanhdao2024")
    page.get_by_role("heading", name="Phường Chi Lăng").wait_for()
    assert "/don-vi" in page.url and "unit=05983" in page.url
    page.goto(f"{url}/tai-len")   # a page this role may not open: it says why (still signed in: the cookie)
    page.get_by_text("không mở được trang này").wait_for()
    assert "Tải lên" in page.locator('[data-testid="stAlert"]').first.inner_text()


def test_a_reload_keeps_the_user_signed_in_and_signing_out_ends_it(server, page):
    url, _ = server
    page.goto(f"{url}/xep-hang?campaign=TPLS2024&period=2024-H1")
    sign_in(page, "lanhdao", "lanhdao2024")
    page.get_by_role("heading", name="Xếp hạng thi đua").first.wait_for()
    cookie = next(c for c in page.context.cookies() if c["name"] == "thidua_session")
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > time.time() + 3600
    page.reload()
    page.get_by_role("heading", name="Xếp hạng thi đua").first.wait_for()
    assert page.get_by_label("Tên đăng nhập").count() == 0
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").wait_for()
    page.wait_for_function("() => !document.cookie.includes('thidua_session')")
    # A copy of the cookie kept from before signing out no longer signs anybody in.
    page.context.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
    page.reload()
    page.get_by_label("Tên đăng nhập").wait_for()
    page.wait_for_timeout(1500)
    assert page.get_by_role("button", name="Đăng xuất").count() == 0


def test_a_leader_sees_the_overview_as_it_stood_before_an_upload(server, page, tmp_path):
    from datetime import datetime, timezone
    from urllib.parse import quote

    from jobs.__main__ import main

    url, lake = server
    target = _a_missing_value(lake)
    before = datetime.now(timezone.utc)
    time.sleep(1.2)
    report = tmp_path / "bao-cao-bo-sung.xlsx"
    report.write_bytes(xlsx_bytes([[target["unit_code"], target["indicator_code"], target["period"], "97,5", "%",
                                    None, None, "Báo cáo bổ sung"]]))
    assert main(["ingest", str(report), "--lake", str(lake.root), "--by", "canbo"]) == 0
    view = f"{url}/?campaign=TPLS2024&period={target['period']}"
    page.goto(view)
    sign_in(page, "lanhdao", "lanhdao2024")
    page.get_by_role("heading", name="Thi đua KT-XH thành phố Lạng Sơn 2024").wait_for()
    settled(page)
    now = _metric(page, "Chưa có số liệu")
    assert page.get_by_text("Đang xem số liệu như tại").count() == 0
    # The same view as it stood just before the upload: one value still missing, and said so.
    page.goto(f"{view}&ngay={quote(before.isoformat())}")
    page.get_by_text("Đang xem số liệu như tại").wait_for()
    settled(page)
    assert _metric(page, "Chưa có số liệu") == now + 1
    page.screenshot(path=str(ARTIFACTS / "09-xem-tai-ngay.png"), full_page=True)
    # A day outside the audit window is refused in words; the page shows today's figures.
    page.goto(f"{view}&ngay=2020-01-01")
    page.get_by_text("Kho chỉ giữ lịch sử 30 ngày").wait_for()
    settled(page)
    assert _metric(page, "Chưa có số liệu") == now
