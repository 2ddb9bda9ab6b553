"""Shared fixtures: the real catalog, empty lakes in temporary folders, real report files,
and one demo lake built once per test session."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from lakehouse.reference.catalog import load
from lakehouse.store import Lake

HEADER = ["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Đơn vị tính", "Kế hoạch", "Kỳ gốc", "Ghi chú"]


@pytest.fixture(scope="session")
def cat():
    return load()


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(tmp_path / "lake")


def xlsx_bytes(rows: list[list], header: list[str] | None = HEADER, sheet: str = "Báo cáo",
               top: list[list] | None = None) -> bytes:
    """A real .xlsx written by openpyxl: optional lines above the table, a header, the rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for line in top or []:
        ws.append(line)
    if header:
        ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list], header: list[str] = HEADER, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    text = buf.getvalue()
    if encoding == "cp1258":
        from lakehouse.text import encode_windows_1258
        return encode_windows_1258(text)
    return text.encode(encoding)


@pytest.fixture(scope="session")
def demo_lake_dir(tmp_path_factory) -> Path:
    """``python -m jobs demo`` once per session (it also runs a full refresh)."""
    from jobs.__main__ import main

    root = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--lake", str(root / "lake"), "--out", str(root / "reports")]) == 0
    return root


@pytest.fixture
def demo_lake(demo_lake_dir, tmp_path) -> Lake:
    """A private copy of the demo lake, free to change."""
    target = tmp_path / "lake"
    shutil.copytree(demo_lake_dir / "lake", target)
    return Lake(target)


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server on the loopback address (moto's server mode), for the session."""
    pytest.importorskip("moto.server")
    from bench.objectstore import s3_server

    with s3_server() as url:
        yield url


@pytest.fixture
def s3_lake(s3_endpoint, monkeypatch, tmp_path) -> Lake:
    """An empty lake in a fresh bucket of the S3 server, reached as production reaches one: the
    address in THIDUA_LAKE, the connection in the standard AWS variables (inherited by jobs
    started as processes)."""
    from bench.objectstore import S3_ENV, new_bucket

    for key, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3_endpoint, "THIDUA_WORK": str(tmp_path / "work")}.items():
        monkeypatch.setenv(key, value)
    location = f"s3://{new_bucket(s3_endpoint)}/thidua"
    monkeypatch.setenv("THIDUA_LAKE", location)
    return Lake(location)
