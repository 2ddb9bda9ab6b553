"""Demo data: realistic unit reports for both seed campaigns, received over time.

``python -m jobs demo`` writes report files (mostly ``.xlsx``, some ``.csv`` in UTF-8 with BOM
and in Windows-1258) into ``--out``, receives them into bronze with the dates units would
have sent them (most on time, some late, some never), including corrected re-submissions
and a few files with mistakes, then rebuilds silver and gold. Deterministic: the same seed
gives the same lake.
"""
from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from openpyxl import Workbook

from lakehouse.bronze import cells as bronze_cells
from lakehouse.bronze import files as bronze_files
from lakehouse.periods import due_date, elapsed_share, expected_periods
from lakehouse.reference.catalog import Catalog, Indicator
from lakehouse.store import Lake
from lakehouse.text import encode_windows_1258

HEADER = ["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Đơn vị tính", "Kế hoạch", "Kỳ gốc", "Ghi chú"]
VN_TZ = timezone(timedelta(hours=7))


@dataclass
class DemoFile:
    name: str
    data: bytes
    received_at: datetime
    unit: str
    period: str


def vn_number(x: float) -> str:
    """7.5 → '7,5'; 5835 → '5.835'; 1234.5 → '1.234,5'."""
    whole, _, frac = f"{x:.2f}".rstrip("0").rstrip(".").partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    grouped = ".".join(reversed([digits[::-1][i:i + 3][::-1] for i in range(0, len(digits), 3)]))
    return sign + grouped + ("," + frac if frac else "")


