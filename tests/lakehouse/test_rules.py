"""Every target rule of the seed directives, with its edge cases."""
import polars as pl
import pytest

from lakehouse import rules


def judge(rule_type, actual, low=None, high=None, baseline=None, strict=False, direction=None):
    frame = pl.DataFrame([{"rule_type": rule_type, "strict": strict, "direction": direction, "goal_low": low,
                           "goal_high": high, "actual": actual, "baseline": baseline}],
                         schema={"rule_type": pl.String, "strict": pl.Boolean, "direction": pl.String,
                                 "goal_low": pl.Float64, "goal_high": pl.Float64, "actual": pl.Float64,
                                 "baseline": pl.Float64})
    r = rules.evaluate(frame).row(0, named=True)
    return r["status"], r["attainment"], r["target_low"], r["target_high"]


@pytest.mark.parametrize("actual, status", [(94.9, "not_met"), (95.0, "met"), (99.6, "exceeded")])
def test_at_least_turnout_95(actual, status):  # "tỷ lệ cử tri đi bầu từ 95% trở lên"
    got, attainment, low, _ = judge("at_least", actual, low=95)
    assert got == status and low == 95 and attainment == pytest.approx(actual / 95)


@pytest.mark.parametrize("actual, status", [(90.0, "not_met"), (90.1, "met")])
def test_strictly_above_has_nothing_to_exceed(actual, status):  # "trên 90% tổ chức cơ sở đảng"
    assert judge("at_least", actual, low=90, strict=True)[0] == status


@pytest.mark.parametrize("actual, status", [(5834.9, "not_met"), (5835, "met"), (6000, "exceeded")])
def test_budget_5835_billion(actual, status):
    assert judge("at_least", actual, low=5835)[0] == status


@pytest.mark.parametrize("actual, status", [(6.9, "not_met"), (7.0, "met"), (7.25, "met"), (7.5, "met"),
                                            (7.6, "exceeded")])
def test_range_grdp_7_to_7_5(actual, status):
    got, attainment, low, high = judge("range", actual, low=7, high=7.5)
    assert got == status and (low, high) == (7, 7.5)
    assert attainment == pytest.approx(actual / 7)


@pytest.mark.parametrize("actual, status", [(2299, "not_met"), (2300, "met"), (2500, "met"), (2501, "exceeded")])
def test_range_jobs_2300_to_2500(actual, status):
    assert judge("range", actual, low=2300, high=2500)[0] == status


@pytest.mark.parametrize("actual, status", [(100, "exceeded"), (120, "met"), (121, "not_met")])
def test_at_most(actual, status):
    got, attainment, _, high = judge("at_most", actual, high=120)
    assert got == status and high == 120
    assert attainment == pytest.approx(2 - actual / 120)


@pytest.mark.parametrize("actual, status", [(96, "not_met"), (95, "met"), (90, "exceeded")])
def test_reduce_accidents_by_5_percent(actual, status):  # baseline 100 → must be ≤ 95
    got, attainment, _, high = judge("reduce_pct", actual, low=5, baseline=100)
    assert got == status and high == pytest.approx(95)
    assert attainment == pytest.approx((100 - actual) / 5)


@pytest.mark.parametrize("actual, status", [(100, "not_met"), (99, "met"), (50, "met")])
def test_reduce_with_no_figure_means_any_decrease(actual, status):  # "giảm tai nạn giao thông cả 3 tiêu chí"
    assert judge("reduce_pct", actual, low=0, baseline=100)[0] == status


def test_reduction_needs_a_baseline():
    status, attainment, _, _ = judge("reduce_pct", 40, low=5, baseline=None)
    assert status == "no_data" and attainment is None


@pytest.mark.parametrize("pct", [0, 5])
def test_nothing_in_either_year_is_met(pct):  # no deaths last year, none this year: "không phát sinh"
    status, attainment, _, _ = judge("reduce_pct", 0, low=pct, baseline=0)
    assert (status, attainment) == ("met", 1.0)
    status, attainment, _, _ = judge("reduce_pct", 2, low=pct, baseline=0)
    assert (status, attainment) == ("not_met", 0.0)


def test_reduction_with_no_figure_is_reached_or_not():  # "giảm tai nạn giao thông": any decrease
    assert judge("reduce_pct", 99, low=0, baseline=100)[:2] == ("met", 1.0)
    assert judge("reduce_pct", 100, low=0, baseline=100)[:2] == ("not_met", 0.0)   # unchanged, as crime at 5%
    assert judge("reduce_pct", 100, low=5, baseline=100)[:2] == ("not_met", 0.0)


