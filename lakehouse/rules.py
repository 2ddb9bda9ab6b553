"""Target rules (cách tính chỉ tiêu): how an actual value is judged against its target.

Every rule found in the seed directives is here, with the parameters the catalog gives:

=================  ===========================================  =============================
rule type          example (as written)                          parameters
=================  ===========================================  =============================
``at_least``       "tỷ lệ cử tri đi bầu từ 95% trở lên"           value, strict ("trên 90%")
``at_most``        a ceiling not to pass                         value
``range``          "GRDP đạt 7 - 7,5%", "2.300 đến 2.500 người"  low, high
``reduce_pct``     "giảm phạm pháp hình sự 5%" (vs baseline)     pct (0 = any decrease)
``increase_pct``   "kim ngạch xuất khẩu tăng 2,5%"               pct (0 = any increase)
``change_pp``      "giảm tỷ lệ hộ nghèo từ 3% trở lên"           points, direction
``add``            "thêm 10 xã đạt chuẩn nông thôn mới"          value (count added)
``maintain``       "duy trì 8/8 xã đạt Bộ tiêu chí"              value
``per_population`` "11,1 bác sỹ trên 1 vạn dân"                  value, per
``rank_up``        "tăng từ 1 - 2 bậc" (lower rank is better)    low, high (steps)
``group_at_least`` "PCI vào nhóm khá"                            group, scale (worst → best)
``done``           "xây dựng xã Mai Pha đạt NTM kiểu mẫu"        —
``all_of``         "giảm tai nạn giao thông cả 3 tiêu chí"       (its sub-indicators)
=================  ===========================================  =============================

Attainment is 1.0 exactly at the target. Status is ``exceeded`` beyond the target (vượt),
``met`` at it (đạt), ``not_met`` short of it (chưa đạt), ``no_data`` without a value or a
needed baseline. Rules with nothing to exceed (maintain, done, strict "trên X", "giảm" with no
figure) are never ``exceeded``. Relative rules turn into absolute thresholds once the baseline
(kỳ gốc, usually the same period of the previous year) is known, so ``target_low`` /
``target_high`` are always in the unit of the actual value.
"""
from __future__ import annotations

import json

import polars as pl

from lakehouse.formatting import number_vi
from lakehouse.text import fold

RULE_PARAMS: dict[str, dict[str, type | tuple]] = {
    "at_least": {"value": (int, float), "strict?": bool},
    "at_most": {"value": (int, float)},
    "range": {"low": (int, float), "high": (int, float)},
    "reduce_pct": {"pct": (int, float)},
    "increase_pct": {"pct": (int, float)},
    "change_pp": {"points": (int, float), "direction": str},
    "add": {"value": (int, float)},
    "maintain": {"value": (int, float)},
    "per_population": {"value": (int, float), "per": (int, float)},
    "rank_up": {"low": (int, float), "high": (int, float)},
    "group_at_least": {"group": str, "scale": list},
    "done": {},
    "all_of": {},
}
RULE_NAMES_VI = {
    "at_least": "Đạt tối thiểu", "at_most": "Không vượt quá", "range": "Trong khoảng",
    "reduce_pct": "Giảm so với kỳ gốc (%)", "increase_pct": "Tăng so với kỳ gốc (%)",
    "change_pp": "Thay đổi theo điểm phần trăm", "add": "Tăng thêm", "maintain": "Duy trì",
    "per_population": "Tỷ lệ trên dân số", "rank_up": "Tăng bậc xếp hạng",
    "group_at_least": "Vào nhóm xếp hạng", "done": "Hoàn thành / chưa hoàn thành",
    "all_of": "Đạt tất cả tiêu chí con",
}
STATUSES = ("exceeded", "met", "not_met", "no_data", "no_target")
STATUS_VI = {"exceeded": "Vượt", "met": "Đạt", "not_met": "Chưa đạt", "no_data": "Chưa có số liệu",
             "no_target": "Chưa giao chỉ tiêu"}
# Rules judged on the change from a baseline rather than on the value itself.
NEEDS_BASELINE = {"reduce_pct", "increase_pct", "change_pp", "rank_up"}
LOWER_IS_BETTER = {"at_most", "reduce_pct", "rank_up"}  # change_pp depends on its direction


class RuleError(ValueError):
    pass


