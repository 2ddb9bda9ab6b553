"""The directive reader on both seed directives (``catalog/sources/``): recall against the
catalog's indicators (same rule type and figures), printed; no figure that the text does not
write; and the ways of writing targets, one by one."""
from collections import Counter
from pathlib import Path

import pytest
import yaml

from lakehouse.reference import directive

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ("LS2021", "TPLS2024")
# Targets without a figure are not the reader's to find (done, all-of parents, a named group).
UNQUANTIFIED = ("done", "all_of", "group_at_least")


def _recall(code: str) -> tuple[int, int, list[str], list[directive.Proposal]]:
    proposals = directive.propose((ROOT / "catalog" / "sources" / f"{code}.txt").read_text(encoding="utf-8"))
    catalog = yaml.safe_load((ROOT / "catalog" / "indicators" / f"{code}.yaml").read_text(encoding="utf-8"))
    wanted = [i for i in catalog["indicators"] if i["rule"]["type"] not in UNQUANTIFIED]
    found = Counter((p.rule["type"], frozenset(directive.figures(p.rule))) for p in proposals)
    missed = []
    for i in wanted:
        key = (i["rule"]["type"], frozenset(directive.figures(i["rule"])))
        if found[key]:
            found[key] -= 1
        else:
            missed.append(i["code"])
    return len(wanted) - len(missed), len(wanted), missed, proposals


@pytest.mark.parametrize("code", SEEDS)
def test_recall_on_the_seed_directives_and_no_invented_figure(code, capsys):
    hit, total, missed, proposals = _recall(code)
    with capsys.disabled():
        print(f"\n{code}: recall {hit}/{total} = {hit / total:.0%}, {len(proposals)} proposals "
              f"({len(proposals) - hit} beyond the catalog), missed: {missed or 'none'}")
    assert hit / total >= 0.95
    assert [(p.as_written, p.rule) for p in proposals if directive.invented(p)] == []


@pytest.mark.parametrize("text, rule", [
    ("Tỷ lệ lao động qua đào tạo đạt từ 10% trở lên", {"type": "at_least", "value": 10}),
    ("Thu nhập bình quân trên 50 triệu đồng", {"type": "at_least", "value": 50, "strict": True}),
    ("Thu ngân sách đạt 3.500 tỷ đồng", {"type": "at_least", "value": 3500}),
    ("Thành lập mới 380 doanh nghiệp", {"type": "add", "value": 380}),
    ("Tỷ lệ hộ nghèo giảm ít nhất 4%", {"type": "change_pp", "points": 4, "direction": "decrease"}),
    ("Tỷ lệ thất nghiệp giảm còn dưới 10,8%", {"type": "at_most", "value": 10.8}),
    ("Kim ngạch xuất khẩu tăng 7,7%", {"type": "increase_pct", "pct": 7.7}),
    ("Giải quyết việc làm từ 2.300 đến 2.500 người", {"type": "range", "low": 2300, "high": 2500}),
    ("Tốc độ tăng trưởng GRDP đạt 7 - 7,5%", {"type": "range", "low": 7, "high": 7.5}),
    ("Có thêm 08 xã đạt chuẩn nông thôn mới", {"type": "add", "value": 8}),
    ("Duy trì 8/8 xã đạt Bộ tiêu chí quốc gia về y tế", {"type": "maintain", "value": 8}),
    ("Có 11,1 bác sỹ trên 1 vạn dân", {"type": "per_population", "value": 11.1, "per": 10000}),
    ("Vượt chỉ tiêu dịch vụ công trực tuyến từ 5% trở lên", {"type": "at_least", "value": 105}),
    ("Giảm phạm pháp hình sự 5%", {"type": "reduce_pct", "pct": 5}),
])
def test_the_ways_directives_write_targets(text, rule):
    assert [p.rule for p in directive.propose(text)] == [rule]