def credit_of(rule_type, actual, **kw):
    frame = pl.DataFrame([{"rule_type": rule_type, "strict": kw.get("strict", False), "direction": kw.get("direction"),
                           "goal_low": kw.get("low"), "goal_high": kw.get("high"), "actual": actual,
                           "baseline": kw.get("baseline")}],
                         schema={"rule_type": pl.String, "strict": pl.Boolean, "direction": pl.String,
                                 "goal_low": pl.Float64, "goal_high": pl.Float64, "actual": pl.Float64,
                                 "baseline": pl.Float64})
    r = rules.evaluate(frame).with_columns(credit=rules.credit()).row(0, named=True)
    return r["status"], r["credit"]


def test_strictly_above_at_the_threshold_earns_less_than_full_credit():  # "trên 90%" at exactly 90
    assert credit_of("at_least", 90, low=90, strict=True) == ("not_met", rules.NOT_MET_CAP)


@pytest.mark.parametrize("actual, status", [(102.4, "not_met"), (102.5, "met"), (110, "exceeded")])
def test_increase_exports_2_5_percent(actual, status):
    assert judge("increase_pct", actual, low=2.5, baseline=100)[0] == status


@pytest.mark.parametrize("actual, status", [(15.1, "not_met"), (15.0, "met"), (14.0, "exceeded")])
def test_poverty_rate_down_3_points(actual, status):  # baseline 18% → must be ≤ 15%
    got, attainment, _, high = judge("change_pp", actual, low=3, baseline=18.0, direction="decrease")
    assert got == status and high == pytest.approx(15.0)
    assert attainment == pytest.approx((18 - actual) / 3)


def test_poverty_rate_down_0_02_points():  # "giảm 0,02% tỉ lệ hộ nghèo"
    assert judge("change_pp", 1.20, low=0.02, baseline=1.22, direction="decrease")[0] == "met"
    assert judge("change_pp", 1.21, low=0.02, baseline=1.22, direction="decrease")[0] == "not_met"


@pytest.mark.parametrize("actual, status", [(9, "not_met"), (10, "met"), (12, "exceeded")])
def test_add_ten_communes(actual, status):
    assert judge("add", actual, low=10)[0] == status


def test_add_with_zero_allocation():
    assert judge("add", 0, low=0)[:2] == ("met", 1.0)
    assert judge("add", 2, low=0)[0] == "exceeded"


@pytest.mark.parametrize("actual, status", [(7, "not_met"), (8, "met"), (9, "met")])
def test_maintain_8_of_8_is_never_exceeded(actual, status):
    assert judge("maintain", actual, low=8)[0] == status


def test_per_population_doctors():
    assert judge("per_population", 11.0, low=11.1)[0] == "not_met"
    assert judge("per_population", 11.1, low=11.1)[0] == "met"


@pytest.mark.parametrize("actual, status", [(48, "not_met"), (47, "met"), (46, "met"), (44, "exceeded")])
def test_rank_up_1_to_2_places(actual, status):  # from 48th: 47th or 46th meets
    got, _, low, high = judge("rank_up", actual, low=1, high=2, baseline=48)
    assert got == status and (low, high) == (46, 47)


@pytest.mark.parametrize("group, status", [("Trung bình", "not_met"), ("Khá", "met"), ("Tốt", "exceeded")])
def test_pci_into_the_good_group(group, status):
    rule = {"type": "group_at_least", "group": "Khá", "scale": ["Thấp", "Trung bình", "Khá", "Tốt"]}
    target = rules.goals(rule)[0]
    assert judge("group_at_least", rules.group_ordinal(rule, group), low=target)[0] == status


@pytest.mark.parametrize("actual, status", [(1, "met"), (0, "not_met"), (None, "no_data")])
def test_done(actual, status):
    assert judge("done", actual, low=1)[0] == status


def test_no_actual_is_no_data_with_a_reason():
    frame = pl.DataFrame({"rule_type": ["at_least"], "strict": [False], "direction": [None], "goal_low": [5.0],
                          "goal_high": [None], "actual": [None], "baseline": [None]},
                         schema_overrides={"direction": pl.String, "goal_high": pl.Float64, "actual": pl.Float64,
                                           "baseline": pl.Float64})
    r = rules.evaluate(frame).row(0, named=True)
    assert r["status"] == "no_data" and "chưa báo cáo" in r["remark"]


def test_all_of_three_accident_criteria():
    def frame(statuses):
        return pl.DataFrame({"campaign_code": "C", "unit_code": "U", "period": "2024",
                             "indicator_code": [f"T{i}" for i in range(len(statuses))],
                             "parent_code": "T", "status": statuses, "attainment": [1.2, 1.0, 0.9][:len(statuses)]})
    keys = ["campaign_code", "unit_code", "period"]
    assert rules.combine_all_of(frame(["met", "met", "exceeded"]), keys)["status"][0] == "met"
    assert rules.combine_all_of(frame(["exceeded"] * 3), keys)["status"][0] == "exceeded"
    got = rules.combine_all_of(frame(["met", "not_met", "exceeded"]), keys).row(0, named=True)
    assert got["status"] == "not_met" and got["attainment"] == 0.9 and got["actual_text"] == "2/3 tiêu chí đạt"
    assert rules.combine_all_of(frame(["met", "no_data", "met"]), keys)["status"][0] == "no_data"


