"""Look inside a spreadsheet container before any parser inflates it.

Refuses, with a Vietnamese reason: zip bombs (too much unzipped data or an absurd compression
ratio), sheets declaring millions of rows, too many parts or sheets, password-protected
workbooks (an encrypted Office file is an OLE container holding an ``EncryptedPackage``).
Reports what a parser alone would hide: Excel error cells (``#DIV/0!``, ``#REF!``, ``#N/A``…),
formulas saved without their computed value, and macros (never run; values are still read).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from lake.bronze import limits
from lake.bronze.errors import FileRejected

_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*\bt="e"[^>]*>\s*(?:<f>[^<]*</f>)?\s*<v>([^<]*)</v>')
_EMPTY_FORMULA = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f>[^<]*</f>\s*(?:<v\s*/>|<v></v>|</c>)')
_SHEET_ENTRY = re.compile(rb'<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"')
_REL_ENTRY = re.compile(rb'<Relationship [^>]*Id="([^"]*)"[^>]*Target="([^"]*)"')
_REL_ENTRY_REVERSED = re.compile(rb'<Relationship [^>]*Target="([^"]*)"[^>]*Id="([^"]*)"')
_CHUNK = 1 << 20


@dataclass
class Inspection:
    macros: bool = False
    error_cells: list[tuple[str, int, int, str]] = field(default_factory=list)  # sheet, row, col, "#DIV/0!"
    empty_formulas: list[tuple[str, str]] = field(default_factory=list)          # sheet, "B2"
    warnings: list[str] = field(default_factory=list)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_size(data: bytes, name: str) -> None:
    if len(data) > limits.MAX_FILE_BYTES:
        raise FileRejected(f"Tệp '{name}' nặng {_mb(len(data))}, vượt giới hạn {_mb(limits.MAX_FILE_BYTES)}; "
                           "hãy tách thành nhiều tệp nhỏ hơn.")


def check_ole(data: bytes, name: str) -> Inspection | None:
    """An OLE file: a real .xls, or an encrypted (password-protected) .xlsx."""
    if "EncryptedPackage".encode("utf-16-le") in data[:1 << 16] or b"EncryptedPackage" in data[:1 << 16]:
        raise FileRejected(f"Tệp '{name}' được đặt mật khẩu nên không đọc được; hãy gỡ mật khẩu (File → Info → "
                           "Protect Workbook) rồi gửi lại.")


def inspect_zip(data: bytes, name: str, kind: str) -> Inspection:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except zipfile.BadZipFile:
        raise FileRejected(f"Không mở được tệp '{name}': tệp bị hỏng hoặc không phải bảng tính {kind}.") from None
    if len(entries) > limits.MAX_ZIP_ENTRIES:
        raise FileRejected(f"Tệp '{name}' có {len(entries)} phần bên trong, vượt giới hạn {limits.MAX_ZIP_ENTRIES}.")
    total = sum(e.file_size for e in entries)
    if total > limits.MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(f"Tệp '{name}' khi giải nén lớn {_mb(total)}, vượt giới hạn "
                           f"{_mb(limits.MAX_UNCOMPRESSED_BYTES)} (có thể là tệp 'bom nén'); không mở.")
    for e in entries:
        if e.file_size > 5 * 1024 * 1024 and e.file_size > limits.MAX_COMPRESSION_RATIO * max(e.compress_size, 1):
            raise FileRejected(f"Tệp '{name}' có phần '{e.filename}' nén bất thường ({e.file_size // max(e.compress_size, 1)} "
                               "lần); có thể là tệp 'bom nén', không mở.")
    names = {e.filename for e in entries}
    found = Inspection()
    if kind == "ods":
        manifest = archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        if b"encryption-data" in manifest:
            raise FileRejected(f"Tệp '{name}' được đặt mật khẩu nên không đọc được; hãy gỡ mật khẩu rồi gửi lại.")
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
        target = targets.get(rid, b"").decode()
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if path in names:
            out.append((sheet_name.decode("utf-8", "replace"), path))
    return out


def _scan_sheet(archive: zipfile.ZipFile, path: str, sheet: str, name: str, found: Inspection) -> None:
    with archive.open(path) as fh:
        head = fh.read(4096)
        m = _DIMENSION.search(head)
        if m and m.group(1) and int(m.group(1)) > limits.MAX_ROWS_PER_SHEET:
            raise FileRejected(f"Trang '{sheet}' của tệp '{name}' khai báo {int(m.group(1)):,} dòng, vượt giới hạn "
                               f"{limits.MAX_ROWS_PER_SHEET:,} dòng; không mở.".replace(",", "."))
        tail = b""
        chunk = head
        rows_seen = 0
        while chunk:
            text = tail + chunk
            for col, row, value in _ERROR_CELL.findall(text):
                cell = (sheet, int(row), _col_number(col), value.decode("utf-8", "replace"))
                if cell not in found.error_cells:
                    found.error_cells.append(cell)
            for ref in _EMPTY_FORMULA.findall(text):
                item = (sheet, ref.decode())
                if item not in found.empty_formulas:
                    found.empty_formulas.append(item)
            rows_seen += chunk.count(b"<row ")
            if rows_seen > limits.MAX_ROWS_PER_SHEET:
                raise FileRejected(f"Trang '{sheet}' của tệp '{name}' có hơn {limits.MAX_ROWS_PER_SHEET:,} dòng, "
                                   "vượt giới hạn; không đọc tiếp.".replace(",", "."))
            tail = text[-512:]
            chunk = fh.read(_CHUNK)