def validate(rule: dict) -> None:
    """Raise :class:`RuleError` (Vietnamese) when a catalog rule is malformed."""
    if not isinstance(rule, dict) or "type" not in rule:
        raise RuleError("thiếu 'rule.type'")
    kind = rule["type"]
    if kind not in RULE_PARAMS:
        raise RuleError(f"loại quy tắc '{kind}' không có; dùng một trong: {', '.join(RULE_PARAMS)}")
    expected = RULE_PARAMS[kind]
    for name, typ in expected.items():
        optional = name.endswith("?")
        key = name.rstrip("?")
        if key not in rule:
            if not optional:
                raise RuleError(f"quy tắc '{kind}' thiếu tham số '{key}'")
            continue
        value = rule[key]
        if isinstance(value, bool) and typ is not bool:
            raise RuleError(f"tham số '{key}' của quy tắc '{kind}' phải là số")
        if not isinstance(value, typ):
            raise RuleError(f"tham số '{key}' của quy tắc '{kind}' có kiểu sai: {value!r}")
    unknown = set(rule) - {"type"} - {n.rstrip("?") for n in expected}
    if unknown:
        raise RuleError(f"quy tắc '{kind}' không nhận tham số: {', '.join(sorted(unknown))}")
    if kind in ("range", "rank_up") and rule["low"] > rule["high"]:
        raise RuleError(f"quy tắc '{kind}': low ({rule['low']}) lớn hơn high ({rule['high']})")
    if kind == "reduce_pct" and not 0 <= rule["pct"] < 100:
        raise RuleError("quy tắc 'reduce_pct': pct phải từ 0 đến dưới 100")
    if kind == "increase_pct" and rule["pct"] < 0:
        raise RuleError("quy tắc 'increase_pct': pct không được âm")
    if kind == "change_pp" and rule["direction"] not in ("decrease", "increase"):
        raise RuleError("quy tắc 'change_pp': direction phải là 'decrease' hoặc 'increase'")
    if kind == "group_at_least":
        scale = [fold(s) for s in rule["scale"]]
        if fold(rule["group"]) not in scale:
            raise RuleError(f"nhóm '{rule['group']}' không có trong thang {rule['scale']}")
        if len(set(scale)) != len(scale):
            raise RuleError("thang nhóm có tên trùng nhau")
    if kind == "per_population" and rule["per"] <= 0:
        raise RuleError("quy tắc 'per_population': per phải lớn hơn 0")


def goals(rule: dict) -> tuple[float | None, float | None]:
    """The rule's amounts that a unit-level target (giao chỉ tiêu) may override: (low, high)."""
    kind = rule["type"]
    if kind in ("at_least", "add", "maintain", "per_population"):
        return float(rule["value"]), None
    if kind == "at_most":
        return None, float(rule["value"])
    if kind in ("range", "rank_up"):
        return float(rule["low"]), float(rule["high"])
    if kind in ("reduce_pct", "increase_pct"):
        return float(rule["pct"]), None
    if kind == "change_pp":
        return float(rule["points"]), None
    if kind == "group_at_least":
        return float(group_ordinal(rule, rule["group"])), None
    if kind == "done":
        return 1.0, None
    return None, None


def group_ordinal(rule: dict, text: str) -> int | None:
    """1-based position of a group name in the rule's scale (worst first), diacritics ignored."""
    scale = [fold(s) for s in rule["scale"]]
    key = fold(text)
    return scale.index(key) + 1 if key in scale else None


def describe(rule: dict, uom: str) -> str:
    """The target in words, for screens and templates: ``"≥ 95 %"``, ``"7 – 7,5 %"`` …"""
    kind = rule["type"]
    u = f" {uom}" if uom and uom not in ("có/không", "nhóm", "bậc") else ""
    if kind == "at_least":
        return f"{'>' if rule.get('strict') else '≥'} {number_vi(rule['value'])}{u}"
    if kind == "at_most":
        return f"≤ {number_vi(rule['value'])}{u}"
    if kind == "range":
        return f"{number_vi(rule['low'])} – {number_vi(rule['high'])}{u}"
    if kind == "reduce_pct":
        return (f"giảm ≥ {number_vi(rule['pct'])}% so với kỳ gốc" if rule["pct"] else "giảm so với kỳ gốc")
    if kind == "increase_pct":
        return (f"tăng ≥ {number_vi(rule['pct'])}% so với kỳ gốc" if rule["pct"] else "tăng so với kỳ gốc")
    if kind == "change_pp":
        verb = "giảm" if rule["direction"] == "decrease" else "tăng"
        return f"{verb} ≥ {number_vi(rule['points'])} điểm %"
    if kind == "add":
        return f"thêm {number_vi(rule['value'])}{u}"
    if kind == "maintain":
        return f"duy trì {number_vi(rule['value'])}{u}"
    if kind == "per_population":
        return f"≥ {number_vi(rule['value'])}{u}"
    if kind == "rank_up":
        return f"tăng {number_vi(rule['low'])} – {number_vi(rule['high'])} bậc"
    if kind == "group_at_least":
        return f"nhóm {rule['group']} trở lên"
    if kind == "done":
        return "hoàn thành"
    return "đạt tất cả tiêu chí con"


