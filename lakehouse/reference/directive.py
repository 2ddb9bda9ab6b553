"""Reading a directive (chỉ thị, kế hoạch, phát động): the quantified targets it sets, proposed
as indicators in the catalog's indicator-file format, each tied to the span of text it came from.

A rule-based reader that explains itself: the text is cut into clauses (lines, list items
"- …" and "(1) …", semicolon runs, sentences), and each clause with a figure is matched against
the ways Vietnamese directives write targets, most specific first: per population ("11,1 bác sỹ
trên 1 vạn dân"), ranges ("7 - 7,5%", "từ 2.300 đến 2.500 người"), rank steps ("tăng từ 1 - 2
bậc"), reductions of a rate in points ("giảm tỷ lệ hộ nghèo 3%") or of a count in percent ("giảm
phạm pháp hình sự 5%"), upper bounds ("giảm còn dưới 10,8%", "không quá"), increases ("tăng
2,5%", "vượt … từ 5%" = 105%), maintaining ("duy trì 8/8", "duy trì … 100%"), additions ("thêm 08
xã", "xây dựng 10 tuyến phố"), and floors ("đạt 98%", "từ 95% trở lên", "trên 90%", "đạt 3.500 tỷ
đồng"). A figure in a proposed rule is always one written in the clause (or 100 + a stated "vượt"
percentage); nothing is invented. What a clause does not say (period type, who reports) is a
guess marked as such, for the reviewer.
"""
from __future__ import annotations

from datetime import date
import re
import unicodedata
from dataclasses import dataclass, field

from lakehouse.numbers import parse_number

NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
UNIT = r"%|[a-zà-ỹđ]+(?:\s+[a-zà-ỹđ]+)?"
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass
class Proposal:
    """One proposed indicator: the rule and figures, and the clause and span they come from."""
    name: str
    as_written: str
    rule: dict
    uom: str
    start: int
    end: int
    accumulation: str = "level"
    period_type: str = "year"
    why: str = ""
    notes: list[str] = field(default_factory=list)


def _num(text: str) -> float:
    value = parse_number(text, notation="vi")
    return int(value) if float(value).is_integer() else float(value)


