"""Danh mục (admins): campaigns, indicators with their target rules, units and clusters, as
published from the catalog files."""
import polars as pl
import streamlit as st

from dashboard import auth, data, present, uploads
from lakehouse.periods import PERIOD_TYPE_VI
from lakehouse.reference.catalog import UNIT_TYPES
from lakehouse.rules import RULE_NAMES_VI

auth.require("admin")
st.title("Danh mục")
st.caption("Thêm hoặc sửa phong trào, chỉ tiêu, cụm và chỉ tiêu giao ở trang Soạn phong trào (có lịch sử và khôi phục). "
           "Sửa tay các tệp trong thư mục catalog/ thì chạy `python -m jobs catalog publish --note \"…\"`; "
           "danh mục luôn được kiểm tra trước khi dùng.")
for warning in uploads.catalog().warnings:
    st.warning(warning, icon=":material/warning:")
tabs = st.tabs(["Phong trào", "Chỉ tiêu", "Đơn vị", "Cụm thi đua"])
with tabs[0]:
    present.table(present.show(data.campaigns(), **{
        "Mã": pl.col("campaign_code"), "Tên": pl.col("name"), "Văn bản": pl.col("document"),
        "Cơ quan phát động": pl.col("issuer"),
        "Ngày ban hành": pl.when(pl.col("issued_on").is_null()).then(pl.lit("không ghi trong văn bản"))
        .otherwise(present.day("issued_on")),
        "Từ ngày": pl.when(pl.col("window_start_stated") == False).then(pl.lit("từ ngày phát động (không ghi ngày)"))  # noqa: E712
        .otherwise(present.day("window_start")),
        "Đến ngày": present.day("window_end"),
        "Hạn báo cáo (ngày sau kỳ)": pl.col("report_due_days")}))
    present.table(present.show(data.table("reference.milestones"), **{
        "Phong trào": pl.col("campaign_code"), "Mốc": pl.col("name"), "Từ": present.day("start"),
        "Đến": present.day("end"), "Kỳ số liệu": pl.col("period"),
        "Nêu trong văn bản": pl.when(pl.col("stated")).then(pl.lit("có")).otherwise(pl.lit("không"))}))
with tabs[1]:
    present.table(present.show(data.indicators(), **{
        "Mã": pl.col("indicator_code"), "Phong trào": pl.col("campaign_code"), "Chỉ tiêu cha": pl.col("parent_code"),
        "Tên": pl.col("name"), "Nguyên văn": pl.col("as_written"), "Nhóm": pl.col("group_name"),
        "Đơn vị tính": pl.col("uom"), "Cách tính": pl.col("rule_type").replace_strict(RULE_NAMES_VI),
        "Mục tiêu": pl.col("target_text"),
        "Kỳ báo cáo": pl.col("period_type").replace_strict(PERIOD_TYPE_VI),
        "Cộng dồn": pl.when(pl.col("accumulation") == "cumulative").then(pl.lit("có")).otherwise(pl.lit("không")),
        "Trọng số": pl.col("weight"), "Đơn vị chủ trì": pl.col("owner_unit")}), keep=("Tên",))
with tabs[2]:
    present.table(present.show(data.table("reference.units").sort("unit_code"), **{
        "Mã": pl.col("unit_code"), "Mã GSO": pl.col("gso_code"), "Tên": pl.col("name"),
        "Loại": pl.col("unit_type").replace_strict(UNIT_TYPES), "Cấp trên": pl.col("parent_code"),
        "Hiệu lực từ": present.day("valid_from"), "Hiệu lực đến": present.day("valid_to"),
        "Nguồn": pl.col("source")}))
with tabs[3]:
    names = data.unit_names()
    present.table(present.show(data.table("reference.cluster_members"), **{
        "Cụm": pl.col("cluster_name"), "Phong trào": pl.col("campaign_code"), "Mã đơn vị": pl.col("unit_code"),
        "Đơn vị": pl.col("unit_code").replace_strict(names, default=pl.col("unit_code"))}))
