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
