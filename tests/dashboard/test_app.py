"""Every page for every role, on the demo lake, an empty lake and a campaign without data
(AppTest runs the real app script)."""
from datetime import date
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from lakehouse import accounts
from lakehouse.accounts import Account
from lakehouse.pipeline.publish import publish
from lakehouse.store import Lake

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
DIRECTIVE = Path(__file__).resolve().parents[1] / "data" / "kh-45-do-thi-van-minh-2024.txt"
LEADER = Account("lanhdao", "Lãnh đạo", "leadership")
STEWARD = Account("canbo", "Cán bộ", "steward", ["05971", "178-PVHTT"])
ADMIN = Account("quantri", "Quản trị", "admin")
# The accounts signed in below exist in an accounts file: the app checks the account on every run.
KNOWN_USERS = Path(tempfile.mkdtemp(prefix="thidua-users-")) / "users.json"
accounts.save({a.username: a for a in (LEADER, STEWARD, ADMIN)}, KNOWN_USERS)
ALL = ["overview", "unit", "indicator", "ranking", "completeness", "quality", "scoring"]
PAGES = {"leadership": ALL, "steward": ALL + ["upload"], "admin": ALL + ["upload", "catalog", "campaign_editor"]}


def open_app(lake_root, account=None, page=None, query=None, users=None, monkeypatch=None):
    monkeypatch.setenv("THIDUA_LAKE", str(lake_root))
    monkeypatch.setenv("THIDUA_USERS", str(users or KNOWN_USERS))
    at = AppTest.from_file(APP, default_timeout=90)
    if account is not None:
        at.session_state["account"] = account
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    return at


