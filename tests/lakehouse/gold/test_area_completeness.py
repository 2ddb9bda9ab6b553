"""Reporting counts by area: what is counted, and an adjustment equal to a recount."""
import polars as pl

from lakehouse.gold import area_completeness, area_status

UNITS = pl.DataFrame({"unit_code": ["VN", "01", "001", "00001", "00004", "02", "00100", "X"],
                      "parent_code": [None, "VN", "01", "001", "001", "VN", "02", None]})
CAMPAIGNS = pl.DataFrame({"campaign_code": ["C"], "scope_unit": ["VN"]})
AREAS = area_status.areas(UNITS, CAMPAIGNS)


def comp(rows, period="2025-01"):
    """Completeness rows: (unit, received, state)."""
    return pl.DataFrame([{"campaign_code": "C", "period": period, "unit_code": u, "received": r, "state": s}
                         for u, r, s in rows],
                        schema={"campaign_code": pl.String, "period": pl.String, "unit_code": pl.String,
                                "received": pl.Int32, "state": pl.String})


def test_counts_each_areas_units_by_state():
    out = area_completeness.build(comp([("00001", 3, "complete"), ("00004", 1, "partial"), ("001", 0, "missing"),
                                        ("00100", 3, "complete_late"), ("X", 0, "missing")]), AREAS)
    rows = {r["area_code"]: r for r in out.iter_rows(named=True)}
    assert set(rows) == {"01", "02", "X"}   # a unit outside the scope's tree is an area of its own
    assert (rows["01"]["units"], rows["01"]["reported"], rows["01"]["complete"], rows["01"]["partial"],
            rows["01"]["missing"], rows["01"]["complete_late"]) == (3, 2, 1, 1, 1, 0)
    assert (rows["02"]["units"], rows["02"]["complete_late"]) == (1, 1)
    assert out.schema == area_completeness.spec("gold.area_completeness").schema


def test_an_adjustment_equals_the_recount():
    before = comp([("00001", 0, "missing"), ("00004", 3, "complete"), ("00100", 1, "partial")])
    # 00001 sends its reports late; 00004's assignment is withdrawn (its row is gone).
    new = comp([("00001", 3, "complete_late")])
    after = pl.concat([before.filter(~pl.col("unit_code").is_in(["00001", "00004"])), new])
    kept = area_completeness.build(before, AREAS).filter(pl.col("area_code") == "01")
    old = before.filter(pl.col("unit_code").is_in(["00001", "00004"]))
    adjusted = area_completeness.adjust(kept, old, new, AREAS)
    assert adjusted.equals(area_completeness.build(after, AREAS).filter(pl.col("area_code") == "01"))
    assert adjusted.row(0, named=True)["complete_late"] == 1 and adjusted["units"].to_list() == [1]


def test_an_area_left_with_no_unit_has_no_row():
    before = comp([("00100", 1, "partial")])
    kept = area_completeness.build(before, AREAS)
    assert area_completeness.adjust(kept, before, comp([]), AREAS).is_empty()
