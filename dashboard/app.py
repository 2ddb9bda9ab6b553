"""Entry point: ``streamlit run dashboard/app.py``. One page per file in ``dashboard/pages``."""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

st.set_page_config(page_title="Theo dõi chỉ tiêu thi đua", page_icon="📊", layout="wide")
pages = [st.Page(str(Path(__file__).parent / "pages" / "overview.py"), title="Tổng quan", icon="📊", default=True)]
st.navigation(pages).run()
