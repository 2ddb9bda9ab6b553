"""Đơn vị: one unit's scorecard — every indicator against its target, the trend, and the
unit against its cluster's average. On a phone: names above the bars, the table cut to what
a leader reads there (indicator, value, verdict)."""
import polars as pl
import streamlit as st

from dashboard import charts, data, layout, present, state
from lakehouse.gold import forecast
from lakehouse.periods import PERIOD_TYPE_VI, label_vi, period_type

campaign, period = state.campaign_and_period()
names = data.unit_names()
units = data.units_of(campaign)
unit = state.select("Đơn vị", units, "unit", lambda u: names.get(u, u))
if unit is None:
    st.info("Phong trào này chưa có đơn vị nào có số liệu.")
    st.stop()
st.title(names.get(unit, unit))
st.caption(label_vi(period))

card = data.scorecard(campaign, unit, period)
if card.is_empty():
    st.info(f"{names.get(unit, unit)} không có chỉ tiêu phải báo cáo trong kỳ này.")
else:
    phone = layout.is_phone()
    st.plotly_chart(charts.attainment_bullets(card, narrow=phone), config={"displayModeBar": False})
    value = pl.coalesce(pl.col("actual_text"), pl.format("{} {}", present.num("actual"), pl.col("uom").fill_null("")))
    if phone:
        present.table(present.show(card, **{"Chỉ tiêu": pl.col("name"), "Thực hiện": value,
                                            "Đánh giá": present.status()}), budget=present.PHONE)
    else:
        columns = {
            "Chỉ tiêu": pl.format("{} {}", pl.col("indicator_code"), pl.col("name")), "Thực hiện": value,
            "Mục tiêu": pl.col("target_text"), "Chỉ tiêu giao": present.target(),
            "Tỷ lệ hoàn thành": present.pct("attainment"), "Đánh giá": present.status(),
            "Tiến độ năm": present.pct("pace"), "Ghi chú": pl.col("remark"),
            "Tổng các đơn vị trực thuộc": pl.when(pl.col("rollup_actual").is_not_null() & ~pl.col("is_rollup")).then(
                pl.format("{}{}", present.num("rollup_actual"),
                          pl.when(pl.col("disagrees")).then(pl.lit(" ⚠ lệch với số của đơn vị"))
                          .otherwise(pl.lit("")))),
            "Nguồn": pl.when(pl.col("is_rollup")).then(pl.lit("tổng các đơn vị trực thuộc"))
            .otherwise(pl.format("{} dòng {}", pl.col("sheet"), pl.col("row")))}
        shown = present.show(card, **columns)
        # A column with nothing in it for this unit takes no room.
        present.table(shown.select([c for c in shown.columns if c in ("Chỉ tiêu", "Thực hiện")
                                    or (shown[c] != "").any()]), keep=("Chỉ tiêu",))

outlook = data.year_end_forecast(campaign, period, unit)
if outlook.height:
    st.subheader("Dự báo cuối năm")
    st.caption(forecast.METHOD_VI)
    present.table(present.show(outlook, **present.outlook_columns(layout.is_phone(), unit=False)),
                  keep=("Chỉ tiêu",))

trend = data.unit_trend(campaign, unit)
versus = data.unit_vs_cluster(campaign, unit)
# One kind of period per chart (quarters, half-years and years on one axis would jump back).
kinds = [k for k in ("month", "quarter", "half", "year", "window")
         if k in set(trend["period_kind"].to_list()) | set(versus["period_kind"].to_list())]
kind = None
if kinds:
    default = period_type(period) if period and period_type(period) in kinds else kinds[0]
    kind = st.radio("Theo kỳ", kinds, index=kinds.index(default), format_func=lambda k: PERIOD_TYPE_VI[k].capitalize(),
                    horizontal=True)
left, right = st.columns(2)
with left:
    st.subheader("Xu hướng qua các kỳ")
    shown = trend.filter(pl.col("period_kind") == kind)
    if shown.height:
        st.plotly_chart(charts.trend(shown.with_columns(pl.col("attainment") * 100), "attainment", "indicator_code",
                                     "Tỷ lệ hoàn thành (%)", name="name"), config={"displayModeBar": False})
    else:
        st.info("Chưa có số liệu qua các kỳ.")
with right:
    st.subheader("So với trung bình cụm thi đua")
    shown = versus.filter(pl.col("period_kind") == kind)
    if shown.height:
        st.plotly_chart(charts.unit_vs_cluster(shown), config={"displayModeBar": False})
    else:
        st.info("Đơn vị không thuộc cụm thi đua nào của phong trào này, hoặc chưa có điểm cho loại kỳ này.")
