"""Look inside a spreadsheet container before any parser inflates it.

Refuses, with a Vietnamese reason: zip bombs (too much unzipped data or an absurd compression
ratio), damaged containers (a zip member failing its CRC, an OLE stream longer than the file),
sheets whose declared or real extent is too large (the parser lays a sheet out as a dense
rectangle from A1 to the farthest cell: one stray cell in column XFD costs a whole sheet),
too many parts or sheets, password-protected workbooks (an encrypted Office file is an OLE
container holding an ``EncryptedPackage``; an old ``.xls`` with an open password carries a
``FILEPASS`` record). Reports what a parser alone would hide: Excel error cells (``#DIV/0!``,
``#REF!``, ``#N/A``…), formulas saved without their computed value, and macros (never run;
values are still read).
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from lakehouse.bronze import limits
from lakehouse.bronze.errors import FileRejected
from lakehouse.formatting import number_vi
from lakehouse.text import column_letter

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*\bt="e"[^>]*>\s*(?:<f>[^<]*</f>)?\s*<v>([^<]*)</v>')
_EMPTY_FORMULA = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f>[^<]*</f>\s*(?:<v\s*/>|<v></v>|</c>)')
_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"')
_REL_ENTRY = re.compile(rb'<Relationship [^>]*Id="([^"]*)"[^>]*Target="([^"]*)"')
_REL_ENTRY_REVERSED = re.compile(rb'<Relationship [^>]*Target="([^"]*)"[^>]*Id="([^"]*)"')
# Cell and row references, wherever the attribute sits in the tag and whatever the namespace prefix.
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Za-z]{1,7})(\d{1,12})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d{1,12})"')
_PLAIN_ROW_REF = re.compile(rb'<row r="(\d{1,12})"')
_WIDE_REF = re.compile(rb' r="([A-Za-z]{2,7})\d')


def _greater_than(n: int) -> bytes:
    """A regex for decimal integers greater than ``n`` (no leading zeros)."""
    digits = str(n)
    options = [rb"[1-9]\d{%d,}" % len(digits)]
    for i, d in enumerate(digits):
        if d != "9":
            options.append(digits[:i].encode() + b"[%d-9]" % (int(d) + 1) + rb"\d{%d}" % (len(digits) - i - 1))
    return b"(?:" + b"|".join(options) + b")"


_FAR_ROW = re.compile(rb' r="[A-Za-z]{1,7}(' + _greater_than(limits.MAX_ROWS_PER_SHEET) + rb')"')
_ROW_TAG = re.compile(rb'<(?:\w+:)?row[\s>/]')
_ANY_CELL = re.compile(rb'<(?:\w+:)?c[\s>/]')
_CELL_WITHOUT_REF = re.compile(rb'<(?:\w+:)?c(?:\s(?:(?!\br=)[^>])*)?/?>')
_ODS_TOKEN = re.compile(rb'<(table:table|table:table-row|table:table-cell|table:covered-table-cell)([\s/>][^>]*)?>'
                        rb'|</table:table-row>|</table:table>')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="(\d+)"')
_ODS_COLS_REPEATED = re.compile(rb'table:number-columns-repeated="(\d+)"')
_CHUNK = 1 << 20


@dataclass
class Inspection:
    macros: bool = False
    error_cells: list[tuple[str, int, int, str]] = field(default_factory=list)  # sheet, row, col, "#DIV/0!"
    empty_formulas: list[tuple[str, str]] = field(default_factory=list)          # sheet, "B2"
    warnings: list[str] = field(default_factory=list)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def _n(value: int) -> str:
    return number_vi(value, 0)


def size_refusal(size: int, name: str) -> str | None:
    """Why a file of this size is refused, from its size alone (known before it is read)."""
    if size > limits.MAX_FILE_BYTES:
        return (f"Tệp '{name}' nặng {_mb(size)}, vượt giới hạn {_mb(limits.MAX_FILE_BYTES)}; "
                "hãy tách thành nhiều tệp nhỏ hơn.")
    return None


def check_size(size: int, name: str) -> None:
    if (reason := size_refusal(size, name)) is not None:
        raise FileRejected(reason)


def damaged(name: str, kind: str) -> FileRejected:
    return FileRejected(f"Không mở được tệp '{name}': tệp bị hỏng hoặc không phải bảng tính {kind}; "
                        "hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi gửi lại.")


def password_protected(name: str) -> FileRejected:
    return FileRejected(f"Tệp '{name}' được đặt mật khẩu nên không đọc được; hãy gỡ mật khẩu (File → Info → "
                        "Protect Workbook) rồi gửi lại.")


def check_extent(sheet: str, name: str, rows: int, cols: int, declared: bool = False) -> None:
    """A sheet from A1 to its farthest cell (``rows`` × ``cols``) within the limits."""
    where = f"Trang '{sheet}' của tệp '{name}'"
    if rows > limits.MAX_ROWS_PER_SHEET:
        said = f"khai báo {_n(rows)} dòng" if declared else f"có ô dữ liệu ở dòng {_n(rows)}"
        raise FileRejected(f"{where} {said}, vượt giới hạn {_n(limits.MAX_ROWS_PER_SHEET)} dòng; "
                           "không mở. Nếu đó là ô lạc ở xa bảng, hãy xoá các dòng thừa rồi gửi lại.")
    if cols > limits.MAX_COLUMNS:
        letters = column_letter(cols) if cols <= 16_384 else f"số {_n(cols)}"
        said = "khai báo tới cột" if declared else "có ô dữ liệu ở cột"
        raise FileRejected(f"{where} {said} {letters}, vượt giới hạn {_n(limits.MAX_COLUMNS)} cột; "
                           "không mở. Nếu đó là ô lạc ở xa bảng, hãy xoá các cột thừa rồi gửi lại.")
    if rows * cols > limits.MAX_SHEET_AREA:
        raise FileRejected(f"{where} trải từ ô A1 tới ô {column_letter(cols)}{rows} ({_n(rows * cols)} ô), vượt "
                           f"giới hạn {_n(limits.MAX_SHEET_AREA)} ô một trang; không mở. Hãy xoá các ô thừa "
                           "ở xa bảng hoặc tách trang rồi gửi lại.")


# --------------------------------------------------------------------------- OLE (.xls)
_BIFF_BOF, _BIFF_EOF, _BIFF_FILEPASS, _BIFF_DIMENSIONS, _BIFF_ROW, _BIFF_BOUNDSHEET = (
    0x0809, 0x000A, 0x002F, 0x0200, 0x0208, 0x0085)
_BIFF_CELLS = {0x00FD, 0x0203, 0x027E, 0x0006, 0x0201, 0x0204, 0x0205, 0x00D6}   # row, col first
_BIFF_MULTI = {0x00BD, 0x00BE}                                                    # row, first col … last col


def check_ole(data: bytes, name: str) -> Inspection:
    """An OLE file: a real ``.xls`` (its ``Workbook`` stream checked record by record), or an
    encrypted (password-protected) ``.xlsx``."""
    import olefile

    if "EncryptedPackage".encode("utf-16-le") in data[:1 << 16] or b"EncryptedPackage" in data[:1 << 16]:
        raise password_protected(name)
    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # olefile raises OSError, struct errors, IndexError… on a damaged container
        raise damaged(name, "xls") from None
    with ole:
        try:
            if ole.exists("EncryptedPackage"):
                raise password_protected(name)
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            if stream is None:
                raise FileRejected(f"Tệp '{name}' là tệp Office nhưng không chứa bảng tính Excel (không có phần "
                                   "'Workbook'); hãy gửi tệp Excel.")
            size = ole.get_size(stream)
            # A stream cannot be longer than the file holding it; a looping sector chain says it is.
            if size > len(data):
                raise damaged(name, "xls")
            workbook = ole.openstream(stream).read()
        except FileRejected:
            raise
        except Exception:
            raise damaged(name, "xls") from None
    _scan_biff(workbook, name)
    return Inspection()


def _scan_biff(stream: bytes, name: str) -> None:
    """Walk the BIFF records: encryption, sheet count, declared and real extents of each sheet."""
    pos, sheet_no, sheets, in_globals = 0, -1, 0, True
    max_row = max_col = 0
    names: list[str] = []

    def close_sheet() -> None:
        if sheet_no >= 0 and (max_row or max_col):
            label = names[sheet_no] if sheet_no < len(names) else str(sheet_no + 1)
            check_extent(label, name, max_row, max_col)

    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        pos += 4 + length
        if kind == _BIFF_BOF:
            close_sheet()
            sub = struct.unpack_from("<H", body, 2)[0] if len(body) >= 4 else 0
            in_globals = sub == 0x0005
            if not in_globals:
                sheet_no += 1
                max_row = max_col = 0
        elif kind == _BIFF_FILEPASS and in_globals:
            raise password_protected(name)
        elif kind == _BIFF_BOUNDSHEET and in_globals:
            sheets += 1
            if sheets > limits.MAX_SHEETS:
                raise FileRejected(f"Tệp '{name}' có hơn {limits.MAX_SHEETS} trang tính, vượt giới hạn.")
            names.append(_biff_sheet_name(body))
        elif kind == _BIFF_DIMENSIONS and not in_globals:
            if len(body) >= 14:   # BIFF8: first row, last row + 1 (32-bit), first col, last col + 1
                _, rows, _, cols = struct.unpack_from("<IIHH", body)
            elif len(body) >= 10:
                _, rows, _, cols = struct.unpack_from("<HHHH", body)
            else:
                continue
            label = names[sheet_no] if 0 <= sheet_no < len(names) else str(sheet_no + 1)
            check_extent(label, name, rows, cols, declared=True)
        elif (kind in _BIFF_CELLS or kind == _BIFF_ROW) and len(body) >= 4 and not in_globals:
            row, col = struct.unpack_from("<HH", body)
            max_row = max(max_row, row + 1)
            if kind != _BIFF_ROW:
                max_col = max(max_col, col + 1)
        elif kind in _BIFF_MULTI and len(body) >= 6 and not in_globals:
            row = struct.unpack_from("<H", body)[0]
            last = struct.unpack_from("<H", body, len(body) - 2)[0]
            max_row, max_col = max(max_row, row + 1), max(max_col, last + 1)
    close_sheet()


def _biff_sheet_name(body: bytes) -> str:
    try:
        length, flags = body[6], body[7]
        raw = body[8:8 + length * (2 if flags & 1 else 1)]
        return raw.decode("utf-16-le" if flags & 1 else "latin-1")
    except IndexError:
        return "?"


# --------------------------------------------------------------------------- zip (.xlsx, .ods)
def inspect_zip(data: bytes, name: str, kind: str) -> Inspection:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise damaged(name, kind) from None
    if len(entries) > limits.MAX_ZIP_ENTRIES:
        raise FileRejected(f"Tệp '{name}' có {_n(len(entries))} phần bên trong, vượt giới hạn "
                           f"{_n(limits.MAX_ZIP_ENTRIES)}.")
    total = sum(e.file_size for e in entries)
    if total > limits.MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(f"Tệp '{name}' khi giải nén lớn {_mb(total)}, vượt giới hạn "
                           f"{_mb(limits.MAX_UNCOMPRESSED_BYTES)} (có thể là tệp 'bom nén'); không mở.")
    for e in entries:
        if e.file_size > 5 * 1024 * 1024 and e.file_size > limits.MAX_COMPRESSION_RATIO * max(e.compress_size, 1):
            raise FileRejected(f"Tệp '{name}' có phần '{e.filename}' nén bất thường ({e.file_size // max(e.compress_size, 1)} "
                               "lần); có thể là tệp 'bom nén', không mở.")
    try:
        return _inspect_parts(archive, {e.filename for e in entries}, name, kind)
    except FileRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError, RuntimeError, OSError,
            ValueError):
        # A member failing its CRC, a truncated stream, an unsupported compression, an encrypted
        # member, or a member whose offset points before the file (zipfile: "negative seek value").
        raise damaged(name, kind) from None


def _inspect_parts(archive: zipfile.ZipFile, names: set[str], name: str, kind: str) -> Inspection:
    found = Inspection()
    if kind == "ods":
        manifest = archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        if b"encryption-data" in manifest:
            raise FileRejected(f"Tệp '{name}' được đặt mật khẩu nên không đọc được; hãy gỡ mật khẩu rồi gửi lại.")
        if "content.xml" in names:
            _scan_ods(archive, name)
        return found
    found.macros = any(n.lower().endswith("vbaproject.bin") for n in names)
    if found.macros:
        found.warnings.append("Tệp có macro (VBA): chỉ đọc giá trị trong ô, macro không bao giờ được chạy.")
    sheets = _sheet_files(archive, names)
    if len(sheets) > limits.MAX_SHEETS:
        raise FileRejected(f"Tệp '{name}' có {len(sheets)} trang tính, vượt giới hạn {limits.MAX_SHEETS}.")
    for sheet_name, path in sheets:
        _scan_sheet(archive, path, sheet_name, name, found)
    if found.empty_formulas:
        cells = ", ".join(ref for _, ref in found.empty_formulas[:10])
        more = f" và {len(found.empty_formulas) - 10} ô khác" if len(found.empty_formulas) > 10 else ""
        found.warnings.append(f"Có {len(found.empty_formulas)} ô công thức chưa được tính giá trị ({cells}{more}); "
                              "hãy mở tệp bằng Excel, lưu lại rồi gửi.")
    return found


def _sheet_files(archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    if "xl/workbook.xml" not in names:
        return []
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {rid: target for rid, target in _REL_ENTRY.findall(rels)}
    targets.update({rid: target for target, rid in _REL_ENTRY_REVERSED.findall(rels)})
    out = []
    for sheet_name, rid in _SHEET_ENTRY.findall(workbook):
        target = targets.get(rid, b"").decode("utf-8", "replace")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if path in names:
            out.append((sheet_name.decode("utf-8", "replace"), path))
    return out


def _scan_sheet(archive: zipfile.ZipFile, path: str, sheet: str, name: str, found: Inspection) -> None:
    """One pass over a sheet's XML, a megabyte at a time: its declared extent, its real extent
    (the farthest row and column any cell reaches), error cells and formulas without values."""
    with archive.open(path) as fh:
        head = fh.read(4096)
        m = _DIMENSION.search(head)
        if m:
            last_col, last_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
            check_extent(sheet, name, int(last_row), _col_number(last_col), declared=True)
        tail = b""
        chunk = head
        max_row = max_col = 0
        implicit_rows = 0
        while chunk:
            text = tail + chunk
            for col, row, value in (_ERROR_CELL.findall(text) if b't="e"' in text else ()):
                cell = (sheet, int(row), _col_number(col), value.decode("utf-8", "replace"))
                if cell not in found.error_cells:
                    found.error_cells.append(cell)
            for ref in (_EMPTY_FORMULA.findall(text) if b"<f" in text else ()):
                item = (sheet, ref.decode())
                if item not in found.empty_formulas:
                    found.empty_formulas.append(item)
            if b"<c " in chunk and b'<c r="' not in chunk or chunk.count(b"<c ") != chunk.count(b'<c r="'):
                refs = set(_CELL_REF.findall(text))      # prefixes or other attribute orders: the slow way
                if refs:
                    max_row = max(max_row, max(int(r) for _, r in refs))
                    max_col = max(max_col, _col_number(max((len(c), c.upper()) for c, _ in refs)[1]))
                if _CELL_WITHOUT_REF.search(chunk):
                    # Cells without r="…" take the next column: the widest row decides.
                    max_col = max(max_col, max(len(_ANY_CELL.findall(seg)) for seg in _ROW_TAG.split(chunk)))
            else:
                # Only references beyond column Z or beyond the row limit need reading one by one.
                wide = set(_WIDE_REF.findall(text))
                max_col = max(max_col, _col_number(max((len(c), c.upper()) for c in wide)[1]) if wide else 26)
                far = _FAR_ROW.findall(text)
                if far:
                    max_row = max(max_row, max(map(int, far)))
            rows = ((_PLAIN_ROW_REF if text.count(b"<row ") == text.count(b'<row r="') else _ROW_REF).findall(text)
                    if b"<row" in chunk else [])
            if rows:
                max_row = max(max_row, max(map(int, set(rows))))
            row_tags = chunk.count(b"<row")
            if row_tags and row_tags > len(rows):
                implicit_rows += row_tags   # rows without r="…" follow one another: count them all
            check_extent(sheet, name, max(max_row, implicit_rows), max_col)
            tail = text[-512:]
            chunk = fh.read(_CHUNK)


def _scan_ods(archive: zipfile.ZipFile, name: str) -> None:
    """An OpenDocument sheet's extent once its repeated rows and columns are expanded, as the
    parser will expand them (trailing empty repeats, which every LibreOffice file has, cost
    nothing and are not counted)."""
    sheet, rows, cols, cells = "?", 0, 0, 0
    row_repeat, col_pos, last_filled, filled = 1, 0, 0, 0
    empty_rows = 0
    tail = b""
    with archive.open("content.xml") as fh:
        while chunk := fh.read(_CHUNK):
            text = tail + chunk
            # Tokens cut by the chunk boundary wait for the next chunk.
            cut = text.rfind(b"<")
            if cut != -1 and text.find(b">", cut) == -1:
                text, tail = text[:cut], text[cut:]
            else:
                tail = b""
            for m in _ODS_TOKEN.finditer(text):
                tag, attrs = m.group(1), m.group(2) or b""
                if tag == b"table:table":
                    n = _ODS_NAME.search(attrs)
                    sheet = n.group(1).decode("utf-8", "replace") if n else "?"
                    rows = cols = empty_rows = 0
                elif tag == b"table:table-row":
                    r = _ODS_ROWS_REPEATED.search(attrs)
                    row_repeat, col_pos, last_filled, filled = (int(r.group(1)) if r else 1), 0, 0, 0
                elif tag in (b"table:table-cell", b"table:covered-table-cell"):
                    c = _ODS_COLS_REPEATED.search(attrs)
                    span = int(c.group(1)) if c else 1
                    col_pos += span
                    if b"office:value-type" in attrs or not attrs.rstrip().endswith(b"/"):
                        last_filled, filled = col_pos, filled + span
                elif m.group(0) == b"</table:table-row>":
                    if filled:
                        rows += empty_rows + row_repeat
                        empty_rows = 0
                        cols = max(cols, last_filled)
                        cells += filled * row_repeat
                        check_extent(sheet, name, rows, cols)
                        if cells > limits.MAX_CELLS:
                            raise FileRejected(f"Tệp '{name}' có hơn {_n(limits.MAX_CELLS)} ô có dữ liệu khi các "
                                               "ô lặp lại được trải ra, vượt giới hạn; không mở.")
                    else:
                        empty_rows += row_repeat
