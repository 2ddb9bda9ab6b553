import shutil
import subprocess

import pytest
from hypothesis import given, strategies as st

from lake.legacy import TCVN3_TO_UNICODE, from_tcvn3, looks_tcvn3, to_tcvn3


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
