"""A unit's own consolidated report: the city People's Committee sends its annual report in the
usual government form; it lands as the city's own (official) figures, every value exact, beside
the roll-up of its wards and departments."""
import polars as pl
import pytest

from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.store import Lake
from tests.conftest import xlsx_bytes
from tests.corpus.build import form, xlsx

TRIO = [["STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2024", None, None],
        [None, None, None, "Kế hoạch", "Thực hiện", "% so với kế hoạch"]]
CITY = [[1, "Tốc độ tăng trưởng một số ngành kinh tế chủ yếu", "%", 10, "10,6", "106"],
        [2, "Tổng lượng khách du lịch", "nghìn lượt", "3.269", "3.412", "104,4"],
        [3, "Doanh thu du lịch", "tỷ đồng", "2.288", "2.301", "100,6"],
        [4, "Thu nội địa", "triệu đồng", "425.000", "431.250", "101,5"],
        [5, "Tỷ lệ bao phủ BHYT toàn dân", "%", 98, "98,2", "100,2"],
        [6, "Diện tích rừng trồng mới", "ha", 30, "32,5", "108,3"],
        [7, "Tỷ lệ đô thị hóa", "%", "74,5", "74,8", "100,4"],
        [8, "Số đảng viên mới được kết nạp", "đảng viên", 130, 142, "109,2"]]
OFFICIAL = {("TP24-01", "2024"): 10.6, ("TP24-03", "2024-Q4"): 3412.0, ("TP24-04", "2024-Q4"): 2301.0,
            ("TP24-05", "2024-Q4"): 431.25, ("TP24-16", "2024"): 98.2, ("TP24-20", "2024"): 32.5,
            ("TP24-27", "2024"): 74.8, ("TP24-28", "2024-Q4"): 142.0}
# Thu nội địa from the finance department and the eight wards and communes (tỷ đồng, year to date).
PARTS = {"178-PTCKH": 300, "05971": 20, "05974": 18, "05977": 17.5, "05980": 16, "05983": 15, "05986": 12,
         "05989": 11.5, "05992": 10}


@pytest.fixture
def lake(tmp_path, cat):
    lake = Lake(tmp_path / "lake")
    parts = xlsx_bytes([[u, "TP24-05", "2024-Q4", v, "tỷ đồng", None, None, None] for u, v in PARTS.items()])
    assert ingest_bytes(lake, cat, parts, "thu-noi-dia.xlsx", received_by="t", channel="cli").status == "accepted"
    return lake


def test_the_citys_annual_report_lands_as_its_own_figures_beside_the_roll_up(lake, cat):
    data = xlsx({"Biểu 01": form("UBND thành phố Lạng Sơn",
                                 "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI NĂM 2024", TRIO, CITY)},
                {"Biểu 01": ["D6:F6", "A6:A7", "B6:B7", "C6:C7"]})
    report = ingest_bytes(lake, cat, data, "bao-cao-thanh-pho-2024.xlsx", received_by="t", channel="cli")
    assert report.status == "accepted", report.problems
    got = {(r["indicator_code"], r["period"]): r["value"] for r in report.accepted.iter_rows(named=True)}
    assert set(report.accepted["unit_code"]) == {"178"} and got == OFFICIAL
    city = lake.read("gold.attainment").filter(pl.col("unit_code") == "178")
    for (code, period), value in OFFICIAL.items():
        row = city.filter((pl.col("indicator_code") == code) & (pl.col("period") == period)).row(0, named=True)
        assert row["actual"] == value and not row["is_rollup"] and row["target_source"] == "report", code
    revenue = city.filter((pl.col("indicator_code") == "TP24-05") & (pl.col("period") == "2024-Q4")).row(0, named=True)
    assert revenue["target_low"] == 425 and revenue["status"] == "exceeded"
    assert revenue["rollup_actual"] == sum(PARTS.values()) == 420
    assert revenue["rollup_text"] == "Tổng hợp 9/9 đơn vị"
    assert revenue["disagrees"]   # 431,25 official against 420 summed: 2.6 %, beyond the 0.5 % tolerance
    tourists = city.filter(pl.col("indicator_code") == "TP24-03").filter(pl.col("period") == "2024-Q4").row(0, named=True)
    assert tourists["rollup_actual"] is None   # not an additive indicator: never summed


def test_without_its_own_report_the_city_shows_the_roll_up(lake):
    city = lake.read("gold.attainment").filter((pl.col("unit_code") == "178") & (pl.col("indicator_code") == "TP24-05")
                                               & (pl.col("period") == "2024-Q4")).row(0, named=True)
    assert city["is_rollup"] and city["actual"] == 420 and city["target_low"] == 425 and city["status"] == "not_met"


def test_a_unit_neither_reporting_nor_above_a_reporter_is_refused_in_words(lake, cat):
    report = ingest_bytes(lake, cat, xlsx_bytes([["05971", "TP24-03", "2024-Q4", 12, None, None, None, None]]),
                          "sai.xlsx", received_by="t", channel="cli")
    assert report.status == "rejected"
    assert report.rejects["reason"][0] == ("Phường Hoàng Văn Thụ (mã 05971) không báo cáo chỉ tiêu 'Tổng lượng "
                                           "khách du lịch' (TP24-03) và không phải cấp trên của đơn vị nào báo cáo "
                                           "chỉ tiêu này")
