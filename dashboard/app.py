"""Entry point: ``streamlit run dashboard/app.py``.

Signs the user in (``dashboard.auth``), offers the pages their role allows, and holds the
campaign and period selection (in the URL) that the data pages share.
"""
from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import auth, layout, state  # noqa: E402
from lakehouse import accounts, faults, objects  # noqa: E402
from lakehouse.periods import label_vi  # noqa: E402

VIEWS = Path(__file__).parent / "views"
PAGES = [  # file, title, icon, url path, roles
    ("overview.py", "Tổng quan", ":material/dashboard:", "tong-quan", ("leadership", "steward", "admin")),
    ("unit.py", "Đơn vị", ":material/account_balance:", "don-vi", ("leadership", "steward", "admin")),
    ("indicator.py", "Chỉ tiêu", ":material/flag:", "chi-tieu", ("leadership", "steward", "admin")),
    ("ranking.py", "Xếp hạng thi đua", ":material/emoji_events:", "xep-hang", ("leadership", "steward", "admin")),
    ("completeness.py", "Tiến độ báo cáo", ":material/schedule:", "tien-do", ("leadership", "steward", "admin")),
    ("upload.py", "Tải lên", ":material/upload_file:", "tai-len", ("steward", "admin")),
    ("quality.py", "Chất lượng dữ liệu", ":material/rule:", "chat-luong", ("leadership", "steward", "admin")),
    ("catalog.py", "Danh mục", ":material/list_alt:", "danh-muc", ("admin",)),
    ("campaign_editor.py", "Soạn phong trào", ":material/post_add:", "soan-phong-trao", ("admin",)),
    ("scoring.py", "Cách tính điểm", ":material/help:", "cach-tinh-diem", ("leadership", "steward", "admin")),
]

# A local icon: a Material or emoji icon would be fetched from a CDN (errors offline).
# On a phone the sidebar starts closed: its choices are drawn on the page itself.
PHONE = layout.is_phone()
st.set_page_config(page_title="Theo dõi chỉ tiêu thi đua", page_icon=str(Path(__file__).parent / "favicon.png"),
                   layout="wide", initial_sidebar_state="collapsed" if PHONE else "auto")
layout.style()
layout.localise()
faults.log_to(objects.work_folder(objects.resolve()))   # traces of internal errors go to <lake>/_logs, never to the screen
account = auth.current()
if account is None:
    # Every page stays registered (hidden) while the sign-in form shows, so a shared link such as
    # /don-vi?unit=05983 keeps its page in the address and opens it once the user is signed in.
    st.navigation([st.Page(str(VIEWS / f), title=t, url_path=u, default=(u == "tong-quan"))
                   for f, t, _, u, _ in PAGES], position="hidden")
    auth.warm_charts()
    if "dashboard.data" not in sys.modules:
        # The form needs none of the data libraries (polars, Arrow, Delta: about half a second
        # of the server's first run): they load once it is drawn, while the user types.
        threading.Thread(target=importlib.import_module, args=("dashboard.data",), daemon=True).start()
    st.stop()

from dashboard import data  # noqa: E402  (loaded while the sign-in form shows: see above)

pages = [st.Page(str(VIEWS / f), title=t, icon=i, url_path=u, default=(u == "tong-quan"))
         for f, t, i, u, roles in PAGES if account.role in roles]
# A page asked for by its address that this role may not open: say why instead of moving silently.
_asked = urlparse(str(st.context.url or "")).path.strip("/").split("/")[-1]
for _, title, _, path, roles in PAGES:
    if path == _asked and account.role not in roles:
        st.warning(f"Trang “{title}” dành cho {', '.join(accounts.ROLES[r] for r in roles)}; tài khoản "
                   f"{account.role_vi.lower()} không mở được trang này, nên bạn được chuyển về Tổng quan.",
                   icon=":material/lock:")
def run_page(page) -> None:
    """One error boundary for every page: a fault of ours becomes a Vietnamese message with an
    error code; the trace goes to the log, never to the screen."""
    try:
        page.run()
    except Exception as exc:   # st.stop and st.rerun are not Exceptions: they pass through
        code, _ = faults.record_internal(f"drawing the page {page.url_path!r}", exc)
        st.error(f"Trang này gặp lỗi nội bộ (mã lỗi {code}); chi tiết đã được ghi vào nhật ký để quản trị viên "
                 "xử lý. Hãy tải lại trang hoặc chọn trang khác.", icon=":material/error:")


# Pages that neither read gold nor show one campaign's period: they still work while gold is
# being rebuilt (an upload itself repairs the lake), and need no campaign or period choice.
WITHOUT_GOLD = ("tai-len", "chat-luong", "danh-muc", "soan-phong-trao", "cach-tinh-diem")

with st.sidebar:
    st.markdown(f"**{account.display_name}**  \n{account.role_vi}")
    st.button("Đăng xuất", on_click=auth.sign_out)

if broken := data.damaged_tables():
    page = st.navigation(pages, position="sidebar")
    if page.url_path not in WITHOUT_GOLD:
        st.warning("Số liệu tổng hợp đang được dựng lại: một phần dữ liệu tổng hợp bị hỏng trên ổ đĩa nên tạm thời "
                   "không hiển thị để tránh đưa ra số cũ hoặc sai. Số liệu gốc không bị mất; bảng tổng hợp sẽ được "
                   "dựng lại tự động ở lần gửi báo cáo hoặc lần làm mới hằng đêm tiếp theo (quản trị viên có thể "
                   "chạy ngay lệnh `python -m jobs refresh`).", icon=":material/build:")
        st.caption("Bảng cần dựng lại: " + ", ".join(broken))
        st.stop()
    run_page(page)
    st.stop()

if account.role == "admin" and not auth.oidc_configured():
    if "demo_passwords" not in st.session_state:   # three bcrypt checks: once per session
        st.session_state["demo_passwords"] = accounts.demo_passwords_in_use()
    if st.session_state["demo_passwords"]:
        st.warning("Các tài khoản mẫu " + ", ".join(st.session_state["demo_passwords"]) + " vẫn dùng mật khẩu mẫu "
                   "ghi trong README; hãy đổi bằng `python -m jobs users add TÊN --role … --password …`.",
                   icon=":material/lock_open:")

page = st.navigation(pages)
# Leadership and admins may look at the dashboard as it stood at a past date; clearly marked.
st.session_state["as_of"] = state.as_of(st.sidebar) if account.role in ("leadership", "admin") else None
if st.session_state["as_of"] is not None:
    st.warning(f"Đang xem số liệu như tại {st.session_state['as_of']:%H:%M ngày %d/%m/%Y}, không phải số liệu hiện "
               "nay. Xoá ngày ở ô “Xem số liệu tại ngày” để về số liệu hiện nay.", icon=":material/history:")
campaigns = data.campaigns()
if not campaigns.is_empty() and not (PHONE and page.url_path in WITHOUT_GOLD):
    # A phone draws the choice at the top of the page: a sidebar there covers the page and has
    # to be closed by hand after every choice.
    left, right = st.columns(2) if PHONE else (st.sidebar, st.sidebar)
    names = dict(campaigns.select("campaign_code", "short_name").iter_rows())
    campaign = state.select("Phong trào", list(names), "campaign", names.get, container=left)
    periods = data.periods(campaign)
    period = state.select("Kỳ báo cáo", periods, "period", label_vi, container=right,
                          default=data.latest_with_data(campaign) or (periods[-1] if periods else None))
    st.session_state["campaign"], st.session_state["period"] = campaign, period
run_page(page)
