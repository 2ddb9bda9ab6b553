"""Phong trào mới (admins): read a campaign's directive — pasted, or a .txt/.docx/.pdf file —
review every proposed indicator in an editable table checked by the catalog's own rules (its
Vietnamese problems beside each row), see where each came from in the text, and download the
reviewed indicator file for ``catalog/indicators/``."""
import html

import polars as pl
import streamlit as st

from dashboard import auth, uploads
from lake.periods import PERIOD_TYPE_VI
from lake.reference import directive
from lake.reference.catalog import UNIT_TYPES, check_indicators
from lake.rules import RULE_NAMES_VI

auth.require("admin")
st.title("Phong trào mới từ văn bản phát động")
st.caption("Đọc văn bản, rà soát và sửa từng chỉ tiêu được đề xuất, rồi tải tệp chỉ tiêu về đặt vào catalog/indicators/. "
           "Mọi con số trong đề xuất đều có trong câu được trích.")
cat = uploads.catalog()
left, right = st.columns([1, 2])
code = left.text_input("Mã phong trào mới", key="new_code", placeholder="ví dụ TPLS2025").strip().upper()
sent = right.file_uploader("Văn bản (.txt, .docx, .pdf có lớp chữ)", type=["txt", "docx", "pdf"], key="new_file")
pasted = st.text_area("…hoặc dán nội dung văn bản", key="new_text", height=150)
if st.button("Đọc văn bản", type="primary", disabled=not code or not (sent or pasted.strip())):
    try:
        text = directive.load_text(sent.name, sent.getvalue()) if sent else pasted
    except directive.DirectiveError as exc:
        st.error(str(exc))
        st.stop()
    st.session_state["new_source"] = sent.name if sent else "nội dung dán vào"
    st.session_state["new_directive"] = text
    st.session_state["new_rows"] = pl.DataFrame(directive.to_rows(directive.propose(text), code),
                                                schema_overrides={c: pl.Float64 for c in ("value", "low", "high",
                                                                                          "per", "weight")})
if "new_rows" not in st.session_state:
    st.stop()
choice = st.column_config

st.subheader("Phong trào, như văn bản ghi")
fields = directive.campaign_fields(st.session_state["new_directive"])
st.dataframe(pl.DataFrame({"Mục": [f.label for f in fields], "Văn bản ghi": [f.shown for f in fields]}), hide_index=True,
             column_config={"Văn bản ghi": choice.TextColumn(width="large")})
rows: pl.DataFrame = st.session_state["new_rows"]
st.subheader(f"{rows.height} chỉ tiêu được đề xuất")
# An empty cell shows a dash, not Streamlit's English "None".
edited = st.data_editor(rows, key="new_editor", num_rows="dynamic", hide_index=True, placeholder="—", column_config={
    "code": choice.TextColumn("Mã", required=True, width=110),
    "name": choice.TextColumn("Tên chỉ tiêu", required=True, width=260),
    "group": choice.SelectboxColumn("Nhóm", options=list(cat.groups), width=120),
    "uom": choice.SelectboxColumn("Đơn vị tính", options=sorted(cat.uoms), width=110),
    "rule_type": choice.SelectboxColumn("Cách tính", options=list(RULE_NAMES_VI), width=120),
    "value": choice.NumberColumn("Mức / %", width=80), "low": choice.NumberColumn("Từ", width=70),
    "high": choice.NumberColumn("Đến", width=70), "per": choice.NumberColumn("Trên số dân", width=90),
    "direction": choice.SelectboxColumn("Hướng", options=["decrease", "increase"], width=90),
    "accumulation": choice.SelectboxColumn("Cộng dồn", options=["level", "cumulative"], width=100),
    "period_type": choice.SelectboxColumn("Kỳ báo cáo", options=list(PERIOD_TYPE_VI), width=100),
    "reporter_types": choice.TextColumn("Loại đơn vị báo cáo", help=", ".join(UNIT_TYPES), width=140),
    "reporter_units": choice.TextColumn("Mã đơn vị báo cáo", help="các mã cách nhau bằng dấu phẩy", width=140),
    "owner": choice.TextColumn("Đơn vị chủ trì", width=100), "weight": choice.NumberColumn("Trọng số", width=80),
    "as_written": choice.TextColumn("Nguyên văn", disabled=True, width=300)})
items = directive.to_items(edited.to_dicts())
problems = check_indicators(items, code, cat)
bad = [(item["code"], p) for item, found in zip(items, problems) for p in found]
if bad:
    st.warning(f"{len({c for c, _ in bad})} chỉ tiêu còn cần sửa trước khi công bố:", icon=":material/edit_note:")
    st.dataframe(pl.DataFrame(bad, schema=["Mã", "Cần sửa"], orient="row"), hide_index=True,
                 column_config={"Cần sửa": choice.TextColumn(width="large")})
else:
    st.success("Mọi chỉ tiêu đều hợp lệ theo danh mục.", icon=":material/check_circle:")
st.download_button("Tải tệp chỉ tiêu (YAML)", directive.items_yaml(items, code, st.session_state["new_source"]),
                   file_name=f"{code}.yaml", mime="application/yaml", icon=":material/download:")

with st.expander("Văn bản, các câu đã nhận ra chỉ tiêu được tô sáng"):
    text = st.session_state["new_directive"]
    spans = sorted({(p.start, p.end) for p in directive.propose(text)})
    marked, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        marked += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    marked.append(html.escape(text[at:]))
    st.html("<div style='white-space: pre-wrap; font-size: 0.95rem; line-height: 1.5'>" + "".join(marked) + "</div>")
