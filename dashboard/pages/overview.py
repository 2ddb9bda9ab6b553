"""Tổng quan: for one campaign and period, how many indicators are exceeded, met, not met,
without data; and every unit × indicator with its status."""
from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data
from lake.formatting import number_vi
from lake.periods import label_vi
from lake.rules import STATUS_VI

st.title("Tổng quan thực hiện chỉ tiêu thi đua")
campaigns = data.campaigns()
if campaigns.is_empty():
    st.info("Kho dữ liệu chưa có phong trào nào. Hãy chạy `python -m jobs demo` hoặc tải báo cáo lên.")
    st.stop()

names = dict(campaigns.select("campaign_code", "short_name").iter_rows())
codes = list(names)
chosen = st.query_params.get("campaign", codes[0])
campaign = st.selectbox("Phong trào", codes, index=codes.index(chosen) if chosen in codes else 0,
                        format_func=lambda c: names[c])
st.query_params["campaign"] = campaign
att = data.attainment(campaign)
if att.is_empty():
    st.info("Phong trào này chưa có số liệu.")
    st.stop()
periods = sorted(att["period"].unique().to_list())
wanted = st.query_params.get("period", periods[-1])
period = st.selectbox("Kỳ báo cáo", periods, index=periods.index(wanted) if wanted in periods else len(periods) - 1,
                      format_func=label_vi)
st.query_params["period"] = period

counts = data.status_counts(att, period)
cols = st.columns(4)
for col, status in zip(cols, ("exceeded", "met", "not_met", "no_data")):
    col.metric(STATUS_VI[status], counts[status])

rows = (att.filter(pl.col("period") == period).sort("sort_order", "unit_code")
        .select(pl.col("name").alias("Chỉ tiêu"), pl.col("unit_name").alias("Đơn vị"),
                pl.col("actual").map_elements(number_vi, return_dtype=pl.String).alias("Thực hiện"),
                pl.col("uom").alias("Đơn vị tính"), pl.col("target_text").alias("Mục tiêu"),
                pl.col("attainment").map_elements(lambda a: number_vi(a * 100, 1) + "%" if a is not None else "—",
                                                  return_dtype=pl.String).alias("Tỷ lệ hoàn thành"),
                pl.col("status").replace_strict(STATUS_VI).alias("Đánh giá"),
                pl.col("remark").alias("Ghi chú")))
st.dataframe(rows.to_pandas(), hide_index=True, width="stretch")
