"""The GX suites, run for real: counts for a table's frame, the failing rows named when asked."""
import polars as pl

from lakehouse import checks
from lakehouse.tables import spec


def scores(rows):
    return spec("gold.unit_scores").conform(pl.DataFrame(
        [{"campaign_code": "C", "period": "2024-01", "cluster_code": "K", "unit_code": u, "score": s, "rank": 1,
          "cluster_size": len(rows), "indicators": 1, "exceeded": 0, "met": 1, "not_met": 0, "no_data": 0,
          "no_target": 0} for u, s in rows]))


def test_counts_alone_or_with_the_failing_rows_agree():
    frame = scores([("a", 50.0), ("b", 130.0), ("a", 10.0), ("d", -1.0)])
    counted, named = checks.run_suite("gold.unit_scores", frame), checks.run_suite("gold.unit_scores", frame, rows=True)
    assert not counted.success and not named.success
    assert [(o.expectation, o.column, o.unexpected_count) for o in counted.outcomes] == \
           [(o.expectation, o.column, o.unexpected_count) for o in named.outcomes]
    failed = {(o.expectation, o.column): o for o in named.failed}
    assert sorted(failed[("expect_compound_columns_to_be_unique", "campaign_code,period,cluster_code,unit_code")]
                  .unexpected_index) == [0, 2]
    assert sorted(failed[("expect_column_values_to_be_between", "score")].unexpected_index) == [1, 3]
    assert all(o.unexpected_index == [] for o in counted.outcomes)


def test_a_frame_that_meets_the_suite_passes():
    assert checks.run_suite("gold.unit_scores", scores([("a", 50.0), ("b", 100.0)])).success
