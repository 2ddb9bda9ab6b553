"""A file's cells as text (``bronze.cells``): one row per non-empty cell, with sheet, row, column.

This is the format edge: CSV (UTF-8 with or without BOM, UTF-16, Windows-1258), ``.xlsx``,
``.xls`` and ``.ods`` all become the same long table, so every layout reader downstream
works on one shape. Spreadsheets are read with fastexcel (calamine), every cell as text;
numbers are parsed later by us (``lakehouse.numbers``). A spreadsheet cell that holds a real
number is flagged ``is_number`` where its text alone would be ambiguous (``5.835``).
"""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

import fastexcel
import polars as pl

from lakehouse.bronze import inspect, limits
from lakehouse.bronze.errors import FileRejected
from lakehouse import legacy
from lakehouse.formatting import number_vi
from lakehouse.text import nfc

SPREADSHEET_EXTENSIONS = {"xlsx", "xlsm", "xls", "ods"}
TEXT_EXTENSIONS = {"csv", "txt", "tsv"}
ACCEPTED_EXTENSIONS = SPREADSHEET_EXTENSIONS | TEXT_EXTENSIONS
# Text that reads differently if the cell held a real number: "5.835" (5835 as Vietnamese text,
# 5.835 as a number) and "94.1" (a real decimal, or English-notation text that decides the file's notation).
_AMBIGUOUS = r"^-?\d+\.\d+$"
_SCHEMA = {"sheet_index": pl.Int32, "sheet": pl.String, "row": pl.Int32, "col": pl.Int32,
           "text": pl.String, "is_number": pl.Boolean}


@dataclass(frozen=True)
class ReadInfo:
    """How a file was understood, for the dry run and the ingest summary."""
    format: str
    encoding: str | None
    sheets: tuple[str, ...]
    cells: int
    warnings: tuple[str, ...] = ()


