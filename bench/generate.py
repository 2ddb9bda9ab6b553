"""National-scale lakes and report files for the benchmarks, from the real GSO unit codes.

A scale is a set of provinces (their districts and communes, from ``vietnam-provinces``
0.6.0, the list before the 2025 reorganisation), a number of indicators and a number of
months. Every scale has one campaign, ``BENCH``, issued by a national unit; its indicators
cycle through every target rule the product knows (an ``all_of`` with its criteria
included), all reported monthly by every commune and ward:

==========  =====================================  ==========  ======  ==================
scale       units                                  indicators  months  report values
==========  =====================================  ==========  ======  ==================
province    Lạng Sơn: 194 communes and wards       46          12      about 100 thousand
region      10 north-eastern provinces: 1,689      50          12      about 0.9 million
nation      all 10,051 communes and wards          100         20      about 19 million
nation5y    all 10,051 communes and wards          100         60      about 57 million
==========  =====================================  ==========  ======  ==================

Files are what a provincial office sends: one CSV per province × month in the canonical
layout, numbers in Vietnamese notation, values spread around each unit's own level, about 3%
of units missing from a month and about 10% of files arriving after the due date. Values are
drawn with numpy per file from a seed, so a scale always yields the same bytes.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import yaml

CAMPAIGN = "BENCH"
NATION = "VN"
NORTH_EAST = (2, 4, 6, 8, 10, 19, 20, 22, 24, 25)
HEADER = ["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Kỳ gốc"]
MISSING_SHARE = 0.03
LATE_SHARE = 0.10
DUE_DAYS = 10


@dataclass(frozen=True)
class Scale:
    name: str
    provinces: tuple[int, ...] | None  # None: every province
    indicators: int
    start: date
    months: int

    @property
    def periods(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        for _ in range(self.months):
            out.append(f"{y}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @property
    def end(self) -> date:
        y, m = map(int, self.periods[-1].split("-"))
        nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
        return nxt - timedelta(days=1)


SCALES = {
    "province": Scale("province", (20,), 46, date(2025, 1, 1), 12),
    "region": Scale("region", NORTH_EAST, 50, date(2025, 1, 1), 12),
    "nation": Scale("nation", None, 100, date(2024, 5, 1), 20),
    "nation5y": Scale("nation5y", None, 100, date(2021, 1, 1), 60),
}

# (name, uom, rule, how values are drawn). Cycled to reach a scale's indicator count; the
# all_of entry brings its two criteria with it.
TEMPLATES: list[tuple[str, str, dict, str]] = [
    ("Tỷ lệ hộ gia đình đạt danh hiệu gia đình văn hóa", "%", {"type": "at_least", "value": 90}, "pct"),
    ("Tỷ lệ người dân tham gia bảo hiểm y tế", "%", {"type": "at_least", "value": 90, "strict": True}, "pct"),
    ("Tốc độ tăng thu ngân sách trên địa bàn", "%", {"type": "range", "low": 10, "high": 11}, "growth"),
    ("Số vụ tai nạn giao thông", "vụ", {"type": "reduce_pct", "pct": 5}, "cases"),
    ("Thu ngân sách nhà nước trên địa bàn", "triệu đồng", {"type": "increase_pct", "pct": 2.5}, "money"),
    ("Tỷ lệ hộ nghèo", "%", {"type": "change_pp", "points": 0.5, "direction": "decrease"}, "poverty"),
    ("Số thôn đạt chuẩn nông thôn mới", "thôn", {"type": "add", "value": 1}, "add"),
    ("Tỷ lệ trường học đạt chuẩn quốc gia", "%", {"type": "maintain", "value": 100}, "maintain"),
    ("Số bác sỹ trên 1 vạn dân", "bác sỹ/vạn dân", {"type": "per_population", "value": 10, "per": 10000}, "rate"),
    ("Xếp hạng chỉ số cải cách hành chính", "bậc", {"type": "rank_up", "low": 1, "high": 2}, "rank"),
    ("Mức độ hài lòng của người dân", "nhóm",
     {"type": "group_at_least", "group": "Khá", "scale": ["Thấp", "Trung bình", "Khá", "Tốt"]}, "group"),
    ("Hoàn thành kế hoạch chuyển đổi số", "có/không", {"type": "done"}, "done"),
    ("Số vụ vi phạm môi trường", "vụ", {"type": "at_most", "value": 5}, "few"),
    ("Bảo đảm an ninh trật tự", "vụ", {"type": "all_of"}, "parent"),
]
_CRITERIA = [
    ("Số vụ phạm pháp hình sự", "vụ", {"type": "reduce_pct", "pct": 3}, "cases"),
    ("Tỷ lệ điều tra khám phá án", "%", {"type": "at_least", "value": 75}, "pct75"),
]


# ------------------------------------------------------------------ units
def units(scale: Scale) -> pl.DataFrame:
    """The nation, the scale's provinces, their districts and communes: unit_code, name,
    unit_type, parent_code, province_code (GSO codes, zero-padded as GSO writes them)."""
    import vietnam_provinces

    data = json.loads(Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_text(encoding="utf-8"))
    rows = [(NATION, "Việt Nam", "country", None, None)]
    for p in data:
        if scale.provinces is not None and p["code"] not in scale.provinces:
            continue
        pc = f"{p['code']:02d}"
        rows.append((pc, p["name"], "city" if p["name"].startswith("Thành phố") else "province", NATION, pc))
        for d in p["districts"]:
            dc = f"{d['code']:03d}"
            rows.append((dc, d["name"], "city" if d["name"].startswith("Thành phố") else "district", pc, pc))
            for w in d["wards"]:
                kind = "ward" if w["name"].startswith("Phường") else "commune"
                rows.append((f"{w['code']:05d}", w["name"], kind, dc, pc))
    return pl.DataFrame(rows, schema=["unit_code", "name", "unit_type", "parent_code", "province_code"], orient="row")


def communes(unit_frame: pl.DataFrame) -> pl.DataFrame:
    return unit_frame.filter(pl.col("unit_type").is_in(["ward", "commune"]))


# ------------------------------------------------------------------ indicators
def indicator_list(scale: Scale) -> list[dict]:
    """Catalog entries for the scale: templates cycled, each code ``B-###``; criteria ``B-###a/b``."""
    out, n, k = [], 0, 0
    while n < scale.indicators:
        name, uom, rule, kind = TEMPLATES[k % len(TEMPLATES)]
        k += 1
        if rule["type"] == "all_of" and n + 1 + len(_CRITERIA) > scale.indicators:
            continue  # no room left for the criteria
        code = f"B-{len(out) + 1:03d}"
        round_no = (k - 1) // len(TEMPLATES)
        entry = {"code": code, "name": name if round_no == 0 else f"{name} ({round_no + 1})", "group": "kinh_te",
                 "uom": uom, "rule": rule, "accumulation": "level", "period_type": "month",
                 "reporters": {"types": ["commune", "ward"]}, "owner": NATION, "weight": 1, "kind": kind}
        if rule["type"] in ("at_least", "range", "at_most", "group_at_least", "done"):
            entry["group"] = "xa_hoi"
        if rule["type"] == "range":
            entry["value_min"] = None
        out.append(entry)
        n += 1
        if rule["type"] == "all_of":
            for suffix, (c_name, c_uom, c_rule, c_kind) in zip("ab", _CRITERIA):
                out.append({**entry, "code": code + suffix, "parent": code, "name": c_name, "uom": c_uom,
                            "rule": c_rule, "kind": c_kind})
                n += 1
    return out


