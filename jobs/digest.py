"""The weekly digest (bản tin tuần), one per person: ``python -m jobs digest [--send]``.

For leadership (one text, to every leadership account): per campaign running at the date, the
indicators whose year-end forecast misses the target (``lakehouse.gold.forecast``) and the units whose
reports are due and not complete. For each steward: the reports of their units that are due and
not complete, with the deadline and how late they are. Written as text files under
``--out/<date>/`` always; e-mailed too with ``--send`` when SMTP is configured (``THIDUA_SMTP_*``).
Sources: ``gold.attainment``, ``gold.completeness``, the reference tables and the accounts file.
"""
from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import polars as pl

from lakehouse.accounts import Account
from lakehouse.formatting import date_vi, number_vi
from lakehouse.gold import forecast
from lakehouse.periods import label_vi, sort_key
from lakehouse.store import Lake

# A campaign is in the digest from its start until this long after its end (the tổng kết).
AFTER_END = timedelta(days=60)
ENV_URL = "THIDUA_DASHBOARD_URL"


@dataclass
class Digest:
    name: str                       # the file's name, and who it is for
    subject: str
    body: str
    to: list[str] = field(default_factory=list)


@dataclass
class Smtp:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "thidua@localhost"
    starttls: bool = False

    @classmethod
    def from_env(cls) -> Smtp | None:
        """``THIDUA_SMTP_HOST`` (required), ``_PORT``, ``_USER``, ``_PASSWORD``, ``_FROM``, ``_STARTTLS``."""
        host = os.environ.get("THIDUA_SMTP_HOST")
        if not host:
            return None
        return cls(host, int(os.environ.get("THIDUA_SMTP_PORT", "25")), os.environ.get("THIDUA_SMTP_USER"),
                   os.environ.get("THIDUA_SMTP_PASSWORD"), os.environ.get("THIDUA_SMTP_FROM", "thidua@localhost"),
                   os.environ.get("THIDUA_SMTP_STARTTLS", "0") == "1")


def _running(lake: Lake, day: date) -> pl.DataFrame:
    campaigns = lake.read("reference.campaigns")
    return campaigns.filter((pl.col("window_start") <= day) & (pl.col("window_end") + AFTER_END >= day)).sort(
        "campaign_code")


def _overdue(lake: Lake, day: date, codes: list[str]) -> pl.DataFrame:
    """Reports due by ``day`` and not complete, with unit names, the most overdue first."""
    names = lake.read("reference.units").select("unit_code", unit_name="name")
    return (lake.read("gold.completeness").filter(pl.col("campaign_code").is_in(codes) & (pl.col("due_date") <= day)
                                                  & (pl.col("missing") > 0))
            .join(names, on="unit_code", how="left")
            .with_columns(days_late=(pl.lit(day) - pl.col("due_date")).dt.total_days())
            .sort("due_date", "unit_code"))


def _risks(lake: Lake, code: str, day: date) -> tuple[str | None, pl.DataFrame]:
    """The latest period of ``code`` ended by ``day`` and the forecast's at-risk rows from it."""
    att = lake.read("gold.attainment", where={"campaign_code": [code]})
    ended = att.filter(pl.col("period_end") <= day)["period"].unique().to_list()
    if not ended:
        return None, pl.DataFrame()
    period = max(ended, key=sort_key)
    made = forecast.year_end(att, period).filter(pl.col("outlook") == "at_risk")
    inds = lake.read("reference.indicators").filter(pl.col("campaign_code") == code).select("indicator_code", "name",
                                                                                            "uom")
    names = lake.read("reference.units").select("unit_code", unit_name="name")
    return period, made.join(inds, on="indicator_code", how="left").join(names, on="unit_code", how="left")


def _late_line(r: dict) -> str:
    late = f", quá hạn {r['days_late']} ngày" if r["days_late"] > 0 else ""
    return (f"  - {r['unit_name'] or r['unit_code']}: {label_vi(r['period'])}, còn thiếu {r['missing']}/{r['expected']} "
            f"chỉ tiêu, hạn nộp {date_vi(r['due_date'])}{late}")


