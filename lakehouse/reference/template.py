"""Ready-to-fill Excel templates (biểu mẫu) in the canonical layout.

``python -m jobs template CAMPAIGN [--unit U] [--period P] -o FILE.xlsx``: one row per
unit × indicator × period prefilled, dropdowns for codes and periods, number validation on
the value cells, the target beside each row, and instructions in Vietnamese.
"""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lakehouse import rules
from lakehouse.formatting import safe_cell
from lakehouse.periods import PERIOD_TYPE_VI, expected_periods, parse_period
from lakehouse.reference.catalog import Catalog

HEADERS = ["Mã đơn vị", "Tên đơn vị", "Mã chỉ tiêu", "Tên chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Đơn vị tính",
           "Mục tiêu", "Kế hoạch", "Kỳ gốc", "Ghi chú"]
WIDTHS = [12, 30, 11, 60, 12, 14, 14, 26, 12, 12, 30]
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


class TemplateError(ValueError):
    pass


def template_rows(cat: Catalog, campaign: str, unit: str | None = None, period: str | None = None) -> list[dict]:
    if campaign not in cat.campaigns:
        raise TemplateError(f"không có phong trào '{campaign}' (có: {', '.join(cat.campaigns)})")
    c = cat.campaigns[campaign]
    if unit is not None and unit not in cat.units:
        raise TemplateError(f"không có đơn vị '{unit}' trong danh mục")
    wanted_period = parse_period(period) if period else None
    rows = []
    for ind in cat.indicators_of(campaign):
        if ind.rule["type"] == "all_of":
            continue
        units = [u for u in cat.reporters(ind) if unit is None or u == unit]
        if not units:
            continue
        due = expected_periods(ind.period_type, c.window, date.max)
        # Only what is due in the chosen period: an annual indicator has no half-year row.
        periods = ([wanted_period] if wanted_period in due else []) if wanted_period else due
        for p in periods:
            for u in units:
                rows.append({"unit": u, "unit_name": cat.units[u].name, "indicator": ind, "period": p})
    if not rows:
        raise TemplateError("không có chỉ tiêu nào cho đơn vị / kỳ đã chọn")
    return rows


