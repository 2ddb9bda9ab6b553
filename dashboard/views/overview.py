"""Tổng quan: are we on track? Status counts, the units × indicators matrix, who is ahead and
behind, indicators behind the pace of the year, and the campaign's milestones."""
from datetime import date

import polars as pl
import streamlit as st

from dashboard import charts, data, present
from dashboard.state import campaign_and_period
from lake.periods import label_vi

campaign, period = campaign_and_period()
info = data.campaign(campaign)
st.title(info["short_name"])
st.caption(f"{info['document']} · {label_vi(period)}")

att = data.attainment(campaign, period=period)
counts = data.status_counts(att, period)
total = sum(counts.values()) or 1
for col, s in zip(st.columns(len(charts.STATUS_ORDER)), charts.STATUS_ORDER):
    col.metric(charts.status_label(s), counts[s])
    col.caption(f"{round(counts[s] * 100 / total)}% số chỉ tiêu của các đơn vị trong kỳ")

st.plotly_chart(charts.milestones_timeline(info["window_start"], info["window_end"], data.milestones(campaign),
                                           date.today(), info["window_start_stated"] is not False),
                config={"displayModeBar": False})

st.subheader("Ma trận đơn vị × chỉ tiêu")
matrix = data.matrix(att, period)
if matrix.is_empty():
    st.info("Kỳ này chưa có chỉ tiêu nào phải báo cáo.")
else:
    st.caption(" · ".join(charts.status_label(s) for s in charts.STATUS_ORDER) + " — di chuột vào ô để xem chi tiết.")
    st.plotly_chart(charts.status_matrix(matrix), config={"displayModeBar": False})

ahead, behind = data.ahead_and_behind(campaign, period)
left, right = st.columns(2)
for col, title, frame in ((left, "Đơn vị dẫn đầu", ahead), (right, "Đơn vị cần cố gắng", behind)):
    col.subheader(title)
    if frame.is_empty():
        col.info("Chưa có điểm thi đua cho kỳ này.")
    else:
        col.dataframe(present.show(frame, **{"Đơn vị": pl.col("unit_name"), "Cụm": pl.col("cluster_name"),
                                            "Điểm": present.num("score", 1), "Hạng": pl.col("rank")}),
                      hide_index=True)

st.subheader("Chỉ tiêu chậm so với tiến độ năm")
risk = data.at_risk(att, period)
if risk.is_empty():
    st.success("Không có chỉ tiêu cộng dồn nào chậm tiến độ trong kỳ này.")
else:
    st.dataframe(present.show(risk, **{
        "Chỉ tiêu": pl.col("name"), "Đơn vị": pl.col("unit_name"), "Thực hiện": present.num("actual"),
        "Cần đạt đến kỳ này": present.num("expected_to_date"), "Cả năm": present.num("target_low"),
        "Đơn vị tính": pl.col("uom"), "Tiến độ": present.pct("pace")}), hide_index=True)
