"""The review report (báo cáo sơ kết / tổng kết) as a Word document, with its Excel annex.

Layout of Nghị định 30/2020/NĐ-CP: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right;
Times New Roman 14 (tables 12); the issuing body top left with the number and symbol left
blank ("Số:      /BC-UBND"), the national motto top right, place and date, the title
"BÁO CÁO" and its subject ("Sơ kết 6 tháng …" / "Tổng kết …"), the body, then "Nơi nhận" and the
signature block. Figures come from ``lakehouse.review``; charts are Plotly figures exported as PNG
(Kaleido, with the Chromium the project installs). Offices restyle it from their own ``.docx``
(``template``): its styles (Normal, headings, the table style) are used as they are.

Grain of the annex (bảng tổng hợp): one row per unit × indicator of the period.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from lakehouse import review
from lakehouse.formatting import date_vi, number_vi, safe_cell
from lakehouse.gold import forecast
from lakehouse.periods import label_vi
from lakehouse.rules import STATUS_VI
from lakehouse.store import Lake

FONT = "Times New Roman"
_PLACE = re.compile(r"^(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s+", re.IGNORECASE)


@dataclass
class Review:
    """Everything the document says, read from the lake once."""
    campaign: dict
    period: str
    title: str
    body_name: str          # "Thành phố Lạng Sơn"
    results: pl.DataFrame
    leaders: pl.DataFrame
    shortfalls: pl.DataFrame
    timeliness: pl.DataFrame
    scores: pl.DataFrame
    annex: pl.DataFrame
    as_of: date | None = None


def gather(lake: Lake, campaign: str, period: str, versions: dict[str, int | None] | None = None,
           as_of: date | None = None) -> Review:
    """The review's figures; ``versions`` reads each table as it stood then (``lakehouse.submissions.versions_at``)."""
    def read(name: str, **where) -> pl.DataFrame:
        if versions is not None and versions.get(name) is None:
            return lake.read(name).clear()
        return lake.read(name, where={k: [v] for k, v in where.items()} or None,
                         version=None if versions is None else versions[name])

    campaigns = read("reference.campaigns").filter(pl.col("campaign_code") == campaign)
    if campaigns.is_empty():
        when = f"vào ngày {date_vi(as_of)} " if as_of else ""
        raise ValueError(f"{when}kho chưa có phong trào '{campaign}'")
    info = campaigns.row(0, named=True)
    att = read("gold.attainment", campaign_code=campaign)
    if att.filter(pl.col("period") == period).is_empty():
        raise ValueError(f"phong trào {campaign} chưa có số liệu kỳ {period} ({label_vi(period)})")
    units = read("reference.units").select("unit_code", unit_name="name")
    indicators = read("reference.indicators").filter(pl.col("campaign_code") == campaign)
    clusters = read("reference.cluster_members").select("cluster_code", "cluster_name").unique()
    scores = (read("gold.unit_scores", campaign_code=campaign, period=period)
              .join(clusters, on="cluster_code", how="left").join(units, on="unit_code", how="left"))
    milestone = read("reference.milestones").filter((pl.col("campaign_code") == campaign)
                                                    & (pl.col("period") == period))
    kind = milestone["name"][0] if milestone.height else ("Tổng kết" if len(period) == 4 else "Sơ kết")
    title = f"{kind} {label_vi(period).lower() if kind in ('Sơ kết', 'Tổng kết') else ''}".strip()
    title = f"{title} {info['name'][0].lower()}{info['name'][1:]}"
    names = indicators.select("indicator_code", "name", "uom", "sort_order")
    short = (review.shortfalls(att, period).join(names, on="indicator_code", how="left")
             .join(units, on="unit_code", how="left").sort("sort_order", "unit_name"))
    timely = review.timeliness(read("gold.completeness", campaign_code=campaign), period).join(
        units, on="unit_code", how="left")
    annex = (review.same_end(att, period).filter(pl.col("parent_code").is_null())
             .join(names, on="indicator_code", how="left").join(units, on="unit_code", how="left")
             .join(indicators.select("indicator_code", "target_text"), on="indicator_code", how="left")
             .sort("unit_code", "sort_order"))
    body = read("reference.units").filter(pl.col("unit_code") == info["scope_unit"])["name"]
    return Review(info, period, title, body[0] if body.len() else info["issuer"],
                  review.indicator_results(att, indicators, period), review.leaders(scores), short, timely, scores,
                  annex, as_of)