def clauses(text: str) -> list[tuple[int, int, str]]:
    """(start, end, clause): lines, then list items, semicolon runs and sentences within them."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        for piece in re.finditer(r"[^;]+", line.group()):
            for sentence in re.finditer(r"(?:[^.]|\.(?=\d)|\.(?!\s+[A-ZĐÀ-Ỹ]))+", piece.group()):
                s = sentence.group()
                stripped = s.strip(" \t-–•*+")
                if re.search(r"\d", stripped) and len(stripped) > 6:
                    start = base + piece.start() + sentence.start() + s.index(stripped[0])
                    out.append((start, start + len(stripped), stripped))
    return out


def _uom(raw: str | None) -> str:
    if not raw:
        return ""
    raw = raw.strip()
    if raw == "%":
        return "%"
    words = raw.split()
    keep = []
    for w in words:
        if w in ("trở", "lên", "trên", "so", "với", "tổng", "năm", "và", "của", "đạt", "trong", "đó", "các", "được"):
            break
        keep.append(w)
    return " ".join(keep[:2])


# Each pattern: (name, regex, builder(match, clause) -> (rule, uom) | None). Most specific first;
# rates per population are read before these, by ``_special`` (one rule per figure of a list).
def _range(m, clause):
    low, high = m.group("a"), m.group("b")
    if _YEAR.match(low) or _YEAR.match(high) or "/" in clause[m.end():m.end() + 1]:
        return None
    unit = _uom(m.group("u"))
    if re.search(r"bậc", unit):
        return {"type": "rank_up", "low": _num(low), "high": _num(high)}, "bậc"
    return {"type": "range", "low": _num(low), "high": _num(high)}, unit


def _decrease(m, clause):
    value = _num(m.group("v"))
    rate = re.search(r"t[ỷỉ]\s*lệ", clause, re.IGNORECASE)
    if m.group("u") == "%" and rate:
        return {"type": "change_pp", "points": value, "direction": "decrease"}, "%"
    if m.group("u") == "%":
        return {"type": "reduce_pct", "pct": value}, ""
    return None


def _at_most(m, _):
    return {"type": "at_most", "value": _num(m.group("v"))}, _uom(m.group("u"))


def _beyond(m, _):
    return {"type": "at_least", "value": 100 + _num(m.group("v"))}, "%"


def _increase(m, clause):
    if re.search(r"t[ỷỉ]\s*lệ", clause, re.IGNORECASE):
        return {"type": "change_pp", "points": _num(m.group("v")), "direction": "increase"}, "%"
    return {"type": "increase_pct", "pct": _num(m.group("v"))}, ""


def _maintain(m, _):
    whole = m.group("of")
    value = _num(m.group("v"))
    return {"type": "maintain", "value": value}, _uom(m.group("u")) if not whole else _uom(m.group("u2"))


def _add(m, _):
    return {"type": "add", "value": _num(m.group("v"))}, _uom(m.group("u"))


_NOT_A_TARGET_BEFORE = re.compile(r"(?:ngày|tháng|năm|số|khóa|khoá|lần\s+thứ|điều|khoản|mục|giai\s+đoạn|"
                                  r"nhiệm\s+kỳ|mức\s+độ|/)\s*$", re.IGNORECASE)
_TIME_WORDS = {"năm", "tháng", "ngày", "giờ", "tuần", "quý", "lần", "bậc"}


def _at_least(m, clause):
    """A floor needs a unit of measure (not a span of time) and no sign of being a date, a
    document's number or a list's numbering."""
    value, unit = m.group("v"), _uom(m.group("u"))
    if not unit or unit.split()[0].lower() in _TIME_WORDS or _YEAR.match(value) and unit != "%":
        return None
    if _NOT_A_TARGET_BEFORE.search(clause[:m.start()]) or clause[m.end():m.end() + 1] == "/":
        return None
    rule = {"type": "at_least", "value": _num(value)}
    if m.group("strict"):
        rule["strict"] = True
    return rule, unit


PATTERNS = [
    ("range", re.compile(rf"(?:từ\s+)?(?P<a>{NUM})\s*(?:%\s*)?(?:-|–|đến)\s*(?P<b>{NUM})\s*(?P<u>{UNIT})?",
                         re.IGNORECASE), _range),
    ("at_most", re.compile(rf"(?:còn\s+dưới|dưới|không\s+quá|tối\s+đa|không\s+vượt\s+quá)\s+(?P<v>{NUM})\s*(?P<u>{UNIT})?",
                           re.IGNORECASE), _at_most),
    ("beyond", re.compile(rf"vượt\b[^;]*?\btừ\s+(?P<v>{NUM})\s*%", re.IGNORECASE), _beyond),
    ("decrease", re.compile(rf"giảm\b(?:\s+(?!còn)[^;%]{{0,60}}?)?\s*(?:từ\s+|ít\s+nhất\s+)?(?P<v>{NUM})\s*(?P<u>%)",
                            re.IGNORECASE), _decrease),
    ("increase", re.compile(rf"\btăng\b(?:\s+[^\d;]{{0,40}}?)?\s*(?P<v>{NUM})\s*%", re.IGNORECASE), _increase),
    ("maintain", re.compile(rf"duy\s+trì\b[^\d;]{{0,60}}?(?P<v>{NUM})\s*(?:(?P<of>/\s*{NUM})\s*(?P<u2>{UNIT})|"
                            rf"\s*(?P<u>{UNIT})?)", re.IGNORECASE), _maintain),
    ("add", re.compile(rf"(?:có\s+thêm|thêm|xây\s+dựng|thành\s+lập\s+mới|phát\s+triển\s+thêm)\s+(?P<v>{NUM})\s+"
                       rf"(?P<u>{UNIT})", re.IGNORECASE), _add),
    ("at_least", re.compile(rf"(?P<strict>\btrên\s+)?(?P<v>{NUM})\s*(?P<u>{UNIT})?", re.IGNORECASE), _at_least),
]


def _name(clause: str, at: int) -> str:
    """The indicator's name: the clause's words before its figure, without the verbs of striving."""
    head = re.split(r"[,:]\s+", clause[:at])[-1]     # the last phrase before the figure names it
    head = re.sub(r"^(?:[-–•*+]|\(\d+\)|\d+[.)])\s*", "", head.strip())
    head = re.sub(r"\b(?:phấn\s+đấu|phân\s+đầu|phần\s+đầu|thi\s+đua|đạt|là|từ|trên|khoảng|có)\s*$", "", head,
                  flags=re.IGNORECASE).strip(" :,")
    head = re.sub(r"^(?:tiếp\s+tục\s+)?(?:phấn\s+đấu|phân\s+đầu|phần\s+đầu)\s+(?:đạt\s+)?", "", head, flags=re.IGNORECASE)
    name = head or clause
    return name[0].upper() + name[1:] if name else clause


_PER = re.compile(rf"(?P<items>(?:{NUM})\s+[^\d;,.]{{2,30}}?(?:\s+và\s+(?:{NUM})\s+[^\d;,.]{{2,30}}?)*)\s*"
                  r"(?:trên|/)\s*(?:1|01|một)\s+(?P<per>vạn|nghìn|ngàn)\s+dân", re.IGNORECASE)
_TRAFFIC = re.compile(rf"tai\s+nạn\s+giao\s+thông[^;]*?(?:cả|trên\s+cả)\s+(?:3|ba)\s+tiêu\s+chí"
                      rf"(?:\s+(?:từ\s+)?(?P<v>{NUM})\s*%)?", re.IGNORECASE)
_TRAFFIC_PARTS = ("số vụ", "số người chết", "số người bị thương")
_COUNT = re.compile(rf"^(?P<v>{NUM})\s+(?P<u>{UNIT})")


def _special(clause: str) -> list[tuple[int, int, str, dict, str, str]]:
    """Targets written across several figures: "11,1 bác sỹ và 31 giường bệnh trên 1 vạn dân" (one
    rule per figure) and "giảm tai nạn giao thông cả 3 tiêu chí" (one per criterion: cases,
    deaths, injuries; no percentage written means any decrease)."""
    found = []
    for m in _PER.finditer(clause):
        per = {"vạn": 10000, "nghìn": 1000, "ngàn": 1000}[m.group("per").lower()]
        for item in re.finditer(rf"(?P<v>{NUM})\s+(?P<what>[^\d;,.]{{2,30}}?)(?=\s+và\s+|\s*$)", m.group("items")):
            found.append((m.start(), m.end(), f"Số {item.group('what').strip()} trên 1 {m.group('per').lower()} dân",
                          {"type": "per_population", "value": _num(item.group("v")), "per": per},
                          f"{item.group('what').strip()}/{per:,} dân".replace(",", "."), "per_population"))
    for m in _TRAFFIC.finditer(clause):
        pct = _num(m.group("v")) if m.group("v") else 0
        for part in _TRAFFIC_PARTS:
            found.append((m.start(), m.end(), f"Tai nạn giao thông ({part})", {"type": "reduce_pct", "pct": pct},
                          "", "traffic"))
    return found


def _listed_name(clause: str, at: int) -> str:
    tail = re.split(r"[,;.(]", clause[at:])[0].strip()
    return f"Số {tail}"


def _named(kind: str, m: re.Match, clause: str) -> str | None:
    """A name said by the target itself: what is added ("thêm 10 xã đạt chuẩn nông thôn mới" →
    "Số xã đạt chuẩn nông thôn mới"), what decreases or grows ("giảm phạm pháp hình sự 5%" →
    "Phạm pháp hình sự")."""
    if kind == "add":
        tail = re.split(r"[,;.(]", clause[m.start("u"):])[0].strip()
        return f"Số {tail}" if tail else None
    if kind in ("decrease", "increase"):
        what = re.sub(rf"^(?:giảm|tăng)\s+|\s*(?:từ|ít\s+nhất|còn)?\s*(?:{NUM})\s*%?$", "", m.group(0).strip(),
                      flags=re.IGNORECASE).strip(" ,")
        what = re.sub(r"\s+(?:năm\s+\d{4}|so\s+với.*)$", "", what)
        return what[0].upper() + what[1:] if len(what) > 3 else None
    return None


def read(text: str) -> list[Proposal]:
    """Every quantified target of ``text``, in order of appearance, one per clause figure."""
    text = unicodedata.normalize("NFC", text)
    out: list[Proposal] = []
    previous_line, previous_add = -1, False
    for start, end, clause in clauses(text):
        line = text.count("\n", 0, start)
        taken: list[tuple[int, int]] = []
        for a, b, name, rule, uom, kind in _special(clause):
            taken.append((a, b))
            out.append(Proposal(name, clause, rule, uom, start, end, "level", "year", f"{kind}: “{clause[a:b]}”"))
        # "xây dựng 02 thôn kiểu mẫu; 04 khu dân cư kiểu mẫu": a count opening the next run of the
        # same line carries the addition on.
        carried = _COUNT.match(clause) if previous_add and line == previous_line else None
        if carried and not taken:
            taken.append((carried.start(), carried.end()))
            out.append(Proposal(_name(clause, len(clause)), clause, {"type": "add", "value": _num(carried.group("v"))},
                                _uom(carried.group("u")), start, end, "cumulative", "year",
                                f"add (carried on): “{carried.group(0)}”"))
        previous_add, previous_line = False, line
        for kind, pattern, build in PATTERNS:
            for m in pattern.finditer(clause):
                if any(m.start() < b and a < m.end() for a, b in taken):
                    continue
                made = build(m, clause)
                if made is None:
                    continue
                rule, uom = made
                taken.append((m.start(), m.end()))
                previous_add = previous_add or rule["type"] == "add"
                cumulative = rule["type"] in ("add",) or uom in ("tỷ đồng", "triệu đồng", "nghìn lượt", "người", "ha")
                out.append(Proposal(_named(kind, m, clause) or _name(clause, m.start()), clause, rule, uom, start, end,
                                    "cumulative" if cumulative else "level", "year", f"{kind}: “{m.group(0).strip()}”"))
                if rule["type"] == "add":
                    # "có thêm 10 xã …, 05 xã … nâng cao": the counts listed after it are additions too.
                    for more in re.finditer(rf",\s*(?P<v>{NUM})\s+(?P<u>{UNIT})", clause[m.end():]):
                        a, b = m.end() + more.start(), m.end() + more.end()
                        if any(a < y and x < b for x, y in taken):
                            continue
                        taken.append((a, b))
                        out.append(Proposal(_listed_name(clause, m.end() + more.start("u")), clause, {"type": "add", "value": _num(more.group("v"))},
                                            _uom(more.group("u")), start, end, "cumulative", "year",
                                            f"add (listed on): “{more.group(0).strip(', ')}”"))
            if kind == "at_least":
                break
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def merged(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per target: a directive repeats its targets (the list of chỉ tiêu, then the
    tasks of each field); the same rule and unit under a name sharing half its words is the same
    target, kept where it is first written, with a note of where it is repeated."""
    kept: list[Proposal] = []
    for p in proposals:
        twin = next((k for k in kept if k.rule == p.rule and k.uom == p.uom and k.start != p.start and (
            len(_words(k.name) & _words(p.name)) * 2 >= min(len(_words(k.name)), len(_words(p.name))))), None)
        if twin is None:
            kept.append(p)
        else:
            if len(p.name) < len(twin.name):   # a list item names a target more tersely than a sentence
                twin.name = p.name
            twin.notes.append(f"nhắc lại ở ký tự {p.start}–{p.end}: “{p.as_written[:80]}”")
    return kept


