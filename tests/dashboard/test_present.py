"""Tables that fit the screen: widths within the budget, short columns untouched, the column a
reader came for cut last; the phone's overview folds the matrix to one row per unit."""
import polars as pl

from dashboard import data, present


def _frame(n=3):
    return pl.DataFrame({"Tệp": ["bao-cao-phuong-chi-lang-quy-2-nam-2024.xlsx"] * n, "Dòng": ["12"] * n,
                         "Lý do": ["giá trị không phải là số: “abc” ở ô C12 của trang Sheet1; hãy sửa và gửi lại"] * n,
                         "Lúc nhận": ["25/11/2026 10:00"] * n})


def test_columns_fit_the_budget_and_short_ones_keep_their_width():
    for budget in (present.FULL, present.HALF, present.PHONE):
        w = present.widths(_frame(), budget)
        assert sum(w.values()) <= budget
        assert w["Dòng"] == present.widths(_frame(), 5000)["Dòng"]   # never cut: it already fits
    roomy = present.widths(_frame(), 5000)
    assert present.widths(_frame(), 5000) == roomy and roomy["Lý do"] > roomy["Tệp"]


def test_the_kept_column_gives_way_last():
    plain = present.widths(_frame(), present.HALF)
    kept = present.widths(_frame(), present.HALF, keep=("Lý do",))
    assert kept["Lý do"] > plain["Lý do"] and kept["Tệp"] < plain["Tệp"]
    assert sum(kept.values()) <= present.HALF


def test_an_empty_table_still_has_headers_wide_enough():
    w = present.widths(_frame(0), present.FULL)
    assert w["Lúc nhận"] >= len("Lúc nhận") * 7


def test_the_matrix_folds_to_one_row_per_unit_worst_first():
    m = pl.DataFrame({"unit_code": ["a", "a", "b", "c"], "unit_name": ["A", "A", "B", "C"],
                      "indicator_code": ["x", "y", "x", "x"], "status": ["met", "not_met", "met", "no_data"]})
    folded = data.unit_status_counts(m)
    assert folded["unit_code"].to_list() == ["a", "c", "b"]
    assert folded.row(0, named=True) == {"unit_code": "a", "unit_name": "A", "exceeded": 0, "met": 1, "not_met": 1,
                                         "no_data": 0, "no_target": 0}