def write_catalog(scale: Scale, folder: Path, source: Path | None = None) -> Path:
    """A complete catalog directory for the scale (groups and units of measure copied from the
    product's own catalog), loadable by ``lakehouse.reference.catalog.load``."""
    from lakehouse.reference.catalog import DEFAULT_DIR

    source = source or DEFAULT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "indicators").mkdir(exist_ok=True)
    for name in ("groups.yaml", "uoms.yaml"):
        (folder / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    u = units(scale)
    u.select("unit_code", gso_code=pl.when(pl.col("unit_code") == NATION).then(None).otherwise("unit_code"),
             name="name", type="unit_type", parent_code="parent_code", valid_from=pl.lit(None, pl.String),
             valid_to=pl.lit(None, pl.String), source=pl.lit("GSO (vietnam-provinces 0.6.0)")) \
        .rename({"unit_code": "code"}).write_csv(folder / "units.csv")
    campaign = {"code": CAMPAIGN, "name": f"Phong trào thi đua đo hiệu năng ({scale.name})",
                "short_name": f"Đo hiệu năng — {scale.name}", "document": "Dữ liệu sinh cho đo hiệu năng",
                "issuer": "Ban Thi đua - Khen thưởng Trung ương", "scope_unit": NATION,
                "issued_on": scale.start, "window": {"start": scale.start, "end": scale.end},
                "theme": "Dữ liệu sinh tự động", "report_due_days": DUE_DAYS, "milestones": []}
    (folder / "campaigns.yaml").write_text(yaml.safe_dump({"campaigns": [campaign]}, allow_unicode=True),
                                           encoding="utf-8")
    inds = [{k: v for k, v in e.items() if k != "kind"} for e in indicator_list(scale)]
    for e in inds:
        e["as_written"] = e["name"]
    (folder / "indicators" / f"{CAMPAIGN}.yaml").write_text(
        yaml.safe_dump({"campaign": CAMPAIGN, "indicators": inds}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    provinces = u.filter(pl.col("parent_code") == NATION)
    clusters = []
    for code, name in provinces.select("unit_code", "name").iter_rows():
        members = communes(u).filter(pl.col("province_code") == code)["unit_code"].to_list()
        clusters.append({"code": f"BENCH-{code}", "campaign": CAMPAIGN, "name": f"Khối phường, xã {name}",
                         "members": members})
    (folder / "clusters.yaml").write_text(yaml.safe_dump({"clusters": clusters}, allow_unicode=True),
                                          encoding="utf-8")
    (folder / "unit_targets.csv").write_text("indicator_code,unit_code,value,low,high,baseline,note\n",
                                             encoding="utf-8")
    return folder


# ------------------------------------------------------------------ report files
@dataclass(frozen=True)
class ReportFile:
    name: str
    data: bytes
    received_at: datetime
    province: str
    period: str
    rows: int


def _draw(kind: str, n: int, form: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None, list | None]:
    """(values, baselines, texts) for ``n`` units of one indicator; ``form`` is each unit's own
    level (about 1), so a unit that does well keeps doing well."""
    noise = rng.normal(1.0, 0.04, n)
    f = form * noise
    if kind == "pct":
        return np.clip(np.round(91 * f, 1), 0, 100), None, None
    if kind == "pct75":
        return np.clip(np.round(76 * f, 1), 0, 100), None, None
    if kind == "growth":
        return np.round(10.5 * f + rng.normal(0, 0.4, n), 1), None, None
    if kind == "cases":
        base = np.round(rng.uniform(5, 40, n))
        return np.round(base * (2 - f) * 0.96), base, None
    if kind == "money":
        base = np.round(rng.uniform(3000, 60000, n))
        return np.round(base * f * 1.03), base, None
    if kind == "poverty":
        base = np.round(rng.uniform(1, 10, n), 2)
        return np.round(np.maximum(0, base - 0.5 * f), 2), base, None
    if kind == "add":
        base = np.round(rng.uniform(2, 15, n))
        return base + np.round(f * 1.2 - 0.1), base, None
    if kind == "maintain":
        return np.where(rng.random(n) < 0.85, 100.0, 98.0), None, None
    if kind == "rate":
        return np.round(10 * f, 1), None, None
    if kind == "rank":
        base = np.round(rng.uniform(5, 60, n))
        return base - rng.integers(0, 4, n), base, None
    if kind == "group":
        return np.full(n, np.nan), None, list(rng.choice(["Trung bình", "Khá", "Khá", "Tốt"], n))
    if kind == "done":
        return np.full(n, np.nan), None, list(np.where(rng.random(n) < 0.85, "Có", "Không"))
    if kind == "few":
        return np.round(rng.poisson(4 * f)).astype(float), None, None
    raise ValueError(kind)


def _vn(values: pl.Expr) -> pl.Expr:
    """Vietnamese notation without grouping: 92.5 → '92,5', 4000.0 → '4000'."""
    text = values.cast(pl.String).str.replace(r"\.0$", "")
    return text.str.replace(".", ",", literal=True)


def province_month(scale: Scale, province: str, unit_codes: list[str], period: str,
                   inds: list[dict], seed: int) -> tuple[pl.DataFrame, bool]:
    """One province's report for one month (rows in the canonical layout) and whether it is late."""
    y, m = map(int, period.split("-"))
    stable = np.random.default_rng([seed, int(province)])
    form = stable.normal(1.0, 0.08, (len(inds), len(unit_codes)))
    rng = np.random.default_rng([seed, int(province), y, m])
    present = rng.random(len(unit_codes)) >= MISSING_SHARE
    units_here = [u for u, keep in zip(unit_codes, present) if keep]
    frames = []
    for i, ind in enumerate(inds):
        if ind["kind"] == "parent":
            continue
        values, base, texts = _draw(ind["kind"], len(unit_codes), form[i], rng)
        f = pl.DataFrame({"unit": unit_codes, "value": values,
                          "base": base if base is not None else np.full(len(unit_codes), np.nan),
                          "text": texts if texts is not None else [None] * len(unit_codes)},
                         schema={"unit": pl.String, "value": pl.Float64, "base": pl.Float64, "text": pl.String})
        frames.append(f.filter(pl.Series(present)).with_columns(indicator=pl.lit(ind["code"])))
    rows = pl.concat(frames).select(
        pl.col("unit").alias(HEADER[0]), pl.col("indicator").alias(HEADER[1]), pl.lit(period).alias(HEADER[2]),
        pl.coalesce(pl.col("text"), _vn(pl.col("value").fill_nan(None))).alias(HEADER[3]),
        _vn(pl.col("base").fill_nan(None)).alias(HEADER[4]))
    return rows, bool(rng.random() < LATE_SHARE) and len(units_here) > 0


def report_files(scale: Scale, seed: int = 2025) -> Iterator[ReportFile]:
    """Every province × month file of the scale, in the order they would arrive."""
    u = units(scale)
    inds = indicator_list(scale)
    by_province = {p: g["unit_code"].to_list() for (p,), g in communes(u).group_by(["province_code"], maintain_order=True)}
    for period in scale.periods:
        y, m = map(int, period.split("-"))
        month_end = (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)
        for province in sorted(by_province):
            rows, late = province_month(scale, province, by_province[province], period, inds, seed)
            days = DUE_DAYS + 5 if late else 1 + int(province) % DUE_DAYS
            received = datetime.combine(month_end + timedelta(days=days), datetime.min.time(), timezone.utc) \
                + timedelta(hours=2 + int(province) % 7)
            yield ReportFile(f"bao-cao-{province}-{period}.csv", rows.write_csv(separator=";").encode("utf-8"),
                             received, province, period, rows.height)


def night_files(scale: Scale, share: float = 0.01, night: int = 0) -> list[ReportFile]:
    """An ordinary night's new files: the last ``share`` of the province × month files sent again
    with corrected values (at least one), received a day after the last file; the ``night``-th
    night after the lake was built, ``night`` days later still (each night's corrections come
    after the last night's, as they do in a lake that lives)."""
    seed = 2026 + night
    u = units(scale)
    inds = indicator_list(scale)
    by_province = {p: g["unit_code"].to_list() for (p,), g in communes(u).group_by(["province_code"], maintain_order=True)}
    pairs = [(period, province) for period in scale.periods for province in sorted(by_province)]
    chosen = pairs[-max(1, round(share * len(pairs))):]
    y, m = map(int, scale.periods[-1].split("-"))
    when = datetime.combine((date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) + timedelta(days=DUE_DAYS + 10),
                            datetime.min.time(), timezone.utc) + timedelta(days=night)
    out = []
    for period, province in chosen:
        rows, _ = province_month(scale, province, by_province[province], period, inds, seed)
        out.append(ReportFile(f"bao-cao-{province}-{period}-dieu-chinh.csv", rows.write_csv(separator=";").encode("utf-8"),
                              when, province, period, rows.height))
    return out


def resubmission(scale: Scale, unit_code: str, period: str, inds: list[dict], seed: int, values: int = 100) -> bytes:
    """One unit's corrected report for one period: ``values`` rows (indicators repeated over
    earlier months of the same year when the scale has fewer indicators)."""
    leaves = [i for i in inds if i["kind"] != "parent"]
    periods = [p for p in scale.periods if p <= period][::-1]
    pairs = [(i, p) for p in periods for i in leaves][:values]
    rng = np.random.default_rng([seed, 99])
    rows = []
    for ind, p in pairs:
        v, base, text = _draw(ind["kind"], 1, np.array([1.05]), rng)
        rows.append({HEADER[0]: unit_code, HEADER[1]: ind["code"], HEADER[2]: p,
                     HEADER[3]: text[0] if text else str(float(v[0])).removesuffix(".0").replace(".", ","),
                     HEADER[4]: None if base is None else str(float(base[0])).removesuffix(".0").replace(".", ",")})
    return pl.DataFrame(rows, schema={h: pl.String for h in HEADER}).write_csv(separator=";").encode("utf-8")


# ------------------------------------------------------------------ lakes
def receive_files(lake, files: Iterator[ReportFile], progress: bool = False) -> tuple[int, int]:
    """Keep every file's bytes and list it in ``bronze.manifest`` (the inbox a province's
    files land in); silver and gold are then built by the nightly refresh. Returns (files, rows)."""
    from tqdm import tqdm

    from lakehouse.bronze import files as bronze_files

    entries, n_files, n_rows = [], 0, 0
    # As ``receive`` does, a file already listed (the same bytes sent again) is not listed twice.
    known = set(lake.read("bronze.manifest", columns=["file_id"])["file_id"].to_list())
    for f in tqdm(files, disable=not progress, desc="Sinh tệp", unit="tệp"):
        file_id, key = lake.put_file(f.data)
        if file_id in known:
            continue
        known.add(file_id)
        entries.append({"file_id": file_id, "original_name": f.name, "extension": bronze_files.extension(f.name),
                        "size_bytes": len(f.data), "received_at": f.received_at, "received_by": "bench",
                        "channel": "inbox", "object_key": key,
                        "recorded_at": datetime.now(timezone.utc)})   # as a receipt is time-stamped
        n_files, n_rows = n_files + 1, n_rows + f.rows
        if len(entries) >= 2000:
            lake.append("bronze.manifest", pl.DataFrame(entries))
            entries = []
    if entries:
        lake.append("bronze.manifest", pl.DataFrame(entries))
    return n_files, n_rows