def _tens_of_billions(p: Proposal) -> Proposal:
    """425.000 triệu đồng = 425 tỷ đồng: the catalog's money unit, by the stated conversion."""
    if p.uom == "triệu đồng" and "value" in p.rule and p.rule["value"] >= 1000:
        p.rule = {**p.rule, "value": _num(str(p.rule["value"] / 1000).replace(".", ","))}
        p.uom = "tỷ đồng"
        p.notes.append("đổi từ triệu đồng sang tỷ đồng (1 tỷ = 1.000 triệu)")
    return p


def propose(text: str) -> list[Proposal]:
    """The reader's proposal: every target once, in order of first appearance."""
    return merged([_tens_of_billions(p) for p in read(text)])


def figures(rule: dict) -> set[float]:
    """The figures of a rule, to compare a proposal with the catalog and with its text."""
    return {float(v) for k, v in rule.items() if k in ("value", "low", "high", "pct", "points") and v is not None}


def invented(proposal: Proposal) -> list[float]:
    """Figures of the proposal's rule that its clause does not write (nor a stated "vượt … %")."""
    written = {float(_num(n)) for n in re.findall(NUM, proposal.as_written)}
    written |= {w / 1000 for w in written if "tỷ đồng" == proposal.uom}   # 425.000 triệu đồng = 425 tỷ đồng
    # 100 + a stated "vượt … %"; 0 for a decrease with no figure written (any decrease).
    allowed = written | {100 + w for w in written} | ({0.0} if proposal.rule["type"] == "reduce_pct" else set())
    return sorted(f for f in figures(proposal.rule) if f not in allowed)


