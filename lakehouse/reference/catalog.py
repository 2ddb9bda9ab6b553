"""Load and validate the human-edited catalog (``catalog/*.yaml``, ``catalog/*.csv``).

Administrators edit these files by hand, so every problem is reported at once, in
Vietnamese, with the file and the entry it concerns (:class:`CatalogError`).
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import yaml

from lakehouse import rules
from lakehouse.periods import PERIOD_TYPES, WINDOW, parse_period, PeriodError
from lakehouse.text import fold, nfc

ENV_CATALOG = "THIDUA_CATALOG"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "catalog"
UNIT_TYPES = {"country": "Toàn quốc", "province": "Tỉnh", "city": "Thành phố", "district": "Huyện", "ward": "Phường",
              "commune": "Xã", "department": "Sở, ban, ngành / phòng, ban"}
ACCUMULATIONS = ("level", "cumulative")
AGGREGATES = ("none", "sum")


class CatalogError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Danh mục có lỗi:\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class Milestone:
    kind: str
    name: str
    start: date
    end: date
    period: str
    stated: bool


@dataclass(frozen=True)
class Campaign:
    code: str
    name: str
    short_name: str
    document: str
    issuer: str
    scope_unit: str
    issued_on: date | None          # None: the directive does not state it
    window: tuple[date, date]       # the start is ``counted_from`` when the directive states none
    theme: str
    report_due_days: int
    milestones: tuple[Milestone, ...]
    start_stated: bool = True


@dataclass(frozen=True)
class Indicator:
    code: str
    campaign: str
    name: str
    as_written: str
    group: str
    uom: str
    rule: dict
    accumulation: str
    period_type: str
    reporter_units: tuple[str, ...]
    reporter_types: tuple[str, ...]
    owner: str
    weight: float
    aggregate: str
    parent: str | None
    sort_order: int
    value_min: float | None = 0.0
    value_max: float | None = None
    # Earlier targets, oldest first, when the target was revised part-way through the campaign
    # (a revision applies from a date; periods ending before it keep the target they had):
    # ((valid_from or None for "from the start", rule), ...). ``rule`` is the target in force last.
    history: tuple[tuple[date | None, dict], ...] = ()

    @property
    def target_text(self) -> str:
        return rules.describe(self.rule, self.uom)

    @property
    def versions(self) -> tuple[tuple[date | None, dict], ...]:
        """Every target the indicator has had, with the date each applies from (None: the start)."""
        return self.history or ((None, self.rule),)


@dataclass(frozen=True)
class Unit:
    code: str
    gso_code: str | None
    name: str
    type: str
    parent: str | None
    valid_from: date | None
    valid_to: date | None
    source: str

    def valid_during(self, start: date, end: date) -> bool:
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to >= start)


@dataclass(frozen=True)
class Cluster:
    code: str
    campaign: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class UnitTarget:
    indicator: str
    unit: str
    value: float | None
    low: float | None
    high: float | None
    baseline: float | None
    note: str


@dataclass(frozen=True)
class Uom:
    name: str
    family: str
    factor: float
    aliases: tuple[str, ...]


@dataclass
class Catalog:
    directory: Path
    campaigns: dict[str, Campaign]
    indicators: dict[str, Indicator]
    units: dict[str, Unit]
    clusters: dict[str, Cluster]
    unit_targets: list[UnitTarget]
    uoms: dict[str, Uom]
    groups: dict[str, str]
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)   # a replace() starts afresh

    @cached_property
    def warnings(self) -> list[str]:
        """What is allowed but probably wrong (Vietnamese): shares of an additive target that
        do not add up to the campaign figure, or units left without a share."""
        return allocation_warnings(self)

    def memo(self, key: tuple, compute):
        """What ``compute()`` gives for this catalog, computed once (a catalog never changes
        once loaded; an edited catalog is loaded again)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # -------------------------------------------------------------- lookups
    @cached_property
    def uom_by_alias(self) -> dict[str, Uom]:
        table: dict[str, Uom] = {}
        for uom in self.uoms.values():
            for alias in (uom.name, *uom.aliases):
                table[fold(alias).replace(" ", "")] = uom
        return table

    def find_uom(self, text: str) -> Uom | None:
        return self.uom_by_alias.get(fold(text).replace(" ", ""))

    @cached_property
    def _children(self) -> dict[str, list[Unit]]:
        out: dict[str, list[Unit]] = {}
        for u in self.units.values():
            out.setdefault(u.parent, []).append(u)
        return out

    def children(self, unit_code: str) -> list[Unit]:
        return list(self._children.get(unit_code, ()))

    def descendants(self, unit_code: str) -> list[Unit]:
        out, stack = [], [unit_code]
        while stack:
            for child in self.children(stack.pop()):
                out.append(child)
                stack.append(child.code)
        return out

    def reporters(self, indicator: Indicator) -> list[str]:
        """Units expected to report ``indicator``: named units plus units of the named types
        under the campaign's scope unit that exist during the campaign window."""
        key = ("reporters", indicator.code)
        if key not in self._cache:
            self._cache[key] = self._reporters(indicator)
        return list(self._cache[key])

    def _reporters(self, indicator: Indicator) -> tuple[str, ...]:
        campaign = self.campaigns[indicator.campaign]
        codes = list(indicator.reporter_units)
        if indicator.reporter_types:
            for unit in self.descendants(campaign.scope_unit):
                if unit.type in indicator.reporter_types and unit.valid_during(*campaign.window):
                    codes.append(unit.code)
        return tuple(sorted(set(codes)))

    def consolidators(self, indicator: Indicator) -> list[str]:
        """Units that may report their own consolidated figure for ``indicator``: every unit
        above a reporter, up to and including the campaign's scope unit (a district for its
        communes, the city for its wards and departments, the province for everything)."""
        key = ("consolidators", indicator.code)
        if key not in self._cache:
            campaign = self.campaigns[indicator.campaign]
            reporters = set(self.reporters(indicator))
            above: set[str] = set()
            for code in reporters:
                for ancestor in self.ancestors(code):
                    if ancestor == campaign.scope_unit or campaign.scope_unit in self.ancestors(ancestor):
                        above.add(ancestor)
            self._cache[key] = tuple(sorted(above - reporters))
        return list(self._cache[key])

    def ancestors(self, unit_code: str) -> list[str]:
        """The units above ``unit_code``, nearest first."""
        out, seen = [], {unit_code}
        parent = self.units[unit_code].parent if unit_code in self.units else None
        while parent and parent in self.units and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.units[parent].parent
        return out

    def may_report(self, indicator: Indicator) -> list[str]:
        return sorted(set(self.reporters(indicator)) | set(self.consolidators(indicator)))

    def indicators_of(self, campaign: str) -> list[Indicator]:
        return sorted((i for i in self.indicators.values() if i.campaign == campaign),
                      key=lambda i: i.sort_order)

    def campaign_of_indicator(self, code: str) -> Campaign:
        return self.campaigns[self.indicators[code].campaign]