# ----------------------------------------------------------------------------- document helpers
def _font(run, size: float | None = None, bold: bool | None = None, italic: bool | None = None) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic


def _para(container, text: str = "", size: float = 14, bold=False, italic=False, align=None, indent=True,
          space_after: float = 6):
    p = container.add_paragraph()
    if text:
        _font(p.add_run(text), size, bold, italic)
    p.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = p.paragraph_format
    fmt.space_after, fmt.space_before = Pt(space_after), Pt(0)
    if indent and align is None:
        fmt.first_line_indent = Mm(10)
    return p


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    table._tbl.tblPr.append(borders)


def _repeat_header(row) -> None:
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _cell(cell, text: str, size: float = 12, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.alignment = align
    _font(p.add_run(text), size, bold, italic)


def _grid(doc, header: list[str], rows: list[list[str]], widths_mm: list[float], groups: dict[int, str] | None = None):
    """A bordered table with a header row repeated on every page; ``groups`` puts a bold,
    merged row before the row of that index (the field of the indicators below)."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles["Table Grid"] if "Table Grid" in [s.name for s in doc.styles] else None
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header):
        _cell(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    for n, values in enumerate(rows):
        if groups and n in groups:
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            _cell(merged, groups[n], bold=True)
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values)):
            _cell(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT if i in (1,) or len(header) <= 3 else
                  WD_ALIGN_PARAGRAPH.CENTER)
    _widths(table, widths_mm)
    return table


def _widths(table, widths_mm: list[float]) -> None:
    """Fixed column widths (Word reads the cells', LibreOffice the grid's: both are set)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def _image(doc, fig: go.Figure, width_mm: float = 160) -> None:
    png = fig.to_image(format="png", width=1100, height=int(fig.layout.height or 500), scale=2)
    doc.add_picture(io.BytesIO(png), width=Mm(width_mm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


# ----------------------------------------------------------------------------- charts
_COLORS = {"Vượt": "#0072B2", "Đạt": "#009E73", "Chưa đạt": "#D55E00", "Chưa có số liệu": "#BBBBBB",
           "Chưa đến kỳ": "#E6E6E6", "Nhiều đơn vị": "#CC79A7"}


def _verdict_kind(text: str) -> str:
    if text in _COLORS:
        return text
    return "Chưa đến kỳ" if text == "Chưa đến kỳ" else "Nhiều đơn vị" if "đơn vị đạt" in text else (
        "Chưa có số liệu")


def status_by_field(results: pl.DataFrame) -> go.Figure:
    """How many indicators of each field are exceeded, met, not met… (stacked bars)."""
    kinds = results.with_columns(kind=pl.col("verdict").map_elements(_verdict_kind, return_dtype=pl.String))
    groups = kinds["group_name"].unique(maintain_order=True).to_list()
    fig = go.Figure()
    for kind, color in _COLORS.items():
        counts = [kinds.filter((pl.col("group_name") == g) & (pl.col("kind") == kind)).height for g in groups]
        if any(counts):
            fig.add_trace(go.Bar(y=groups, x=counts, name=kind, orientation="h", marker_color=color,
                                 text=[c or "" for c in counts], textposition="inside"))
    fig.update_layout(barmode="stack", height=160 + 80 * len(groups), font=dict(family=FONT, size=26),
                      margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.15),
                      plot_bgcolor="white", separators=",.", xaxis_title="Số chỉ tiêu")
    fig.update_yaxes(autorange="reversed")
    return fig


def cluster_ranking(scores: pl.DataFrame) -> go.Figure:
    """Every unit's score, by cluster, best first."""
    rows = scores.filter(pl.col("score").is_not_null()).sort("cluster_name", "rank")
    labels = [f"{c} — {r}. {u}" for c, r, u in zip(rows["cluster_name"], rows["rank"], rows["unit_name"])]
    fig = go.Figure(go.Bar(x=rows["score"].to_list(), y=labels, orientation="h", marker_color="#0072B2",
                           text=[number_vi(s, 1) for s in rows["score"]], textposition="outside", cliponaxis=False))
    fig.update_layout(height=140 + 44 * max(rows.height, 1), font=dict(family=FONT, size=24), plot_bgcolor="white",
                      margin=dict(l=10, r=40, t=20, b=10), separators=",.", xaxis=dict(title="Điểm (0–120)",
                                                                                       range=[0, 130]))
    fig.update_yaxes(autorange="reversed")
    return fig


# ----------------------------------------------------------------------------- the document
def _place(body_name: str) -> str:
    return _PLACE.sub("", body_name).strip()


def _value(r: dict) -> str:
    if r["actual_text"]:
        return r["actual_text"]
    if r["actual"] is not None:
        return number_vi(r["actual"])
    return f"{r['units_met']}/{r['units']} đơn vị đạt" if r["units"] and r["status"] is None else "—"


def document(rv: Review, template: Path | None = None) -> bytes:
    doc = Document(str(template)) if template else Document()
    if not template:
        normal = doc.styles["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(14)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        for section in doc.sections:
            section.page_width, section.page_height = Mm(210), Mm(297)
            section.top_margin, section.bottom_margin = Mm(20), Mm(20)
            section.left_margin, section.right_margin = Mm(30), Mm(15)
    info = rv.campaign
    # Heading block: issuing body | national motto, then place and date.
    head = doc.add_table(rows=1, cols=2)
    _no_borders(head)
    left, right = head.rows[0].cells
    _widths(head, [62, 103])
    _cell(left, "ỦY BAN NHÂN DÂN", 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _font(left.add_paragraph().add_run(rv.body_name.upper()), 13, bold=True)
    left.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(left.add_paragraph().add_run("Số:        /BC-UBND"), 13)
    left.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _cell(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _font(right.add_paragraph().add_run("Độc lập - Tự do - Hạnh phúc"), 14, bold=True)
    right.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(right.add_paragraph().add_run(f"{_place(rv.body_name)}, ngày      tháng      năm {date.today().year}"), 14,
          italic=True)
    right.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "", space_after=6)
    _para(doc, "BÁO CÁO", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, rv.title, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    if rv.as_of:
        _para(doc, f"(Số liệu như tại ngày {date_vi(rv.as_of)})", 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"Thực hiện {info['document']} về {info['name'][0].lower()}{info['name'][1:]}, Ủy ban nhân dân "
               f"{rv.body_name[0].lower()}{rv.body_name[1:]} báo cáo kết quả {label_vi(rv.period).lower()} như sau:")

    # I. Results of every indicator, grouped by field.
    r = rv.results
    counts = {k: r.filter(pl.col("verdict") == v).height for k, v in STATUS_VI.items()}
    _para(doc, "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", 14, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    _para(doc, f"Phong trào có {r.height} chỉ tiêu. Trong {label_vi(rv.period).lower()}: {counts['exceeded']} chỉ tiêu "
               f"vượt, {counts['met']} chỉ tiêu đạt, {counts['not_met']} chỉ tiêu chưa đạt, "
               f"{r.filter(pl.col('verdict').str.contains('đơn vị đạt')).height} chỉ tiêu do nhiều đơn vị thực hiện "
               f"(ghi số đơn vị đạt), {r.filter(pl.col('verdict').str.starts_with('Chưa đến kỳ')).height} chỉ tiêu "
               "chưa đến kỳ báo cáo; chi tiết tại bảng dưới đây và Phụ lục kèm theo.")
    rows, groups, last = [], {}, None
    for n, x in enumerate(r.iter_rows(named=True)):
        if x["group_name"] != last:
            groups[len(rows)], last = x["group_name"], x["group_name"]
        pct = "—" if x["attainment"] is None or x["status"] is None else number_vi(x["attainment"] * 100, 1) + "%"
        rows.append([str(n + 1), x["name"], x["uom"] or "", x["plan"] or "", _value(x), pct, x["verdict"]])
    _grid(doc, ["STT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "Tỷ lệ", "Đánh giá"], rows,
          [12, 53, 17, 26, 22, 15, 20], groups)
    _para(doc, "Biểu đồ 1. Kết quả các chỉ tiêu theo lĩnh vực", 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _image(doc, status_by_field(r))

    # II. Leading units, proposed for commendation; the cluster rankings.
    _para(doc, "II. CÁC ĐƠN VỊ DẪN ĐẦU CÁC CỤM THI ĐUA", 14, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    if rv.leaders.is_empty():
        _para(doc, "Chưa có điểm thi đua của kỳ này.")
    else:
        _para(doc, "Đề nghị xem xét khen thưởng các đơn vị dẫn đầu từng cụm thi đua:")
        _grid(doc, ["Cụm thi đua", "Hạng", "Đơn vị", "Điểm"],
              [[x["cluster_name"], str(x["rank"]), x["unit_name"] or x["unit_code"], number_vi(x["score"], 2)]
               for x in rv.leaders.iter_rows(named=True)], [60, 15, 70, 20])
        _para(doc, "Biểu đồ 2. Xếp hạng các đơn vị theo cụm thi đua", 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _image(doc, cluster_ranking(rv.scores))

    # III. Targets not met or at risk, and who is responsible.
    _para(doc, "III. CHỈ TIÊU CHƯA ĐẠT HOẶC CÓ NGUY CƠ KHÔNG ĐẠT", 14, bold=True, indent=False,
          align=WD_ALIGN_PARAGRAPH.LEFT)
    if rv.shortfalls.is_empty():
        _para(doc, "Không có chỉ tiêu nào chưa đạt hoặc có nguy cơ không đạt.")
    else:
        _para(doc, f"{forecast.METHOD_VI}")
        _grid(doc, ["Chỉ tiêu", "Đơn vị thực hiện", "Tình trạng"],
              [[x["name"], x["unit_name"] or x["unit_code"], x["why"]] for x in rv.shortfalls.iter_rows(named=True)],
              [68, 50, 47])

    # IV. Reporting timeliness.
    t = rv.timeliness
    _para(doc, "IV. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ", 14, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    if t.is_empty():
        _para(doc, "Kỳ này chưa có báo cáo nào đến hạn.")
    else:
        _para(doc, f"{t.height} đơn vị phải báo cáo {int(t['expected'].sum())} chỉ tiêu; "
                   f"{int(t['on_time'].sum())} chỉ tiêu báo cáo đúng hạn, {int(t['late'].sum())} muộn, "
                   f"{int(t['missing'].sum())} chưa báo cáo.")
        _grid(doc, ["Đơn vị", "Phải báo cáo", "Đúng hạn", "Muộn", "Còn thiếu"],
              [[x["unit_name"] or x["unit_code"], str(x["expected"]), str(x["on_time"]), str(x["late"]),
                str(x["missing"])] for x in t.iter_rows(named=True)], [75, 25, 22, 20, 23])

    # V. Directions: written by the office.
    _para(doc, "V. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", 14, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    _para(doc, "(Cơ quan thường trực thi đua, khen thưởng bổ sung nội dung phần này.)", italic=True)
    for _ in range(3):
        _para(doc, "…………………………………………………………………………………………………………")
    _para(doc, f"Trên đây là báo cáo {label_vi(rv.period).lower()} {info['short_name']}./.")

    # Recipients and signature.
    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    left, right = sign.rows[0].cells
    _widths(sign, [80, 85])
    _cell(left, "Nơi nhận:", 12, bold=True, italic=True)
    for line in ("- Như trên;", "- Lãnh đạo UBND;", "- Các cơ quan, đơn vị;", "- Lưu: VT."):
        _font(left.add_paragraph().add_run(line), 11)
    _cell(right, "TM. ỦY BAN NHÂN DÂN", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _font(right.add_paragraph().add_run("CHỦ TỊCH"), 14, bold=True)
    right.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(3):
        right.add_paragraph()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def annex(rv: Review) -> bytes:
    """Phụ lục — bảng tổng hợp: one row per unit × indicator of the period (Excel)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng tổng hợp"
    ws.append([f"PHỤ LỤC: BẢNG TỔNG HỢP KẾT QUẢ {label_vi(rv.period).upper()}"])
    ws.append([rv.campaign["name"]])
    ws.append([])
    header = ["Đơn vị", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Chỉ tiêu giao", "Thực hiện",
              "Tỷ lệ hoàn thành", "Đánh giá", "Ghi chú"]
    ws.append(header)
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for x in rv.annex.iter_rows(named=True):
        ws.append([safe_cell(v) for v in (
            x["unit_name"] or x["unit_code"], x["indicator_code"], x["name"], x["uom"], x["target_text"], x["target_low"],
            x["actual"] if x["actual_text"] is None else x["actual_text"], x["attainment"],
            STATUS_VI.get(x["status"], x["status"]), x["remark"])])
        ws.cell(ws.max_row, 8).number_format = "0.0%"
    ws["A1"].font = Font(bold=True, size=13)
    for column, width in zip("ABCDEFGHIJ", (32, 12, 50, 14, 22, 14, 14, 12, 16, 30)):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A5"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(docx: Path) -> Path:
    """The document converted by LibreOffice (``soffice``), beside it; raises when it is not installed."""
    import shutil
    import subprocess

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise FileNotFoundError("LibreOffice (soffice) chưa được cài; không chuyển được sang PDF")
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
                   check=True, capture_output=True, timeout=300)
    return docx.with_suffix(".pdf")