def _utf16_without_bom(head: bytes) -> str | None:
    """Text saved as UTF-16 without a byte-order mark: every other byte of ASCII text is zero."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def sniff_format(data: bytes, ext: str, name: str) -> str:
    if not data:
        raise FileRejected(f"Tệp '{name}' rỗng (0 byte).")
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        kind = "ods" if b"opendocument.spreadsheet" in data[:200] else "xlsx"
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = "xls"
    elif head.startswith(b"%PDF"):
        raise FileRejected(f"Tệp '{name}' là tệp PDF, không phải bảng tính; hãy gửi tệp Excel hoặc CSV.")
    elif head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" not in data[:4096] or _utf16_without_bom(data):
        kind = "csv"
    else:
        raise FileRejected(f"Tệp '{name}' không phải bảng tính hay CSV (nội dung nhị phân không nhận ra).")
    if ext not in ACCEPTED_EXTENSIONS:
        shown = f"có đuôi '.{ext}'" if ext else "không có đuôi (.xlsx, .csv…)"
        raise FileRejected(f"Tệp '{name}' {shown} nên không được nhận; hãy gửi .xlsx, .xls, .ods hoặc .csv.")
    if kind == "csv" and ext in SPREADSHEET_EXTENSIONS:
        raise FileRejected(f"Tệp '{name}' có đuôi '.{ext}' nhưng nội dung là văn bản, không phải Excel.")
    if kind != "csv" and ext in TEXT_EXTENSIONS:
        raise FileRejected(f"Tệp '{name}' có đuôi '.{ext}' nhưng nội dung là bảng tính {kind}.")
    return kind


def read_cells(data: bytes, name: str, ext: str) -> tuple[pl.DataFrame, ReadInfo]:
    """Every non-empty cell of a received file, or :class:`FileRejected` with the reason.

    Untrusted bytes: call it through :func:`lakehouse.bronze.reader.read_isolated`, which runs it in a
    worker process with a memory ceiling and a time limit."""
    inspect.check_size(len(data), name)
    kind = sniff_format(data, ext, name)
    if kind == "csv":
        frame, info = _read_csv(data, name)
    else:
        found = inspect.check_ole(data, name) if kind == "xls" else inspect.inspect_zip(data, name, kind)
        frame, info = _read_spreadsheet(data, name, kind)
        if found is not None:
            frame = _add_error_cells(frame, found, info.sheets)
            info = ReadInfo(info.format, None, info.sheets, frame.height, tuple(found.warnings))
    frame, info = _legacy_fonts(frame, info)
    if frame.height > limits.MAX_CELLS:
        raise FileRejected(f"Tệp '{name}' có {number_vi(frame.height, 0)} ô có dữ liệu, vượt giới hạn "
                           f"{number_vi(limits.MAX_CELLS, 0)} ô.")
    return frame, info


def _legacy_fonts(frame: pl.DataFrame, info: ReadInfo) -> tuple[pl.DataFrame, ReadInfo]:
    """Text typed in TCVN3 (.VnTime) or VNI (VNI-Times) fonts becomes Unicode; the dry run says
    which table was detected and how many cells changed."""
    suspects = frame["text"].str.contains(r"[\u0080-\u00ff]")
    if not suspects.any():
        return frame, info
    texts, scheme, changed = legacy.convert_cells(frame["text"].to_list())
    if not changed:
        return frame, info
    warning = (f"{changed} ô chữ gõ bằng bảng mã {legacy.NAMES[scheme]} đã được chuyển sang Unicode; "
               "hãy kiểm tra tên chỉ tiêu, đơn vị trong phần xem trước.")
    return (frame.with_columns(text=pl.Series(texts, dtype=pl.String)),
            ReadInfo(info.format, info.encoding, info.sheets, info.cells, (*info.warnings, warning)))


def _add_error_cells(frame: pl.DataFrame, found, sheets: tuple[str, ...]) -> pl.DataFrame:
    """Excel error cells (#DIV/0!, #REF!…) come out of calamine empty; put their text back so
    they are reported, never mistaken for "no data"."""
    if not found.error_cells:
        return frame
    index = {s: i for i, s in enumerate(sheets)}
    extra = pl.DataFrame([{"sheet_index": index.get(nfc(sheet), 0), "sheet": nfc(sheet), "row": row, "col": col,
                           "text": value, "is_number": False} for sheet, row, col, value in found.error_cells],
                         schema=_SCHEMA)
    return pl.concat([frame.join(extra.select("sheet", "row", "col"), on=["sheet", "row", "col"], how="anti"), extra])


def decode_text(data: bytes) -> tuple[str, str, list[str]]:
    """Decode CSV bytes: a BOM decides; else UTF-8 if valid; else Windows-1258 (old Vietnamese
    Windows), or the bytes as they are when the text was typed in a TCVN3 or VNI font.
    Returns the text, the encoding and warnings for the steward (bytes that could not be read)."""
    warnings: list[str] = []
    utf16 = ("utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
             else None if data.startswith(codecs.BOM_UTF8) else _utf16_without_bom(data))
    if utf16:
        text = data.decode(utf16, errors="replace")
        if "\ufffd" in text:   # an odd last byte, a lone surrogate
            warnings.append(f"Có {text.count(chr(0xFFFD))} ký tự UTF-16 bị hỏng, đã thay bằng dấu �; hãy kiểm tra "
                            "các ô có dấu này.")
        return text.lstrip("\ufeff"), utf16, warnings
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", warnings
        except UnicodeDecodeError:
            data = data[3:]   # a BOM over bytes of another encoding: the bytes decide
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1258", errors="replace")
    # A CSV saved from a sheet typed in a legacy font holds the font's bytes: keep them byte for
    # byte (the cells are converted with the rest, in _legacy_fonts) when that reads better.
    raw = data.decode("latin-1")
    if legacy.detect(raw.splitlines(), baseline=nfc(text).splitlines()) is not None:
        return raw, "windows-1252", warnings
    return text, "windows-1258", warnings


def _read_csv(data: bytes, name: str) -> tuple[pl.DataFrame, ReadInfo]:
    text, encoding, warnings = decode_text(data)
    text = nfc(text)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")   # old Mac line endings (CR only)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows, cols, texts = [], [], []
    csv.field_size_limit(limits.MAX_CSV_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for r, record in enumerate(reader, start=1):
            if r > limits.MAX_CSV_LINES:
                raise FileRejected(f"Tệp '{name}' có hơn {number_vi(limits.MAX_CSV_LINES, 0)} dòng, vượt giới hạn; "
                                   "hãy tách thành nhiều tệp.")
            for c, value in enumerate(record, start=1):
                value = value.strip()
                if value:
                    rows.append(r)
                    cols.append(c)
                    texts.append(value)
    except csv.Error:
        raise FileRejected(
            f"Tệp '{name}', từ dòng {len(rows) and rows[-1] + 1 or 1}: có ô dài hơn "
            f"{number_vi(limits.MAX_CSV_FIELD_CHARS, 0)} ký tự (giới hạn của Excel) hoặc sai cấu trúc CSV; thường do "
            "một dấu ngoặc kép (\") mở mà không đóng. Hãy sửa dòng đó rồi gửi lại.") from None
    frame = pl.DataFrame({"sheet_index": [0] * len(rows), "sheet": ["CSV"] * len(rows), "row": rows,
                          "col": cols, "text": texts, "is_number": [False] * len(rows)}, schema=_SCHEMA)
    return frame, ReadInfo("csv", encoding, ("CSV",), frame.height, tuple(warnings))


def _reraise_interrupts(exc: BaseException) -> None:
    """The parser is native code: a Rust panic inside it surfaces as pyo3's ``PanicException``,
    a BaseException, so the readers catch BaseException; an interrupt still interrupts."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _read_spreadsheet(data: bytes, name: str, kind: str) -> tuple[pl.DataFrame, ReadInfo]:
    # Whatever the parser says, the steward gets one Vietnamese reason, never the library's English.
    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
    except BaseException as exc:
        _reraise_interrupts(exc)
        raise inspect.damaged(name, kind) from None
    frames = []
    for index, sheet in enumerate(names):
        try:
            loaded = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
            columns = loaded.available_columns()
            wide = loaded.to_polars()
            del loaded
        except BaseException as exc:
            _reraise_interrupts(exc)
            raise FileRejected(f"Không đọc được trang tính '{nfc(sheet)}' của tệp '{name}': trang bị hỏng hoặc có "
                               "nội dung bộ đọc không hiểu; hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi "
                               "gửi lại.") from None
        if wide.is_empty():
            continue
        long = _unpivot(wide, [c.absolute_index + 1 for c in columns], index, nfc(sheet))
        del wide
        if long.filter(pl.col("text").str.contains(_AMBIGUOUS)).height:
            long = _flag_numbers(reader, index, long, columns)
        frames.append(long)
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=_SCHEMA)
    return frame, ReadInfo(kind, None, tuple(nfc(n) for n in names), frame.height)