@pytest.mark.parametrize("account", [LEADER, STEWARD, ADMIN], ids=lambda a: a.role)
def test_every_allowed_page_renders_on_the_demo_lake(demo_lake_dir, monkeypatch, account):
    for page in PAGES[account.role]:
        at = open_app(demo_lake_dir / "lake", account, page, monkeypatch=monkeypatch)
        assert not at.exception, (page, [e.message for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        assert at.title, page


def test_navigation_offers_only_what_the_role_allows(demo_lake_dir, monkeypatch):
    at = open_app(demo_lake_dir / "lake", LEADER, monkeypatch=monkeypatch)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/upload.py")
    at = open_app(demo_lake_dir / "lake", STEWARD, monkeypatch=monkeypatch)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/catalog.py")


@pytest.mark.parametrize("view, account", [("upload.py", LEADER), ("catalog.py", STEWARD)])
def test_restricted_pages_check_the_role_themselves(demo_lake_dir, monkeypatch, view, account):
    """Reached by any other route, the page itself refuses (the check runs on the server)."""
    monkeypatch.setenv("THIDUA_LAKE", str(demo_lake_dir / "lake"))
    at = AppTest.from_file(str(Path(APP).parent / "views" / view), default_timeout=60)
    at.session_state["account"] = account
    at.run()
    assert [e.value for e in at.error] == ["Bạn không có quyền xem trang này."]
    assert not at.get("file_uploader") and not at.get("tabs")


def test_no_anonymous_access_and_the_login_form(demo_lake_dir, tmp_path, monkeypatch):
    from jobs.demo import demo_accounts
    users = tmp_path / "users.json"
    demo_accounts(users)
    at = open_app(demo_lake_dir / "lake", users=users, monkeypatch=monkeypatch)
    assert at.title[0].value == "Đăng nhập" and not at.metric
    at.text_input[0].input("lanhdao")
    at.text_input[1].input("sai")
    at.button[0].click().run()
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in [e.value for e in at.error]
    at.text_input[1].input("lanhdao2024")
    at.button[0].click().run()
    assert at.session_state["account"].role == "leadership"
    assert [m.label for m in at.metric][:4] == ["▲ Vượt", "● Đạt", "▼ Chưa đạt", "○ Chưa có số liệu"]


def test_selection_lives_in_the_url(demo_lake_dir, monkeypatch):
    at = open_app(demo_lake_dir / "lake", LEADER, query={"campaign": "LS2021", "period": "2021-H1"},
                  monkeypatch=monkeypatch)
    assert at.title[0].value.startswith("Thi đua đặc biệt 2021")
    assert "6 tháng đầu năm 2021" in at.caption[0].value
    at.selectbox(key="sel_period").select("DOT").run()
    assert at.query_params["period"] in ("DOT", ["DOT"])


def test_unit_and_indicator_pages_follow_their_selection(demo_lake_dir, monkeypatch):
    at = open_app(demo_lake_dir / "lake", LEADER, "unit", query={"campaign": "LS2021", "period": "2021", "unit": "183"},
                  monkeypatch=monkeypatch)
    assert at.title[0].value == "Huyện Cao Lộc"
    at = open_app(demo_lake_dir / "lake", LEADER, "indicator",
                  query={"campaign": "TPLS2024", "period": "2024", "indicator": "TP24-05"}, monkeypatch=monkeypatch)
    assert at.title[0].value == "Thu nội địa"
    assert at.metric[0].value == "≥ 425 tỷ đồng"


def test_ranking_offers_the_excel_download(demo_lake_dir, monkeypatch):
    at = open_app(demo_lake_dir / "lake", LEADER, "ranking", query={"campaign": "TPLS2024", "period": "2024"},
                  monkeypatch=monkeypatch)
    assert at.get("download_button") and at.subheader[0].value


def test_quality_page_searches_quarantine(demo_lake_dir, monkeypatch):
    at = open_app(demo_lake_dir / "lake", ADMIN, "quality", monkeypatch=monkeypatch)
    at.text_input(key="q_search").input("05999").run()
    assert at.caption[-1].value.startswith("1 dòng")


@pytest.mark.parametrize("page", PAGES["admin"])
def test_empty_lake(tmp_path, monkeypatch, page):
    at = open_app(tmp_path / "trong", ADMIN, page, monkeypatch=monkeypatch)
    assert not at.exception, [e.message for e in at.exception]


@pytest.mark.parametrize("page", ["overview", "unit", "ranking", "completeness"])
def test_a_campaign_without_data(tmp_path, cat, monkeypatch, page):
    lake = Lake(tmp_path / "chi-danh-muc")
    publish(lake, cat)
    at = open_app(lake.root, ADMIN, page, monkeypatch=monkeypatch)
    assert not at.exception, [e.message for e in at.exception]
    assert any("chưa có số liệu" in i.value.lower() for i in at.info)


def test_steward_cannot_send_for_another_unit(demo_lake, monkeypatch):
    """The permission is enforced on the server when the file is sent, not only hidden in the page."""
    from dashboard import uploads
    from tests.conftest import xlsx_bytes

    monkeypatch.setenv("THIDUA_LAKE", str(demo_lake.root))
    data = xlsx_bytes([["05971", "TP24-12", "2024", 96, "%", None, None, None],
                       ["05974", "TP24-12", "2024", 97, "%", None, None, None]])
    p = uploads.preview("bao-cao.xlsx", data, STEWARD)
    assert p.problems_table["Lỗi"].to_list() == ["người gửi không được giao báo cáo cho Phường Tam Thanh (mã 05974)"]
    report = uploads.send(p, STEWARD)
    assert report.accepted["unit_code"].to_list() == ["05971"]
    sent = demo_lake.read("silver.report_values").filter(pl.col("file_id") == report.file_id)
    assert sent["unit_code"].to_list() == ["05971"]
    assert demo_lake.read("bronze.manifest").filter(pl.col("file_id") == report.file_id)["received_by"][0] == "canbo"


def test_a_busy_lake_keeps_the_file_and_says_so(demo_lake, monkeypatch):
    from dashboard import uploads
    from lakehouse.pipeline import ingest
    from tests.conftest import xlsx_bytes

    monkeypatch.setenv("THIDUA_LAKE", str(demo_lake.root))
    monkeypatch.setattr(ingest, "WRITER_WAIT_SECONDS", 0.2)
    data = xlsx_bytes([["05971", "TP24-12", "2024", 96, "%", None, None, None]])
    p = uploads.preview("bao-cao.xlsx", data, STEWARD)
    with demo_lake.lock(ingest.WRITER_LOCK):
        report = uploads.send(p, STEWARD)
    assert report.status == "rejected" and "đang bận" in report.summary_vi()
    import hashlib
    sha = hashlib.sha256(data).hexdigest()
    assert demo_lake.get_file(f"files/{sha[:2]}/{sha}") == data
    assert uploads.send(p, STEWARD).status == "accepted"   # sent again once the lake is free


def test_an_account_removed_after_sign_in_is_signed_out(demo_lake_dir, tmp_path, monkeypatch):
    users = tmp_path / "users.json"
    accounts.save({LEADER.username: LEADER}, users)
    at = open_app(demo_lake_dir / "lake", LEADER, users=users, monkeypatch=monkeypatch)
    assert at.metric
    accounts.remove(LEADER.username, users)
    at.run()
    assert "không còn hiệu lực" in " ".join(w.value for w in at.warning) and not at.metric


def test_file_text_is_never_markdown_and_downloads_never_run_formulas(demo_lake, monkeypatch):
    from dashboard import present, uploads
    from tests.conftest import csv_bytes

    monkeypatch.setenv("THIDUA_LAKE", str(demo_lake.root))
    data = csv_bytes([["05971", "TP24-12", "2024", "=HYPERLINK(\"http://example.invalid\")", "%", None, None,
                        "[bấm](http://example.invalid) ![x](http://example.invalid/a.png)"]])
    p = uploads.preview("bao-cao.csv", data, STEWARD)
    assert p.problems_table["Giá trị"].to_list() == ["'=HYPERLINK(\"http://example.invalid\")"]
    assert present.plain("[bấm](http://x) ![x](http://y/a.png)") == \
        "\\[bấm\\]\\(http://x\\) \\!\\[x\\]\\(http://y/a\\.png\\)"


def test_an_admin_is_warned_while_a_demo_password_is_in_use(demo_lake_dir, tmp_path, monkeypatch):
    from jobs.demo import demo_accounts

    users = tmp_path / "users.json"
    demo_accounts(users)
    admin = accounts.load(users)["quantri"]
    at = open_app(demo_lake_dir / "lake", admin, users=users, monkeypatch=monkeypatch)
    assert any("mật khẩu mẫu" in w.value for w in at.warning)


def test_the_unit_trend_shows_one_kind_of_period_in_time_order(demo_lake_dir, monkeypatch):
    import json

    at = open_app(demo_lake_dir / "lake", LEADER, "unit", query={"campaign": "TPLS2024", "unit": "05971"},
                  monkeypatch=monkeypatch)
    assert not at.exception
    kinds = at.radio[0].options
    assert {"Quý", "6 tháng"} <= set(kinds)
    at.radio[0].set_value("quarter").run()
    trend = json.loads(at.get("plotly_chart")[1].proto.spec)
    xs = {x for trace in trend["data"] for x in trace["x"]}
    assert xs and all(x.startswith("Quý") for x in xs)
    assert trend["layout"]["xaxis"]["categoryarray"] == sorted(xs, key=lambda x: (x[-4:], x))


def test_a_phone_gets_lists_instead_of_grids_and_the_choices_on_the_page(demo_lake_dir, monkeypatch):
    query = {"campaign": "TPLS2024", "period": "2024-H1"}
    desk = open_app(demo_lake_dir / "lake", LEADER, query=query, monkeypatch=monkeypatch)
    phone = open_app(demo_lake_dir / "lake", LEADER, query={**query, "giao-dien": "dien-thoai"}, monkeypatch=monkeypatch)
    assert not phone.exception and not phone.error
    # Desktop: the choices in the sidebar, the matrix and the milestones as charts.
    assert {s.label for s in desk.sidebar.selectbox} == {"Phong trào", "Kỳ báo cáo"}
    assert len(desk.get("plotly_chart")) == 2
    # Phone: the choices on the page, no chart; one row per unit with its status counts.
    assert not phone.sidebar.selectbox and {s.label for s in phone.main.selectbox} == {"Phong trào", "Kỳ báo cáo"}
    assert not phone.get("plotly_chart")
    units = [t for t in phone.dataframe if "Đơn vị" in t.value.columns and "▼" in t.value.columns][0].value
    assert units.shape[0] == 15 and list(units.columns) == ["Đơn vị", "▲", "●", "▼", "○"]
    assert any("Sơ kết 6 tháng" in m.value and "Kết thúc 31/12/2024" in m.value for m in phone.markdown)
    # A unit's page on a phone: the table keeps indicator, value and verdict.
    unit = open_app(demo_lake_dir / "lake", LEADER, "unit", query={**query, "giao-dien": "dien-thoai",
                                                                   "unit": "05983"}, monkeypatch=monkeypatch)
    assert list(unit.dataframe[0].value.columns) == ["Chỉ tiêu", "Thực hiện", "Đánh giá"]


def test_the_year_end_forecast_on_the_overview_and_the_unit_page(demo_lake_dir, monkeypatch):
    query = {"campaign": "TPLS2024", "period": "2024-H1", "unit": "05971"}
    at = open_app(demo_lake_dir / "lake", LEADER, query=query, monkeypatch=monkeypatch)
    assert "Dự báo cuối năm: chỉ tiêu có nguy cơ không đạt" in [s.value for s in at.subheader]
    risks = [d.value for d in at.dataframe if "Nhận định" in d.value.columns][0]
    assert set(risks["Nhận định"]) == {"▼ Có nguy cơ không đạt"} and len(risks) > 0
    unit = open_app(demo_lake_dir / "lake", LEADER, "unit", query=query, monkeypatch=monkeypatch)
    table = [d.value for d in unit.dataframe if "Nhận định" in d.value.columns][0]
    # Phường Hoàng Văn Thụ's two cumulative indicators part-way through 2024: Thu nội địa and TP24-08.
    assert "Đơn vị" not in table.columns and len(table) == 2 and "Thu nội địa" in list(table["Chỉ tiêu"])


def test_leadership_downloads_the_review_report_from_the_ranking_page(demo_lake_dir, monkeypatch):
    import io

    from docx import Document

    query = {"campaign": "TPLS2024", "period": "2024-H1"}
    at = open_app(demo_lake_dir / "lake", LEADER, "ranking", query=query, monkeypatch=monkeypatch)
    labels = [b.label for b in at.get("download_button")]
    assert "Báo cáo 6 tháng đầu năm 2024 (Word)" in labels and "Phụ lục: bảng tổng hợp (Excel)" in labels
    steward = open_app(demo_lake_dir / "lake", STEWARD, "ranking", query=query, monkeypatch=monkeypatch)
    assert not [b for b in steward.get("download_button") if "(Word)" in b.label]
    # What the button hands over when pressed: the same document the command line writes.
    from dashboard import exports

    monkeypatch.setenv("THIDUA_LAKE", str(demo_lake_dir / "lake"))
    word, annex = exports.review_report("TPLS2024", "2024-H1")
    texts = [p.text for p in Document(io.BytesIO(word())).paragraphs]
    assert "BÁO CÁO" in texts and any(t.startswith("Sơ kết 6 tháng") for t in texts)
    assert annex()[:2] == b"PK"   # an .xlsx (zip) workbook


def test_an_admin_reads_a_directive_reviews_it_and_downloads_the_indicator_file(demo_lake_dir, monkeypatch):
    at = open_app(demo_lake_dir / "lake", ADMIN, "campaign_editor", monkeypatch=monkeypatch)
    at.text_input(key="cp_code").input("tp25").run()
    text = (Path(APP).parents[1] / "catalog" / "sources" / "TPLS2024.txt").read_text(encoding="utf-8")
    at.text_area(key="cp_text").input(text).run()
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [h.value for h in at.header][:2] == ["1. Phong trào TP25", "2. 41 chỉ tiêu"]
    facts = dict(zip(at.dataframe[0].value["Mục"], at.dataframe[0].value["Văn bản ghi"]))
    assert facts["Ngày ban hành"] == "05/01/2024" and facts["Sơ kết"] == "không ghi trong văn bản"
    # The form starts from what the text states, converted; what it does not state stays empty.
    assert at.date_input(key="cp_issued").value == date(2024, 1, 5) and at.selectbox(key="cp_scope").value == "178"
    assert at.date_input(key="cp_mid_term_start").value is None
    # Not publishable yet: nobody reports them. The catalog's own words, per indicator.
    problems = next(d.value for d in at.dataframe if "Cần sửa" in d.value.columns and "Mã" in d.value.columns)
    assert "chưa nêu đơn vị nào báo cáo (reporters)" in problems["Cần sửa"].iloc[0]
    assert problems["Mã"].iloc[0] == "TP25-01"
    download = [b for b in at.get("download_button") if "YAML" in b.label][0]
    assert download.proto.label == "Tải tệp chỉ tiêu (YAML)"
    assert not [b for b in at.button if b.label == "Công bố"]     # the page stops before: nothing to publish


def test_an_admin_publishes_a_new_campaign_and_can_restore_the_catalog(demo_lake, tmp_path, monkeypatch):
    """Paste → fill reporters → add the new unit of measure → correct one indicator → publish;
    the campaign is in the lake at once; the version is in the history and can be restored."""
    folder = tmp_path / "catalog"
    shutil.copytree(Path(APP).parents[1] / "catalog", folder)
    monkeypatch.setenv("THIDUA_CATALOG", str(folder))
    at = open_app(demo_lake.root, ADMIN, "campaign_editor", monkeypatch=monkeypatch)
    at.text_input(key="cp_code").input("dtvm2024").run()
    at.text_area(key="cp_text").input(DIRECTIVE.read_text(encoding="utf-8")).run()
    at.button[0].click().run()
    assert at.text_input(key="cp_short").value == "Chung tay xây dựng đô thị văn minh 2024"
    at.multiselect(key="cp_fill_types").select("ward").select("commune").run()
    [b for b in at.button if b.label == "Điền"][0].click().run()
    at.checkbox(key="cp_uom_doanh nghiệp").check().run()
    at.selectbox(key="cp_one").select("DTVM2024-03").run()
    assert at.number_input(key="cp_one_value").value == 92
    at.number_input(key="cp_one_value").set_value(93.0).run()
    [b for b in at.button if b.label == "Lưu chỉ tiêu này"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Mọi chỉ tiêu đều hợp lệ theo danh mục." in [s.value for s in at.success]
    at.text_input(key="cp_note").input("Phát động theo Kế hoạch số 45/KH-UBND").run()
    [b for b in at.button if b.label == "Công bố"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Đã công bố danh mục bản 1" in s.value for s in at.success)
    text = (folder / "indicators" / "DTVM2024.yaml").read_text(encoding="utf-8")
    assert "rule: {type: at_least, value: 93}" in text and (folder / "sources" / "DTVM2024.txt").exists()
    assert "DTVM2024" in demo_lake.read("reference.campaigns")["campaign_code"].to_list()
    att = demo_lake.read("gold.attainment", where={"campaign_code": ["DTVM2024"]})
    assert set(att["unit_code"]) >= {"05971", "05992"} and att["status"].to_list().count("no_data") > 0
    # The history shows it; restoring version 0 removes the campaign again, as a new version.
    at.selectbox(key="cp_version").select(0).run()
    [b for b in at.button if b.label == "Khôi phục bản 0"][0].click().run()
    assert any("Đã khôi phục bản 0 thành bản 2" in s.value for s in at.success)
    assert not (folder / "indicators" / "DTVM2024.yaml").exists()
    assert demo_lake.read("gold.attainment", where={"campaign_code": ["DTVM2024"]}).is_empty()


def test_an_admin_revises_a_published_target_from_a_date(demo_lake, tmp_path, monkeypatch):
    """Open TPLS2024, change TP24-01's target with a date: the indicator file gains a revision
    (the original kept), gold judges the half-year before it by the old target, the year by the new."""
    folder = tmp_path / "catalog"
    shutil.copytree(Path(APP).parents[1] / "catalog", folder)
    monkeypatch.setenv("THIDUA_CATALOG", str(folder))
    at = open_app(demo_lake.root, ADMIN, "campaign_editor", monkeypatch=monkeypatch)
    at.radio(key="cp_mode").set_value("Phong trào đã có").run()
    at.selectbox(key="cp_pick").select("TPLS2024").run()
    [b for b in at.button if b.label == "Mở để sửa"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.text_input(key="cp_short").value == "Thi đua KT-XH thành phố Lạng Sơn 2024"
    assert "Mọi chỉ tiêu đều hợp lệ theo danh mục." in [s.value for s in at.success]
    assert "Chưa có gì khác với danh mục đang dùng." in [c.value for c in at.caption]
    at.selectbox(key="cp_one").select("TP24-01").run()
    at.selectbox(key="cp_one_rule").select("at_least").run()
    at.number_input(key="cp_one_value").set_value(12.0).run()
    [b for b in at.button if b.label == "Lưu chỉ tiêu này"][0].click().run()
    at.date_input(key="cp_revised").set_value(date(2024, 7, 1)).run()
    at.text_input(key="cp_note").input("Điều chỉnh theo Nghị quyết giữa năm").run()
    [b for b in at.button if b.label == "Công bố"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Đã công bố danh mục bản 1. Đã tính lại số liệu của: TPLS2024." in s.value for s in at.success)
    text = (folder / "indicators" / "TPLS2024.yaml").read_text(encoding="utf-8")
    assert "rule: {type: range, low: 10, high: 11}" in text
    assert "- {from: 2024-07-01, rule: {type: at_least, value: 12}}" in text
    att = demo_lake.read("gold.attainment", where={"campaign_code": ["TPLS2024"]}).filter(
        pl.col("indicator_code") == "TP24-01")
    h1, year = (att.filter(pl.col("period") == p).row(0, named=True) for p in ("2024-H1", "2024"))
    assert (h1["target_low"], h1["target_high"]) == (10, 11) and (year["target_low"], year["target_high"]) == (12, None)


def test_a_moment_before_the_lake_had_area_counts_is_counted_from_its_attainment(tmp_path, cat, monkeypatch):
    """A lake built by code from before gold.area_status: a day chosen from before the upgrade
    still shows its status counts (counted from that moment's attainment with the same build)."""
    import time
    from datetime import datetime, timezone

    from jobs.__main__ import main
    from lakehouse.pipeline import gold
    from lakehouse.pipeline.refresh import refresh
    from lakehouse.store import Lake

    with monkeypatch.context() as old_code:
        old_code.setattr(gold, "GOLD", tuple(t for t in gold.GOLD if t != "gold.area_status"))
        assert main(["demo", "--lake", str(tmp_path / "lake"), "--out", str(tmp_path / "reports")]) == 0
    demo_lake = Lake(tmp_path / "lake")
    assert not demo_lake.exists("gold.area_status")
    time.sleep(1.1)
    before = datetime.now(timezone.utc)
    time.sleep(1.1)
    refresh(demo_lake, cat)   # the upgraded code builds the table the lake lacked
    assert demo_lake.exists("gold.area_status")
    att = demo_lake.read("gold.attainment", where={"campaign_code": ["TPLS2024"], "period": ["2024-H1"]}).filter(
        pl.col("parent_code").is_null() & ~pl.col("is_rollup"))
    expected = dict(att.group_by("status").len().iter_rows())
    query = {"campaign": "TPLS2024", "period": "2024-H1"}
    for moment in (before.isoformat(), None):
        at = open_app(demo_lake.root, LEADER, query={**query, **({"ngay": moment} if moment else {})},
                      monkeypatch=monkeypatch)
        assert not at.exception and not at.error
        shown = {m.label: int(m.value) for m in at.metric}
        assert shown["● Đạt"] == expected["met"] and shown["▼ Chưa đạt"] == expected["not_met"], moment