def catalog_dir(directory: str | os.PathLike | None = None) -> Path:
    if directory:
        return Path(directory)
    return Path(os.environ.get(ENV_CATALOG) or DEFAULT_DIR)


def _date(value, where: str, problems: list[str], required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            problems.append(f"{where}: thiếu ngày")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: ngày '{value}' không đúng dạng YYYY-MM-DD")
        return None


def _float(value, where: str, problems: list[str]) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: '{value}' không phải là số")
        return None


def _yaml(path: Path, problems: list[str]) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: không tìm thấy tệp")
        return {}
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: YAML sai cú pháp ({exc})")
        return {}
    return data or {}


@dataclass(frozen=True)
class ShareGap:
    """How an indicator's shares (giao chỉ tiêu) fall short of covering it."""
    missing: tuple[str, ...]        # reporting units without a share, in catalog order
    total: float                    # the shares added up
    figure: float | None            # the campaign figure they should add up to (additive indicators only)

    @property
    def off(self) -> float | None:
        """Shares minus figure, when they differ (None when they agree or nothing is additive)."""
        if self.figure is None or abs(self.total - self.figure) <= 1e-9 * max(1.0, abs(self.figure)):
            return None
        return self.total - self.figure


def campaign_figure(ind: "Indicator") -> float | None:
    """The one figure of the rule a unit's share replaces (the lower bound, or the ceiling)."""
    low, high = rules.goals(ind.rule)
    return low if low is not None else high


def share_gap(cat: "Catalog", ind: "Indicator", shares: dict[str, float]) -> ShareGap:
    """Units ``shares`` leaves out and, for an additive indicator, their sum against the campaign figure;
    the published catalog and an allocation workbook are checked the same way."""
    additive = ind.aggregate == "sum" and ind.rule["type"] != "all_of"
    return ShareGap(tuple(u for u in cat.reporters(ind) if u not in shares), sum(shares.values()),
                    campaign_figure(ind) if additive else None)


def allocation_warnings(cat: "Catalog") -> list[str]:
    """Additive targets (``aggregate: sum``): the shares allocated to units (giao chỉ tiêu)
    should add up to the campaign figure, and every reporting unit should have one; a unit
    without one is shown "chưa giao chỉ tiêu" and left out of its score."""
    out = []
    for ind in cat.indicators.values():
        if ind.aggregate != "sum" or ind.rule["type"] == "all_of":
            continue
        shares = {t.unit: (t.value if t.value is not None else t.low) for t in cat.unit_targets
                  if t.indicator == ind.code and (t.value is not None or t.low is not None)}
        where = f"{ind.code} ({ind.name})"
        if not shares:
            out.append(f"{where}: chưa giao chỉ tiêu cho đơn vị nào; {len(cat.reporters(ind))} đơn vị báo cáo sẽ hiện "
                       "'chưa giao chỉ tiêu' và không được tính điểm chỉ tiêu này.")
            continue
        gap = share_gap(cat, ind, shares)
        if gap.off is not None:
            out.append(f"{where}: các phần giao cho đơn vị cộng lại {_num(gap.total)}, khác chỉ tiêu chung "
                       f"{_num(gap.figure)}.")
        if gap.missing:
            out.append(f"{where}: {len(gap.missing)} đơn vị chưa được giao ({', '.join(gap.missing[:8])}"
                       f"{'…' if len(gap.missing) > 8 else ''}); các đơn vị này không được tính điểm chỉ tiêu này.")
    return out


def _num(value: float) -> str:
    from lakehouse.formatting import number_vi

    return number_vi(value, 2)


def load(directory: str | os.PathLike | None = None) -> Catalog:
    """Read and validate every catalog file; raise :class:`CatalogError` listing all problems."""
    root = catalog_dir(directory)
    problems: list[str] = []

    groups = {str(k): nfc(str(v)) for k, v in (_yaml(root / "groups.yaml", problems).get("groups") or {}).items()}
    uoms: dict[str, Uom] = {}
    for name, spec in (_yaml(root / "uoms.yaml", problems).get("uoms") or {}).items():
        name = nfc(str(name))
        uoms[name] = Uom(name, str(spec.get("family")), float(spec.get("factor", 1)),
                         tuple(nfc(a) for a in spec.get("aliases") or ()))

    units = _load_units(root / "units.csv", problems)
    campaigns = _load_campaigns(root / "campaigns.yaml", units, problems)
    indicators = _load_indicators(root / "indicators", campaigns, units, groups, uoms, problems)
    clusters = _load_clusters(root / "clusters.yaml", campaigns, units, problems)
    targets = _load_unit_targets(root / "unit_targets.csv", indicators, units, problems)
    if problems:
        raise CatalogError(problems)
    return Catalog(root, campaigns, indicators, units, clusters, targets, uoms, groups)


def _load_units(path: Path, problems: list[str]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    try:
        rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    except FileNotFoundError:
        problems.append(f"{path.name}: không tìm thấy tệp")
        return units
    for n, row in enumerate(rows, start=2):
        where = f"{path.name} dòng {n}"
        code = (row.get("code") or "").strip()
        if not code:
            problems.append(f"{where}: thiếu mã đơn vị")
            continue
        if code in units:
            problems.append(f"{where}: mã đơn vị '{code}' bị trùng")
            continue
        kind = (row.get("type") or "").strip()
        if kind not in UNIT_TYPES:
            problems.append(f"{where}: loại đơn vị '{kind}' không hợp lệ ({', '.join(UNIT_TYPES)})")
        units[code] = Unit(
            code=code, gso_code=(row.get("gso_code") or "").strip() or None, name=nfc(row.get("name", "").strip()),
            type=kind, parent=(row.get("parent_code") or "").strip() or None,
            valid_from=_date(row.get("valid_from"), where, problems, required=False),
            valid_to=_date(row.get("valid_to"), where, problems, required=False),
            source=(row.get("source") or "").strip())
    for unit in units.values():
        if unit.parent and unit.parent not in units:
            problems.append(f"{path.name}: đơn vị '{unit.code}' có đơn vị cấp trên '{unit.parent}' không có trong danh mục")
        if unit.valid_from and unit.valid_to and unit.valid_from > unit.valid_to:
            problems.append(f"{path.name}: đơn vị '{unit.code}' có ngày hết hiệu lực trước ngày bắt đầu")
    return units


def _load_campaigns(path: Path, units: dict[str, Unit], problems: list[str]) -> dict[str, Campaign]:
    campaigns: dict[str, Campaign] = {}
    for n, item in enumerate(_yaml(path, problems).get("campaigns") or []):
        code = str(item.get("code") or "")
        where = f"{path.name}: phong trào '{code or n + 1}'"
        if not code:
            problems.append(f"{where}: thiếu mã")
            continue
        if code in campaigns:
            problems.append(f"{where}: mã phong trào bị trùng")
            continue
        window = item.get("window") or {}
        start_stated = window.get("start") is not None
        # A start the directive does not state stays unstated; periods are counted from `counted_from`.
        start = _date(window.get("start") if start_stated else window.get("counted_from"),
                      f"{where} window.{'start' if start_stated else 'counted_from'}", problems)
        end = _date(window.get("end"), f"{where} window.end", problems)
        if start and end and start > end:
            problems.append(f"{where}: ngày kết thúc trước ngày bắt đầu")
        scope = str(item.get("scope_unit") or "")
        if scope not in units:
            problems.append(f"{where}: đơn vị phát động '{scope}' không có trong danh mục đơn vị")
        milestones = []
        for m in item.get("milestones") or []:
            period = str(m.get("period") or "")
            try:
                period = parse_period(period)
            except PeriodError as exc:
                problems.append(f"{where}: mốc '{m.get('name')}': {exc.reason}")
            milestones.append(Milestone(
                kind=str(m.get("kind")), name=nfc(str(m.get("name"))),
                start=_date(m.get("start"), f"{where} mốc {m.get('name')}", problems),
                end=_date(m.get("end"), f"{where} mốc {m.get('name')}", problems),
                period=period, stated=bool(m.get("stated", True))))
        campaigns[code] = Campaign(
            code=code, name=nfc(str(item.get("name") or "")), short_name=nfc(str(item.get("short_name") or code)),
            document=nfc(str(item.get("document") or "")), issuer=nfc(str(item.get("issuer") or "")),
            scope_unit=scope,
            issued_on=_date(item.get("issued_on"), f"{where} issued_on", problems,
                            required="issued_on" not in item or item["issued_on"] is not None),
            window=(start, end), theme=nfc(str(item.get("theme") or "")),
            report_due_days=int(item.get("report_due_days", 10)), milestones=tuple(milestones),
            start_stated=start_stated)
    return campaigns


def _load_indicators(folder: Path, campaigns, units, groups, uoms, problems) -> dict[str, Indicator]:
    indicators: dict[str, Indicator] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        problems.append(f"{folder.name}/: không có tệp chỉ tiêu nào")
    order = 0
    for path in files:
        data = _yaml(path, problems)
        campaign = str(data.get("campaign") or "")
        fname = f"indicators/{path.name}"
        if campaign not in campaigns:
            problems.append(f"{fname}: phong trào '{campaign}' không có trong campaigns.yaml")
            continue
        defaults = data.get("defaults") or {}
        for item in data.get("indicators") or []:
            order += 1
            code = str(item.get("code") or "")
            where = f"{fname}: chỉ tiêu '{code}'"
            if not code:
                problems.append(f"{fname}: một chỉ tiêu thiếu mã (thứ {order})")
                continue
            if code in indicators:
                problems.append(f"{where}: mã chỉ tiêu bị trùng")
                continue
            indicators[code] = _indicator(item, code, campaign, where, defaults, order, units, groups, uoms, problems)
    for ind in indicators.values():
        if ind.parent:
            parent = indicators.get(ind.parent)
            if parent is None:
                problems.append(f"chỉ tiêu '{ind.code}': chỉ tiêu cha '{ind.parent}' không có")
            elif parent.rule.get("type") != "all_of":
                problems.append(f"chỉ tiêu '{ind.code}': chỉ tiêu cha '{ind.parent}' phải có quy tắc all_of")
            elif parent.campaign != ind.campaign:
                problems.append(f"chỉ tiêu '{ind.code}': chỉ tiêu cha thuộc phong trào khác")
            elif parent.period_type != ind.period_type:
                problems.append(f"chỉ tiêu '{ind.code}': kỳ báo cáo khác chỉ tiêu cha '{ind.parent}'")
        if ind.rule.get("type") == "all_of" and not any(i.parent == ind.code for i in indicators.values()):
            problems.append(f"chỉ tiêu '{ind.code}': quy tắc all_of nhưng không có chỉ tiêu con")
    return indicators


def _indicator(item: dict, code: str, campaign: str, where: str, defaults: dict, order: int, units, groups,
               uoms, problems: list[str]) -> Indicator:
    """One indicator of an indicator file, checked; every problem found is added to ``problems``
    (the loader and the dashboard's review of a new campaign check indicators the same way)."""
    rule = item.get("rule") or {}
    try:
        rules.validate(rule)
    except rules.RuleError as exc:
        problems.append(f"{where}: {exc}")
    group = str(item.get("group") or "")
    if group not in groups:
        problems.append(f"{where}: nhóm '{group}' không có trong groups.yaml")
    uom = nfc(str(item.get("uom") or ""))
    if uom not in uoms:
        problems.append(f"{where}: đơn vị tính '{uom}' không có trong uoms.yaml")
    accumulation = item.get("accumulation")
    if accumulation not in ACCUMULATIONS:
        problems.append(f"{where}: accumulation phải là {' hoặc '.join(ACCUMULATIONS)}")
    ptype = item.get("period_type")
    if ptype not in PERIOD_TYPES:
        problems.append(f"{where}: period_type '{ptype}' không hợp lệ ({', '.join(PERIOD_TYPES)})")
    reporters = item.get("reporters") or {}
    r_units = tuple(str(u) for u in reporters.get("units") or ())
    r_types = tuple(str(t) for t in reporters.get("types") or ())
    for u in r_units:
        if u not in units:
            problems.append(f"{where}: đơn vị báo cáo '{u}' không có trong danh mục đơn vị")
    for t in r_types:
        if t not in UNIT_TYPES:
            problems.append(f"{where}: loại đơn vị báo cáo '{t}' không hợp lệ")
    if not r_units and not r_types:
        problems.append(f"{where}: chưa nêu đơn vị nào báo cáo (reporters)")
    owner = str(item.get("owner") or "")
    if owner and owner not in units:
        problems.append(f"{where}: đơn vị chủ trì '{owner}' không có trong danh mục đơn vị")
    weight = item.get("weight", defaults.get("weight", 1))
    if not isinstance(weight, (int, float)) or weight < 0:
        problems.append(f"{where}: trọng số phải là số không âm")
        weight = 0
    aggregate = str(item.get("aggregate") or "none")
    if aggregate not in AGGREGATES:
        problems.append(f"{where}: aggregate phải là {' hoặc '.join(AGGREGATES)}")
    history = _revisions(item, rule, where, problems)
    bounds = (0.0, 100.0) if uoms.get(uom) and uoms[uom].family == "percent" else (0.0, None)
    value_min = item["value_min"] if "value_min" in item else bounds[0]
    value_max = item["value_max"] if "value_max" in item else bounds[1]
    return Indicator(
        code=code, campaign=campaign, name=nfc(str(item.get("name") or "")),
        as_written=nfc(str(item.get("as_written") or item.get("name") or "")), group=group, uom=uom,
        rule=history[-1][1] if history else rule, history=history,
        accumulation=str(accumulation), period_type=str(ptype),
        reporter_units=r_units, reporter_types=r_types, owner=owner, weight=float(weight),
        aggregate=aggregate, parent=str(item["parent"]) if item.get("parent") else None,
        sort_order=order, value_min=value_min, value_max=value_max)


def _revisions(item: dict, rule: dict, where: str, problems: list[str]) -> tuple[tuple[date | None, dict], ...]:
    """``revisions: [{from: 2024-07-01, rule: {...}, note: ...}]``: targets revised part-way
    through, each from a date, in date order; the entry's ``rule`` is the original target."""
    revised = item.get("revisions") or []
    if not revised:
        return ()
    out: list[tuple[date | None, dict]] = [(None, rule)]
    for n, rev in enumerate(revised, start=1):
        if not isinstance(rev, dict):
            problems.append(f"{where}: điều chỉnh thứ {n} không đúng dạng (cần from, rule)")
            continue
        since = _date(rev.get("from"), f"{where}: điều chỉnh thứ {n} (from)", problems)
        try:
            rules.validate(rev.get("rule") or {})
        except rules.RuleError as exc:
            problems.append(f"{where}: điều chỉnh thứ {n}: {exc}")
            continue
        if since is not None and out[-1][0] is not None and since <= out[-1][0]:
            problems.append(f"{where}: điều chỉnh thứ {n} phải áp dụng từ sau ngày {out[-1][0]:%d/%m/%Y}")
        if since is not None:
            out.append((since, rev["rule"]))
    return tuple(out)


def check_indicators(items: list[dict], campaign: str, cat: "Catalog") -> list[list[str]]:
    """The catalog's own problems with each of ``items`` (the indicator entries of ``campaign`` as
    a reviewer edits them: a new campaign, or a published one whose entries they replace), one
    list per item, in Vietnamese."""
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        problems: list[str] = []
        code = str(item.get("code") or "")
        if not code:
            problems.append(f"dòng {n}: thiếu mã chỉ tiêu")
        elif code in seen or (code in cat.indicators and cat.indicators[code].campaign != campaign):
            problems.append(f"chỉ tiêu '{code}': mã chỉ tiêu bị trùng")
        seen.add(code)
        _indicator(item, code, campaign, f"chỉ tiêu '{code}'", {}, n, cat.units, cat.groups, cat.uoms, problems)
        out.append(problems)
    return out


def _load_clusters(path: Path, campaigns, units, problems) -> dict[str, Cluster]:
    clusters: dict[str, Cluster] = {}
    for item in _yaml(path, problems).get("clusters") or []:
        code = str(item.get("code") or "")
        where = f"{path.name}: cụm '{code}'"
        if not code or code in clusters:
            problems.append(f"{where}: mã cụm thiếu hoặc bị trùng")
            continue
        campaign = str(item.get("campaign") or "")
        if campaign not in campaigns:
            problems.append(f"{where}: phong trào '{campaign}' không có")
        members = tuple(str(m) for m in item.get("members") or ())
        for m in members:
            if m not in units:
                problems.append(f"{where}: thành viên '{m}' không có trong danh mục đơn vị")
        if len(set(members)) != len(members):
            problems.append(f"{where}: có thành viên bị lặp")
        clusters[code] = Cluster(code, campaign, nfc(str(item.get("name") or code)), members)
    return clusters


def _load_unit_targets(path: Path, indicators, units, problems) -> list[UnitTarget]:
    out: list[UnitTarget] = []
    if not path.exists():
        return out
    seen = set()
    rows = [r for r in csv.DictReader(path.open(encoding="utf-8-sig", newline=""))]
    for n, row in enumerate(rows, start=2):
        where = f"{path.name} dòng {n}"
        ind, unit = (row.get("indicator_code") or "").strip(), (row.get("unit_code") or "").strip()
        if ind not in indicators:
            problems.append(f"{where}: chỉ tiêu '{ind}' không có")
            continue
        if unit not in units:
            problems.append(f"{where}: đơn vị '{unit}' không có")
            continue
        if (ind, unit) in seen:
            problems.append(f"{where}: chỉ tiêu '{ind}' của đơn vị '{unit}' được giao hai lần")
            continue
        seen.add((ind, unit))
        t = UnitTarget(ind, unit, _float(row.get("value"), where, problems), _float(row.get("low"), where, problems),
                       _float(row.get("high"), where, problems), _float(row.get("baseline"), where, problems),
                       nfc((row.get("note") or "").strip()))
        if t.low is not None and t.high is not None and t.low > t.high:
            problems.append(f"{where}: low lớn hơn high")
        out.append(t)
    return out


__all__ = ["Catalog", "CatalogError", "Campaign", "Indicator", "Unit", "Cluster", "UnitTarget", "Uom",
           "load", "catalog_dir", "UNIT_TYPES", "WINDOW"]
