"""Property tests of the layout finder: whatever a sheet holds, it never crashes and never
reports a value that is not in the cell it names."""
import polars as pl
from hypothesis import HealthCheck, given, settings, strategies as st

from lakehouse.silver.layouts import read_layout
from lakehouse.silver.report_rows import LayoutError

WORDS = ["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Chỉ tiêu", "Tên chỉ tiêu", "Quý I", "Quý II",
         "Kế hoạch", "Thực hiện", "% so với kế hoạch", "Cả năm", "Đơn vị báo cáo: Phường Chi Lăng", "STT", "A", "B",
         "1", "2", "Người lập biểu", "BÁO CÁO NĂM 2024", "178-PVHTT", "TP24-03", "2024-Q1", "5.835", "7,5", "-",
         "Tỷ lệ bao phủ BHYT toàn dân", "P. Tam Thanh", "x", "#DIV/0!"]

cell = st.one_of(st.sampled_from(WORDS), st.text(max_size=8), st.integers(-10, 10**6).map(str))
grid = st.lists(st.lists(st.one_of(st.none(), cell), min_size=1, max_size=7), min_size=1, max_size=14)


def to_cells(rows):
    records = [{"sheet_index": 0, "sheet": "S", "row": r + 1, "col": c + 1, "text": v, "is_number": False}
               for r, line in enumerate(rows) for c, v in enumerate(line) if v not in (None, "")]
    return pl.DataFrame(records, schema={"sheet_index": pl.Int32, "sheet": pl.String, "row": pl.Int32,
                                         "col": pl.Int32, "text": pl.String, "is_number": pl.Boolean})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid)
def test_layouts_never_crash_nor_invent_values(cat, rows):
    cells = to_cells(rows)
    try:
        found = read_layout(cells, "t.xlsx", cat)
    except LayoutError as exc:
        assert "t.xlsx" in exc.reason
        return
    lookup = {(r, c): t for r, c, t in cells.select("row", "col", "text").iter_rows()}
    for r in found.rows.iter_rows(named=True):
        for field in ("value", "plan", "baseline", "pct"):
            if r[f"{field}_text"] is not None:
                assert lookup[(r["row"], r[f"{field}_col"])] == r[f"{field}_text"]
