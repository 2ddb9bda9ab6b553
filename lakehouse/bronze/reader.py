"""Untrusted bytes are parsed in a worker process, never in the caller.

The spreadsheet parser is native code: a malformed file can make it panic, abort the whole
process (``memory allocation of 549755813888 bytes failed``) or allocate gigabytes. In the
dashboard that would end the server for every user; in the nightly job, the night's work. So
:func:`read_isolated` sends the bytes to a warm worker (``python -m lakehouse.bronze.reader``) that
runs :func:`lakehouse.bronze.cells.read_cells` under a memory ceiling and a time limit, and turns
whatever happens to it into an answer: the cells, a Vietnamese refusal, or :class:`ReaderFailed`.

Workers are started once and reused (starting one costs an interpreter and the parser's
imports); one that died or was stopped is replaced at once, in the background, so the next
file does not wait for it.
"""
from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass

from lakehouse.bronze import limits
from lakehouse.bronze.errors import FileRejected
from lakehouse.formatting import number_vi

log = logging.getLogger("thidua.reader")  # under lakehouse.faults.log
_POLL_SECONDS = 0.02
# The address space a worker may reserve: far above what it may hold (polars and the parser
# reserve virtual memory they never touch), low enough that an absurd request fails at once.
_ADDRESS_SPACE_BYTES = 8 * 1024 * 1024 * 1024
_HEADER = struct.Struct("<Q")


class ReaderFailed(RuntimeError):
    """The worker failed for a reason that is ours, not the file's (a bug in our reading code)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = limits.READER_MEMORY_BYTES
    seconds: float = limits.READER_SECONDS


# ----------------------------------------------------------------------------- the worker side
def _send(out, obj) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(payload)))
    out.write(payload)
    out.flush()


def _receive(stream):
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(head)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)


def _serve() -> None:
    """The worker's loop: one request (bytes, name, extension) in, one answer out, until stdin closes."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (_ADDRESS_SPACE_BYTES, _ADDRESS_SPACE_BYTES))
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr          # nothing a library prints may corrupt the answers
    from lakehouse.bronze import cells    # the parser's imports, once per worker

    _send(answers, ("ready", os.getpid()))
    while True:
        try:
            data, name, ext = _receive(requests)
        except EOFError:
            return
        try:
            frame, info = cells.read_cells(data, name, ext)
            # The cells travel as an Arrow file beside the worker, not through the pipe: the
            # caller maps it instead of holding a pickled copy and the frame at once.
            fd, path = tempfile.mkstemp(prefix="thidua-cells-", suffix=".arrow")
            os.close(fd)
            frame.write_ipc(path, compression="uncompressed")
            answer = ("cells", path, info)
            del frame
        except FileRejected as exc:
            answer = ("rejected", exc.reason)
        except MemoryError:
            answer = ("memory", "")
        except BaseException as exc:  # noqa: BLE001 - a panic in native code is a BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            answer = ("error", "".join(traceback.format_exception(exc)))
        del data
        _send(answers, answer)
        if answer[0] in ("memory", "error"):
            return   # a worker that failed is not trusted with the next file


