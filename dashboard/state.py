"""Selections that live in the URL (``st.query_params``), so a link opens the same view."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st


def select(label: str, options: Sequence[str], key: str, format_func: Callable[[str], str] = str,
           default: str | None = None, container=st) -> str | None:
    """A selectbox whose choice is read from and written to ``?key=…``."""
    options = list(options)
    if not options:
        st.query_params.pop(key, None)
        return None
    wanted = st.query_params.get(key, default)
    index = options.index(wanted) if wanted in options else (options.index(default) if default in options else 0)
    choice = container.selectbox(label, options, index=index, format_func=format_func, key=f"sel_{key}")
    if st.query_params.get(key) != choice:
        st.query_params[key] = choice
    return choice


def campaign_and_period() -> tuple[str, str]:
    """The campaign and period chosen in the sidebar; explains and stops when there is none."""
    campaign, period = st.session_state.get("campaign"), st.session_state.get("period")
    if campaign is None:
        st.info("Kho dữ liệu chưa có phong trào nào. Quản trị viên chạy `python -m jobs demo` "
                "(dữ liệu mẫu) hoặc cán bộ tổng hợp tải báo cáo lên.")
        st.stop()
    if period is None:
        st.info("Phong trào này chưa có số liệu nào. Số liệu hiện ra ngay khi đơn vị gửi báo cáo.")
        st.stop()
    return campaign, period


AS_OF = "ngay"
_HANOI = "Asia/Ho_Chi_Minh"


def as_of(container=st):
    """"Xem số liệu tại ngày": the past moment the pages show, from ``?ngay=`` (a day — its end,
    Hà Nội time — or an exact ISO moment), chosen with a date box; None for now. Only inside the
    audit window, when the lake still holds the old versions."""
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from lakehouse.store import RETENTION_DAYS

    zone, now = ZoneInfo(_HANOI), datetime.now(ZoneInfo(_HANOI))
    asked = (st.query_params.get(AS_OF) or "").replace(" ", "+")   # a "+" of a time zone, decoded as a space
    moment = None
    if asked:
        try:
            moment = (datetime.combine(date.fromisoformat(asked), time.max, zone) if len(asked) == 10
                      else datetime.fromisoformat(asked))
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone)
        except ValueError:
            container.warning(f"Ngày “{asked}” trong địa chỉ không đúng dạng năm-tháng-ngày; đang xem số liệu hiện nay.")
    oldest = (now - timedelta(days=RETENTION_DAYS)).date()
    if moment is not None and moment.astimezone(zone).date() < oldest:
        container.warning(f"Kho chỉ giữ lịch sử {RETENTION_DAYS} ngày (từ {oldest:%d/%m/%Y}); đang xem số liệu hiện nay.")
        moment = None
    if moment is not None and moment >= now:
        moment = None
    picked = container.date_input("Xem số liệu tại ngày", value=moment.astimezone(zone).date() if moment else None,
                                  min_value=oldest, max_value=now.date(), format="DD/MM/YYYY", key=f"as_of_{asked}",
                                  help=f"Bảng điều khiển như đã hiện vào cuối ngày đã chọn (trong {RETENTION_DAYS} "
                                       "ngày gần nhất); để trống là số liệu hiện nay.")
    if picked != (moment.astimezone(zone).date() if moment else None):
        if picked is None or picked >= now.date():
            st.query_params.pop(AS_OF, None)
        else:
            st.query_params[AS_OF] = picked.isoformat()
        st.rerun()
    return moment