class DirectiveError(ValueError):
    """A directive that cannot be read, said in Vietnamese."""


def load_text(name: str, data: bytes) -> str:
    """The text of a directive file: ``.txt`` (UTF-8, else Windows-1258), ``.docx`` (paragraphs
    and table cells in order) or ``.pdf`` with a text layer (a scan has none: said so)."""
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix == "txt":
        for encoding in ("utf-8-sig", "cp1258"):
            try:
                return unicodedata.normalize("NFC", data.decode(encoding))
            except UnicodeDecodeError:
                continue
        raise DirectiveError(f"{name}: không đọc được chữ (không phải UTF-8 hay Windows-1258)")
    if suffix == "docx":
        import io

        from docx import Document

        try:
            doc = Document(io.BytesIO(data))
        except Exception as exc:   # python-docx raises several kinds for a damaged package
            raise DirectiveError(f"{name}: tệp Word bị hỏng hoặc không phải .docx ({type(exc).__name__})") from exc
        lines = [p.text for p in doc.paragraphs]
        lines += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return unicodedata.normalize("NFC", "\n".join(lines))
    if suffix == "pdf":
        import io

        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(io.BytesIO(data))
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
        except (PdfReadError, ValueError) as exc:
            raise DirectiveError(f"{name}: tệp PDF bị hỏng hoặc có mật khẩu ({exc})") from exc
        if len(re.sub(r"\s", "", text)) < 50:
            raise DirectiveError(f"{name}: tệp PDF không có lớp chữ (có lẽ là bản scan ảnh); hãy dùng bản PDF có chữ, "
                                 "tệp Word, hoặc dán nội dung văn bản vào ô nhập")
        return unicodedata.normalize("NFC", text)
    raise DirectiveError(f"{name}: chỉ đọc được văn bản .txt, .docx hoặc .pdf có lớp chữ")


