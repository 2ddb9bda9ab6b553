"""Shared fixtures: the real catalog, empty lakes in temporary folders, real report files,
and one demo lake built once per test session."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from lake.reference.catalog import load
from lake.store import Lake

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
        from lake.text import encode_windows_1258
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
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    pytest.importorskip("moto.server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("moto server did not start")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


S3_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
          "AWS_ALLOW_HTTP": "true"}


def new_bucket(endpoint: str) -> str:
    import uuid

    import boto3

    name = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_lake(s3_endpoint, monkeypatch, tmp_path) -> Lake:
    """An empty lake in a fresh bucket of the S3 server, reached as production reaches one: the
    address in THIDUA_LAKE, the connection in the standard AWS variables (inherited by jobs
    started as processes)."""
    for key, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3_endpoint, "THIDUA_WORK": str(tmp_path / "work")}.items():
        monkeypatch.setenv(key, value)
    location = f"s3://{new_bucket(s3_endpoint)}/thidua"
    monkeypatch.setenv("THIDUA_LAKE", location)
    return Lake(location)