class _Values:
    """Plausible values around each unit's target, stable per unit × indicator."""

    def __init__(self, cat: Catalog, rng: random.Random):
        self.cat, self.rng = cat, rng
        self.form: dict[tuple[str, str], float] = {}
        self.baselines: dict[tuple[str, str], float] = {}
        self.targets = {(t.indicator, t.unit): t for t in cat.unit_targets}

    def _form(self, ind: Indicator, unit: str) -> float:
        key = (ind.code, unit)
        if key not in self.form:
            self.form[key] = self.rng.gauss(1.0, 0.12)
        return self.form[key]

    def share(self, ind: Indicator, unit: str) -> float | None:
        t = self.targets.get((ind.code, unit))
        if t and t.value is not None:
            return t.value
        n = len(self.cat.reporters(ind))
        value = ind.rule.get("value")
        return None if value is None else value / max(n, 1) if ind.aggregate == "sum" else value

    def row(self, ind: Indicator, unit: str, period: str) -> dict:
        rule, kind = ind.rule, ind.rule["type"]
        c = self.cat.campaigns[ind.campaign]
        share = elapsed_share(period, c.window) if ind.accumulation == "cumulative" else 1.0
        form = self._form(ind, unit)
        out: dict = {"baseline": None}
        if kind in ("at_least", "add", "maintain", "per_population"):
            target = self.share(ind, unit) or 0
            if kind == "add":
                value = round(max(0, target * share * form + self.rng.choice([0, 0, 1, -1])))
            elif kind == "maintain":
                value = target if self.rng.random() < 0.85 else target - (1 if target > 10 else 0.5)
            elif ind.uom == "%":
                value = min(100.0, round(target * (1 + 0.05 * (form - 0.95)), 1))
            else:
                value = round(target * share * form, 1)
        elif kind == "range":
            lo, hi = rule["low"], rule["high"]
            value = round((lo + hi) / 2 * share * (form + 0.05 * self.rng.random()), 1)
        elif kind in ("reduce_pct", "increase_pct"):
            key = (ind.code, unit)
            base_year = self.baselines.setdefault(key, self.rng.uniform(20, 90) if ind.uom in ("vụ", "người")
                                                  else self.rng.uniform(30000, 60000))
            base = round(base_year * share)
            factor = (2 - form) if kind == "reduce_pct" else form
            value = round(base * (factor * 0.97 if kind == "reduce_pct" else factor * 1.03))
            out["baseline"] = base
        elif kind == "change_pp":
            key = (ind.code, unit)
            base = self.baselines.setdefault(key, round(self.rng.uniform(6, 24), 2) if rule["points"] >= 1
                                             else round(self.rng.uniform(0.4, 1.6), 2))
            value = round(max(0.0, base - rule["points"] * form * 1.05), 2)
            out["baseline"] = base
        elif kind == "rank_up":
            t = self.targets.get((ind.code, unit))
            base = t.baseline if t and t.baseline else 50
            value = base - self.rng.choice([0, 1, 2, 3])
        elif kind == "group_at_least":
            out["text"] = self.rng.choice(["Trung bình", "Khá", "Khá", "Tốt"])
            return out
        elif kind == "done":
            out["text"] = "Có" if self.rng.random() < 0.85 else "Không"
            return out
        else:
            raise ValueError(kind)
        out["value"] = float(value)
        return out


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(rows: list[list], encoding: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(["" if v is None else (vn_number(v) if isinstance(v, float) else v) for v in r])
    text = buf.getvalue()
    if encoding == "cp1258":
        return encode_windows_1258(text)
    return text.encode(encoding)


def generate(cat: Catalog, seed: int = 2024) -> list[DemoFile]:
    rng = random.Random(seed)
    values = _Values(cat, rng)
    files: list[DemoFile] = []
    for campaign in cat.campaigns.values():
        inds = [i for i in cat.indicators_of(campaign.code) if i.rule["type"] != "all_of"]
        work: dict[tuple[str, str], list[Indicator]] = {}
        for ind in inds:
            for period in expected_periods(ind.period_type, campaign.window, date.max):
                for unit in cat.reporters(ind):
                    work.setdefault((unit, period), []).append(ind)
        for n, ((unit, period), unit_inds) in enumerate(sorted(work.items())):
            roll = rng.random()
            if roll < 0.08:
                continue  # never reported: shows as missing
            due = due_date(period, campaign.window, campaign.report_due_days)
            late = roll > 0.85
            day = due + timedelta(days=rng.randint(3, 25)) if late else due - timedelta(days=rng.randint(0, 8))
            received = datetime.combine(day, time(rng.randint(7, 16), rng.randint(0, 59)), VN_TZ).astimezone(timezone.utc)
            rows = []
            for ind in unit_inds:
                v = values.row(ind, unit, period)
                value = v.get("text", v.get("value"))
                rows.append([unit, ind.code, period, value, ind.uom, None, v["baseline"], None])
            fmt = "xlsx" if n % 5 else ("csv-bom" if n % 10 else "csv-1258")
            safe_unit = unit.replace("-", "_")
            stem = f"{campaign.code}_{safe_unit}_{period}"
            if fmt == "xlsx":
                files.append(DemoFile(f"{stem}.xlsx", _xlsx(rows), received, unit, period))
            else:
                files.append(DemoFile(f"{stem}.csv", _csv(rows, "utf-8-sig" if fmt == "csv-bom" else "cp1258"),
                                      received, unit, period))
    files.extend(_corrections_and_mistakes(cat, files, rng))
    return files


def _corrections_and_mistakes(cat: Catalog, files: list[DemoFile], rng: random.Random) -> list[DemoFile]:
    """A corrected re-submission, money in triệu đồng, and files with the mistakes stewards see."""
    extra: list[DemoFile] = []
    later = lambda f, days: f.received_at + timedelta(days=days)  # noqa: E731
    by_name = {f.name: f for f in files}
    base = by_name.get("TPLS2024_178_PTCKH_2024-Q2.xlsx") or next(f for f in files if f.name.startswith("TPLS2024"))
    extra.append(DemoFile("TPLS2024_178_PTCKH_2024-Q2_dieu-chinh.xlsx", _xlsx([
        ["178-PTCKH", "TP24-05", "2024-Q2", 221500.0, "triệu đồng", None, None, "Điều chỉnh số liệu thu nội địa"],
        ["178-PTCKH", "TP24-01", "2024-Q2", "10,4", "%", None, None, "Báo cáo bổ sung"],
    ]), later(base, 6), "178-PTCKH", "2024-Q2"))
    extra.append(DemoFile("TPLS2024_05980_2024-H1_loi.xlsx", _xlsx([
        ["05980", "TP24-16", "2024-H1", 104.5, "%", None, None, "Nhập nhầm"],
        ["5980", "TP24-11", "2024-H1", "khoảng 100", "%", None, None, None],
        ["05999", "TP24-12", "2024", 96.0, "%", None, None, "Mã đơn vị sai"],
        ["05980", "TP24-99", "2024", 1.0, None, None, None, "Mã chỉ tiêu sai"],
        ["05980", "TP24-08", "2023-Q4", 1.0, "khu dân cư", None, None, "Kỳ ngoài thời gian thi đua"],
        ["05980", "TP24-08", "2024-H1", 1.0, "ha", None, None, "Sai đơn vị tính"],
    ]), later(by_name.get("TPLS2024_05980_2024-H1.xlsx", base), 2), "05980", "2024-H1"))
    extra.append(DemoFile("LS2021_183_2021-Q2_trung-lap.xlsx", _xlsx([
        ["183", "LS21-21", "2021-Q2", 31.0, "vụ", None, 35.0, None],
        ["183", "LS21-21", "2021-Q2", 29.0, "vụ", None, 35.0, "Trùng dòng, khác số"],
        ["183", "LS21-20a", "2021-Q2", "-", "vụ", None, None, "Chưa có số liệu"],
    ]), datetime(2021, 7, 8, 3, tzinfo=timezone.utc), "183", "2021-Q2"))
    return extra


def write_files(files: list[DemoFile], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for f in files:
        (out / f.name).write_bytes(f.data)


def receive_all(lake: Lake, files: list[DemoFile], progress: bool = False) -> int:
    """Put every demo file into bronze (bytes, manifest, cells) as if received on its date."""
    from tqdm import tqdm

    import polars as pl

    new, frames = 0, []
    for f in tqdm(sorted(files, key=lambda f: f.received_at), disable=not progress, desc="Nhận tệp mẫu", unit="tệp"):
        got = bronze_files.receive(lake, f.data, f.name, "demo", "demo", f.received_at)
        if got.is_duplicate:
            continue
        new += 1
        try:
            cells, _ = bronze_cells.read_cells(f.data, got.original_name, got.extension)
        except bronze_cells.FileRejected:
            continue  # refresh quarantines it from the kept bytes
        frames.append(bronze_cells.to_table(cells, got.file_id))
    if frames:
        lake.append("bronze.cells", pl.concat(frames))
    return new


def demo_accounts(path=None) -> list[str]:
    """One local account per role, created only where missing (a changed password is kept)."""
    from lakehouse import accounts

    existing = accounts.load(path)
    lines = ["Tài khoản đăng nhập bảng điều khiển:"]
    for username, role, password, name, units in accounts.DEMO_ACCOUNTS:
        if username not in existing:
            accounts.upsert(username, role, password, units, name, path)
            lines.append(f"  {username} / {password}  ({accounts.ROLES[role]})")
        else:
            lines.append(f"  {username}  ({accounts.ROLES[role]}, đã có, giữ nguyên mật khẩu)")
    return lines
