"""Chỉ tiêu: one indicator across all units (against its target), its trend and its spread."""
import polars as pl
import streamlit as st

from dashboard import charts, data, layout, present, state
from lakehouse.periods import PERIOD_TYPE_VI, label_vi
from lakehouse.rules import RULE_NAMES_VI

campaign, period = state.campaign_and_period()
inds = data.indicators(campaign)
names = dict(inds.select("indicator_code", "name").iter_rows())
reported = data.indicators_with_data(campaign, period)
code = state.select("Chỉ tiêu", inds["indicator_code"].to_list(), "indicator", lambda c: f"{c} — {names[c]}",
                    default=reported[0] if reported else None)
ind = inds.filter(pl.col("indicator_code") == code).row(0, named=True)
st.title(ind["name"])
st.markdown(f"> {ind['as_written']}")
cols = st.columns(4)
cols[0].metric("Mục tiêu", ind["target_text"])
cols[1].metric("Cách tính", RULE_NAMES_VI[ind["rule_type"]])
cols[2].metric("Kỳ báo cáo", PERIOD_TYPE_VI[ind["period_type"]])
cols[3].metric("Cộng dồn", "Có (lũy kế từ đầu năm)" if ind["accumulation"] == "cumulative" else "Không")

rows = data.indicator_across_units(campaign, code, period)
st.subheader(f"Các đơn vị — {label_vi(period)}")
if rows.filter(pl.col("actual").is_not_null()).is_empty():
    st.info("Chưa đơn vị nào báo cáo chỉ tiêu này trong kỳ.")
else:
    st.plotly_chart(charts.indicator_bars(rows, ind["uom"], ind["target_low"], ind["target_high"]),
                    config={"displayModeBar": False})
if rows.height:
    columns = {
        "Đơn vị": pl.col("unit_name"), "Thực hiện": pl.coalesce(pl.col("actual_text"), present.num("actual")),
        "Chỉ tiêu giao": present.target(), "Kỳ gốc": present.num("baseline"),
        "Tỷ lệ hoàn thành": present.pct("attainment"), "Đánh giá": present.status(), "Ghi chú": pl.col("remark")}
    if layout.is_phone():   # what fits upright: who, how much, the verdict
        columns = {k: columns[k] for k in ("Đơn vị", "Thực hiện", "Đánh giá")}
    present.table(present.show(rows, **columns), keep=("Đơn vị",))

trend = data.indicator_trend(campaign, code)
if trend.height:
    left, right = st.columns(2)
    with left:
        st.subheader("Xu hướng")
        st.plotly_chart(charts.trend(trend, "actual", "unit_name", ind["uom"]), config={"displayModeBar": False})
    with right:
        st.subheader("Độ phân tán giữa các đơn vị")
        st.plotly_chart(charts.spread(trend), config={"displayModeBar": False})
