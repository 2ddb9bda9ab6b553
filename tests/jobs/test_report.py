"""``python -m jobs report``: the sơ kết document leadership signs, tested as a person would —
opened in python-docx (layout of Nghị định 30/2020), converted to PDF by LibreOffice, its
pages rendered to PNG and its text extracted; the Excel annex; as of a date; restyled from an
office's own template."""
import shutil
import subprocess

import polars as pl
import pytest
from docx import Document
from docx.shared import Mm, Pt
from openpyxl import load_workbook

from jobs.__main__ import main
from lakehouse.store import Lake

OFFICE = shutil.which("soffice")


@pytest.fixture(scope="module")
def report(demo_lake_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "bao-cao.docx"
    assert main(["report", "TPLS2024", "--period", "2024-H1", "--lake", str(demo_lake_dir / "lake"),
                 "-o", str(out)] + (["--pdf"] if OFFICE else [])) == 0
    return out


def test_the_document_follows_the_decree_and_names_every_indicator(report, demo_lake_dir):
    doc = Document(str(report))
    section = doc.sections[0]
    # Word keeps sizes in twentieths of a point: equal to within a tenth of a millimetre.
    for got, want in ((section.page_width, 210), (section.page_height, 297), (section.top_margin, 20),
                      (section.bottom_margin, 20), (section.left_margin, 30), (section.right_margin, 15)):
        assert abs(got - Mm(want)) < Mm(0.1)
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size == Pt(14)
    head = [c.text for c in doc.tables[0].rows[0].cells]
    assert head[0].splitlines() == ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ LẠNG SƠN", "Số:        /BC-UBND"]
    assert head[1].splitlines()[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert head[1].splitlines()[2].startswith("Lạng Sơn, ngày")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO\nSơ kết 6 tháng phong trào thi đua thực hiện thắng lợi" in text
    for heading in ("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", "II. CÁC ĐƠN VỊ DẪN ĐẦU CÁC CỤM THI ĐUA",
                    "III. CHỈ TIÊU CHƯA ĐẠT HOẶC CÓ NGUY CƠ KHÔNG ĐẠT", "IV. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ",
                    "V. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"):
        assert heading in text
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    names = Lake(demo_lake_dir / "lake").read("reference.indicators").filter(
        (pl.col("campaign_code") == "TPLS2024") & pl.col("parent_code").is_null())["name"].to_list()
    assert [n for n in names if n not in cells] == []          # every indicator, by name
    assert {"Kinh tế", "Văn hóa - xã hội", "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\n\n"} - cells == set()
    assert len(doc.inline_shapes) == 2                          # the two charts
    annex = load_workbook(report.with_name("bao-cao-phu-luc.xlsx")).active
    assert annex["A4"].value == "Đơn vị" and annex.max_row > 30


@pytest.mark.skipif(OFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_libreoffice_opens_it_and_its_pages_look_right(report):
    pdf = report.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 4 <= pages <= 12
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "BÁO CÁO" in words and "Tốc độ tăng trưởng" in words and "CHỦ TỊCH" in words
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", str(pages), str(pdf), str(report.parent / "trang")],
                   check=True)
    shots = sorted(report.parent.glob("trang-*.png"))
    assert len(shots) == pages and all(p.stat().st_size > 5000 for p in shots)


def test_as_of_a_date_and_the_office_template(demo_lake_dir, tmp_path, capsys):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    lake = str(demo_lake_dir / "lake")
    out = tmp_path / "hom-nay.docx"
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()      # the day in Hà Nội, where the lake's days are
    assert main(["report", "TPLS2024", "--period", "2024-H1", "--lake", lake, "-o", str(out),
                 "--as-of", today.isoformat()]) == 0
    assert any("Số liệu như tại ngày" in p.text for p in Document(str(out)).paragraphs)
    # A template of the office's own: its Normal style is kept.
    template = tmp_path / "mau.docx"
    doc = Document()
    doc.styles["Normal"].font.name = "Arial"
    doc.save(str(template))
    styled = tmp_path / "theo-mau.docx"
    assert main(["report", "TPLS2024", "--period", "2024-H1", "--lake", lake, "-o", str(styled),
                 "--template", str(template)]) == 0
    assert Document(str(styled)).styles["Normal"].font.name == "Arial"
    # Before the lake held anything: said so.
    assert main(["report", "TPLS2024", "--period", "2024-H1", "--lake", lake, "-o", str(out),
                 "--as-of", (today - timedelta(days=2)).isoformat()]) == 2
    assert "kho chưa có phong trào" in capsys.readouterr().err
    # Wrong input is said in words.
    assert main(["report", "TPLS2024", "--period", "2031-H1", "--lake", lake, "-o", str(out)]) == 2
    assert main(["report", "TPLS2024", "--period", "2024-H1", "--lake", lake, "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "chưa có số liệu kỳ 2031-H1" in err and "đuôi .docx" in err