def _unpivot(wide: pl.DataFrame, absolute_cols: list[int], sheet_index: int, sheet: str) -> pl.DataFrame:
    renamed = wide.rename({old: str(col) for old, col in zip(wide.columns, absolute_cols)})
    return (renamed.with_row_index("row", offset=1)
            .unpivot(index="row", variable_name="col", value_name="text")
            .filter(pl.col("text").is_not_null())
            .with_columns(pl.col("text").str.strip_chars())
            .filter(pl.col("text") != "")
            .select(sheet_index=pl.lit(sheet_index, pl.Int32), sheet=pl.lit(sheet), row=pl.col("row").cast(pl.Int32),
                    col=pl.col("col").cast(pl.Int32), text=pl.col("text").map_batches(
                        lambda s: s.str.normalize("NFC"), return_dtype=pl.String),
                    is_number=pl.lit(False)))


def _flag_numbers(reader, index: int, long: pl.DataFrame, columns) -> pl.DataFrame:
    """Which cells hold real numbers: read as booleans, a number is true or false, text is null.
    (A datetime probe overflowed, and panicked, on numbers below about -1.07e11.)"""
    try:
        probe = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="boolean").to_polars()
    except BaseException as exc:
        _reraise_interrupts(exc)
        return long
    probe = probe.rename({old: str(c.absolute_index + 1) for old, c in zip(probe.columns, columns)})
    numeric = (probe.with_row_index("row", offset=1)
               .unpivot(index="row", variable_name="col", value_name="flag")
               .filter(pl.col("flag").is_not_null())
               .select(row=pl.col("row").cast(pl.Int32), col=pl.col("col").cast(pl.Int32), native=pl.lit(True)))
    return (long.join(numeric, on=["row", "col"], how="left")
            .with_columns(is_number=pl.col("native").fill_null(False)
                          & pl.col("text").str.contains(r"^[-+]?[\d.]+([eE][-+]?\d+)?$"))
            .drop("native"))


def to_table(cells: pl.DataFrame, file_id: str) -> pl.DataFrame:
    """Cells of one file in ``bronze.cells`` form (sharded by the file id's first two hex digits)."""
    return cells.with_columns(shard=pl.lit(file_id[:2]), file_id=pl.lit(file_id))
