"""Like with like: every value lands on one of its indicator's own periods, by a stated rule,
or is refused; a cumulative indicator keeps the year to date, whatever the form's columns."""
import polars as pl

from lakehouse.pipeline.ingest import understand
from lakehouse.reference.template import template_rows
from tests.conftest import xlsx_bytes
from tests.corpus.build import form, xlsx


def values(report):
    return {(r["unit_code"], r["indicator_code"], r["period"]): r["value"]
            for r in report.accepted.iter_rows(named=True)}


def test_a_wards_half_year_form_with_quarter_columns_and_a_year_to_date_column(cat):
    header = [["STT", "Chỉ tiêu", "ĐVT", "Quý I/2024", "Quý II/2024", "Lũy kế 6 tháng"]]
    data = xlsx({"Biểu": form("UBND phường Chi Lăng", "BÁO CÁO KẾT QUẢ 6 THÁNG ĐẦU NĂM 2024", header, [
        [1, "Thu nội địa", "tỷ đồng", "1,85", "2,01", "3,86"],                 # quarterly, cumulative
        [2, "Số khu dân cư kiểu mẫu xây dựng mới", "khu", 1, 1, 2]])})      # half-yearly, cumulative
    report, *_ = understand(data, "6-thang.xlsx", cat)
    got = values(report)
    # Quý II's own 2,01 becomes the year to date 3,86, the same as the form's "Lũy kế 6 tháng".
    assert got[("05983", "TP24-05", "2024-Q1")] == 1.85 and got[("05983", "TP24-05", "2024-Q2")] == 3.86
    assert ("05983", "TP24-05", "2024-H1") not in got
    # The half-year indicator gets one half-year value; its Quý I is not one of its periods.
    assert got[("05983", "TP24-08", "2024-H1")] == 2 and ("05983", "TP24-08", "2024-Q1") not in got
    refused = report.rejects.filter(pl.col("check") == "period_type")
    assert refused.height == 1 and "báo cáo theo kỳ 6 tháng" in refused["reason"][0]
    assert any("cộng dồn từ đầu năm" in n for n in report.notes)


def test_a_quarters_own_amount_without_the_earlier_quarters_is_refused(cat):
    header = [["STT", "Chỉ tiêu", "ĐVT", "Quý II/2024 (trong kỳ)", "Lũy kế 9 tháng"]]
    data = xlsx({"Biểu": form("UBND phường Chi Lăng", "BÁO CÁO QUÝ III NĂM 2024", header, [
        [1, "Thu nội địa", "tỷ đồng", "2,01", "5,70"]])})
    report, *_ = understand(data, "quy.xlsx", cat)
    assert values(report) == {("05983", "TP24-05", "2024-Q3"): 5.7}
    flow = report.rejects.filter(pl.col("check") == "period_flow")
    assert flow.height == 1 and "không có đủ các kỳ trước" in flow["reason"][0]


def test_values_for_periods_an_indicator_does_not_have(cat):
    rows = [["05983", "TP24-12", "2024-H1", 94, "%", None, None, None],     # annual: refused
            ["05983", "TP24-05", "2024-H1", "3,86", None, None, None, None],  # quarterly cumulative: Quý II
            ["05983", "TP24-16", "2024-Q1", 97, "%", None, None, None]]       # half-yearly level: refused
    report, *_ = understand(xlsx_bytes(rows), "ky-sai.xlsx", cat)
    assert values(report) == {("05983", "TP24-05", "2024-Q2"): 3.86}
    reasons = report.rejects.sort("row")["reason"].to_list()
    assert "báo cáo theo kỳ năm" in reasons[0] and "báo cáo theo kỳ 6 tháng" in reasons[1]
    assert report.rejects.sort("row")["cell"].to_list() == ["C2", "C4"]


def test_a_half_year_template_offers_only_what_is_due_in_the_half_year(cat):
    rows = template_rows(cat, "TPLS2024", "05983", "2024-H1")
    offered = {r["indicator"].code for r in rows}
    assert offered and all(r["indicator"].period_type == "half" for r in rows)
    assert not offered & {"TP24-05", "TP24-12", "TP24-17"}
