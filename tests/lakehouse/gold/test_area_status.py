"""Status counts by area: who is an area, what is counted, and an adjustment equal to a recount."""
import polars as pl

from lakehouse.gold import area_status

UNITS = pl.DataFrame({"unit_code": ["VN", "01", "001", "00001", "00004", "02", "00100", "X"],
                      "parent_code": [None, "VN", "01", "001", "001", "VN", "02", None]})
CAMPAIGNS = pl.DataFrame({"campaign_code": ["C"], "scope_unit": ["VN"]})


def att(rows):
    """Attainment rows: (unit, indicator, status, actual, parent_code, is_rollup)."""
    return pl.DataFrame(
        [{"campaign_code": "C", "period": "2025-01", "unit_code": u, "indicator_code": i, "status": s, "actual": a,
          "parent_code": p, "is_rollup": r} for u, i, s, a, p, r in rows],
        schema={"campaign_code": pl.String, "period": pl.String, "unit_code": pl.String, "indicator_code": pl.String,
                "status": pl.String, "actual": pl.Float64, "parent_code": pl.String, "is_rollup": pl.Boolean})


def test_an_area_is_the_unit_directly_under_the_scope():
    areas = area_status.areas(UNITS, CAMPAIGNS)
    got = dict(areas.select("unit_code", "area_code").iter_rows())
    # Communes two levels down belong to their province; a province is its own area; the scope
    # unit and a unit outside its tree have none.
    assert got == {"01": "01", "001": "01", "00001": "01", "00004": "01", "02": "02", "00100": "02"}
    assert area_status.area_codes({"00004", "00100", "X"}, areas) == ["01", "02", "X"]


def test_counts_the_units_own_rows_by_status():
    areas = area_status.areas(UNITS, CAMPAIGNS)
    frame = att([("00001", "A", "met", 5.0, None, False), ("00004", "A", "no_data", None, None, False),
                 ("00100", "A", "exceeded", 9.0, None, False),
                 ("01", "A", "met", 14.0, None, True),          # a roll-up: the sum, not a unit's report
                 ("00001", "A.1", "not_met", 1.0, "A", False),  # a criterion: a row of its own, under A
                 ("X", "A", "not_met", 2.0, None, False)])
    out = area_status.build(frame, areas)
    rows = {r["area_code"]: r for r in out.filter(pl.col("indicator_code") == "A").iter_rows(named=True)}
    criterion = out.filter(pl.col("indicator_code") == "A.1").row(0, named=True)
    assert (criterion["area_code"], criterion["parent_code"], criterion["not_met"]) == ("01", "A", 1)
    assert set(rows) == {"01", "02", "X"}
    assert (rows["01"]["units"], rows["01"]["reported"], rows["01"]["met"], rows["01"]["no_data"]) == (2, 1, 1, 1)
    assert (rows["02"]["units"], rows["02"]["exceeded"]) == (1, 1)
    assert rows["X"]["not_met"] == 1
    assert out.schema == area_status.spec("gold.area_status").schema


def test_an_adjustment_equals_the_recount():
    areas = area_status.areas(UNITS, CAMPAIGNS)
    before = att([("00001", "A", "no_data", None, None, False), ("00004", "A", "met", 3.0, None, False),
                  ("00100", "A", "not_met", 1.0, None, False), ("00001", "B", "no_data", None, None, False)])
    # 00001 reports A (now exceeded) and its B row is gone (an indicator taken off it).
    new = att([("00001", "A", "exceeded", 8.0, None, False)])
    after = pl.concat([before.filter(pl.col("unit_code") != "00001"), new])
    kept = area_status.build(before, areas).filter(pl.col("area_code") == "01")
    adjusted = area_status.adjust(kept, before.filter(pl.col("unit_code") == "00001"), new, areas)
    recount = area_status.build(after, areas).filter(pl.col("area_code") == "01")
    assert adjusted.equals(recount)
    assert adjusted.filter(pl.col("indicator_code") == "B").is_empty()   # no unit left: no row