GROUP_WORDS = [  # (catalog group, words that place a target in it), first match wins
    ("bau_cu", ("cử tri", "bầu cử", "đại biểu")),
    ("an_ninh", ("tai nạn", "phạm pháp", "quốc phòng", "an ninh", "ma túy")),
    ("xay_dung_dang", ("đảng viên", "tổ chức cơ sở đảng", "cán bộ", "mttq", "đoàn thể", "quần chúng",
                       "nghị quyết của đảng")),
    ("cai_cach_hanh_chinh", ("dịch vụ công", "pci", "par index", "chính quyền điện tử", "cải cách", "xếp hạng")),
    ("moi_truong", ("rừng", "chất thải", "môi trường", "đô thị", "công trình xây dựng", "tuyến phố", "cây trồng",
                    "nước sạch")),
    ("xa_hoi", ("trường", "y tế", "bác sỹ", "bác sĩ", "giường bệnh", "bhyt", "bảo hiểm", "hộ nghèo", "lao động",
                "văn hóa", "văn hoá", "gia đình", "nông thôn mới", "khu dân cư", "thôn")),
    ("kinh_te", ("tăng trưởng", "xuất khẩu", "ngân sách", "thu nội địa", "du lịch", "doanh thu", "đầu tư", "grdp",
                 "doanh nghiệp", "kinh tế")),
]


def group_of(p: Proposal) -> str | None:
    """The field a target belongs to, by its name first, then by its sentence."""
    for text in (p.name.lower(), p.as_written.lower()):
        found = next((g for g, words in GROUP_WORDS if any(w in text for w in words)), None)
        if found:
            return found
    return None


def to_yaml(proposals: list[Proposal], campaign: str, source: str, text: str | None = None) -> str:
    """The proposal in the catalog's indicator-file format (``catalog/indicators/<campaign>.yaml``),
    each indicator preceded by comments saying where it was read and what was guessed."""
    import yaml

    lines = [f"# Đề xuất chỉ tiêu của phong trào {campaign}, đọc tự động từ {source}.",
             "# Hãy rà soát trước khi công bố: tên, nhóm, loại kỳ, cộng dồn là phỏng đoán; cần thêm đơn vị báo cáo",
             "# (reporters), đơn vị chủ trì (owner) và trọng số. Mọi con số trong quy tắc đều có trong câu được trích.",
             ]
    if text is not None:
        lines.append("# Phong trào, như văn bản ghi (để điền vào campaigns.yaml):")
        lines += [f"#   {f.label}: {f.shown}" for f in campaign_fields(text)]
    lines += [f"campaign: {campaign}", "defaults:", "  weight: 1", "indicators:"]
    for n, p in enumerate(proposals, start=1):
        item = {"code": f"{campaign}-{n:02d}", "name": p.name, "as_written": p.as_written,
                "group": group_of(p) or "kinh_te", "uom": p.uom, "rule": p.rule, "accumulation": p.accumulation,
                "period_type": p.period_type}
        lines.append(f"  # ký tự {p.start}–{p.end} của văn bản; nhận ra: {p.why}"
                     + ("" if group_of(p) else "; nhóm: chưa đoán được"))
        lines += [f"  # {note}" for note in p.notes]
        body = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=110, default_flow_style=None)
        lines += ["  " + line for line in body.rstrip("\n").splitlines()]
    return "\n".join(lines) + "\n"


