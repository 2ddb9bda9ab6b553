"""Xếp hạng thi đua: cluster leaderboards by weighted score, as read out at sơ kết and tổng
kết, with the table as an Excel download."""
import polars as pl
import streamlit as st

from dashboard import charts, data, exports, present, state
from lakehouse.periods import label_vi

campaign, period = state.campaign_and_period()
st.title("Xếp hạng thi đua")
st.caption(f"{data.campaign(campaign)['short_name']} · {label_vi(period)} · điểm = trung bình có trọng số của "
           "tỷ lệ hoàn thành (mỗi chỉ tiêu tối đa 120%, chưa báo cáo tính 0, chỉ tiêu chưa giao cho đơn vị không "
           "tính); xem trang Cách tính điểm")
scores = data.scores(campaign, period)
if scores.is_empty():
    st.info("Chưa có điểm thi đua cho kỳ này.")
    st.stop()
table = present.show(scores, **{
    "Cụm thi đua": pl.col("cluster_name"), "Hạng": pl.col("rank"), "Đơn vị": pl.col("unit_name"),
    "Điểm": pl.col("score"), "Số chỉ tiêu": pl.col("indicators"), "Vượt": pl.col("exceeded"),
    "Đạt": pl.col("met"), "Chưa đạt": pl.col("not_met"), "Chưa có số liệu": pl.col("no_data"),
    "Chưa giao chỉ tiêu (không tính điểm)": pl.col("no_target")})
st.download_button("Tải bảng xếp hạng (Excel)", exports.ranking_workbook(table, label_vi(period)),
                   file_name=f"xep-hang_{campaign}_{period}.xlsx", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
if st.session_state["account"].role in ("leadership", "admin"):
    # The review leadership signs (sơ kết / tổng kết), as the dashboard stands or stood on the day chosen.
    word, annex = exports.review_report(campaign, period, st.session_state.get("as_of"))
    left, right = st.columns(2)
    left.download_button(f"Báo cáo {label_vi(period).lower()} (Word)", word, icon=":material/description:",
                         file_name=f"bao-cao_{campaign}_{period}.docx", on_click="ignore",
                         mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    right.download_button("Phụ lục: bảng tổng hợp (Excel)", annex, icon=":material/table:", on_click="ignore",
                          file_name=f"bao-cao_{campaign}_{period}-phu-luc.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
marks = ("exceeded", "met", "not_met", "no_data", "no_target")
for (cluster,), group in scores.group_by(["cluster_name"], maintain_order=True):
    st.subheader(cluster)
    left, right = st.columns(2)
    left.plotly_chart(charts.leaderboard(group), config={"displayModeBar": False})
    # Status counts under their marks, so every column fits beside the chart; the caption names them.
    present.table(present.show(group, **{"Hạng": pl.col("rank"), "Đơn vị": pl.col("unit_name"),
                                         "Điểm": present.num("score", 2),
                                         **{charts.STATUS_MARK[m]: pl.col(m) for m in marks}}),
                  budget=present.HALF, container=right, keep=("Đơn vị",))
    right.caption("Số chỉ tiêu: " + " · ".join(charts.status_label(m) for m in marks))
