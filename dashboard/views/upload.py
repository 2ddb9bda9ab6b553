"""Tải lên (stewards): pick files → dry-run preview of how each file was understood and every
problem with its cell → confirm → values in gold. Also the steward's upload history and a
ready-to-fill template for their units."""
import polars as pl
import streamlit as st

from dashboard import auth, data, present, uploads
from lakehouse.periods import label_vi

account = auth.require("steward", "admin")
st.title("Tải lên báo cáo")
scope = "mọi đơn vị" if account.allowed_units() is None else ", ".join(
    data.unit_names().get(u, u) for u in account.units)
st.caption(f"Bạn được gửi báo cáo cho: {scope}. Mọi tệp gửi lên đều được lưu nguyên bản.")

# A new key empties the uploader once its files are sent; the results stay on screen until the next action.
round_ = st.session_state.setdefault("upload_round", 0)
for kind, message in st.session_state.pop("upload_results", []):
    (st.success if kind == "ok" else st.warning)(message)
files = st.file_uploader("Chọn tệp báo cáo (.xlsx, .xls, .ods, .csv)", type=["xlsx", "xlsm", "xls", "ods", "csv"],
                         accept_multiple_files=True, key=f"files_{round_}")
if files:
    previews = [uploads.preview(f.name, f.getvalue(), account) for f in files]
    for p in previews:
        box = st.container(border=True)
        box.markdown(f"**{present.plain(p.name)}** — {present.plain(p.headline)}")
        for note in p.notes:
            box.caption(present.plain(note))
        if p.accepted_table is not None and p.accepted_table.height:
            present.table(p.accepted_table, container=box)
        if p.problems_table is not None and p.problems_table.height:
            box.error(f"{p.problems_table.height} lỗi sẽ không được nhận (các dòng khác vẫn được nhận):")
            # A plain table wraps long reasons (its cells are Markdown: file text is escaped, so no link
            # or image in it comes alive); a very long list scrolls in a grid instead.
            if p.problems_table.height <= 100:
                box.table(p.problems_table.with_columns(pl.col(pl.String).map_elements(
                    present.plain, return_dtype=pl.String)).to_pandas().set_index("Trang"))
            else:
                present.table(p.problems_table, container=box, keep=("Lý do",))
    sendable = [p for p in previews if p.can_send]
    if sendable and st.button(f"Xác nhận gửi {len(sendable)} tệp", type="primary"):
        with st.spinner("Đang nhận tệp và cập nhật số liệu…"):
            results = [uploads.send(p, account) for p in sendable]
        st.session_state["upload_results"] = [("ok" if r.ok else "warn", present.plain(r.summary_vi()))
                                              for r in results]
        st.session_state["upload_round"] = round_ + 1
        st.toast("Đã cập nhật số liệu. Trang Tổng quan đã có số mới.")
        st.rerun()

st.divider()
st.subheader("Biểu mẫu để điền")
campaigns = data.campaigns()
if not campaigns.is_empty():
    names = dict(campaigns.select("campaign_code", "short_name").iter_rows())
    cols = st.columns(3)
    t_campaign = cols[0].selectbox("Phong trào", list(names), format_func=names.get, key="tpl_campaign")
    unit_choices = uploads.template_units(t_campaign, account)
    unit_names = data.unit_names()
    t_unit = cols[1].selectbox("Đơn vị", unit_choices, format_func=lambda u: unit_names.get(u, u), key="tpl_unit")
    t_period = cols[2].selectbox("Kỳ báo cáo", uploads.template_periods(t_campaign), format_func=label_vi,
                                 key="tpl_period")
    if t_unit:
        workbook = uploads.template(t_campaign, t_unit, t_period)
        if workbook is None:
            st.info("Đơn vị này không có chỉ tiêu phải báo cáo trong kỳ đã chọn.")
        else:
            st.download_button("Tải biểu mẫu (Excel)", workbook, file_name=f"bieu-mau_{t_campaign}_{t_unit}_{t_period}.xlsx",
                               icon=":material/download:", on_click="ignore",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.divider()
st.subheader("Các lần gửi")
history = data.uploads(None if account.role == "admin" else account.username)
if history.is_empty():
    st.info("Chưa có tệp nào được gửi.")
else:
    present.table(present.show(history, **{
        "Tệp": pl.col("original_name"), "Lúc nhận": present.moment("received_at"), "Người gửi": pl.col("received_by"),
        "Kênh": pl.col("channel"), "Giá trị nhận": pl.col("accepted"), "Đang dùng": pl.col("current"),
        "Lỗi": pl.col("rejected")}), keep=("Tệp",))
