"""The weekly digest: leadership gets the forecast's risks and the late units, each steward
their own units' missing reports with the deadline; written as files, and e-mailed to a real
(local) SMTP server the test starts."""
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from jobs.__main__ import main
from lakehouse import accounts


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("THIDUA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("THIDUA_SMTP_PORT", str(port))
    monkeypatch.setenv("THIDUA_SMTP_FROM", "thidua@ubnd.langson.gov.vn")
    yield inbox
    controller.stop()


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "users.json"
    accounts.upsert("lanhdao", "leadership", "mat-khau-1", [], "Lãnh đạo", path, email="lanhdao@langson.gov.vn")
    accounts.upsert("canbo", "steward", "mat-khau-2", ["05983", "05977"], "Chị Thu", path, email="thu@langson.gov.vn")
    accounts.upsert("canbo2", "steward", "mat-khau-3", ["178-PTCKH"], "Anh Nam", path)   # no address: file only
    return path


def test_the_digest_reaches_the_local_smtp_server_and_is_written(demo_lake_dir, people, smtp, tmp_path, capsys):
    out = tmp_path / "digests"
    assert main(["digest", "--lake", str(demo_lake_dir / "lake"), "--file", str(people), "--date", "2024-07-20",
                 "--out", str(out), "--send"]) == 0
    assert "Đã gửi 2 thư" in capsys.readouterr().out
    by_rcpt = {tuple(r): m for r, m in smtp.messages}
    lead = by_rcpt[("lanhdao@langson.gov.vn",)]
    assert lead["Subject"].startswith("Bản tin thi đua tuần 20/07/2024")
    body = lead.get_content()
    assert "Chỉ tiêu có nguy cơ không đạt" in body and "Báo cáo đã đến hạn mà chưa đủ" in body
    assert "Xã Hoàng Đồng: 6 tháng đầu năm 2024, còn thiếu 3/3 chỉ tiêu, hạn nộp 10/07/2024, quá hạn 10 ngày" in body
    steward = by_rcpt[("thu@langson.gov.vn",)].get_content()
    assert steward.startswith("Chào Chị Thu,") and "Phường Chi Lăng: Quý I/2024" in steward
    assert "Xã Hoàng Đồng" not in steward          # not one of her units
    files = sorted(p.name for p in (out / "2024-07-20").iterdir())
    assert "lanh-dao.txt" in files and "canbo.txt" in files


def test_send_without_a_server_configured_says_what_to_set(demo_lake_dir, people, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("THIDUA_SMTP_HOST", raising=False)
    assert main(["digest", "--lake", str(demo_lake_dir / "lake"), "--file", str(people), "--send",
                 "--out", str(tmp_path)]) == 2
    assert "THIDUA_SMTP_HOST" in capsys.readouterr().err


def test_an_unreachable_server_keeps_the_files_and_says_so(demo_lake_dir, people, tmp_path, capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]      # nothing listens here
    monkeypatch.setenv("THIDUA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("THIDUA_SMTP_PORT", str(port))
    assert main(["digest", "--lake", str(demo_lake_dir / "lake"), "--file", str(people), "--date", "2024-07-20",
                 "--send", "--out", str(tmp_path)]) == 2
    assert "không gửi được thư" in capsys.readouterr().err
    assert (tmp_path / "2024-07-20" / "lanh-dao.txt").exists()