@pytest.mark.parametrize("rule, message", [
    ({"type": "at_leest", "value": 1}, "không có"),
    ({"type": "at_least"}, "thiếu tham số 'value'"),
    ({"type": "range", "low": 8, "high": 7}, "lớn hơn high"),
    ({"type": "at_least", "value": "95"}, "kiểu sai"),
    ({"type": "at_least", "value": 95, "max": 3}, "không nhận tham số"),
    ({"type": "change_pp", "points": 3, "direction": "down"}, "direction"),
    ({"type": "group_at_least", "group": "Xuất sắc", "scale": ["Khá", "Tốt"]}, "không có trong thang"),
    ({"type": "reduce_pct", "pct": 120}, "pct"),
])
def test_malformed_rules_are_refused(rule, message):
    with pytest.raises(rules.RuleError) as exc:
        rules.validate(rule)
    assert message in str(exc.value)


def test_describe_in_vietnamese():
    assert rules.describe({"type": "range", "low": 7, "high": 7.5}, "%") == "7 – 7,5 %"
    assert rules.describe({"type": "at_least", "value": 5835}, "tỷ đồng") == "≥ 5.835 tỷ đồng"
    assert rules.describe({"type": "change_pp", "points": 0.02, "direction": "decrease"}, "%") == "giảm ≥ 0,02 điểm %"


# ----------------------------------------------------------------------------- properties of credit
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FINITE = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
RULES = st.sampled_from([
    ("at_least", {"low": 95}), ("at_least", {"low": 90, "strict": True}), ("at_most", {"high": 120}),
    ("range", {"low": 7, "high": 7.5}), ("reduce_pct", {"low": 5}), ("reduce_pct", {"low": 0}),
    ("increase_pct", {"low": 2.5}), ("increase_pct", {"low": 0}), ("change_pp", {"low": 3, "direction": "decrease"}),
    ("change_pp", {"low": 1, "direction": "increase"}), ("add", {"low": 10}), ("maintain", {"low": 8}),
    ("per_population", {"low": 11.1}), ("rank_up", {"low": 1, "high": 2}), ("group_at_least", {"low": 3}),
    ("done", {"low": 1}),
])


def _better(rule_type, params, a, b):
    lower = rule_type in rules.LOWER_IS_BETTER or (rule_type == "change_pp" and params.get("direction") == "decrease")
    return (min(a, b), max(a, b)) if lower else (max(a, b), min(a, b))


@settings(max_examples=300, deadline=None)
@given(rule=RULES, a=FINITE, b=FINITE, baseline=st.one_of(st.none(), FINITE))
def test_credit_is_bounded_agrees_with_status_and_never_falls_as_the_actual_improves(rule, a, b, baseline):
    rule_type, params = rule
    if rule_type == "done":
        a, b = float(a > 0.5), float(b > 0.5)
    kw = {**params, "baseline": baseline}
    better, worse = _better(rule_type, params, a, b)
    s_better, c_better = credit_of(rule_type, better, **kw)
    s_worse, c_worse = credit_of(rule_type, worse, **kw)
    for status, c in ((s_better, c_better), (s_worse, c_worse)):
        assert 0 <= c <= rules.CREDIT_CAP
        if status == "not_met":
            assert c < 1
        if status == "met":
            assert c == 1
        if status == "exceeded":
            assert c >= 1
    assert c_better >= c_worse - 1e-12, (rule, better, worse, baseline)


@settings(max_examples=200, deadline=None)
@given(children=st.lists(st.tuples(st.sampled_from(["reduce_pct"]), FINITE, FINITE), min_size=3, max_size=3))
def test_an_all_of_parent_is_never_above_its_criteria(children):
    rows = [{"campaign_code": "C", "unit_code": "U", "period": "2024", "indicator_code": f"X{k}", "parent_code": "X",
             "rule_type": t, "strict": False, "direction": None, "goal_low": 0.0, "goal_high": None, "actual": a,
             "baseline": b} for k, (t, a, b) in enumerate(children)]
    judged = rules.evaluate(pl.DataFrame(rows)).with_columns(credit=rules.credit())
    parent = rules.combine_all_of(judged, ["campaign_code", "unit_code", "period"]).with_columns(
        credit=rules.credit()).row(0, named=True)
    assert parent["credit"] <= judged["credit"].min() + 1e-12
    if parent["status"] == "met":
        assert judged["status"].is_in(["met", "exceeded"]).all()
