"""The traffic-light grids: every cell where it belongs, its hover in Vietnamese, its text only
where it fits."""
from __future__ import annotations

from datetime import date

import polars as pl

from dashboard import charts


def _matrix(units: list[str], indicators: int) -> pl.DataFrame:
    rows = []
    for u in units:
        for i in range(indicators):
            rows.append({"unit_code": u, "unit_name": f"Phường {u}", "indicator_code": f"I-{i:02d}",
                         "name": f"Chỉ tiêu số {i}", "status": "met" if i % 2 else "not_met",
                         "actual": 1234.5 if i % 2 else None, "actual_text": None, "target_text": "≥ 1.000",
                         "attainment": 1.2346 if i % 2 else None, "uom": "người", "sort_order": i})
    return pl.DataFrame(rows)


def test_a_small_grid_writes_each_cells_mark_and_says_everything_on_hover():
    m = _matrix(["05971", "05974"], 3).filter(~((pl.col("unit_code") == "05974") & (pl.col("indicator_code") == "I-02")))
    heat = charts.status_matrix(m).data[0]
    assert list(heat.y) == ["Phường 05971", "Phường 05974"]
    assert list(heat.x) == ["Chỉ tiêu số 0", "Chỉ tiêu số 1", "Chỉ tiêu số 2"]
    assert [list(r) for r in heat.text] == [["▼", "●", "▼"], ["▼", "●", ""]]
    # The colour is the status's place in the legend; a cell with no row stays empty.
    order = list(charts.STATUS_COLOR)
    assert list(heat.z[0]) == [order.index("not_met"), order.index("met"), order.index("not_met")]
    assert heat.z[1][2] is None and heat.hovertext[1][2] == ""
    assert heat.hovertext[0][1] == ("<b>Phường 05971</b><br>I-01 Chỉ tiêu số 1<br>Thực hiện: 1.234,5 người<br>"
                                    "Mục tiêu: ≥ 1.000<br>Hoàn thành: 123,5%<br>● Đạt")
    assert "Thực hiện: —" in heat.hovertext[0][0] and "Hoàn thành: —" in heat.hovertext[0][0]


def test_a_grid_too_dense_to_read_has_no_cell_text_but_keeps_its_hover():
    heat = charts.status_matrix(_matrix(["05971"], 88)).data[0]
    assert heat.text is None and heat.texttemplate is None
    assert len(heat.hovertext[0]) == 88 and all("Phường 05971" in h for h in heat.hovertext[0])


def test_the_area_grid_gives_the_share_and_the_counts_that_are_not_zero():
    rows = pl.DataFrame([{"area_code": "20", "area_name": "Tỉnh Lạng Sơn", "indicator_code": "I-01", "name": "Hộ nghèo",
                          "sort_order": 1, "band": "middle", "share": 0.625, "target_text": "≥ 90%", "reported": 1200,
                          "units": 1600, "exceeded": 0, "met": 1000, "not_met": 200, "no_data": 400, "no_target": 0}])
    heat = charts.area_matrix(rows).data[0]
    assert heat.text[0][0] == f"{round(0.625 * 100)}%"
    assert heat.hovertext[0][0] == ("<b>Tỉnh Lạng Sơn</b><br>I-01 Hộ nghèo<br>Mục tiêu: ≥ 90%<br>Đơn vị đạt trở lên: 62%"
                                    "<br>Đã báo cáo: 1.200/1.600 đơn vị<br>● Đạt: 1.000<br>▼ Chưa đạt: 200"
                                    "<br>○ Chưa có số liệu: 400")


def test_the_reporting_grid_follows_the_periods_given_and_dates_in_vietnamese():
    frame = pl.DataFrame([{"unit_code": "05971", "unit_name": "Phường A", "period": "2024-Q2", "state": "complete_late",
                           "received": 3, "expected": 3, "late": 1, "due_date": date(2024, 7, 15)}])
    heat = charts.completeness_matrix(frame, ["2024-Q1", "2024-Q2"]).data[0]
    assert list(heat.x) == ["Quý I/2024", "Quý II/2024"]
    assert [list(r) for r in heat.text] == [["", "◔ 3/3"]]
    assert heat.hovertext[0][1] == ("<b>Phường A</b> — Quý II/2024<br>Đủ, có báo cáo muộn: 3/3 chỉ tiêu, 1 muộn"
                                    "<br>Hạn: 15/07/2024")


def test_a_quarterly_reporting_grid_keeps_its_text_on_a_computer_but_not_on_a_phone():
    quarters = [f"2024-Q{q}" for q in range(1, 5)]
    frame = pl.DataFrame([{"unit_code": "05971", "unit_name": "Phường A", "period": p, "state": "complete",
                           "received": 12, "expected": 12, "late": 0, "due_date": date(2024, 7, 15)} for p in quarters])
    wide = charts.completeness_matrix(frame, quarters).data[0]
    narrow = charts.completeness_matrix(frame, quarters, narrow=True).data[0]
    assert [list(r) for r in wide.text] == [["● 12/12"] * 4]
    assert narrow.text is None and narrow.hovertext[0][3].startswith("<b>Phường A</b> — Quý IV/2024")
