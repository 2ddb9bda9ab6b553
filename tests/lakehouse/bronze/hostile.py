"""Our own minimal reproductions of the files that crashed, aborted or exhausted the reader,
or were refused with a misleading message (one builder per class; each returns the bytes)."""
from __future__ import annotations

import io
import os
import struct
import tempfile
import zipfile

from openpyxl import Workbook

MAIN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _workbook_bytes() -> bytes:
    wb = Workbook()
    wb.active.title = "S"
    wb.active["A1"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_with(sheet_xml: bytes | None = None, extra: dict[str, bytes] | None = None,
              edit: dict[str, callable] | None = None) -> bytes:
    """A real workbook (openpyxl) with its sheet's XML replaced and parts added or edited."""
    src = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml
            if edit and item.filename in edit:
                data = edit[item.filename](data)
            z.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def far_corner_xlsx(ref: bytes = b"XFD1048576") -> bytes:
    """A1 and one cell in the far corner, no <dimension>: the parser lays out the rectangle."""
    return xlsx_with(MAIN + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                     b'<row r="2"><c r="' + ref + b'"><v>1</v></c></row></sheetData></worksheet>')


def lying_dimension_xlsx() -> bytes:
    """A <dimension> that says A1:A1 while a cell sits in column XFD."""
    return xlsx_with(MAIN + b'<dimension ref="A1:A1"/><sheetData><row r="1"><c r="A1"><v>1</v></c>'
                     b'<c r="XFD1"><v>2</v></c></row></sheetData></worksheet>')


def huge_negative_xlsx() -> bytes:
    """A genuine-looking sheet: -120 tỷ đồng written in đồng beside a decimal (the datetime probe panicked)."""
    return xlsx_with(MAIN + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Ghi chu</t></is></c>'
                     b'<c r="B1"><v>-120000000000</v></c><c r="C1"><v>1.5</v></c></row></sheetData></worksheet>')


def lying_shared_strings_xlsx() -> bytes:
    """A shared-strings part that claims four billion strings: the parser reserves them and aborts
    the process (``memory allocation of 96000000000 bytes failed``)."""
    rels = (b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    types = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return xlsx_with(
        MAIN + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
        extra={"xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                       b'count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>'},
        edit={"xl/_rels/workbook.xml.rels": lambda d: d.replace(b"</Relationships>", rels),
              "[Content_Types].xml": lambda d: d.replace(b"</Types>", types)})


def bad_crc_xlsx(report: bytes) -> bytes:
    """A workbook whose sheet part fails its CRC (one byte of the compressed data changed)."""
    data = bytearray(report)
    with zipfile.ZipFile(io.BytesIO(report)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x01
    return bytes(data)


def repeated_cells_ods(rows: int = 10_000, cols: int = 1_000) -> bytes:
    """A 2 KB .ods whose repeated cells expand to rows × cols values."""
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               b'<table:table table:name="S"><table:table-row table:number-rows-repeated="%d">'
               b'<table:table-cell table:number-columns-repeated="%d" office:value-type="float" office:value="1">'
               b'<text:p>1</text:p></table:table-cell></table:table-row></table:table>'
               b'</office:spreadsheet></office:body></office:document-content>') % (rows, cols)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                                            b'xmlns:manifest:1.0"/>')
    return out.getvalue()


# ------------------------------------------------------------------------------- .xls (BIFF in OLE)
def xls(cells: dict[tuple[int, int], object]) -> bytes:
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("S")
    for (r, c), v in cells.items():
        ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _records(stream: bytes):
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        yield pos, kind, length
        pos += 4 + length


def _rewrite_workbook_stream(data: bytes, change) -> bytes:
    import olefile

    with olefile.OleFileIO(data) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
    change(stream)
    fd, path = tempfile.mkstemp(suffix=".xls")
    try:
        os.write(fd, data)
        os.close(fd)
        with olefile.OleFileIO(path, write_mode=True) as ole:
            ole.write_stream("Workbook", bytes(stream))
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def open_password_xls() -> bytes:
    """An old .xls with an open password: a FILEPASS record in the workbook globals."""
    def change(stream: bytearray) -> None:
        pos = next(p for p, kind, _ in _records(bytes(stream)) if kind == 0x0042)   # CODEPAGE → FILEPASS
        struct.pack_into("<H", stream, pos, 0x002F)
    return _rewrite_workbook_stream(xls({(0, 0): "Mã đơn vị", (1, 0): 5}), change)


def truncated_formula_xls() -> bytes:
    """A formula whose expression claims more operand bytes than its record holds (the parser panics)."""
    import xlwt

    def change(stream: bytearray) -> None:
        pos = next(p for p, kind, _ in _records(bytes(stream)) if kind == 0x0006)
        size = struct.unpack_from("<H", stream, pos + 24)[0]
        struct.pack_into("<H", stream, pos + 24, size + 40)
    return _rewrite_workbook_stream(xls({(0, 0): 1, (0, 1): xlwt.Formula("A1+1")}), change)


def far_corner_xls() -> bytes:
    return xls({(0, 0): "Mã đơn vị", (65535, 255): 1})


def looping_xls() -> bytes:
    """An OLE container whose sector chain loops back on itself."""
    data = bytearray(xls({(0, 0): "Mã đơn vị", (1, 0): 5}))
    sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    fat = (struct.unpack_from("<I", data, 0x4C)[0] + 1) * sector
    start = next(i for i in range(len(data) // sector) if struct.unpack_from("<I", data, fat + 4 * i)[0] == i + 1)
    struct.pack_into("<I", data, fat + 4 * (start + 1), start)
    return bytes(data)