def test_lists_and_runs_and_what_is_not_a_target():
    text = ("(1) Tỷ lệ che phủ rừng đạt 65%;\n- Thu nội địa đạt 425.000 triệu đồng; xây dựng 02 thôn kiểu mẫu; "
            "04 khu dân cư kiểu mẫu.\nCăn cứ Nghị quyết số 17/NQ-CP ngày 05/01/2021, nhiệm kỳ 2021 - 2026.")
    rules = [(p.rule, p.uom) for p in directive.propose(text)]
    assert rules == [({"type": "at_least", "value": 65}, "%"), ({"type": "at_least", "value": 425}, "tỷ đồng"),
                     ({"type": "add", "value": 2}, "thôn kiểu"), ({"type": "add", "value": 4}, "khu dân")]


def test_files_the_reader_takes_and_refuses(tmp_path):
    import io

    from docx import Document

    doc = Document()
    doc.add_paragraph("Tỷ lệ bao phủ bảo hiểm y tế đạt 98%.")
    buf = io.BytesIO()
    doc.save(buf)
    assert "98%" in directive.load_text("ke-hoach.docx", buf.getvalue())
    # Windows-1258 writes tones as combining marks: decoded, then recomposed (NFC).
    legacy = "Thu \u0111a\u0323t 5 ty\u0309 \u0111\u00f4\u0300ng".encode("cp1258")
    assert directive.load_text("a.txt", legacy) == "Thu đạt 5 tỷ đồng"
    scanned = _blank_pdf()
    with pytest.raises(directive.DirectiveError, match="không có lớp chữ"):
        directive.load_text("ban-scan.pdf", scanned)
    with pytest.raises(directive.DirectiveError, match=r"\.txt, \.docx hoặc \.pdf"):
        directive.load_text("anh.png", b"\x89PNG")
    with pytest.raises(directive.DirectiveError, match="hỏng"):
        directive.load_text("hong.docx", b"PK not a docx")


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)    # a page with no text layer, as a scan has
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_command_writes_a_proposal_in_the_catalogs_format(tmp_path, capsys):
    from jobs.__main__ import main

    out = tmp_path / "de-xuat.yaml"
    assert main(["directive", "read", str(ROOT / "catalog" / "sources" / "TPLS2024.txt"), "--campaign", "TPLS2025",
                 "-o", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["campaign"] == "TPLS2025" and data["indicators"][0]["code"] == "TPLS2025-01"
    assert {"name", "as_written", "group", "uom", "rule", "accumulation", "period_type"} <= set(data["indicators"][0])
    assert "# ký tự" in out.read_text(encoding="utf-8")      # where each one was read
    assert main(["directive", "read", str(tmp_path / "khong-co.txt"), "--campaign", "X", "-o", str(out)]) == 2
    assert "không tìm thấy tệp" in capsys.readouterr().err


def test_the_campaign_as_the_directive_states_it_and_what_it_does_not():
    def fields(code):
        text = (ROOT / "catalog" / "sources" / f"{code}.txt").read_text(encoding="utf-8")
        return {f.label: f.shown for f in directive.campaign_fields(text)}

    ls, tp = fields("LS2021"), fields("TPLS2024")
    assert ls["Loại văn bản"] == "Chỉ thị" and ls["Tên phong trào"].startswith("Phát động đợt thi đua đặc biệt")
    assert ls["Ngày ban hành"] == ls["Số, ký hiệu"] == directive.NOT_STATED     # this copy carries neither
    assert ls["Người ký"] == "Hồ Tiến Thiệu (chủ tịch)"
    assert ls["Thời gian thi đua"] == "Từ ngày phát động thi đua đến hết ngày 30/10/2021."
    assert ls["Sơ kết"] == "trong tháng 6/2021 (01/06/2021 – 30/06/2021)"
    assert ls["Tổng kết"] == "trong tháng 11/2021 (01/11/2021 – 30/11/2021)"
    assert tp["Số, ký hiệu"] == "/PD-UBND" and tp["Ngày ban hành"] == "05/01/2024" and tp["Nơi ban hành"] == "TP. Lạng Sơn"
    assert tp["Cơ quan phát động"] == "Thành ủy, HĐND, UBND, Ủy ban MTTQ Việt Nam thành phố Lạng Sơn"
    assert tp["Người ký"] == "Nguyễn Văn Hạnh (chủ tịch)"
    assert tp["Sơ kết"] == tp["Tổng kết"] == directive.NOT_STATED               # the catalog's are by custom
    assert tp["Chủ đề"].startswith("Tăng cường kỷ luật, kỷ cương hành chính")
