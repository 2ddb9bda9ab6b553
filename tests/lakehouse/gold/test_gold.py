"""Gold tables from tiny silver fixtures and the real catalog."""
from datetime import date, datetime, timezone

import polars as pl
import pytest

from lakehouse.gold import attainment, completeness, unit_scores
from lakehouse.reference import tables
from lakehouse.tables import spec

AS_OF = date(2026, 1, 1)


@pytest.fixture(scope="module")
def refs():
    from lakehouse.reference.catalog import load
    return tables.build_all(load())


def silver(rows):
    base = {"plan_value": None, "baseline": None, "value_text": None, "file_id": "f1", "sheet": "S", "row": 2,
            "received_at": datetime(2024, 7, 5, 2, tzinfo=timezone.utc), "is_current": True}
    return spec("silver.report_values").conform(pl.DataFrame([{**base, **r} for r in rows], infer_schema_length=None))


def build(refs, rows, periods=None):
    return attainment.build(silver(rows), refs["reference.campaigns"], refs["reference.indicators"],
                            refs["reference.assignments"], refs["reference.unit_targets"], AS_OF, periods,
                            consolidators=refs["reference.consolidators"], units=refs["reference.units"])


def row(att, unit, indicator, period):
    hit = att.filter((pl.col("unit_code") == unit) & (pl.col("indicator_code") == indicator)
                     & (pl.col("period") == period))
    assert hit.height == 1, (unit, indicator, period)
    return hit.row(0, named=True)


def test_grid_has_every_expected_row_and_no_data_where_nothing_came(refs):
    att = build(refs, [{"period": "DOT", "unit_code": "183", "indicator_code": "LS21-01", "value": 99.1}])
    assert row(att, "183", "LS21-01", "DOT")["status"] == "exceeded"
    missing = row(att, "184", "LS21-01", "DOT")
    assert missing["status"] == "no_data" and missing["actual"] is None and missing["remark"]
    assert att.select("campaign_code").unique().height == 2
    assert att.filter(pl.col("campaign_code") == "LS2021")["indicator_code"].n_unique() == 24


def test_each_unit_is_judged_against_its_own_target(refs):
    att = build(refs, [
        {"period": "2021", "unit_code": "186", "indicator_code": "LS21-05", "value": 2.0},      # catalog: 2
        {"period": "2021", "unit_code": "183", "indicator_code": "LS21-05", "value": 1.0},      # catalog: 1
        {"period": "2021", "unit_code": "184", "indicator_code": "LS21-05", "value": 3.0, "plan_value": 4.0},
        {"period": "2021", "unit_code": "183", "indicator_code": "LS21-10", "value": 2.0},      # catalog: 2
    ])
    r186 = row(att, "186", "LS21-05", "2021")
    assert (r186["target_low"], r186["status"], r186["target_source"]) == (2.0, "met", "unit_target")
    r184 = row(att, "184", "LS21-05", "2021")
    assert (r184["target_low"], r184["status"], r184["target_source"]) == (4.0, "not_met", "report")
    assert row(att, "183", "LS21-10", "2021")["status"] == "met"
    # The campaign-wide figure where nothing was allocated:
    assert row(att, "178", "LS21-01", "DOT")["target_low"] == 95


def test_rollup_of_additions_to_the_province(refs):
    att = build(refs, [{"period": "2021", "unit_code": u, "indicator_code": "LS21-05", "value": 2.0}
                       for u in ("180", "181", "182", "183", "184")])
    total = row(att, "20", "LS21-05", "2021")
    assert total["is_rollup"] and total["actual"] == 10.0 and total["target_low"] == 10
    assert total["status"] == "met" and total["actual_text"] == "Tổng hợp 5/11 đơn vị"


