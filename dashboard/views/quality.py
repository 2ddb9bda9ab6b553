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
    present.table(present.show(runs.head(50), **{
        "Mã lần chạy": pl.col("run_id"), "Tác vụ": pl.col("job").replace_strict(job_vi, default=pl.col("job")),
        "Bắt đầu": present.moment("started_at"), "Kết thúc": present.moment("finished_at"),
        "Kết quả": pl.col("status").replace_strict({"ok": "Xong", "rejected_rows": "Có dòng bị loại",
                                                         "error": "Lỗi nội bộ (đã ghi nhật ký)"},
                                                   default=pl.col("status")),
        "Kiểm tra đạt": pl.col("checks_passed"),
        "Kiểm tra không đạt": pl.col("checks_failed"), "Tóm tắt": pl.col("summary")}), keep=("Tóm tắt",))
    run_id = st.selectbox("Xem kết quả kiểm tra của lần chạy", runs["run_id"].to_list(),
                          format_func=lambda r: f"{r} — " + job_vi.get(
                              runs.filter(pl.col('run_id') == r)['job'][0], "tác vụ khác"))
    results = data.check_results(run_id)
    if results.is_empty():
        st.info("Lần chạy này không có kiểm tra nào.")
    else:
        present.table(present.show(results.sort("success", "table"), **{
            "Bảng": pl.col("table"), "Kiểm tra": pl.col("description"), "Cột": pl.col("column"),
            "Kết quả": pl.when(pl.col("success")).then(pl.lit("✔ Đạt")).otherwise(pl.lit("✘ Không đạt")),
            "Số dòng": pl.col("element_count"), "Dòng lỗi": pl.col("unexpected_count")}), keep=("Kiểm tra",))
    tables = json.loads(runs.filter(pl.col("run_id") == run_id)["tables"][0] or "{}")
    if tables:
        with st.expander("Số dòng vào / ra từng bảng"):
            present.table(pl.DataFrame([{"Bảng": t, "Dòng vào": e.get("rows_in"), "Dòng ra": e.get("rows_out"),
                                         "Ghi lại": "có" if e.get("written") else "không"} for t, e in tables.items()]))

st.subheader("Dòng bị cách ly")
search = st.text_input("Tìm theo tên tệp, ô, giá trị hoặc lý do", key="q_search")
q = data.quarantine(search)
st.caption(f"{q.height} dòng" + (" · chọn một dòng để đọc đủ lý do" if q.height else ""))
if q.height:
    shown = present.show(q, **{
        "Lý do": pl.col("reason"), "Tệp": pl.col("original_name"), "Trang": pl.col("sheet"), "Dòng": pl.col("row"),
        "Cột": pl.col("column"), "Ô": pl.col("cell"), "Giá trị": pl.col("value"),
        "Lúc nhận": present.moment("quarantined_at")})
    picked = present.table(shown, keep=("Lý do",), key="quarantine", on_select="rerun", selection_mode="single-row")
    if picked and picked.selection.rows:
        row = shown.row(picked.selection.rows[0], named=True)
        st.info(f"{present.plain(row['Tệp'])}, trang {present.plain(row['Trang'])}, dòng {row['Dòng']}, cột "
                f"{present.plain(row['Cột'])}: {present.plain(row['Lý do'])}", icon=":material/info:")