def rule_params_json(rule: dict) -> str:
    return json.dumps({k: v for k, v in rule.items() if k != "type"}, ensure_ascii=False, sort_keys=True)


# ----------------------------------------------------------------------------- evaluation
def evaluate(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``target_low, target_high, attainment, status, remark`` to a frame of observations.

    Input columns: ``rule_type, strict, direction, goal_low, goal_high, actual, baseline``
    (``goal_*`` already carry unit-level overrides). ``all_of`` rows are left ``no_data``
    here; :func:`combine_all_of` fills them from their sub-indicators.
    """
    rt = pl.col("rule_type")
    a, b = pl.col("actual"), pl.col("baseline")
    g_lo, g_hi = pl.col("goal_low"), pl.col("goal_high")
    decrease = pl.col("direction").fill_null("decrease") == "decrease"

    target_low = (
        pl.when(rt.is_in(["at_least", "add", "maintain", "per_population", "done", "group_at_least", "range"]))
        .then(g_lo)
        .when(rt == "increase_pct").then(b * (1 + g_lo / 100))
        .when((rt == "change_pp") & ~decrease).then(b + g_lo)
        .when(rt == "rank_up").then(b - g_hi)
        .otherwise(None)
    )
    target_high = (
        pl.when(rt.is_in(["range", "at_most"])).then(g_hi)
        .when(rt == "reduce_pct").then(b * (1 - g_lo / 100))
        .when((rt == "change_pp") & decrease).then(b - g_lo)
        .when(rt == "rank_up").then(b - g_lo)
        .otherwise(None)
    )
    lower_better = rt.is_in(list(LOWER_IS_BETTER)) | ((rt == "change_pp") & decrease)
    strict = (pl.col("strict").fill_null(False)
              | (rt.is_in(["reduce_pct", "increase_pct"]) & (g_lo == 0)))
    can_exceed = ~(rt.is_in(["maintain", "done"]) | strict)

    out = frame.with_columns(target_low=target_low, target_high=target_high,
                             _lower=lower_better, _strict=strict, _can_exceed=can_exceed)
    lo, hi = pl.col("target_low"), pl.col("target_high")
    tol_lo = 1e-9 * pl.max_horizontal(pl.lit(1.0), lo.abs())
    tol_hi = 1e-9 * pl.max_horizontal(pl.lit(1.0), hi.abs())
    lower, strict_c, exceedable = pl.col("_lower"), pl.col("_strict"), pl.col("_can_exceed")

    short_high_better = pl.when(strict_c).then(a <= lo + tol_lo).otherwise(a < lo - tol_lo)
    beyond_high_better = (pl.when(hi.is_not_null()).then(a > hi + tol_hi)
                          .otherwise(exceedable & (a > lo + tol_lo)))
    short_low_better = pl.when(strict_c).then(a >= hi - tol_hi).otherwise(a > hi + tol_hi)
    beyond_low_better = (pl.when(lo.is_not_null()).then(a < lo - tol_lo)
                         .otherwise(exceedable & (a < hi - tol_hi)))
    missing_baseline = rt.is_in(list(NEEDS_BASELINE)) & b.is_null()
    threshold_missing = pl.when(lower).then(hi.is_null()).otherwise(lo.is_null())
    # Nothing happened in either year (no deaths, no accidents): there was nothing left to reduce.
    none_either_year = (rt == "reduce_pct") & (b == 0) & (a == 0)

    status = (
        pl.when(rt == "all_of").then(pl.lit("no_data"))
        .when(a.is_null() | missing_baseline | threshold_missing).then(pl.lit("no_data"))
        .when(none_either_year).then(pl.lit("met"))
        .when(lower & short_low_better).then(pl.lit("not_met"))
        .when(lower & beyond_low_better).then(pl.lit("exceeded"))
        .when(lower).then(pl.lit("met"))
        .when(short_high_better).then(pl.lit("not_met"))
        .when(beyond_high_better).then(pl.lit("exceeded"))
        .otherwise(pl.lit("met"))
    )
    change = pl.when(decrease).then(b - a).otherwise(a - b)
    rel_change = pl.when(rt == "reduce_pct").then((b - a) / b * 100).otherwise((a - b) / b * 100)
    ratio_or_flag = pl.when(g_lo > 0).then(a / g_lo).otherwise(pl.when(a >= g_lo).then(1.0).otherwise(0.0))
    reached = pl.when(pl.col("status").is_in(["met", "exceeded"])).then(1.0).otherwise(0.0)
    attainment = (
        pl.when(a.is_null() | missing_baseline | (rt == "all_of")).then(None)
        .when(rt == "done").then(a)
        .when(rt == "at_most").then(pl.when(g_hi > 0).then(2 - a / g_hi).otherwise(reached))
        # From a baseline of zero no percentage exists; "giảm"/"tăng" with no figure is reached or not.
        .when(rt.is_in(["reduce_pct", "increase_pct"])).then(
            pl.when((b == 0) | (g_lo == 0)).then(reached).otherwise(rel_change / g_lo))
        .when(rt == "change_pp").then(pl.when(g_lo > 0).then(change / g_lo).otherwise(1 + change))
        .when(rt == "rank_up").then(pl.when(g_lo > 0).then((b - a) / g_lo).otherwise(1 + (b - a)))
        .otherwise(ratio_or_flag)
    )
    remark = (
        pl.when(rt == "all_of").then(None)
        .when(a.is_null()).then(pl.lit("Đơn vị chưa báo cáo số liệu kỳ này"))
        .when(none_either_year).then(pl.lit("Không phát sinh (kỳ này và kỳ gốc đều bằng 0)"))
        .when(missing_baseline).then(pl.lit("Thiếu số liệu kỳ gốc (cùng kỳ năm trước) để so sánh"))
        .when(threshold_missing).then(pl.lit("Thiếu chỉ tiêu được giao"))
        .otherwise(None)
    )
    return (out.with_columns(status=status).with_columns(attainment=attainment.cast(pl.Float64), remark=remark)
            .drop("_lower", "_strict", "_can_exceed"))


# ----------------------------------------------------------------------------- credit (scores)
CREDIT_CAP = 1.2          # an exceeded indicator counts at most 120%
NOT_MET_CAP = 0.99        # "chưa đạt" never earns full credit


def credit(status: str | pl.Expr = "status", attainment: str | pl.Expr = "attainment") -> pl.Expr:
    """The share of an indicator's weight a unit earns in its score (docs/cach-tinh-diem.md):
    no data 0; not met its attainment, at most 0.99; met exactly 1; exceeded its attainment,
    at least 1 and at most 1.2. So a status never disagrees with the credit it earns."""
    s = pl.col(status) if isinstance(status, str) else status
    att = (pl.col(attainment) if isinstance(attainment, str) else attainment).fill_null(0.0)
    # "no_target" rows (an additive target not allocated to the unit) are left out of scores
    # altogether (lakehouse.gold.unit_scores); here they would earn nothing.
    return (pl.when(s == "met").then(1.0)
            .when(s == "exceeded").then(att.clip(1.0, CREDIT_CAP))
            .when(s == "not_met").then(att.clip(0.0, NOT_MET_CAP))
            .otherwise(0.0))


def combine_all_of(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Judge each ``all_of`` parent from its sub-indicators (rows with ``parent_code``).

    Returns the parent rows' ``status, attainment, actual_text, remark``, one per ``keys`` +
    ``indicator_code`` of the parent. A parent is met only when every criterion is met, and
    exceeded only when every criterion is exceeded; a missing criterion leaves it ``no_data``.
    """
    children = frame.filter(pl.col("parent_code").is_not_null())
    if children.is_empty():
        return pl.DataFrame(schema={**{k: frame.schema[k] for k in keys}, "indicator_code": pl.String,
                                    "status": pl.String, "attainment": pl.Float64,
                                    "actual_text": pl.String, "remark": pl.String})
    s = pl.col("status")
    agg = children.group_by([*keys, "parent_code"]).agg(
        n=pl.len(),
        n_no_data=(s == "no_data").sum(),
        n_not_met=(s == "not_met").sum(),
        n_exceeded=(s == "exceeded").sum(),
        attainment=pl.col("attainment").min(),
    )
    n_ok = pl.col("n") - pl.col("n_no_data") - pl.col("n_not_met")
    return agg.select(
        *keys,
        indicator_code=pl.col("parent_code"),
        status=pl.when(pl.col("n_no_data") > 0).then(pl.lit("no_data"))
        .when(pl.col("n_not_met") > 0).then(pl.lit("not_met"))
        .when(pl.col("n_exceeded") == pl.col("n")).then(pl.lit("exceeded"))
        .otherwise(pl.lit("met")),
        attainment=pl.when(pl.col("n_no_data") > 0).then(None).otherwise(pl.col("attainment")),
        actual_text=pl.format("{}/{} tiêu chí đạt", n_ok, pl.col("n")),
        remark=pl.when(pl.col("n_no_data") > 0)
        .then(pl.format("Thiếu số liệu {}/{} tiêu chí con", pl.col("n_no_data"), pl.col("n")))
        .otherwise(None),
    )
