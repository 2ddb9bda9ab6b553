"""Reading numbers written the Vietnamese way (``5.835`` = 5835, ``7,5`` = 7.5) or plainly.

A spreadsheet cell that holds a real number arrives as its plain decimal text and is read
as such; only text cells are read with the Vietnamese convention. Errors carry a Vietnamese
reason for the steward.
"""
from __future__ import annotations

import math
import re

import polars as pl

from lakehouse.text import fold, nfc

NO_DATA_TOKENS = {"", "-", "--", "x", "không", "khong", "n/a", "na", "...", "…", "không có số liệu"}

_VN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_EN_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$")
_PLAIN = re.compile(r"^\d+(\.\d+)?([eE][+-]?\d+)?$")
_NUMBER_HEAD = re.compile(r"^\s*([+-]?\s*\d[\d.,\s]*(?:[eE][+-]?\d+)?)\s*([^\W\d_].*|%.*)?$")


class NumberError(ValueError):
    """The text is not a number; ``reason`` is a Vietnamese sentence for the steward."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


EXCEL_ERRORS = {"#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA", "#SPILL!",
                "#CALC!"}


def is_no_data(text: str | None) -> bool:
    return text is None or fold(str(text)) in NO_DATA_TOKENS


def split_number_and_unit(text: str) -> tuple[str, str]:
    """``"5.835 tỷ đồng"`` → ``("5.835", "tỷ đồng")``; ``"98%"`` → ``("98", "%")``."""
    text = nfc(text).strip()
    m = _NUMBER_HEAD.match(text)
    if not m:
        return text, ""
    return m.group(1).strip(), (m.group(2) or "").strip()


def parse_number(text: str | None, is_number: bool = False, notation: str = "vi") -> float | None:
    """The number in ``text``; ``None`` for the usual "no data" marks. Raises :class:`NumberError`.

    Only a bare number or a number followed by ``%`` is accepted here; see :func:`parse_quantity`
    for cells that carry their unit ("5.835 tỷ đồng").
    """
    value, unit = parse_quantity(text, is_number, notation)
    if unit and unit != "%":
        raise NumberError(f"'{text}' có chữ '{unit}' sau số; hãy ghi đơn vị tính ở cột Đơn vị tính")
    return value


VI, EN = "vi", "en"
NOTATION_VI = {VI: "kiểu Việt Nam (dấu chấm ngăn nghìn, dấu phẩy thập phân: 5.835 = 5835; 7,5 = 7.5)",
               EN: "kiểu quốc tế (dấu phẩy ngăn nghìn, dấu chấm thập phân: 5,835 = 5835; 7.5 = 7.5)"}
_VI_EVIDENCE = re.compile(r"^-?\d+,\d+$|^-?\d{1,3}(\.\d{3})+,\d+$|^-?\d{1,3}(\.\d{3}){2,}$")
_EN_EVIDENCE = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+\.\d{1,2}$|^-?\d+\.\d{4,}$")


def decide_notation(texts: pl.Series) -> tuple[str, int, int]:
    """Which notation a file's text numbers use, from the numbers that can only be read one way.

    ``5.835`` alone is ambiguous; ``7,5`` or ``1.234,5`` says Vietnamese, ``1,234.5`` or ``7.25``
    says English. Returns (notation, Vietnamese evidence, English evidence); Vietnamese wins ties.
    """
    return decide_notations(pl.DataFrame({"_f": pl.Series([0] * len(texts), dtype=pl.Int32),
                                          "text": texts.cast(pl.String)})).get(0, (VI, 0, 0))


def decide_notations(texts: pl.DataFrame) -> dict[int, tuple[str, int, int]]:
    """:func:`decide_notation` for many files at once: ``texts`` has the file's number (``_f``)
    and a ``text``; files without texts are left out (they read as Vietnamese)."""
    # The number at the head of each text, as split_number_and_unit reads it, for a whole column
    # at once (a file has thousands of texts: a Python loop over them was 17 ms a file).
    text = pl.col("text").str.normalize("NFC").str.strip_chars()
    head = pl.coalesce(text.str.extract(_NUMBER_HEAD.pattern, 1).str.strip_chars(), text).str.replace_all(
        " ", "", literal=True)
    # Every form of evidence has a dot or a comma: the others need no reading.
    counts = texts.filter(pl.col("text").str.contains(r"[.,]")).group_by("_f").agg(vi=head.str.contains(_VI_EVIDENCE.pattern).sum(),
                                      en=head.str.contains(_EN_EVIDENCE.pattern).sum())
    return {f: ((EN if en > vi else VI), int(vi), int(en)) for f, vi, en in counts.iter_rows()}


def parse_quantity(text: str | None, is_number: bool = False, notation: str = VI) -> tuple[float | None, str]:
    """``"5.835 tỷ đồng"`` → ``(5835.0, "tỷ đồng")``; ``"7,5"`` → ``(7.5, "")``.

    ``notation`` is the file's (see :func:`decide_notation`); a real spreadsheet number needs none.
    """
    if is_no_data(text):
        return None, ""
    raw = nfc(str(text)).strip()
    if raw.upper() in EXCEL_ERRORS:
        raise NumberError(f"ô báo lỗi Excel {raw.upper()} (công thức lỗi), không phải số liệu; hãy sửa công thức")
    unit = ""
    if is_number:
        try:
            value = float(raw)
        except ValueError:
            raise NumberError(f"'{raw}' không phải là số") from None
    else:
        number, unit = split_number_and_unit(raw)
        value = _parse_text_number(number, raw) if notation == VI else _parse_english(number, raw)
    _check_finite(value, raw)
    return value, unit


def _check_finite(value: float, raw: str) -> None:
    if math.isnan(value) or math.isinf(value):
        raise NumberError(f"'{raw}' không phải là một số hữu hạn")
    if abs(value) > 1e15:
        raise NumberError(f"'{raw}' quá lớn để là số liệu báo cáo (lớn hơn 10^15)")


def _parse_text_number(number: str, raw: str) -> float:
    sign = -1.0 if number.startswith("-") else 1.0
    body = number.lstrip("+-").replace(" ", "").replace("\u00a0", "")
    if not body or not body[0].isdigit():
        raise NumberError(f"'{raw}' không phải là số")
    if "." in body and "," in body:
        if _EN_THOUSANDS.match(body):           # 1,234.5 (English notation)
            body = body.replace(",", "")
        elif body.rfind(",") > body.rfind("."):  # 1.234,5 (Vietnamese notation)
            body = body.replace(".", "").replace(",", ".")
        else:
            raise NumberError(f"'{raw}' dùng lẫn dấu chấm và dấu phẩy, không đọc được")
    elif "," in body:
        if body.count(",") > 1:
            raise NumberError(f"'{raw}' có nhiều dấu phẩy thập phân")
        body = body.replace(",", ".")             # 7,5 → 7.5
    elif "." in body and _VN_THOUSANDS.match(body):
        body = body.replace(".", "")              # 5.835 → 5835
    if not _PLAIN.match(body):
        raise NumberError(f"'{raw}' không phải là số")
    return sign * float(body)


def _parse_english(number: str, raw: str) -> float:
    sign = -1.0 if number.startswith("-") else 1.0
    body = number.lstrip("+-").replace(" ", "").replace("\u00a0", "")
    if "," in body and not re.match(r"^\d{1,3}(,\d{3})+(\.\d+)?$", body):
        raise NumberError(f"'{raw}' dùng dấu phẩy sai chỗ cho cách viết số kiểu quốc tế của tệp")
    body = body.replace(",", "")
    if not _PLAIN.match(body):
        raise NumberError(f"'{raw}' không phải là số")
    return sign * float(body)


_YES = {"co", "dat", "hoan thanh", "da hoan thanh", "yes", "true", "1", "v", "✓"}
_NO = {"khong", "chua", "chua dat", "khong dat", "chua hoan thanh", "no", "false", "0"}


def parse_yes_no(text: str | None) -> float | None:
    """Done / not done: ``"Có"``, ``"Đạt"``, ``"Hoàn thành"`` → 1; ``"Không"``, ``"Chưa đạt"`` → 0."""
    if text is None or fold(str(text)) in {"", "-", "--", "n/a"}:
        return None
    key = fold(str(text))
    if key in _YES:
        return 1.0
    if key in _NO:
        return 0.0
    try:
        value = float(key.replace(",", "."))
    except ValueError:
        raise NumberError(f"'{text}' không phải là Có/Không (Đạt/Chưa đạt)") from None
    if value in (0.0, 1.0):
        return value
    raise NumberError(f"'{text}' không phải là Có/Không (Đạt/Chưa đạt)")
