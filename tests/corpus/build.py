"""A corpus of report files as units really send them, built by code, each with the exact
values it must yield in silver. Used by ``tests/lakehouse/silver/test_corpus.py``."""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook

from lakehouse.text import encode_windows_1258

Grid = list[list]


@dataclass
class Case:
    name: str
    data: bytes
    expected: set[tuple[str, str, str, float]]   # unit, indicator, period, value
    rejects: int = 0                             # rows that must be quarantined


def xlsx(sheets: dict[str, Grid], merges: dict[str, list[str]] | None = None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, grid in sheets.items():
        ws = wb.create_sheet(title)
        for row in grid:
            ws.append(row)
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls(sheets: dict[str, Grid]) -> bytes:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    for title, grid in sheets.items():
        ws = wb.add_sheet(title)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ods(sheets: dict[str, Grid]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="odf") as writer:
        for title, grid in sheets.items():
            width = max(len(r) for r in grid)
            frame = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in grid], dtype=object)
            frame.to_excel(writer, sheet_name=title, header=False, index=False)
    return buf.getvalue()


def text_csv(grid: Grid, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows([["" if v is None else v for v in r] for r in grid])
    text = buf.getvalue()
    return encode_windows_1258(text) if encoding == "cp1258" else text.encode(encoding)


CANON = ["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Đơn vị tính", "Ghi chú"]


def form(unit_line: str, title: str, header: list[Grid], rows: Grid, uom: str | None = None,
         footer: bool = True) -> Grid:
    """A government form: header block, title, table header rows, index row, rows, signatures."""
    grid: Grid = [["Biểu số 02/BC-TĐ", None, None, f"Đơn vị báo cáo: {unit_line}"],
                  [None, None, None, "Đơn vị nhận báo cáo: UBND thành phố Lạng Sơn"], [], [title]]
    if uom:
        grid.append([f"Đơn vị tính: {uom}"])
    grid.append([])
    grid.extend(header)
    width = max(len(r) for r in header)
    grid.append(["A", "B"] + [str(i) for i in range(1, width - 1)])
    grid.extend(rows)
    if footer:
        grid += [[], [None, "Người lập biểu", None, "Thủ trưởng đơn vị"], [None, "(Ký, ghi rõ họ tên)"],
                 [None, "Tỷ lệ hộ nghèo", None, 99]]  # below the signatures: never read
    return grid


def cases() -> list[Case]:
    out: list[Case] = []
    add = out.append
    # ---- canonical layout, every format and encoding ----
    add(Case("01-chuan.xlsx", xlsx({"Báo cáo": [CANON, ["178-PVHTT", "TP24-03", "2024-Q1", 812.5, "nghìn lượt", None],
                                                 ["178-PVHTT", "TP24-04", "2024-Q1", "520,75", "tỷ đồng", None]]}),
             {("178-PVHTT", "TP24-03", "2024-Q1", 812.5), ("178-PVHTT", "TP24-04", "2024-Q1", 520.75)}))
    add(Case("02-english-headers.csv", text_csv([["unit_code", "indicator_code", "period", "value"],
                                                 ["05971", "TP24-12", "2024", "96,2"]]),
             {("05971", "TP24-12", "2024", 96.2)}))
    add(Case("03-bom-semicolon.csv", text_csv([CANON, ["178-PTCKH", "TP24-05", "2024-Q2", "221.500", "triệu đồng", ""]],
                                              "utf-8-sig", ";"),
             {("178-PTCKH", "TP24-05", "2024-Q2", 221.5)}))
    add(Case("04-utf16-tab.csv", text_csv([CANON, ["05974", "TP24-16", "6 tháng đầu năm 2024", "97,9", "%", ""]],
                                          "utf-16", "\t"), {("05974", "TP24-16", "2024-H1", 97.9)}))
    add(Case("05-windows-1258.csv", text_csv([CANON, ["05977", "TP24-12", "Năm 2024", "95,5", "%", "Phường Vĩnh Trại"]],
                                             "cp1258"), {("05977", "TP24-12", "2024", 95.5)}))
    add(Case("06-cu.xls", xls({"Sheet1": [CANON, ["178-PLDTBXH", "TP24-14", "2024-Q3", 1850, "người", None]]}),
             {("178-PLDTBXH", "TP24-14", "2024-Q3", 1850.0)}))
    add(Case("07-libreoffice.ods", ods({"Báo cáo": [CANON, ["178-PQLDT", "TP24-27", "2024", "74,8", "%", None]]}),
             {("178-PQLDT", "TP24-27", "2024", 74.8)}))
    add(Case("08-ten-thay-ma.xlsx", xlsx({"Báo cáo": [
        ["Đơn vị", "Chỉ tiêu", "Kỳ báo cáo", "Giá trị"],
        ["P. Chi Lăng", "Tỷ lệ bao phủ BHYT toàn dân", "2024", 98.6],
        ["Xã Mai Pha", "Tỷ lệ hộ gia đình văn hóa", "2024", 96.0],
        ["Chi Lăng", "Tỷ lệ hộ nghèo", "2024", 1.1]]}),          # "Chi Lăng": the ward, among this indicator's units
        {("05983", "TP24-16", "2024", 98.6), ("05992", "TP24-12", "2024", 96.0), ("05983", "TP24-17", "2024", 1.1)}))
    add(Case("09-tieu-de-tren-bang.xlsx", xlsx({"BC": [["UBND PHƯỜNG TAM THANH"], ["BÁO CÁO SỐ LIỆU"], [],
                                                     CANON, ["05974", "TP24-11", "2024-H1", 100, "%", None]]}),
             {("05974", "TP24-11", "2024-H1", 100.0)}))
    add(Case("10-kieu-quoc-te.csv", text_csv([CANON, ["178-PVHTT", "TP24-03", "2024-Q2", "1,820.5", "nghìn lượt", ""],
                                              ["178-PVHTT", "TP24-04", "2024-Q2", "1,150.25", "tỷ đồng", ""]]),
             {("178-PVHTT", "TP24-03", "2024-Q2", 1820.5), ("178-PVHTT", "TP24-04", "2024-Q2", 1150.25)}))
    add(Case("11-don-vi-trong-o.xlsx", xlsx({"Báo cáo": [["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị"],
                                                          ["178-PTCKH", "TP24-05", "2024", "425.000 triệu đồng"],
                                                          ["05971", "TP24-16", "2024", "98,1%"]]}),
             # TP24-05 is quarterly and cumulative: the year's total is its Quý IV (same last day).
             {("178-PTCKH", "TP24-05", "2024-Q4", 425.0), ("05971", "TP24-16", "2024", 98.1)}))
    # ---- government forms ----
    trio = [["STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2024", None, None],
            [None, None, None, "Kế hoạch", "Thực hiện", "% so với kế hoạch"]]
    add(Case("12-bieu-ke-hoach-thuc-hien.xlsx", xlsx({"Biểu 02": form(
        "Phường Chi Lăng", "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU 6 THÁNG ĐẦU NĂM 2024", trio,
        [["I", "CHỈ TIÊU XÃ HỘI"], [1, "Tỷ lệ bao phủ BHYT toàn dân", "%", 98, "98,4", "100,4"],
         [2, "Tỷ lệ hộ gia đình đạt danh hiệu gia đình văn hóa", "%", 95, 94.1, "99,1"],
         [3, "Tỷ lệ khối, thôn có nhà văn hóa đạt chuẩn", "%", 100, 100, "90"]])},
        {"Biểu 02": ["D6:F6", "A6:A7", "B6:B7", "C6:C7"]}),
        # TP24-12 is annual: a half-year value is refused (no period of it ends on 30/6).
        {("05983", "TP24-16", "2024-H1", 98.4)}, rejects=2))
    quarters = [["TT", "Tên chỉ tiêu", "ĐVT", "Quý I", "Quý II", "Quý III", "Quý IV"]]
    add(Case("13-bieu-theo-quy.xlsx", xlsx({"Sheet1": form(
        "Phòng Văn hóa và Thông tin", "BÁO CÁO CHỈ TIÊU DU LỊCH NĂM 2024", quarters,
        [[1, "Tổng lượng khách du lịch", "nghìn lượt", 790, "1.650", 2480, 3301],
         [2, "Doanh thu du lịch", "tỷ đồng", "540,5", 1120, "-", None]])}),
        {("178-PVHTT", "TP24-03", f"2024-Q{q}", v) for q, v in ((1, 790.0), (2, 1650.0), (3, 2480.0), (4, 3301.0))}
        | {("178-PVHTT", "TP24-04", "2024-Q1", 540.5), ("178-PVHTT", "TP24-04", "2024-Q2", 1120.0)}))
    add(Case("14-bieu-6-thang-ca-nam.xlsx", xlsx({"Sheet1": form(
        "Phòng Quản lý đô thị", "BÁO CÁO KẾT QUẢ NĂM 2024",
        [["STT", "Chỉ tiêu", "ĐVT", "6 tháng đầu năm", "Cả năm"]],
        [[1, "Tỷ lệ công trình xây dựng được kiểm tra", "%", 100, 100],
         [2, "Tỷ lệ công trình xây dựng thực hiện đúng giấy phép", "%", "93,5", "96,2"],
         [3, "Số tuyến phố đạt chuẩn văn minh đô thị", "tuyến", 4, 11]])}),
        {("178-PQLDT", "TP24-24", "2024-H1", 100.0), ("178-PQLDT", "TP24-24", "2024", 100.0),
         ("178-PQLDT", "TP24-25", "2024-H1", 93.5), ("178-PQLDT", "TP24-25", "2024", 96.2),
         ("178-PQLDT", "TP24-26", "2024-H1", 4.0), ("178-PQLDT", "TP24-26", "2024", 11.0)}))
    wards = [["STT", "Chỉ tiêu", "ĐVT", "P. Hoàng Văn Thụ", "P. Tam Thanh", "P. Vĩnh Trại", "X. Mai Pha"]]
    add(Case("15-bieu-don-vi-theo-cot.xlsx", xlsx({"Tổng hợp": form(
        "UBND thành phố Lạng Sơn", "TỔNG HỢP CHỈ TIÊU CÁC PHƯỜNG, XÃ NĂM 2024", wards,
        [[1, "Tỷ lệ bao phủ bảo hiểm y tế toàn dân", "%", "98,2", "97,5", 98, "99,1"],
         [2, "Tỷ lệ hộ gia đình đạt danh hiệu gia đình văn hóa", "%", 95, "96,4", None, 97]])}),
        {("05971", "TP24-16", "2024", 98.2), ("05974", "TP24-16", "2024", 97.5), ("05977", "TP24-16", "2024", 98.0),
         ("05992", "TP24-16", "2024", 99.1), ("05971", "TP24-12", "2024", 95.0), ("05974", "TP24-12", "2024", 96.4),
         ("05992", "TP24-12", "2024", 97.0)}))
    per_unit = {}
    expected16 = set()
    for sheet, code, v in (("P. Đông Kinh", "05980", "97,7"), ("P. Chi Lăng", "05983", "98,3"),
                           ("X. Hoàng Đồng", "05986", "96,9")):
        per_unit[sheet] = [["BÁO CÁO 6 THÁNG ĐẦU NĂM 2024"], [],
                           ["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"], [1, "Tỷ lệ bao phủ BHYT toàn dân", "%", v]]
        expected16.add((code, "TP24-16", "2024-H1", float(v.replace(",", "."))))
    add(Case("16-moi-trang-mot-don-vi.xlsx", xlsx({"Hướng dẫn": [["Mỗi trang là một phường, xã"]], **per_unit}),
             expected16))
    add(Case("17-moi-trang-mot-ky.xlsx", xlsx({
        "Quý I": form("Công an thành phố", "BÁO CÁO QUÝ I NĂM 2024",
                      [["STT", "Chỉ tiêu", "ĐVT", "Cùng kỳ năm trước", "Thực hiện"]],
                      [[1, "Số vụ phạm pháp hình sự", "vụ", 30, 27]], footer=False),
        "Quý II": form("Công an thành phố", "BÁO CÁO QUÝ II NĂM 2024",
                       [["STT", "Chỉ tiêu", "ĐVT", "Cùng kỳ năm trước", "Thực hiện"]],
                       [[1, "Số vụ phạm pháp hình sự", "vụ", 61, 55]], footer=False)}),
        {("178-CA", "TP24-19", "2024-Q1", 27.0), ("178-CA", "TP24-19", "2024-Q2", 55.0)}))
    add(Case("18-bo-ba-theo-quy.xlsx", xlsx({"Sheet1": form(
        "Phòng Tài chính - Kế hoạch", "BÁO CÁO THU NGÂN SÁCH NĂM 2024",
        [["STT", "Chỉ tiêu", "ĐVT", "Quý I", None, None, "Quý II", None, None],
         [None, None, None, "KH", "TH", "%", "KH", "TH", "%"]],
        [[1, "Thu nội địa", "tỷ đồng", 95, "104,2", "109,7", 190, 201, "105,8"]])},
        {"Sheet1": ["D6:F6", "G6:I6"]}),
        {("178-PTCKH", "TP24-05", "2024-Q1", 104.2), ("178-PTCKH", "TP24-05", "2024-Q2", 201.0)}))
    add(Case("19-ma-so-dong.xlsx", xlsx({"Biểu": form(
        "Ban Tổ chức Thành ủy", "BÁO CÁO KẾT QUẢ CÔNG TÁC XÂY DỰNG ĐẢNG NĂM 2024",
        [["STT", "Chỉ tiêu", "Mã số", "Đơn vị tính", "Thực hiện"]],
        [[1, "Số đảng viên mới được kết nạp", "01", "đảng viên", 142],
         [2, "Tỷ lệ tổ chức cơ sở đảng đạt Hoàn thành tốt nhiệm vụ trở lên", "02", "%", "92,3"],
         [3, "Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ", "03", "%", "91,8"]])}),
        # Quarterly cumulative indicators (TP24-28, TP24-14, TP24-18a-c): a year's or a half-year's
        # total is the quarter ending the same day (Quý IV, Quý II).
        {("178-BTC", "TP24-28", "2024-Q4", 142.0), ("178-BTC", "TP24-29", "2024", 92.3),
         ("178-BTC", "TP24-31", "2024", 91.8)}))
    add(Case("20-ghi-chu-sau-bang.xlsx", xlsx({"BC": form(
        "Phòng Y tế", "BÁO CÁO 6 THÁNG ĐẦU NĂM 2024", [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện", "Ghi chú"]],
        [[1, "Số phường, xã đạt Bộ tiêu chí quốc gia về y tế xã", "xã", 8, "Duy trì 8/8"],
         [2, "Tỷ lệ chất thải y tế được xử lý", "%", 100, None]]) + [["Ghi chú: số liệu ước tính"]]}),
        {("178-PYT", "TP24-15", "2024-H1", 8.0), ("178-PYT", "TP24-23", "2024-H1", 100.0)}))
    add(Case("21-cung-ky-tai-nan.xlsx", xlsx({"TNGT": form(
        "Công an thành phố", "BÁO CÁO TAI NẠN GIAO THÔNG 6 THÁNG ĐẦU NĂM 2024",
        [["STT", "Chỉ tiêu", "ĐVT", "Cùng kỳ năm trước", "Thực hiện"]],
        [[1, "Số vụ tai nạn giao thông", "vụ", 14, 11], [2, "Số người chết do TNGT", "người", 6, 5],
         [3, "Số người bị thương do tai nạn giao thông", "người", 12, 12]])}),
        {("178-CA", "TP24-18a", "2024-Q2", 11.0), ("178-CA", "TP24-18b", "2024-Q2", 5.0),
         ("178-CA", "TP24-18c", "2024-Q2", 12.0)}))
    add(Case("22-bieu-cu.xls", xls({"Bieu": form(
        "Phòng Kinh tế", "BÁO CÁO NĂM 2024", [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"]],
        [[1, "Diện tích rừng trồng mới", "ha", 31.5], [2, "Tổng diện tích cây trồng có giá trị kinh tế cao", "ha", "10,2"]])}),
        {("178-PKT", "TP24-20", "2024", 31.5), ("178-PKT", "TP24-21", "2024", 10.2)}))
    add(Case("23-bieu.ods", ods({"Biểu": form(
        "Phòng Lao động - Thương binh và Xã hội", "BÁO CÁO NĂM 2024", [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"]],
        [[1, "Tỷ lệ lao động qua đào tạo", "%", "83,4"], [2, "Số lao động được giải quyết việc làm mới", "người", 2410]])}),
        {("178-PLDTBXH", "TP24-13", "2024", 83.4), ("178-PLDTBXH", "TP24-14", "2024-Q4", 2410.0)}))
    add(Case("24-bieu-windows-1258.csv", text_csv(form(
        "Phòng Giáo dục và Đào tạo", "BÁO CÁO NĂM 2024", [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"]],
        [[1, "Tổng số trường học đạt chuẩn quốc gia", "trường", 27], [2, "Số trường học đạt chuẩn quốc gia tăng thêm",
                                                                       "trường", 1]]), "cp1258"),
        {("178-PGDDT", "TP24-10", "2024", 27.0), ("178-PGDDT", "TP24-09", "2024", 1.0)}))
    add(Case("25-huyen-2021.xlsx", xlsx({"Cao Lộc": form(
        "UBND huyện Cao Lộc", "BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2021", [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"]],
        [[1, "Số xã đạt chuẩn nông thôn mới tăng thêm", "xã", 1],
         [2, "Số trường học đạt chuẩn quốc gia tăng thêm", "trường", 2],
         [3, "Số xã đạt Bộ tiêu chí quốc gia về y tế xã tăng thêm", "xã", 1]])}),
        {("183", "LS21-05", "2021-H1", 1.0), ("183", "LS21-10", "2021-H1", 2.0), ("183", "LS21-11", "2021-H1", 1.0)}))
    add(Case("26-gach-ngang-va-trong.xlsx", xlsx({"Sheet1": form(
        "Phòng Tài nguyên và Môi trường", "BÁO CÁO QUÝ III NĂM 2024",
        [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"]],
        [[1, "Tỷ lệ chất thải rắn ở đô thị được thu gom và xử lý", "%", "-"], [2, "Diện tích rừng trồng mới", "ha", "x"]])}),
        set()))
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    add(Case("27-unicode-to-hop.xlsx", xlsx({"Báo cáo": [[nfd(h) for h in CANON],
                                                          [nfd("Phường Đông Kinh"), nfd("Tỷ lệ bao phủ bảo hiểm y tế toàn dân"),
                                                           "2024", "98,7", "%", None]]}),
             {("05980", "TP24-16", "2024", 98.7)}))
    from lakehouse.legacy import to_tcvn3
    vntime = form("Phòng Kinh tế", "BÁO CÁO NĂM 2024", [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"]],
                  [[1, "Diện tích rừng trồng mới", "ha", 31.5], [2, "Tổng diện tích cây trồng có giá trị kinh tế cao",
                                                                  "ha", "10,5"]])
    add(Case("28-phong-vntime.xlsx", xlsx({"Biểu": [[to_tcvn3(v) if isinstance(v, str) else v for v in row]
                                                    for row in vntime]}),
             {("178-PKT", "TP24-20", "2024", 31.5), ("178-PKT", "TP24-21", "2024", 10.5)}))
    from lakehouse.legacy import to_vni
    vni = form("Phòng Kinh tế", "BÁO CÁO KẾT QUẢ THỰC HIỆN NĂM 2024",
               [["STT", "Chỉ tiêu", "ĐVT", "Thực hiện"]],
               [[1, "Diện tích rừng trồng mới", "ha", "28,5"], [2, "Tổng diện tích cây trồng có giá trị kinh tế cao",
                                                               "ha", 12]])
    add(Case("29-phong-vni.xlsx", xlsx({"Bieu": [[to_vni(v) if isinstance(v, str) else v for v in row]
                                                for row in vni]}),
             {("178-PKT", "TP24-20", "2024", 28.5), ("178-PKT", "TP24-21", "2024", 12.0)}))
    add(Case("30-vni.csv", "\n".join(";".join(to_vni(c) for c in row) for row in [
        CANON, ["Phường Đông Kinh", "Tỷ lệ bao phủ bảo hiểm y tế toàn dân", "Năm 2024", "97,2", "%", "Đã rà soát"],
        ["Phường Vĩnh Trại", "Tỷ lệ bao phủ bảo hiểm y tế toàn dân", "Năm 2024", "96,8", "%", ""]]).encode("latin-1"),
        {("05980", "TP24-16", "2024", 97.2), ("05977", "TP24-16", "2024", 96.8)}))
    return out
