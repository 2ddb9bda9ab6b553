"""What can go wrong that is not the data's fault, and how it is told apart and recorded.

Two kinds, never reported as "data rejected":

* **storage faults** — the disk is full, the lake is read-only, missing or not ours to write:
  the job stops with exit code 2 and a Vietnamese message saying what to do (:func:`storage_fault`).
* **internal errors** — a bug of ours met on some file: that file gets exit code 3 and a
  Vietnamese message with an error code; the trace goes to the log (``<lake>/_logs/thidua.log``)
  and the run record, never to the screen (:func:`record_internal`). Other files go on.
"""
from __future__ import annotations

import errno
import logging
import logging.handlers
import traceback
import uuid
from pathlib import Path

log = logging.getLogger("thidua")

_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_READ_ONLY = (errno.EROFS,)
_DENIED = (errno.EACCES, errno.EPERM)
# deltalake and the object store name the OS error in their own text.
_TEXTS = (("no space left", _SPACE[0]), ("disk quota", _SPACE[0]), ("read-only file system", errno.EROFS),
          ("permission denied", errno.EACCES))


def _errno(exc: BaseException) -> int | None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno:
            return exc.errno
        text = str(exc).lower()
        for needle, code in _TEXTS:
            if needle in text:
                return code
        exc = exc.__cause__ or exc.__context__
    return None


def storage_fault(exc: BaseException, root: Path | str) -> str | None:
    """The Vietnamese message for a storage fault, or None when ``exc`` is something else."""
    code = _errno(exc)
    if code in _SPACE:
        return (f"ổ đĩa chứa kho dữ liệu ({root}) đã đầy. Không có bảng nào bị ghi dở; hãy giải phóng dung lượng "
                "(hoặc mở rộng ổ đĩa) rồi chạy lại lệnh. Tệp đã nhận trước đó vẫn còn nguyên.")
    if code in _READ_ONLY:
        return (f"kho dữ liệu ({root}) đang ở chế độ chỉ đọc nên không ghi được. Hãy kiểm tra ổ đĩa "
                "(gắn lại ở chế độ ghi) rồi chạy lại lệnh.")
    if code in _DENIED:
        return (f"không có quyền ghi vào kho dữ liệu ({root}). Hãy chạy lệnh bằng tài khoản quản lý kho, hoặc "
                "cấp quyền ghi cho thư mục này.")
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        return (f"không tìm thấy kho dữ liệu hoặc một phần của nó ({root}). Hãy kiểm tra đường dẫn "
                "(--lake hoặc THIDUA_LAKE) và ổ đĩa đã được gắn chưa.")
    return None


def log_to(root: Path | str) -> None:
    """Send this process's log (traces of internal errors, reader failures) to ``<lake>/_logs``;
    where that folder cannot be written, the log stays with the caller's handlers."""
    folder = Path(root) / "_logs"
    target = str((folder / "thidua.log").absolute())
    if any(getattr(h, "baseFilename", None) == target for h in log.handlers):
        return
    for old in [h for h in log.handlers if isinstance(h, logging.FileHandler)]:   # one lake per process
        log.removeHandler(old)
        old.close()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=10 * 1024 * 1024, backupCount=5,
                                                       encoding="utf-8", delay=True)
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def record_internal(what: str, exc: BaseException | str) -> tuple[str, str]:
    """Log an internal error with its trace; returns (error code, trace) for the run record."""
    code = uuid.uuid4().hex[:8]
    trace = exc if isinstance(exc, str) else "".join(traceback.format_exception(exc))
    log.error("internal error %s while %s\n%s", code, what, trace)
    return code, trace


def internal_message(name: str, code: str) -> str:
    return (f"'{name}': lỗi nội bộ của hệ thống khi xử lý tệp này (mã lỗi {code}), không phải lỗi của số liệu. "
            "Tệp đã được lưu nguyên bản và lỗi đã được ghi lại để quản trị viên xử lý; không cần gửi lại.")