def leadership(lake: Lake, day: date, url: str) -> Digest:
    lines = [f"Bản tin tuần về thi đua — ngày {date_vi(day)}", ""]
    running = _running(lake, day)
    if running.is_empty():
        lines.append("Không có phong trào nào đang diễn ra.")
    overdue = _overdue(lake, day, running["campaign_code"].to_list())
    for c in running.iter_rows(named=True):
        code = c["campaign_code"]
        lines += [f"{c['short_name']} ({c['document']})", ""]
        period, risks = _risks(lake, code, day)
        lines.append("1. Chỉ tiêu có nguy cơ không đạt (dự báo cuối năm"
                     + (f", từ số liệu {label_vi(period)}):" if period else "):"))
        if risks.is_empty():
            lines.append("  Không có chỉ tiêu nào có nguy cơ không đạt.")
        for r in risks.iter_rows(named=True):
            lines.append(f"  - {r['name']} — {r['unit_name'] or r['unit_code']}: lũy kế {number_vi(r['actual'])} "
                         f"{r['uom'] or ''}, dự báo cả năm {number_vi(r['low'])} – {number_vi(r['high'])}, "
                         f"chỉ tiêu năm {number_vi(r['target'])}")
        late = overdue.filter(pl.col("campaign_code") == code)
        lines.append(f"2. Báo cáo đã đến hạn mà chưa đủ ({late.height}):")
        if late.is_empty():
            lines.append("  Mọi đơn vị đã gửi đủ các báo cáo đến hạn.")
        lines += [_late_line(r) for r in late.iter_rows(named=True)]
        lines += [f"Xem chi tiết: {url}/?campaign={code}", ""]
    lines.append(forecast.METHOD_VI)
    return Digest("lanh-dao", f"Bản tin thi đua tuần {date_vi(day)}: chỉ tiêu có nguy cơ và báo cáo chậm",
                  "\n".join(lines) + "\n")


def steward(lake: Lake, account: Account, day: date, url: str) -> Digest | None:
    """The steward's units' reports due and not complete; None when nothing is missing."""
    overdue = _overdue(lake, day, _running(lake, day)["campaign_code"].to_list()).filter(
        pl.col("unit_code").is_in(account.units))
    if overdue.is_empty():
        return None
    lines = [f"Chào {account.display_name},", "",
             f"Đến ngày {date_vi(day)}, các báo cáo sau của đơn vị anh/chị phụ trách đã đến hạn mà chưa đủ:", ""]
    lines += [_late_line(r) for r in overdue.iter_rows(named=True)]
    lines += ["", f"Tải biểu mẫu và gửi báo cáo tại trang Tải lên: {url}/tai-len", ""]
    return Digest(account.username, f"Báo cáo thi đua còn thiếu ({overdue.height}) — {date_vi(day)}",
                  "\n".join(lines), [account.address] if account.address else [])


def build(lake: Lake, people: dict[str, Account], day: date, url: str | None = None) -> list[Digest]:
    url = (url or os.environ.get(ENV_URL) or "http://localhost:8501").rstrip("/")
    lead = leadership(lake, day, url)
    lead.to = sorted(a.address for a in people.values() if a.role == "leadership" and a.address)
    made = [lead]
    for account in sorted(people.values(), key=lambda a: a.username):
        if account.role == "steward" and (d := steward(lake, account, day, url)) is not None:
            made.append(d)
    return made


def write(digests: list[Digest], folder: Path, day: date) -> list[Path]:
    target = folder / day.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in digests:
        path = target / f"{d.name}.txt"
        path.write_text(f"Tiêu đề: {d.subject}\n\n{d.body}", encoding="utf-8")
        paths.append(path)
    return paths


def send(digests: list[Digest], smtp: Smtp) -> int:
    """E-mail every digest that has an address; the number of messages sent."""
    sent = 0
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        for d in digests:
            if not d.to:
                continue
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = smtp.sender, ", ".join(d.to), d.subject
            message.set_content(d.body, charset="utf-8")
            server.send_message(message)
            sent += 1
    return sent