# The reviewer's table: one flat row per indicator (the figures of every rule type in their own
# columns), and back to the catalog's indicator entries.
_FIGURE_OF = {"at_least": "value", "at_most": "value", "add": "value", "maintain": "value", "per_population": "value",
              "reduce_pct": "pct", "increase_pct": "pct", "change_pp": "points"}
ROW_COLUMNS = ("code", "name", "group", "uom", "rule_type", "value", "low", "high", "per", "direction",
               "accumulation", "period_type", "reporter_types", "reporter_units", "owner", "weight", "aggregate", "as_written")


def to_rows(proposals: list[Proposal], campaign: str) -> list[dict]:
    rows = []
    for n, p in enumerate(proposals, start=1):
        r = p.rule
        rows.append({"code": f"{campaign}-{n:02d}", "name": p.name, "group": group_of(p) or "", "uom": p.uom,
                     "rule_type": r["type"], "value": r.get(_FIGURE_OF.get(r["type"], ""), None),
                     "low": r.get("low"), "high": r.get("high"), "per": r.get("per"), "direction": r.get("direction"),
                     "accumulation": p.accumulation, "period_type": p.period_type, "reporter_types": "",
                     "reporter_units": "", "owner": "", "weight": 1.0,
                     # A count or an amount the units add up to (not a rate): a guess the reviewer sees.
                     "aggregate": r["type"] in ("at_least", "add") and p.uom not in ("%", ""),
                     "as_written": p.as_written})
    return rows


# Rule parameters the review table has columns for; others (``strict``, ``group``, ``scale``) are
# kept from the catalog when the rule's type is unchanged.
TABLE_RULE_KEYS = {"type", "value", "pct", "points", "low", "high", "per", "direction"}


def rows_of(items: list[dict]) -> list[dict]:
    """The review table's rows for a published campaign's indicator entries (``current_rule``:
    the target in force last, when it was revised)."""
    from lakehouse.reference.editing import current_rule

    rows = []
    for item in items:
        r = current_rule(item)
        reporters = item.get("reporters") or {}
        rows.append({"code": item.get("code"), "name": item.get("name"), "group": item.get("group") or "",
                     "uom": item.get("uom") or "", "rule_type": r.get("type"),
                     "value": r.get(_FIGURE_OF.get(r.get("type"), ""), None), "low": r.get("low"),
                     "high": r.get("high"), "per": r.get("per"), "direction": r.get("direction"),
                     "accumulation": item.get("accumulation"), "period_type": item.get("period_type"),
                     "reporter_types": ", ".join(reporters.get("types") or []),
                     "reporter_units": ", ".join(str(u) for u in reporters.get("units") or []),
                     "owner": item.get("owner") or "", "weight": float(item.get("weight", 1)),
                     "aggregate": item.get("aggregate") == "sum", "as_written": item.get("as_written") or item.get("name")})
    return rows


def _clean(value):
    if value is None or value != value:    # None or NaN from the editor
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def to_items(rows: list[dict]) -> list[dict]:
    """Catalog indicator entries from the reviewer's rows (empty cells left out)."""
    items = []
    for row in rows:
        kind = row.get("rule_type") or ""
        rule: dict = {"type": kind}
        if kind in _FIGURE_OF:
            rule[_FIGURE_OF[kind]] = _clean(row.get("value"))
        if kind in ("range", "rank_up"):
            rule["low"], rule["high"] = _clean(row.get("low")), _clean(row.get("high"))
        if kind == "per_population":
            rule["per"] = _clean(row.get("per"))
        if kind == "change_pp":
            rule["direction"] = row.get("direction") or "decrease"
        rule = {k: v for k, v in rule.items() if v is not None}
        split = lambda text: [t.strip() for t in str(text or "").split(",") if t.strip()]  # noqa: E731
        reporters = {k: v for k, v in (("types", split(row.get("reporter_types"))),
                                       ("units", split(row.get("reporter_units")))) if v}
        item = {"code": row.get("code"), "name": row.get("name"), "as_written": row.get("as_written"),
                "group": row.get("group"), "uom": row.get("uom") or "", "rule": rule,
                "accumulation": row.get("accumulation"), "period_type": row.get("period_type"),
                "reporters": reporters, "owner": row.get("owner") or None, "weight": _clean(row.get("weight")),
                "aggregate": "sum" if row.get("aggregate") else None}
        items.append({k: v for k, v in item.items() if v not in (None, {}, "")} | {"uom": item["uom"]})
    return items


