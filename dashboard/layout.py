"""Which screen a page is drawn for: a phone held upright gets its own layout of the pages a
leader opens there (overview, unit), and every page gets type that fits a narrow window.

A phone is known by its browser's User-Agent ("Mobi", as phones' browsers send and tablets'
do not; MDN's advice), read from the request that opened the session; ``?giao-dien=dien-thoai``
or ``=may-tinh`` overrides it, so a link can ask for either layout."""
from __future__ import annotations

import streamlit as st

PARAM = "giao-dien"

# Narrow windows (phones, a split screen): smaller headings, no wasted margins, Plotly's
# modebar never over a chart.
_CSS = """<style>
@media (max-width: 640px) {
  h1 { font-size: 1.75rem !important; line-height: 1.25 !important; }
  h2, h3 { font-size: 1.25rem !important; }
  [data-testid="stMainBlockContainer"] { padding: 3.5rem 0.75rem 2rem 0.75rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
}
</style>"""


def is_phone() -> bool:
    asked = st.query_params.get(PARAM)
    if asked in ("dien-thoai", "may-tinh"):
        return asked == "dien-thoai"
    try:
        return "Mobi" in (st.context.headers.get("User-Agent") or "")
    except Exception:   # no request behind this run (AppTest)
        return False


def style() -> None:
    st.html(_CSS)   # style only: Streamlit puts it in its event container, taking no room
