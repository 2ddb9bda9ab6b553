"""The upload page's work, apart from drawing: preview (dry run) and send, with the steward's
permissions enforced here on the server (``allowed_units``), and templates for their units."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from dashboard import present
from lakehouse.accounts import Account
from lakehouse.periods import expected_periods, label_vi, sort_key
from lakehouse.reference.catalog import load
from lakehouse.store import Lake


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(folder: str, published: tuple):
    return load(folder)


def catalog():
    """The catalog as the lake has published it: loaded again whenever a refresh or an admin's
    publication publishes a new version (the reference tables' Delta versions), never kept past one."""
    from lakehouse.reference.catalog import catalog_dir
    from lakehouse.reference.tables import TABLES

    lake = Lake()
    return _catalog(str(catalog_dir()), tuple(lake.version(name) for name in TABLES))


@dataclass
class Preview:
    name: str
    data: bytes
    headline: str
    notes: list[str]
    accepted_table: pl.DataFrame | None
    problems_table: pl.DataFrame | None
    can_send: bool


def preview(name: str, payload: bytes, account: Account) -> Preview:
    from lakehouse.pipeline.ingest import understand  # Great Expectations loads here, on the upload page only
    from lakehouse.submissions import is_finished

    report, _, _, _ = understand(payload, name, catalog(), account.allowed_units())
    known = Lake().read("bronze.manifest", where={"file_id": [report.file_id]})
    if not known.is_empty() and is_finished(Lake(), report.file_id):
        when = known.row(0, named=True)["received_at"]
        return Preview(name, payload, f"tệp này đã được nhận lúc {when:%d/%m/%Y %H:%M} (UTC); không cần gửi lại.",
                       [], None, None, False)
    layout = {"canonical": "bảng một dòng cho mỗi đơn vị × chỉ tiêu × kỳ", "form": "biểu mẫu"}.get(
        report.layout or "", "—")
    notes = [f"Định dạng: {report.format or '—'}, cách trình bày: {layout}", *report.notes]
    accepted = None
    if report.accepted.height:
        names = {u: x.name for u, x in catalog().units.items()}
        inds = {c: i.name for c, i in catalog().indicators.items()}
        accepted = present.show(report.accepted.sort("sheet", "row"), **{
            "Trang": pl.col("sheet"), "Dòng": pl.col("row"),
            "Đơn vị": pl.col("unit_code").replace_strict(names, default=pl.col("unit_code")),
            "Chỉ tiêu": pl.col("indicator_code").replace_strict(inds, default=pl.col("indicator_code")),
            "Kỳ": pl.col("period").map_elements(label_vi, return_dtype=pl.String), "Ghi trong tệp": pl.col("reported_text"),
            "Giá trị nhận": pl.coalesce(pl.col("value_text"), present.num("value", 3))})
    problems = None
    if report.rejects.height:
        problems = present.show(report.rejects, **{
            "Trang": pl.col("sheet"), "Dòng": pl.col("row"), "Cột": pl.col("column"), "Ô": pl.col("cell"),
            "Giá trị": pl.col("value"), "Lỗi": pl.col("reason")})
    if report.message:
        headline = report.message
    else:
        headline = f"{report.accepted.height} giá trị hợp lệ, {report.rejects.height} lỗi"
        if report.empty_rows:
            headline += f", {report.empty_rows} dòng trống số liệu"
    if not report.accepted.height:
        headline += " Gửi tệp này thì tệp được lưu lại cùng lý do, không có giá trị nào được nhận."
    # Every file a unit sends is kept and answered, also one with nothing to take.
    return Preview(name, payload, headline, notes, accepted, problems, can_send=True)


def send(p: Preview, account: Account):
    from lakehouse.pipeline.gold import GoldCheckFailed
    from lakehouse.pipeline.ingest import FileReport, ingest_bytes
    from lakehouse.pipeline.publish import CatalogNotPublished
    from lakehouse.store import LakeBusyError

    try:
        return ingest_bytes(Lake(), catalog(), p.data, p.name, received_by=account.username, channel="upload",
                            allowed_units=account.allowed_units())
    except GoldCheckFailed as exc:
        return FileReport(p.name, "", "rejected", message=(
            f"'{p.name}': số liệu đã được nhận vào kho nhưng bảng tổng hợp chưa cập nhật vì {exc}. "
            "Quản trị viên xem trang Chất lượng dữ liệu; lần làm mới hằng đêm sẽ thử lại."))
    except CatalogNotPublished as exc:
        return FileReport(p.name, "", "rejected", message=f"'{p.name}': chưa tính số liệu vì {exc}")
    except LakeBusyError:
        return FileReport(p.name, "", "rejected", message=(
            f"'{p.name}': kho dữ liệu đang bận (đang làm mới số liệu); tệp đã được lưu lại và sẽ được xử lý "
            "ở lần làm mới tới, hoặc bấm gửi lại sau ít phút."))
    except Exception as exc:   # never a trace on screen: a storage fault or a fault of ours, in words
        from lakehouse import faults

        message = faults.storage_fault(exc, Lake().location)
        if message is not None:
            return FileReport(p.name, "", "rejected", message=f"'{p.name}': chưa nhận được vì {message}")
        code, _ = faults.record_internal(f"sending '{p.name}' from the upload page", exc)
        return FileReport(p.name, "", "error", message=faults.internal_message(p.name, code))


def template_units(campaign: str, account: Account) -> list[str]:
    cat = catalog()
    units = sorted({u for i in cat.indicators_of(campaign) for u in cat.reporters(i)})
    allowed = account.allowed_units()
    return units if allowed is None else [u for u in units if u in allowed]


def template_periods(campaign: str) -> list[str]:
    cat = catalog()
    c = cat.campaigns[campaign]
    kinds = {i.period_type for i in cat.indicators_of(campaign)}
    found = {p for k in kinds for p in expected_periods(k, c.window, date.max)}
    return sorted(found, key=sort_key)


def template(campaign: str, unit: str, period: str) -> bytes | None:
    from lakehouse.reference.template import TemplateError, build_workbook

    try:
        return build_workbook(catalog(), campaign, unit, period)
    except TemplateError:
        return None