def test_accidents_parent_from_three_criteria_with_baselines(refs):
    def acc(ind, value, base):
        return {"period": "2024", "unit_code": "178-CA", "indicator_code": ind, "value": value, "baseline": base}
    att = build(refs, [acc("TP24-18a", 40, 45), acc("TP24-18b", 10, 12), acc("TP24-18c", 30, 29)])
    assert row(att, "178-CA", "TP24-18a", "2024")["status"] == "met"
    assert row(att, "178-CA", "TP24-18c", "2024")["status"] == "not_met"
    parent = row(att, "178-CA", "TP24-18", "2024")
    assert parent["status"] == "not_met" and parent["actual_text"] == "2/3 tiêu chí đạt"


def test_catalog_baseline_for_rank(refs):
    att = build(refs, [{"period": "2021", "unit_code": "20-STTTT", "indicator_code": "LS21-17", "value": 46.0}])
    r = row(att, "20-STTTT", "LS21-17", "2021")
    assert r["baseline"] == 48 and r["status"] == "met" and (r["target_low"], r["target_high"]) == (46, 47)


def test_pace_of_cumulative_indicators(refs):
    att = build(refs, [{"period": "2024-Q2", "unit_code": "178-PVHTT", "indicator_code": "TP24-04", "value": 1000.0},
                       {"period": "2024-Q2", "unit_code": "178-PVHTT", "indicator_code": "TP24-03", "value": 1800.0}])
    revenue = row(att, "178-PVHTT", "TP24-04", "2024-Q2")
    assert revenue["elapsed_share"] == pytest.approx(182 / 366, abs=1e-5)
    assert revenue["expected_to_date"] == pytest.approx(2288 * 182 / 366, rel=1e-4)
    assert revenue["pace_status"] == "behind" and revenue["status"] == "not_met"
    assert row(att, "178-PVHTT", "TP24-03", "2024-Q2")["pace_status"] == "on_track"
    assert row(att, "178-PTCKH", "TP24-01", "2024-H1")["pace"] is None  # a level, not cumulative


def test_only_touched_periods_are_built(refs):
    att = build(refs, [{"period": "2024-Q2", "unit_code": "178-PVHTT", "indicator_code": "TP24-04", "value": 1.0}],
                periods=["2024-Q2"])
    assert att["period"].unique().to_list() == ["2024-Q2"]


def test_scores_and_ranks_within_clusters(refs):
    att = build(refs, [
        {"period": "DOT", "unit_code": "183", "indicator_code": "LS21-01", "value": 99.0},
        {"period": "DOT", "unit_code": "183", "indicator_code": "LS21-02", "value": 1.0},
        {"period": "DOT", "unit_code": "183", "indicator_code": "LS21-03", "value": 1.0},
        {"period": "DOT", "unit_code": "184", "indicator_code": "LS21-01", "value": 90.0},
        {"period": "DOT", "unit_code": "184", "indicator_code": "LS21-02", "value": 1.0},
    ])
    scores = unit_scores.build(att, refs["reference.cluster_members"]).filter(pl.col("period") == "DOT")
    first = scores.filter(pl.col("rank") == 1).row(0, named=True)
    assert first["unit_code"] == "183" and first["cluster_code"] == "LS21-HUYEN"
    s184 = scores.filter(pl.col("unit_code") == "184").row(0, named=True)
    # (2 × 90/95 + 1 × 1 + 1 × 0 for the missing one) / 4 weight
    assert s184["score"] == pytest.approx(100 * (2 * 90 / 95 + 1) / 4, abs=0.01)
    assert s184["no_data"] == 1 and s184["rank"] == 2
    silent = scores.filter(pl.col("unit_code") == "189").row(0, named=True)
    assert silent["score"] == 0 and silent["rank"] == 3 and silent["cluster_size"] == 11  # ties share a rank


