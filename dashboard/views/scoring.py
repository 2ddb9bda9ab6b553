"""Cách tính điểm: how each indicator is judged and each unit scored, in the words of
``docs/cach-tinh-diem.md`` (the one text, also read on GitHub), for every role."""
from pathlib import Path

import streamlit as st

from dashboard import auth

auth.require("leadership", "steward", "admin")
text = (Path(__file__).resolve().parents[2] / "docs" / "cach-tinh-diem.md").read_text(encoding="utf-8")
title, _, body = text.partition("\n")
st.title(title.lstrip("# ").strip())
st.markdown(body)
