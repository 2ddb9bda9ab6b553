"""Tiến độ báo cáo: who reported, who is late, who is missing, per period (a national campaign:
per area and period, then the late and missing units of the area chosen)."""
import polars as pl
import streamlit as st

from dashboard import charts, data, layout, present, state
from lakehouse.periods import label_vi, sort_key

campaign, period = state.campaign_and_period()
st.title("Tiến độ báo cáo")
national = data.by_area(campaign, period)
comp = data.completeness_by_area(campaign) if national else data.completeness(campaign)
if comp.is_empty():
    st.info("Chưa có kỳ báo cáo nào đến hạn.")
    st.stop()
now = data.completeness(campaign, period)
cols = st.columns(5)
cols[0].metric("Đơn vị phải báo cáo", now.height)
for col, state_code in zip(cols[1:], charts.STATE_VI):
    col.metric(f"{charts.STATE_MARK[state_code]} {charts.STATE_VI[state_code]}",
               now.filter(pl.col("state") == state_code).height)
periods = sorted(comp["period"].unique().to_list(), key=sort_key)
if national:   # areas × periods; the late and missing units of the area chosen
    st.caption(f"{label_vi(period)} · ô ghi tỷ lệ đơn vị của địa bàn đã gửi đủ báo cáo — "
               + " · ".join(charts.SHARE_VI[b] for b in ("high", "middle", "low")))
    st.plotly_chart(charts.completeness_areas(comp, periods, narrow=layout.is_phone()), config={"displayModeBar": False})
    names = dict(comp.select("area_code", "area_name").unique().iter_rows())
    area = state.select("Xem các đơn vị của địa bàn", sorted(names, key=lambda a: (names[a], a)), "area",
                        lambda a: names[a])
    now = now.filter(pl.col("unit_code").is_in(data.area_units(campaign, area)))
    st.subheader(f"Đơn vị chậm hoặc thiếu của {names[area]} — {label_vi(period)}")
else:
    st.caption(f"{label_vi(period)} · ô ghi số chỉ tiêu đã nhận / phải báo cáo")
    st.plotly_chart(charts.completeness_matrix(comp, periods, narrow=layout.is_phone()), config={"displayModeBar": False})
    st.subheader(f"Đơn vị chậm hoặc thiếu — {label_vi(period)}")
issues = now.filter((pl.col("late") > 0) | (pl.col("missing") > 0)).sort("missing", "late", descending=True)
if issues.is_empty():
    st.success("Mọi đơn vị đã báo cáo đủ và đúng hạn.")
else:
    columns = {
        "Đơn vị": pl.col("unit_name"), "Phải báo cáo": pl.col("expected"), "Đã nhận": pl.col("received"),
        "Đúng hạn": pl.col("on_time"), "Muộn": pl.col("late"), "Còn thiếu": pl.col("missing"),
        "Hạn nộp": present.day("due_date"), "Nhận lần đầu": present.moment("first_received_at"),
        "Nhận lần cuối": present.moment("last_received_at")}
    if layout.is_phone():   # what fits upright: who, and what is late or missing
        columns = {k: columns[k] for k in ("Đơn vị", "Muộn", "Còn thiếu", "Hạn nộp")}
    present.table(present.show(issues, **columns), keep=("Đơn vị",))
