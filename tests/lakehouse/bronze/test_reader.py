"""The isolated reader: every class of file that crashed, aborted or exhausted the parser gets
a Vietnamese answer, the worker's death never reaches the caller, and the next file is read."""
import codecs

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lakehouse.bronze import limits
from lakehouse.bronze.errors import FileRejected
from lakehouse.bronze.reader import Limits, ReaderPool, pool, read_isolated
from tests.conftest import HEADER, csv_bytes, xlsx_bytes
from tests.lakehouse.bronze import hostile

REPORT_ROW = ["178-PVHTT", "TP24-03", "2024-Q1", "790", "", "", "", ""]
ENGLISH = ("calamine", "error", "Error", "Cannot", "could not", "Traceback", "panic")


def refused(data: bytes, name: str, *words: str) -> str:
    with pytest.raises(FileRejected) as caught:
        read_isolated(data, name, name.rsplit(".", 1)[-1])
    reason = caught.value.reason
    assert name in reason and all(w in reason for w in words), reason
    assert not any(w in reason for w in ENGLISH), reason
    return reason


def texts(data: bytes, name: str) -> list[str]:
    cells, _ = read_isolated(data, name, name.rsplit(".", 1)[-1])
    return cells.sort("row", "col")["text"].to_list()


# ----------------------------------------------------------------- the parser's aborts and panics
def test_a_file_that_aborts_the_parser_is_refused_and_the_next_file_is_read():
    refused(hostile.lying_shared_strings_xlsx(), "bon-ty-chuoi.xlsx", "dừng bất thường", "lưu lại")
    assert texts(xlsx_bytes([REPORT_ROW]), "sau.xlsx")[:4] == HEADER[:4]


def test_a_panic_in_the_parser_is_a_refusal_not_a_trace():
    refused(hostile.truncated_formula_xls(), "cong-thuc-cut.xls", "bị hỏng")


def test_numbers_far_below_zero_beside_a_decimal_are_read():
    cells, _ = read_isolated(hostile.huge_negative_xlsx(), "am.xlsx", "xlsx")
    assert cells.sort("col")["text"].to_list() == ["Ghi chu", "-120000000000", "1.5"]


def test_a_worker_over_its_memory_or_time_is_stopped_and_replaced():
    tiny = ReaderPool(limit=Limits(memory_bytes=64 * 1024 * 1024))
    try:
        answer = tiny.read(hostile.repeated_cells_ods(rows=1_000, cols=1_000), "lap.ods", "ods")
        assert answer[0] == "memory"
        assert tiny.read(xlsx_bytes([REPORT_ROW]), "sau.xlsx", "xlsx")[0] == "cells"   # a fresh worker
    finally:
        tiny.close()
    slow = ReaderPool(limit=Limits(seconds=0.05))
    try:
        assert slow.read(hostile.repeated_cells_ods(rows=1_000, cols=1_000), "cham.ods", "ods")[0] == "time"
    finally:
        slow.close()


# ----------------------------------------------------------------- extents before inflating
@pytest.mark.parametrize("build, name, words", [
    (lambda: hostile.far_corner_xlsx(), "goc-xa.xlsx", ("dòng 1.048.576",)),
    (lambda: hostile.far_corner_xlsx(b"ZZZZ99999999"), "o-lon.xlsx", ("dòng 99.999.999",)),
    (hostile.lying_dimension_xlsx, "khai-sai.xlsx", ("cột XFD",)),
    (hostile.far_corner_xls, "goc-xa.xls", ("IV65536",)),
    (lambda: hostile.repeated_cells_ods(), "lap-lai.ods", ("ô",)),
])
def test_a_sheet_too_large_once_laid_out_is_refused_before_parsing(build, name, words):
    refused(build(), name, "vượt giới hạn", *words)


def test_old_xls_with_an_open_password_gets_the_password_message():
    refused(hostile.open_password_xls(), "mat-khau.xls", "đặt mật khẩu")


