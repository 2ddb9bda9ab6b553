"""The review's figures on the demo lake: every indicator listed, the campaign's own figure
where there is one, units counted where many report, shortfalls and timeliness."""
import polars as pl

from lakehouse import review
from lakehouse.store import Lake


def _demo(demo_lake_dir):
    lk = Lake(demo_lake_dir / "lake")
    att = lk.read("gold.attainment", where={"campaign_code": ["TPLS2024"]})
    inds = lk.read("reference.indicators").filter(pl.col("campaign_code") == "TPLS2024")
    return lk, att, inds


def test_every_indicator_is_listed_with_the_campaigns_own_figure(demo_lake_dir):
    _, att, inds = _demo(demo_lake_dir)
    r = review.indicator_results(att, inds, "2024-H1")
    assert r["indicator_code"].to_list() == inds.filter(pl.col("parent_code").is_null()).sort("sort_order")[
        "indicator_code"].to_list()
    row = {x["indicator_code"]: x for x in r.iter_rows(named=True)}
    assert row["TP24-05"]["actual"] == 242.2 and row["TP24-05"]["verdict"] == "Chưa đạt"   # the city's roll-up
    assert row["TP24-03"]["actual"] == 1893.1          # a quarterly figure in a half-year review (Q2 to date)
    assert row["TP24-11"]["verdict"] == "7/8 đơn vị đạt"   # many wards, no sum
    assert row["TP24-32"]["verdict"] == "Chưa đến kỳ"      # reported once a year


def test_shortfalls_and_timeliness(demo_lake_dir):
    lk, att, _ = _demo(demo_lake_dir)
    short = review.shortfalls(att, "2024-H1")
    assert short.filter((pl.col("unit_code") == "178-BTC") & (pl.col("indicator_code") == "TP24-28"))[
        "why"].to_list() == ["Chưa đạt trong kỳ"]
    assert short.filter(pl.col("why").str.contains("nguy cơ")).height > 0
    timely = review.timeliness(lk.read("gold.completeness", where={"campaign_code": ["TPLS2024"]}), "2024-H1")
    assert timely.row(0, named=True)["unit_code"] == "178-CA" and timely["missing"].sum() > 0
    assert review.timeliness(lk.read("gold.completeness").clear(), "2024-H1").is_empty()