def build_workbook(cat: Catalog, campaign: str, unit: str | None = None, period: str | None = None) -> bytes:
    rows = template_rows(cat, campaign, unit, period)
    c = cat.campaigns[campaign]
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r in rows:
        ind = r["indicator"]
        ws.append([safe_cell(r["unit"]), safe_cell(r["unit_name"]), ind.code, safe_cell(ind.name), r["period"], None,
                   ind.uom, ind.target_text, None, None, None])
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    last = len(rows) + 1

    # Reference lists on their own sheet, for the dropdowns.
    lists = wb.create_sheet("Danh mục")
    lists.append(["Mã đơn vị", "Tên đơn vị", "", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Mục tiêu",
                  "Kỳ báo cáo", "Cách tính", "", "Kỳ"])
    units = sorted({r["unit"] for r in rows})
    inds = sorted({r["indicator"].code: r["indicator"] for r in rows}.values(), key=lambda i: i.sort_order)
    periods = sorted({r["period"] for r in rows})
    for n in range(max(len(units), len(inds), len(periods))):
        line = [None] * 11
        if n < len(units):
            line[0], line[1] = safe_cell(units[n]), safe_cell(cat.units[units[n]].name)
        if n < len(inds):
            i = inds[n]
            line[3:9] = [i.code, safe_cell(i.name), i.uom, i.target_text, PERIOD_TYPE_VI[i.period_type],
                         rules.RULE_NAMES_VI[i.rule["type"]]]
        if n < len(periods):
            line[10] = periods[n]
        lists.append(line)
    for cell in lists[1]:
        cell.font = Font(bold=True)

    def add_list(sqref: str, formula: str, prompt: str) -> None:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle="Giá trị không hợp lệ", error="Hãy chọn trong danh sách.",
                            promptTitle="Chọn", prompt=prompt, showInputMessage=True)
        dv.add(sqref)
        ws.add_data_validation(dv)

    add_list(f"A2:A{last}", f"'Danh mục'!$A$2:$A${len(units) + 1}", "Mã đơn vị trong danh mục")
    add_list(f"C2:C{last}", f"'Danh mục'!$D$2:$D${len(inds) + 1}", "Mã chỉ tiêu trong danh mục")
    add_list(f"E2:E{last}", f"'Danh mục'!$K$2:$K${len(periods) + 1}", "Kỳ báo cáo, ví dụ 2024-Q2")

    numeric = DataValidation(type="decimal", operator="between", formula1="-1000000000000000",
                             formula2="1000000000000000", allow_blank=True, showErrorMessage=True,
                             errorTitle="Không phải số", error="Ô này chỉ nhận số (ví dụ 5835 hoặc 7,5).")
    yes_no = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Giá trị không hợp lệ", error="Chọn Có hoặc Không.")
    groups: dict[tuple, DataValidation] = {}
    for n, r in enumerate(rows, start=2):
        kind = r["indicator"].rule["type"]
        if kind == "done":
            yes_no.add(f"F{n}")
        elif kind == "group_at_least":
            scale = tuple(r["indicator"].rule["scale"])
            if scale not in groups:
                groups[scale] = DataValidation(type="list", formula1='"' + ",".join(scale) + '"', allow_blank=True,
                                               showErrorMessage=True, error="Chọn một nhóm trong danh sách.")
            groups[scale].add(f"F{n}")
        else:
            numeric.add(f"F{n}")
            for col in ("I", "J"):
                numeric.add(f"{col}{n}")
        for col in ("F", "I", "J", "K"):
            ws[f"{col}{n}"].fill = INPUT_FILL
        ws[f"F{n}"].number_format = "#,##0.###"
    for dv in (numeric, yes_no, *groups.values()):
        if dv.sqref:
            ws.add_data_validation(dv)

    guide = wb.create_sheet("Hướng dẫn", 0)
    lines = [
        f"BIỂU MẪU BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU — {c.short_name}",
        c.name,
        f"Thời gian thi đua: {c.window[0]:%d/%m/%Y} – {c.window[1]:%d/%m/%Y}. Hạn báo cáo: {c.report_due_days} ngày sau khi hết kỳ.",
        "",
        "Cách điền:",
        "1. Điền số liệu vào cột 'Giá trị' (ô tô vàng) ở trang 'Báo cáo'; không đổi tên cột, không xoá dòng tiêu đề.",
        "2. Số viết kiểu Việt Nam: dấu chấm ngăn cách hàng nghìn, dấu phẩy thập phân (5.835 là năm nghìn tám trăm ba mươi lăm; 7,5 là bảy phẩy năm).",
        "3. Ghi số theo đúng 'Đơn vị tính' của dòng; nếu dùng đơn vị khác cùng loại (triệu đồng thay cho tỷ đồng) thì sửa cột 'Đơn vị tính' cho khớp.",
        "4. Chỉ tiêu cộng dồn (thu ngân sách, khách du lịch, số vụ...): ghi số lũy kế từ đầu năm đến hết kỳ báo cáo.",
        "5. Chỉ tiêu 'giảm/tăng so với kỳ gốc': ghi số của kỳ này vào 'Giá trị' và số cùng kỳ năm trước vào 'Kỳ gốc'.",
        "6. 'Kế hoạch': chỉ tiêu được giao riêng cho đơn vị (nếu có); để trống thì dùng chỉ tiêu chung ở cột 'Mục tiêu'.",
        "7. Chỉ tiêu hoàn thành/chưa hoàn thành: chọn Có hoặc Không. Chỉ tiêu xếp nhóm: chọn tên nhóm.",
        "8. Chưa có số liệu thì để trống hoặc ghi '-' (không ghi 0).",
        "9. Kỳ báo cáo: 2024 (cả năm), 2024-H1 (6 tháng đầu năm), 2024-Q2 (quý II), 2024-06 (tháng 6), DOT (cả đợt thi đua).",
        "",
        "Gửi lại tệp qua trang Tải lên. Hệ thống báo từng ô sai (trang, dòng, cột) để sửa và gửi lại; các lần gửi trước vẫn được lưu.",
    ]
    for line in lines:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 140
    wb.active = 1
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