def test_an_ole_sector_chain_that_loops_is_refused():
    refused(hostile.looping_xls(), "vong-lap.xls", "bị hỏng")


def test_a_zip_member_failing_its_crc_is_refused():
    refused(hostile.bad_crc_xlsx(xlsx_bytes([REPORT_ROW] * 50)), "crc.xlsx", "bị hỏng")


def test_a_file_over_the_size_limit_never_reaches_a_worker():
    refused(b"a,b\n" * (limits.MAX_FILE_BYTES // 4 + 1), "lon.csv", "vượt giới hạn 25 MB")


# ----------------------------------------------------------------- CSV
def test_utf16_with_an_odd_last_byte_or_a_lone_surrogate_is_read_with_a_warning():
    body = ("\ufeff" + ",".join(HEADER) + "\n" + ",".join(REPORT_ROW) + "\n").encode("utf-16-le")
    for data in (body + b"\x41", body[:-2] + b"\x00\xd8" + b"\n\x00"):
        cells, info = read_isolated(data, "utf16.csv", "csv")
        assert cells.filter(pl.col("row") == 2)["text"].to_list()[:4] == REPORT_ROW[:4]
        assert any("UTF-16" in w for w in info.warnings)


def test_utf16_without_a_bom_is_text_not_binary():
    data = (",".join(HEADER) + "\n" + ",".join(REPORT_ROW) + "\n").encode("utf-16-le")
    assert texts(data, "khong-bom.csv")[:4] == HEADER[:4]


def test_a_utf8_bom_over_windows_1258_bytes_is_read_as_windows_1258():
    data = codecs.BOM_UTF8 + csv_bytes([["05971", "TP24-16", "2024", "98", "", "", "", "Phường Chi Lăng"]],
                                       encoding="cp1258")
    assert "Phường Chi Lăng" in texts(data, "bom-1258.csv")


def test_old_mac_line_endings_are_lines():
    data = csv_bytes([REPORT_ROW]).replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    assert texts(data, "mac.csv")[:8] == HEADER


def test_an_unclosed_quote_says_where_it_opened():
    data = csv_bytes([REPORT_ROW]) + b'05971,TP24-16,2024,"98\n' + b"x" * 200_000
    refused(data, "ngoac.csv", "dòng 3", "ngoặc kép")


def test_the_line_limit_message_reads_well():
    reason = refused(b"a\n" * (limits.MAX_CSV_LINES + 1), "dai.csv")
    assert "hơn 500.000 dòng, vượt giới hạn" in reason


# ----------------------------------------------------------------- any bytes at all
def _seeds() -> dict[str, bytes]:
    return {"xlsx": xlsx_bytes([REPORT_ROW] * 3), "xls": hostile.xls({(0, 0): "Mã đơn vị", (1, 0): 5, (1, 1): 2.5}),
            "ods": hostile.repeated_cells_ods(rows=3, cols=3), "csv": csv_bytes([REPORT_ROW] * 3)}


SEEDS = _seeds()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(SEEDS)), edits=st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 255), st.sampled_from(["set", "cut", "insert"])), min_size=1, max_size=6))
@example(kind="ods", edits=[(0.25, 84, "cut")])   # a member's offset before the file: zipfile's "negative seek"
def test_mutated_files_are_read_or_refused_never_anything_else(kind, edits):
    data = bytearray(SEEDS[kind])
    for where, byte, how in edits:
        i = int(where * (len(data) - 1)) if data else 0
        if how == "set" and data:
            data[i] = byte
        elif how == "cut":
            del data[i:i + 1 + byte]
        else:
            data[i:i] = bytes([byte]) * (1 + byte % 7)
    try:
        cells, _ = read_isolated(bytes(data), f"dot-bien.{kind}", kind)
    except FileRejected as exc:
        assert not any(w in exc.reason for w in ENGLISH), exc.reason
    else:
        assert set(cells.columns) >= {"sheet", "row", "col", "text"}
    assert pool()._started >= 1
