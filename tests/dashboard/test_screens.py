"""Every page, at a desktop's 1440×900 and a phone's 390×844, in Chromium: each page as an
admin (who opens them all), and as a leader and a steward the pages they see differently (a
leader's overview and unit page, a steward's upload page, limited to the steward's units).

On each page: it draws without an error, every table shows all its columns without sideways
scrolling, the page itself never scrolls sideways, no English is left on screen, and axe-core
finds nothing serious or critical. On a phone: the campaign and period are chosen on the page
(the sidebar stays closed), the overview lists units with their status marks and a tap on one
opens its page. By keyboard alone: sign in and move between pages. Saves the README's
screenshots of the overview and a unit's page at both sizes to ``tests/artifacts/``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.browser import ARGS, ARTIFACTS, CHROMIUM, DESKTOP, PHONE, problems_on, serve, settled, sign_in

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")

ACCOUNTS = {"leadership": ("lanhdao", "lanhdao2024"), "steward": ("canbo", "canbo2024"),
            "admin": ("quantri", "quantri2024")}
EVERYONE = ("leadership", "steward", "admin")
PAGES = [  # url path, roles that open it
    ("", EVERYONE), ("don-vi", EVERYONE), ("chi-tieu", EVERYONE), ("xep-hang", EVERYONE), ("tien-do", EVERYONE),
    ("tai-len", ("steward", "admin")), ("chat-luong", EVERYONE), ("danh-muc", ("admin",)),
    ("soan-phong-trao", ("admin",)),
    ("cach-tinh-diem", EVERYONE)]
LEADER_PAGES = ("", "don-vi", "chi-tieu", "xep-hang", "tien-do", "cach-tinh-diem")
# The pages each role's run checks: the admin every page; the others what only they see.
CHECKED = {"admin": tuple(path for path, _ in PAGES), "leadership": ("", "don-vi", "xep-hang"), "steward": ("tai-len",)}
QUERY = "?campaign=TPLS2024&period=2024-H1"

@pytest.fixture(scope="module")
def server(demo_lake_dir, tmp_path_factory):
    with serve(demo_lake_dir / "lake", tmp_path_factory.mktemp("screens")) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _open(browser, server, size: dict, role: str):
    context = browser.new_context(locale="vi-VN", **size)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    sign_in(page, *ACCOUNTS[role])
    return context, page


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("role", EVERYONE)
def test_every_page_reads_right_at_both_sizes(server, browser, role, size):
    context, page = _open(browser, server, DESKTOP if size == "desktop" else PHONE, role)
    problems = {}
    for path, roles in PAGES:
        if role not in roles or path not in CHECKED[role]:
            continue
        page.goto(f"{server}/{path}{QUERY}")
        page.locator("h1").first.wait_for()
        settled(page)
        if path == "tai-len":   # the uploader's own words, as a steward sees them before choosing a file
            page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').wait_for(state="attached")
            page.wait_for_timeout(300)
        # On a phone, the pages a leader reads show whole tables; a steward's wide tables
        # (runs, rejected rows, the catalog) scroll inside themselves, never the page.
        if found := problems_on(page, tables_fit=size == "desktop" or path in LEADER_PAGES):
            problems[path or "tong-quan"] = found
        if role == "leadership" and path in ("", "don-vi"):
            page.screenshot(path=str(ARTIFACTS / f"{size}-{path or 'tong-quan'}.png"))
    context.close()
    assert not problems, problems


def test_a_phone_chooses_on_the_page_and_a_tap_opens_a_unit(server, browser):
    context, page = _open(browser, server, PHONE, "leadership")
    page.goto(f"{server}/{QUERY}")
    settled(page)
    sidebar_open = "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right > 0"
    assert not page.evaluate(sidebar_open)
    # The period is chosen on the page; the sidebar stays closed and the overview changes.
    page.get_by_label("Kỳ báo cáo").first.click()
    page.get_by_role("option", name="Quý I/2024").click()
    page.wait_for_url("**period=2024-Q1**")
    settled(page)
    assert not page.evaluate(sidebar_open)
    assert "Quý I/2024" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    # Units listed with their status marks; a tap on a row opens that unit's page.
    grid = page.locator('[data-testid="stDataFrame"]').nth(1)    # after the status counts
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)     # the first row's selection box
    page.wait_for_url("**/don-vi**")
    page.locator("h1").first.wait_for()
    assert "unit=" in page.url and "period=2024-Q1" in page.url
    context.close()


def test_sign_in_and_moving_between_pages_work_by_keyboard(server, browser):
    context = browser.new_context(locale="vi-VN", **DESKTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server}/{QUERY}")
    page.get_by_label("Tên đăng nhập").wait_for()
    page.get_by_label("Tên đăng nhập").focus()
    page.keyboard.type("lanhdao")
    page.keyboard.press("Tab")
    page.keyboard.type("lanhdao2024")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Đăng xuất").wait_for()
    # Back from the page's content to the navigation's "Xếp hạng thi đua" link; Enter follows it.
    for _ in range(80):
        page.keyboard.press("Shift+Tab")
        if "Xếp hạng thi đua" in page.evaluate("() => document.activeElement ? document.activeElement.innerText : ''"):
            break
    else:
        pytest.fail("the navigation cannot be reached by keyboard")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Xếp hạng thi đua").first.wait_for()
    context.close()


def test_an_address_with_no_page_says_so_in_vietnamese(server, browser):
    context, page = _open(browser, server, DESKTOP, "leadership")
    page.goto(f"{server}/khong-co-trang-nay")
    dialog = page.get_by_role("dialog")
    # The words are put in Vietnamese by the page's script, which may start just after the dialog shows.
    dialog.get_by_text("Không tìm thấy trang").wait_for(timeout=10_000)
    assert "not found" not in dialog.inner_text()
    context.close()