def items_yaml(items: list[dict], campaign: str, source: str) -> str:
    """Reviewed entries as an indicator file (``catalog/indicators/<campaign>.yaml``)."""
    import yaml

    head = f"# Chỉ tiêu của phong trào {campaign}, đọc từ {source} và đã rà soát trên bảng điều khiển.\n"
    return head + yaml.safe_dump({"campaign": campaign, "defaults": {"weight": 1}, "indicators": items},
                                 allow_unicode=True, sort_keys=False, width=110, default_flow_style=None)


NOT_STATED = "không ghi trong văn bản"


@dataclass
class Field:
    """One fact about the campaign as the directive states it, with its span; or not stated."""
    label: str
    value: str | None
    start: int | None = None
    end: int | None = None

    @property
    def shown(self) -> str:
        return self.value if self.value is not None else NOT_STATED


def _plain(text: str) -> str:
    return re.sub(r"[*#_]+", "", text).strip()


def _first(pattern: str, text: str, flags=re.IGNORECASE | re.MULTILINE) -> re.Match | None:
    return re.search(pattern, text, flags)


def _month_span(month: int, year: int) -> str:
    import calendar

    return f"01/{month:02d}/{year} – {calendar.monthrange(year, month)[1]:02d}/{month:02d}/{year}"


def campaign_fields(text: str) -> list[Field]:
    """The campaign as the directive states it: kind and name, number and symbol, place and
    date of issue, issuer, signer, the window of the emulation, the sơ kết and tổng kết, the
    theme. A fact the text does not state is said so (``value`` None), never guessed."""
    text = unicodedata.normalize("NFC", text)
    out: list[Field] = []

    def found(label: str, m: re.Match | None, group: int | str = 0, value: str | None = None) -> None:
        if m is None:
            out.append(Field(label, None))
        else:
            out.append(Field(label, value if value is not None else _plain(m.group(group)), m.start(group),
                             m.end(group)))

    kind = _first(r"^#+\s*\**\s*(CHỈ THỊ|PHÁT ĐỘNG|KẾ HOẠCH|QUYẾT ĐỊNH|HƯỚNG DẪN)\b", text)
    found("Loại văn bản", kind, 1, kind.group(1).capitalize() if kind else None)
    name = _first(r"^#{2,4}\s*\**\s*(?!\d)(?P<n>[^\n#]{20,400}?)\**\s*$", text[kind.end():] if kind else text)
    if name is not None and kind is not None:
        shift = kind.end()
        out.append(Field("Tên phong trào", _plain(name.group("n")), shift + name.start("n"), shift + name.end("n")))
    else:
        found("Tên phong trào", name, "n")
    found("Số, ký hiệu", _first(r"^\s*Số\s*:\s*(?P<s>[^\n]*\S)", text), "s")
    issued = _first(r"^\s*(?P<place>[^\n,]{2,40}),\s*ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})",
                    text)
    found("Nơi ban hành", issued, "place")
    found("Ngày ban hành", issued, 0, f"{int(issued['d']):02d}/{int(issued['m']):02d}/{issued['y']}" if issued else None)
    issuer = _first(r"(?P<who>(?:Chủ tịch\s+)?(?:Ủy ban nhân dân|UBND)\s+(?:tỉnh|thành phố|huyện|quận|thị xã)"
                    r"(?:\s+[A-ZĐÀ-Ỹ][\wà-ỹ]*)*|Thành ủy, HĐND, UBND[^.;]*?(?=\s+phát động))\s+phát động", text)
    found("Cơ quan phát động", issuer, "who")
    signer = _first(r"\*\*\s*(?P<role>(?:KT\.\s*)?(?:PHÓ\s+)?CHỦ TỊCH)\s*\*\*\s*(?:\n\s*)+\*\*\s*(?P<name>[^*\n]+?)\s*\*\*"
                    r"\s*$", text)
    found("Người ký", signer, "name", f"{_plain(signer['name'])} ({signer['role'].lower()})" if signer else None)
    window = _first(r"(?:^#+[^\n]*Thời gian thi đua[^\n]*\n+)(?P<w>[^\n]+)", text)
    if window is None:
        window = _first(r"(?P<w>(?:Từ|từ)\s+ngày[^.\n]{3,80}?đến[^.\n]{3,40}\d{4})", text)
    found("Thời gian thi đua", window, "w")
    for label, word in (("Sơ kết", "Sơ kết"), ("Tổng kết", "Tổng kết")):
        m = _first(rf"^\s*[-–]?\s*{word}[^:\n]*:\s*(?P<when>[^\n(]*?(?:tháng\s*(?P<mo>\d{{1,2}})/(?P<yr>\d{{4}}))[^\n(]*)",
                   text, re.MULTILINE)
        found(label, m, "when", f"{_plain(m['when']).rstrip('.')} ({_month_span(int(m['mo']), int(m['yr']))})"
              if m else None)
    theme = _first(r"chủ đề\s*[\"“]\s*\*?(?P<t>[^\"”*]{10,300})\*?\s*[\"”]", text)
    if theme is None:
        theme = _first(r"^#+[^\n]*Chủ đề thi đua[^\n]*\n+(?P<t>[^\n]{10,600})", text)
    found("Chủ đề", theme, "t")
    return out


