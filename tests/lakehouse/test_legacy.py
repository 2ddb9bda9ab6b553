import shutil
import unicodedata
import subprocess

import pytest
from hypothesis import given, strategies as st

from lakehouse.legacy import TCVN3_TO_UNICODE, from_tcvn3, looks_tcvn3, to_tcvn3


def test_the_classic_garble_reads_back():
    assert from_tcvn3("Tû lÖ hé nghÌo gi¶m") == "Tỷ lệ hộ nghèo giảm"
    assert from_tcvn3("Ph­êng §«ng Kinh") == "Phường Đông Kinh"
    assert looks_tcvn3("Tû lÖ hé nghÌo") and not looks_tcvn3("Tỷ lệ hộ nghèo") and not looks_tcvn3("25°C")


@pytest.mark.skipif(shutil.which("iconv") is None, reason="no iconv")
def test_table_agrees_with_the_c_library():
    for byte, code in TCVN3_TO_UNICODE.items():
        out = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-16LE"], input=bytes([0x21, byte, 0x21]),
                             capture_output=True, check=True).stdout.decode("utf-16-le")
        assert out == f"!{chr(code)}!"


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ 0123456789,."


@given(st.text(alphabet=VIETNAMESE, min_size=1, max_size=40))
def test_round_trip_of_lower_case_vietnamese(text):
    assert from_tcvn3(to_tcvn3(text)) == text


# ---------------------------------------------------------------- VNI
from lakehouse.legacy import convert_cells, detect, from_vni, to_vni  # noqa: E402


def test_vni_phrases_read_back():
    # Typed in VNI-Times; the last is the example of an independent converter's documentation.
    assert from_vni("Tyû leä hoä ngheøo giaûm") == "Tỷ lệ hộ nghèo giảm"
    assert from_vni("Phöôøng Ñoâng Kinh") == "Phường Đông Kinh"
    assert from_vni("THAØNH PHOÁ LAÏNG SÔN") == "THÀNH PHỐ LẠNG SƠN"
    assert from_vni("Ñaëc bieät khoù khaên, quyù IV") == "Đặc biệt khó khăn, quý IV"
    assert from_vni("Xin chaøo caùc baïn") == "Xin chào các bạn"


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=40))
def test_round_trip_of_vietnamese_through_vni(text):
    assert from_vni(to_vni(text)) == text


def test_detection_tells_the_tables_apart():
    phrases = ["Tỷ lệ hộ nghèo giảm", "Phường Đông Kinh", "Người lập biểu", "Thủ trưởng đơn vị", "Đơn vị tính: ha"]
    assert detect([to_vni(p) for p in phrases]) == "vni"
    assert detect([to_tcvn3(p) for p in phrases]) == "tcvn3"
    assert detect(phrases) is None
    assert detect(["Hoàn thành", "Có", "Khá", "25°C", "Tháng 5"]) is None  # Unicode that is also valid VNI


def test_a_vni_file_keeps_its_unicode_cells():
    texts = [to_vni("Tỷ lệ hộ nghèo giảm"), to_vni("Phường Đông Kinh"), "Hoàn thành", "Phường Vĩnh Trại", None, "12,5"]
    out, scheme, changed = convert_cells(texts)
    assert scheme == "vni" and changed == 2
    assert out == ["Tỷ lệ hộ nghèo giảm", "Phường Đông Kinh", "Hoàn thành", "Phường Vĩnh Trại", None, "12,5"]


def test_a_file_wholly_in_vni_converts_even_short_words():
    texts = [to_vni(t) for t in ("Tỷ lệ hộ nghèo giảm", "Người lập biểu", "Khá", "Có")]
    out, scheme, _ = convert_cells(texts)
    assert scheme == "vni" and out[2:] == ["Khá", "Có"]


def test_a_csv_saved_in_a_legacy_font_is_read_byte_for_byte():
    from lakehouse.bronze.cells import decode_text
    from lakehouse.text import encode_windows_1258

    text = "Mã đơn vị;Chỉ tiêu;Giá trị\nPhường Đông Kinh;Tỷ lệ hộ nghèo;5,2\n"
    assert decode_text(to_vni(text).encode("latin-1"))[1] == "windows-1252"
    assert decode_text(to_tcvn3(text).encode("latin-1"))[1] == "windows-1252"
    plain, encoding, _ = decode_text(encode_windows_1258(text))
    assert (unicodedata.normalize("NFC", plain), encoding) == (text, "windows-1258")


@given(st.text(max_size=60))
def test_detection_never_crashes_and_unicode_vietnamese_stays(text):
    out, _, _ = convert_cells([text, "Phường Đông Kinh", "Tỷ lệ hộ nghèo"])
    assert out[1:] == ["Phường Đông Kinh", "Tỷ lệ hộ nghèo"]