def test_completeness_on_time_late_missing(refs):
    due = datetime(2021, 7, 10, 16, 59, tzinfo=timezone.utc)   # 23:59 on 10/07 in Hà Nội: on time
    late = datetime(2021, 7, 10, 17, 1, tzinfo=timezone.utc)   # 00:01 on 11/07: late
    values = silver([
        {"period": "2021-Q2", "unit_code": "183", "indicator_code": i, "value": 1.0, "received_at": due}
        for i in ("LS21-20a", "LS21-20b", "LS21-20c", "LS21-21")
    ] + [{"period": "2021-Q2", "unit_code": "184", "indicator_code": "LS21-21", "value": 1.0, "received_at": late}])
    comp = completeness.build(values, refs["reference.campaigns"], refs["reference.indicators"],
                              refs["reference.assignments"], AS_OF)
    q2 = comp.filter(pl.col("period") == "2021-Q2")
    r183 = q2.filter(pl.col("unit_code") == "183").row(0, named=True)
    assert (r183["expected"], r183["received"], r183["on_time"], r183["state"]) == (4, 4, 4, "complete")
    r184 = q2.filter(pl.col("unit_code") == "184").row(0, named=True)
    assert (r184["received"], r184["late"], r184["missing"], r184["state"]) == (1, 1, 3, "partial")
    assert q2.filter(pl.col("unit_code") == "185")["state"][0] == "missing"
    assert r183["due_date"] == date(2021, 7, 10)


def test_an_additive_target_without_a_share_is_not_judged_against_the_whole_province(refs):
    # "thêm 05 xã đạt chuẩn nông thôn mới nâng cao" is the province's figure; no district has a share.
    att = build(refs, [{"period": "2021-H1", "unit_code": "183", "indicator_code": "LS21-06", "value": 1},
                       {"period": "2021-H1", "unit_code": "183", "indicator_code": "LS21-05", "value": 1}])
    r = row(att, "183", "LS21-06", "2021-H1")
    assert r["status"] == "no_target" and r["actual"] == 1 and r["attainment"] is None and r["target_low"] is None
    assert "Chưa giao chỉ tiêu" in r["remark"]
    shared = row(att, "183", "LS21-05", "2021-H1")    # LS21-05 is allocated: one commune for Cao Lộc
    assert shared["target_source"] == "unit_target" and shared["target_low"] == 1 and shared["status"] == "met"
    province = row(att, "20", "LS21-06", "2021-H1")    # the roll-up is still judged against the province figure
    assert province["is_rollup"] and province["target_low"] == 5 and province["status"] == "not_met"
    scores = unit_scores.build(att, refs["reference.cluster_members"])
    mine = scores.filter((pl.col("unit_code") == "183") & (pl.col("period") == "2021-H1")).row(0, named=True)
    assert mine["no_target"] >= 1   # counted and shown …
    judged = att.filter((pl.col("unit_code") == "183") & (pl.col("period") == "2021-H1") & pl.col("parent_code").is_null()
                        & (pl.col("status") != "no_target"))
    assert mine["indicators"] == judged.height   # … but not scored


def test_allocations_that_do_not_add_up_are_warned_about():
    from lakehouse.reference.catalog import load

    warnings = load().warnings
    assert any(w.startswith("LS21-10") and "cộng lại 8, khác chỉ tiêu chung 20" in w for w in warnings)
    assert any(w.startswith("LS21-06") and "chưa giao chỉ tiêu cho đơn vị nào" in w for w in warnings)
    assert not any(w.startswith("LS21-05") for w in warnings)   # every district has a share; they add up to 10


def test_everything_received_but_late_is_not_on_time(refs):
    from datetime import datetime, timezone

    late = datetime(2021, 12, 30, tzinfo=timezone.utc)
    values = silver([{"period": "DOT", "unit_code": "183", "indicator_code": c, "value": 1, "received_at": late}
                     for c in ("LS21-01", "LS21-02", "LS21-03")])
    comp = completeness.build(values, refs["reference.campaigns"], refs["reference.indicators"],
                              refs["reference.assignments"], AS_OF, periods=["DOT"])
    r = comp.filter(pl.col("unit_code") == "183").row(0, named=True)
    assert r["missing"] == 0 and r["late"] == r["received"] and r["state"] == "complete_late"
