"""Chỉ tiêu: one indicator across all units (against its target), its trend and its spread. A
national campaign: across its areas (the share of units at or above target), one area's units on
demand, and the trend of that share."""
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

phone = layout.is_phone()


def draw_units(rows: pl.DataFrame, title: str) -> None:
    """The units' figures for the period: bars against the target, then the table."""
    st.subheader(title)
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
        if phone:   # what fits upright: who, how much, the verdict
            columns = {k: columns[k] for k in ("Đơn vị", "Thực hiện", "Đánh giá")}
        present.table(present.show(rows, **columns), keep=("Đơn vị",))


if not data.by_area(campaign, period):
    draw_units(data.indicator_across_units(campaign, code, period), f"Các đơn vị — {label_vi(period)}")
    trend = data.indicator_trend(campaign, code)
    if trend.height:
        left, right = st.columns(2)
        with left:
            st.subheader("Xu hướng")
            st.plotly_chart(charts.trend(trend, "actual", "unit_name", ind["uom"]), config={"displayModeBar": False})
        with right:
            st.subheader("Độ phân tán giữa các đơn vị")
            st.plotly_chart(charts.spread(trend), config={"displayModeBar": False})
else:   # a national campaign: its areas first, one area's units on demand; trends as shares of units
    areas = data.area_status(campaign, period, code)
    st.subheader(f"Các địa bàn — {label_vi(period)}")
    if areas.filter(pl.col("reported") > 0).is_empty():
        st.info("Chưa đơn vị nào báo cáo chỉ tiêu này trong kỳ.")
    else:
        st.plotly_chart(charts.area_shares(areas), config={"displayModeBar": False})
    names = dict(areas.select("area_code", "area_name").iter_rows())
    area = state.select("Xem các đơn vị của địa bàn", sorted(names, key=lambda a: (names[a], a)), "area",
                        lambda a: names[a])
    if area is not None:
        draw_units(data.indicator_across_units(campaign, code, period, data.area_units(campaign, area)),
                   f"Các đơn vị của {names[area]} — {label_vi(period)}")
    shares = data.indicator_shares(campaign, code, area)
    if shares.height:
        left, right = st.columns(2)
        with left:
            st.subheader("Xu hướng: tỷ lệ đơn vị đạt trở lên")
            st.plotly_chart(charts.trend(shares, "share", "series", "Đơn vị đạt trở lên (%)"),
                            config={"displayModeBar": False})
        with right:
            st.subheader("Các đơn vị theo đánh giá")
            st.plotly_chart(charts.status_shares(shares.filter(pl.col("series") == "Toàn phong trào")),
                            config={"displayModeBar": False})