_DATE = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")


def _dates(text: str | None) -> list[date]:
    out = []
    for d, m, y in _DATE.findall(text or ""):
        try:
            out.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return out


def campaign_entry(text: str, code: str, cat) -> dict:
    """A ``campaigns.yaml`` entry proposed from the directive (:func:`campaign_fields`): what the
    text states, converted (dates, the issuing unit matched to the unit list); what it does not
    state is left empty for the reviewer, never guessed — except the day periods are counted
    from, which is the issue date (or 1 January) when the text names no start."""
    from lakehouse.text import fold

    f = {x.label: x.value for x in campaign_fields(text)}
    name = re.sub(r"^phát động\s+", "", f.get("Tên phong trào") or "", flags=re.IGNORECASE)
    name = name[:1].upper() + name[1:]
    quoted = re.search(r"[\"“]([^\"”]{5,80})[\"”]", name)
    year = re.search(r"(?:năm|giai đoạn)\s+((?:19|20)\d\d)", name)
    short = (f"{quoted.group(1)} {year.group(1)}" if quoted and year else quoted.group(1) if quoted
             else name[:70].rsplit(" ", 1)[0] if len(name) > 70 else name)
    issued = next(iter(_dates(f.get("Ngày ban hành"))), None)
    window = _dates(f.get("Thời gian thi đua"))
    start, end = (window + [None, None])[:2] if len(window) >= 2 else (None, window[0] if window else None)
    issuer = f.get("Cơ quan phát động") or ""
    scope = None
    place = fold(issuer)
    for u in sorted(cat.units.values(), key=lambda u: -len(u.name)):
        if u.type in ("province", "city", "district") and fold(u.name) in place:
            scope = u.code
            break
    parts = [f.get("Loại văn bản") or "Văn bản"]
    if f.get("Số, ký hiệu"):
        parts.append(f"số {f['Số, ký hiệu']}")
    if issued:
        parts.append(f"ngày {issued:%d/%m/%Y}")
    if issuer:
        parts.append(f"của {issuer}")
    stones = []
    for label, kind in (("Sơ kết", "mid_term"), ("Tổng kết", "final")):
        span = _dates(f.get(label))
        if len(span) >= 2:
            period = (f"{span[0].year}-H1" if kind == "mid_term" and span[0].month <= 8
                      else str(span[0].year if kind == "mid_term" else (end or span[0]).year))
            stones.append({"kind": kind, "name": label, "start": span[0], "end": span[1], "period": period,
                           "stated": True})
    return {"code": code, "name": name, "short_name": short, "document": " ".join(parts), "issuer": issuer,
            "scope_unit": scope, "issued_on": issued, "start": start,
            "counted_from": None if start else (issued or (date(end.year, 1, 1) if end else None)),
            "end": end, "theme": f.get("Chủ đề") or "", "report_due_days": 10, "milestones": stones}
