"""Chất lượng dữ liệu: the Great Expectations results of each run, and the quarantined rows
(searchable), drawn here rather than in GX Data Docs, which need the internet for styles."""
import json

import polars as pl
import streamlit as st

from dashboard import data, present

st.title("Chất lượng dữ liệu")
runs = data.runs()
if runs.is_empty():
    st.info("Chưa có lần chạy nào được ghi lại.")
else:
    st.subheader("Các lần chạy")
    job_vi = {"ingest": "Nhận tệp", "refresh": "Làm mới hằng đêm"}
    st.dataframe(present.show(runs.head(50), **{
        "Mã lần chạy": pl.col("run_id"), "Tác vụ": pl.col("job").replace_strict(job_vi, default=pl.col("job")),
        "Bắt đầu": present.moment("started_at"), "Kết thúc": present.moment("finished_at"),
        "Kết quả": pl.col("status").replace_strict({"ok": "Xong", "rejected_rows": "Có dòng bị loại",
                                                         "error": "Lỗi nội bộ (đã ghi nhật ký)"},
                                                   default=pl.col("status")),
        "Kiểm tra đạt": pl.col("checks_passed"),
        "Kiểm tra không đạt": pl.col("checks_failed"), "Tóm tắt": pl.col("summary")}), hide_index=True)
    run_id = st.selectbox("Xem kết quả kiểm tra của lần chạy", runs["run_id"].to_list(),
                          format_func=lambda r: f"{r} — " + job_vi.get(
                              runs.filter(pl.col('run_id') == r)['job'][0], "tác vụ khác"))
    results = data.check_results(run_id)
    if results.is_empty():
        st.info("Lần chạy này không có kiểm tra nào.")
    else:
        st.dataframe(present.show(results.sort("success", "table"), **{
            "Bảng": pl.col("table"), "Kiểm tra": pl.col("description"), "Cột": pl.col("column"),
            "Kết quả": pl.when(pl.col("success")).then(pl.lit("✔ Đạt")).otherwise(pl.lit("✘ Không đạt")),
            "Số dòng": pl.col("element_count"), "Dòng lỗi": pl.col("unexpected_count")}), hide_index=True)
    tables = json.loads(runs.filter(pl.col("run_id") == run_id)["tables"][0] or "{}")
    if tables:
        with st.expander("Số dòng vào / ra từng bảng"):
            st.dataframe(pl.DataFrame([{"Bảng": t, "Dòng vào": e.get("rows_in"), "Dòng ra": e.get("rows_out"),
                                        "Ghi lại": "có" if e.get("written") else "không"} for t, e in tables.items()]),
                         hide_index=True)

st.subheader("Dòng bị cách ly")
search = st.text_input("Tìm theo tên tệp, ô, giá trị hoặc lý do", key="q_search")
q = data.quarantine(search)
st.caption(f"{q.height} dòng")
if q.height:
    st.dataframe(present.show(q, **{
        "Tệp": pl.col("original_name"), "Trang": pl.col("sheet"), "Dòng": pl.col("row"), "Cột": pl.col("column"),
        "Ô": pl.col("cell"), "Giá trị": pl.col("value"), "Lý do": pl.col("reason"),
        "Lúc nhận": present.moment("quarantined_at")}), hide_index=True)