# ----------------------------------------------------------------------------- the caller side
class _Worker:
    def __init__(self, limit: Limits):
        self.limit = limit
        self.errors = tempfile.TemporaryFile()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "RUST_BACKTRACE": "0",
               # One worker reads one file: a thread pool per core only multiplies its memory.
               "POLARS_MAX_THREADS": os.environ.get("POLARS_MAX_THREADS", "1")}
        self.proc = subprocess.Popen([sys.executable, "-m", "lakehouse.bronze.reader"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.errors, env=env,
                                     start_new_session=True)
        self.ready = False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss(self) -> int:
        try:
            with open(f"/proc/{self.proc.pid}/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0

    def stderr_tail(self, size: int = 2000) -> str:
        with contextlib.suppress(OSError):
            self.errors.seek(0, os.SEEK_END)
            end = self.errors.tell()
            self.errors.seek(max(0, end - size))
            return self.errors.read().decode("utf-8", "replace")
        return ""

    def stop(self) -> None:
        with contextlib.suppress(OSError, ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.errors):
            with contextlib.suppress(Exception):
                stream.close()

    def _wait_readable(self, deadline: float, watch_memory: bool) -> str | None:
        """Wait for an answer; the reason to give up (``died``, ``memory``, ``time``) or None."""
        import select

        fd = self.proc.stdout.fileno()
        while True:
            ready, _, _ = select.select([fd], [], [], _POLL_SECONDS)
            if ready:
                return None
            if not self.alive():
                return "died"
            if watch_memory and self.rss() > self.limit.memory_bytes:
                return "memory"
            if time.monotonic() > deadline:
                return "time"

    def start(self, timeout: float = 60.0) -> None:
        if self.ready:
            return
        problem = self._wait_readable(time.monotonic() + timeout, watch_memory=False)
        if problem is not None:
            raise ReaderFailed(f"the reader worker did not start ({problem}): {self.stderr_tail()}")
        _receive(self.proc.stdout)
        self.ready = True

    def read(self, data: bytes, name: str, ext: str):
        self.start()
        try:
            _send(self.proc.stdin, (data, name, ext))
        except (BrokenPipeError, OSError):
            return ("died", "")
        problem = self._wait_readable(time.monotonic() + self.limit.seconds, watch_memory=True)
        if problem is not None:
            return (problem, "")
        try:
            return _receive(self.proc.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            return ("died", "")


class ReaderPool:
    """A few warm workers shared by every caller in this process (each dashboard session is a thread)."""

    def __init__(self, size: int = 1, limit: Limits | None = None):
        self.size = size
        self.limit = limit or Limits()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle.empty() and self._started < self.size:
                self._started += 1
                return _Worker(self.limit)
        return self._idle.get()

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        if healthy and worker.alive():
            self._idle.put(worker)
            return
        worker.stop()
        self._idle.put(_Worker(self.limit))   # the replacement warms up while nobody waits for it

    def read(self, data: bytes, name: str, ext: str):
        worker = self._take()
        healthy = False
        try:
            answer = worker.read(data, name, ext)
            healthy = answer[0] in ("cells", "rejected")
            if not healthy:
                answer = (*answer[:2], worker.stderr_tail(), worker.proc.poll())
        finally:
            self._give_back(worker, healthy)
        return answer

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().stop()
        self._started = 0


_POOL: ReaderPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> ReaderPool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ReaderPool(size=int(os.environ.get("THIDUA_READERS", "1")))
        return _POOL


def read_isolated(data: bytes, name: str, ext: str):
    """The cells of a received file and how it was read, as :func:`lakehouse.bronze.cells.read_cells`
    returns them, with the parsing done in a worker process.

    Raises :class:`FileRejected` (Vietnamese, naming the file) when the file cannot be read,
    including when it kills the worker, exhausts its memory or its time: those are files no
    reader can take, and the details go to the log. Raises :class:`ReaderFailed` when our own
    reading code failed (an internal error, not the file's fault)."""
    from lakehouse.bronze import inspect

    inspect.check_size(len(data), name)   # a file over the limit never reaches a worker
    answer = pool().read(data, name, ext)
    kind = answer[0]
    if kind == "cells":
        import polars as pl

        try:
            return pl.read_ipc(answer[1]), answer[2]
        finally:
            with contextlib.suppress(OSError):
                os.unlink(answer[1])
    if kind == "rejected":
        raise FileRejected(answer[1])
    if kind == "error":
        raise ReaderFailed(answer[1])
    detail, code = (answer[2], answer[3]) if len(answer) > 3 else ("", None)
    log.warning("reader worker %s on %r (exit %s): %s", kind, name, code, detail[-1000:])
    mb = number_vi(pool().limit.memory_bytes / 1024 / 1024, 0)
    reasons = {
        "memory": f"cần hơn {mb} MB bộ nhớ để đọc",
        "time": f"đọc quá {number_vi(pool().limit.seconds, 0)} giây chưa xong",
        "died": "làm bộ đọc bảng tính dừng bất thường (tệp bị hỏng hoặc có cấu trúc lạ)",
    }
    raise FileRejected(f"Không đọc được tệp '{name}': tệp {reasons.get(kind, reasons['died'])}. Tệp gốc đã được "
                       "lưu lại; hãy mở tệp bằng Excel hoặc LibreOffice, xoá các ô thừa, lưu lại (.xlsx) rồi gửi lại.")


if __name__ == "__main__":
    _serve()
