"""Tổng quan: are we on track? Status counts, the units × indicators matrix (a national
campaign: areas × indicators, then one area's units), who is ahead and behind, the year-end
forecast's indicators at risk, and the campaign's milestones. On a phone: the same answers as
short lists, one unit a row, a tap away from the unit's page."""
from datetime import date

import polars as pl
import streamlit as st

from dashboard import charts, data, layout, present, state
from lakehouse.gold import forecast
from lakehouse.periods import label_vi

campaign, period = state.campaign_and_period()
phone = layout.is_phone()
info = data.campaign(campaign)
st.title(info["short_name"])
st.caption(f"{info['document']} · {label_vi(period)}")

counts = data.status_counts(campaign, period)
total = sum(counts.values()) or 1
if phone:
    present.table(pl.DataFrame({"Đánh giá": [charts.status_label(s) for s in charts.STATUS_ORDER],
                                "Số chỉ tiêu": [counts[s] for s in charts.STATUS_ORDER],
                                "Tỷ lệ": [f"{round(counts[s] * 100 / total)}%" for s in charts.STATUS_ORDER]}),
                  budget=present.PHONE)
    st.caption("Số chỉ tiêu của các đơn vị trong kỳ, theo đánh giá.")
    st.markdown(present.milestones_text(info, data.milestones(campaign), date.today()))
else:
    for col, s in zip(st.columns(len(charts.STATUS_ORDER)), charts.STATUS_ORDER):
        col.metric(charts.status_label(s), counts[s])
        col.caption(f"{round(counts[s] * 100 / total)}% số chỉ tiêu của các đơn vị trong kỳ")
    st.plotly_chart(charts.milestones_timeline(info["window_start"], info["window_end"], data.milestones(campaign),
                                               date.today(), info["window_start_stated"] is not False),
                    config={"displayModeBar": False})

def draw_units(matrix: pl.DataFrame) -> None:
    """The units × indicators matrix (on a phone: each unit's count of indicators by status)."""
    if matrix.is_empty():
        st.info("Kỳ này chưa có chỉ tiêu nào phải báo cáo.")
    elif phone:
        units = data.unit_status_counts(matrix)
        st.caption("Số chỉ tiêu của mỗi đơn vị theo đánh giá; chạm vào một đơn vị để xem chi tiết.")
        shown = present.show(units, **{"Đơn vị": pl.col("unit_name"),
                                       **{charts.STATUS_MARK[s]: pl.col(s) for s in ("exceeded", "met", "not_met", "no_data")}})
        picked = present.table(shown, budget=present.PHONE, key="units", on_select="rerun", selection_mode="single-row")
        if picked and picked.selection.rows:
            st.switch_page("views/unit.py", query_params={"campaign": campaign, "period": period,
                                                          "unit": units["unit_code"][picked.selection.rows[0]]})
    else:
        st.caption(" · ".join(charts.status_label(s) for s in charts.STATUS_ORDER) + " — di chuột vào ô để xem chi tiết.")
        st.plotly_chart(charts.status_matrix(matrix), config={"displayModeBar": False})


if data.units_counted(campaign, period) <= data.MATRIX_UNITS:
    st.subheader("Đơn vị × chỉ tiêu" if phone else "Ma trận đơn vị × chỉ tiêu")
    draw_units(data.matrix(campaign, period))
else:   # a national campaign: its areas (provinces) first, one area's units on demand
    areas = data.area_status(campaign, period)
    st.subheader("Địa bàn × chỉ tiêu" if phone else "Ma trận địa bàn × chỉ tiêu")
    if phone:
        totals = data.area_totals(areas)
        st.caption("Số chỉ tiêu của các đơn vị trong mỗi địa bàn, theo đánh giá.")
        present.table(present.show(totals, **{"Địa bàn": pl.col("area_name"),
                                              **{charts.STATUS_MARK[s]: pl.col(s)
                                                 for s in ("exceeded", "met", "not_met", "no_data")}}),
                      budget=present.PHONE)
    else:
        st.caption("Mỗi ô: tỷ lệ đơn vị của địa bàn đạt hoặc vượt chỉ tiêu — "
                   + " · ".join(charts.SHARE_VI[b] for b in charts.SHARE_COLOR) + "; di chuột vào ô để xem số đơn vị.")
        st.plotly_chart(charts.area_matrix(areas), config={"displayModeBar": False})
    names = dict(areas.select("area_code", "area_name").unique().iter_rows())
    area = state.select("Xem các đơn vị của địa bàn", sorted(names, key=lambda a: (names[a], a)), "area",
                        lambda a: names[a])
    if area is not None:
        st.subheader(f"Các đơn vị của {names[area]}")
        draw_units(data.matrix(campaign, period, data.area_units(campaign, area)))


ahead, behind = data.ahead_and_behind(campaign, period)
places = (st.container(), st.container()) if phone else st.columns(2)
for col, title, frame in zip(places, ("Đơn vị dẫn đầu", "Đơn vị cần cố gắng"), (ahead, behind)):
    col.subheader(title)
    if frame.is_empty():
        col.info("Chưa có điểm thi đua cho kỳ này.")
    else:
        shown = present.show(frame, **{"Hạng": pl.col("rank"), "Đơn vị": pl.col("unit_name"),
                                       "Điểm": present.num("score", 1), "Cụm": pl.col("cluster_name")})
        present.table(shown.drop("Cụm") if phone else shown, budget=present.PHONE if phone else present.HALF,
                      container=col, keep=("Đơn vị",))

st.subheader("Dự báo cuối năm: chỉ tiêu có nguy cơ không đạt")
outlook = data.year_end_forecast(campaign, period)
st.caption(forecast.METHOD_VI)
risk = outlook.filter(pl.col("outlook") == "at_risk")
if outlook.is_empty():
    st.info("Kỳ này không có chỉ tiêu cộng dồn nào để dự báo (dự báo dùng số lũy kế giữa năm).")
elif risk.is_empty():
    st.success("Theo dự báo, không có chỉ tiêu cộng dồn nào có nguy cơ không đạt.")
else:
    columns = present.outlook_columns(phone)
    present.table(present.show(risk, **columns), keep=("Chỉ tiêu",))
if (unsure := outlook.filter(pl.col("outlook") == "uncertain").height):
    st.caption(f"Ngoài ra {unsure} chỉ tiêu của các đơn vị chưa chắc đạt (chỉ tiêu nằm trong khoảng dự báo); "
               "xem trang Đơn vị.")
