"""An ingest rebuilds only the gold rows its units can change — theirs, the sums of the units
above them, their clusters' ranks — and leaves the lake a full rebuild would leave."""
import json
import shutil
from datetime import date

import polars as pl

from lakehouse.gold import file_counts
from lakehouse.pipeline import gold
from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.pipeline.runs import Run
from lakehouse.store import Lake
from lakehouse.silver.report_values import KEY
from tests.conftest import xlsx_bytes

TODAY = date.today()


def content(lake: Lake, table: str) -> pl.DataFrame:
    frame = lake.read(table)
    return frame.sort(frame.columns, nulls_last=True)


def rebuilt_whole(lake: Lake, tmp_path, touched: dict[str, set[str]]) -> Lake:
    """The same lake with the partitions an ingest touched rebuilt whole from silver (the
    others are the same in both lakes)."""
    shutil.copytree(lake.root, tmp_path / "whole")
    whole = Lake(tmp_path / "whole")
    gold.rebuild(whole, Run("refresh"), TODAY, touched=touched)
    return whole


def same_as_rebuilt_whole(lake: Lake, tmp_path, campaign: str, period: str) -> None:
    whole = rebuilt_whole(lake, tmp_path, {campaign: {period}})
    for table in gold.GOLD:
        assert content(lake, table).equals(content(whole, table)), table


def last_ingest(lake: Lake) -> dict:
    runs = lake.read("ops.runs").filter(pl.col("job") == "ingest").sort("started_at")
    return json.loads(runs["tables"][-1])


def send(lake, cat, rows, name):
    report = ingest_bytes(lake, cat, xlsx_bytes(rows), name, received_by="t", channel="cli", as_of=TODAY)
    assert report.ok, report.summary_vi()
    return report


def test_two_wards_resending_rebuild_their_rows_their_citys_sums_and_their_clusters_ranks(demo_lake, cat, tmp_path):
    before = demo_lake.read("gold.attainment").filter(pl.col("period") == "2024-H1")
    send(demo_lake, cat, [["05986", "TP24-07", "2024-H1", 7, "thôn", None, None, None],
                          ["05989", "TP24-07", "2024-H1", 9, "thôn", None, None, None],
                          ["05989", "TP24-16", "2024-H1", 41, "%", None, None, None]], "bo-sung.xlsx")
    tables = last_ingest(demo_lake)
    # The two wards and the city above them (its sum of the wards' villages), not the month.
    assert tables["gold.attainment"]["units_rebuilt"] == 3
    assert tables["gold.attainment"]["rows_out"] < before.height / 2
    after = demo_lake.read("gold.attainment").filter(pl.col("period") == "2024-H1")
    city = after.filter((pl.col("unit_code") == "178") & (pl.col("indicator_code") == "TP24-07")).row(0, named=True)
    wards = after.filter(pl.col("unit_code").str.starts_with("059") & (pl.col("indicator_code") == "TP24-07"))
    assert city["rollup_actual"] == wards["actual"].sum()
    same_as_rebuilt_whole(demo_lake, tmp_path, "TPLS2024", "2024-H1")
    # Silver kept only its units' rows rewritten; the per-file counts follow, adjusted, not recounted.
    silver = demo_lake.read("silver.report_values")
    assert silver.filter(pl.col("is_current")).group_by(KEY).len()["len"].max() == 1
    recounted = file_counts.build(silver)
    assert content(demo_lake, "gold.file_counts").equals(recounted.sort(recounted.columns))


DISTRICTS = ["178", "180", "181", "182", "183", "184"]


def test_many_units_on_few_indicators_rebuild_those_indicators(demo_lake, cat, tmp_path):
    wards = ["05971", "05974", "05977", "05980", "05983", "05986", "05989", "05992"]
    send(demo_lake, cat, [[w, "TP24-16", "2024-H1", 40, "%", None, None, None] for w in wards], "ca-khoi.xlsx")
    tables = last_ingest(demo_lake)
    assert tables["gold.attainment"]["indicators_rebuilt"] == 1 and "units_rebuilt" not in tables["gold.attainment"]
    same_as_rebuilt_whole(demo_lake, tmp_path, "TPLS2024", "2024-H1")


def test_a_criterion_brings_its_whole_family(demo_lake, cat, tmp_path):
    # LS21-20a is one criterion of LS21-20 (all_of): the parent and its other criteria are judged again.
    send(demo_lake, cat, [[d, "LS21-20a", "2021-Q2", 3 + k, "vụ", None, 9, None] for k, d in enumerate(DISTRICTS)]
         + [[d, "LS21-21", "2021-Q2", 1, "vụ", None, 2, None] for d in DISTRICTS], "quy-2.xlsx")
    assert last_ingest(demo_lake)["gold.attainment"]["indicators_rebuilt"] == 5
    same_as_rebuilt_whole(demo_lake, tmp_path, "LS2021", "2021-Q2")


def test_a_summed_indicator_brings_its_roll_ups(demo_lake, cat, tmp_path):
    before = demo_lake.read("gold.attainment").filter((pl.col("period") == "2021-H1") & pl.col("is_rollup"))
    send(demo_lake, cat, [[d, "LS21-05", "2021-H1", 2 + k, "xã", None, None, None] for k, d in enumerate(DISTRICTS)],
         "nong-thon-moi.xlsx")
    assert last_ingest(demo_lake)["gold.attainment"]["indicators_rebuilt"] == 1
    after = demo_lake.read("gold.attainment").filter((pl.col("period") == "2021-H1") & pl.col("is_rollup"))
    assert not before.equals(after)   # the province's sum moved with its districts' values
    same_as_rebuilt_whole(demo_lake, tmp_path, "LS2021", "2021-H1")


def test_a_new_partition_or_many_units_on_many_indicators_rebuild_the_partition_whole(demo_lake, cat, tmp_path,
                                                                                      monkeypatch):
    monkeypatch.setattr(gold, "FEW_INDICATORS_SHARE", 0.0)
    wards = ["05971", "05974", "05977", "05980", "05983", "05986", "05989", "05992"]
    send(demo_lake, cat, [[w, "TP24-16", "2024-H1", 40, "%", None, None, None] for w in wards], "ca-khoi.xlsx")
    assert {"units_rebuilt", "indicators_rebuilt"}.isdisjoint(last_ingest(demo_lake)["gold.attainment"])
    same_as_rebuilt_whole(demo_lake, tmp_path, "TPLS2024", "2024-H1")


def test_a_unit_in_no_cluster_and_reporting_for_itself(demo_lake, cat, tmp_path):
    send(demo_lake, cat, [["178-PVHTT", "TP24-03", "2024-Q2", "1.820", "nghìn lượt", None, None, None]], "phong.xlsx")
    assert last_ingest(demo_lake)["gold.attainment"]["units_rebuilt"] >= 1
    same_as_rebuilt_whole(demo_lake, tmp_path, "TPLS2024", "2024-Q2")


def test_a_value_for_the_whole_campaign_window(demo_lake, cat, tmp_path):
    # "Cả đợt": the period is the campaign's window, whose end the campaign says.
    send(demo_lake, cat, [["183", "LS21-01", "Cả đợt thi đua", "97,5", "%", None, None, None]], "ca-dot.xlsx")
    assert last_ingest(demo_lake)["gold.attainment"]["units_rebuilt"] >= 1
    same_as_rebuilt_whole(demo_lake, tmp_path, "LS2021", "DOT")
