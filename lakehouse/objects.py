"""Where the lake lives — a local folder or an object store — and its plain objects there.

``--lake`` or ``THIDUA_LAKE`` names the lake: a folder (``/srv/thidua/lake``) or an S3 address
(``s3://bucket/prefix``, AWS S3 or any S3-compatible store: MinIO, Ceph, a cloud's own).
For an object store the connection comes from the environment, in the variables every AWS
tool reads (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
``AWS_REGION``, ``AWS_ENDPOINT_URL`` for a store that is not AWS, ``AWS_ALLOW_HTTP=true`` for
one without TLS); they are handed to the Delta tables and to the file store alike, so both
see the same store. Concurrent commits are coordinated by the store's conditional writes
(``AWS_CONDITIONAL_PUT=etag``, the default here; S3, MinIO and Ceph honour it); a store
without them needs ``AWS_S3_LOCKING_PROVIDER=dynamodb`` and its table (delta-rs's variables).

Besides the Delta tables (opened by :mod:`lakehouse.store`), the lake keeps plain objects: the
raw files under ``bronze/files/`` and the locks of jobs under ``_locks/``. :class:`LocalFiles`
and :class:`ObjectFiles` offer the same few operations on a folder and on a bucket, so the
code above them does not ask where the lake is. What belongs to one machine — the log,
scratch space of a job — always stays on local disk (:func:`work_folder`).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

DEFAULT_ROOT = "lake"
ENV_ROOT = "THIDUA_LAKE"
ENV_WORK = "THIDUA_WORK"
REMOTE_SCHEMES = ("s3://", "s3a://")
# A job's lock on an object store is a lease: its holder renews it while it runs, and a lock
# nobody renewed for this long belongs to a process that died (machines' clocks must agree
# within a fraction of it, as NTP keeps them).
LOCK_LEASE_SECONDS = 60.0
_CLIENT_TIMEOUT = "120s"   # one request to the store; object_store retries on its own within it
# object_store's S3 settings that may come from the environment (AWS_<NAME> → aws_<name>).
_S3_KEYS = ("access_key_id", "secret_access_key", "session_token", "region", "default_region",
            "endpoint", "endpoint_url", "virtual_hosted_style_request", "skip_signature",
            "unsigned_payload", "checksum_algorithm", "imdsv1_fallback", "metadata_endpoint",
            "container_credentials_relative_uri", "request_payer", "conditional_put", "s3_express")


class LakeBusyError(RuntimeError):
    """Another job holds the lock this one needs."""


def is_remote(root: str | os.PathLike) -> bool:
    return str(root).startswith(REMOTE_SCHEMES)


def resolve(root: str | os.PathLike | None = None) -> str:
    """``--lake`` wins, then ``$THIDUA_LAKE``, then ``./lake``; a folder comes back absolute,
    an object store address without its trailing slash."""
    chosen = str(root) if root else (os.environ.get(ENV_ROOT) or DEFAULT_ROOT)
    if is_remote(chosen):
        return chosen.rstrip("/")
    return str(Path(chosen).absolute())


def storage_options(env: os._Environ | dict | None = None) -> dict[str, str]:
    """The Delta tables' options for an object-store lake, from the environment's ``AWS_*``
    variables; conditional writes coordinate commits unless a locking provider is named."""
    env = os.environ if env is None else env
    options = {k: v for k, v in env.items() if k.startswith("AWS_") and v}
    if "AWS_S3_LOCKING_PROVIDER" not in options:
        options.setdefault("AWS_CONDITIONAL_PUT", "etag")
    return options


def work_folder(location: str) -> Path:
    """This machine's folder for a lake's log and jobs' scratch space: the lake's own folder
    when it is local, else ``$THIDUA_WORK`` (default ``~/.cache/thidua``) / the address."""
    if not is_remote(location):
        return Path(location)
    base = Path(os.environ.get(ENV_WORK) or Path.home() / ".cache" / "thidua")
    return base / re.sub(r"[^A-Za-z0-9._-]+", "_", location.split("://", 1)[1]).strip("_")


@dataclass(frozen=True)
class Held:
    """A lock this process holds; ``lost`` is set when its lease could not be renewed."""
    name: str
    lost: threading.Event


class LocalFiles:
    """Plain objects of a lake in a local folder (keys are paths under it)."""

    remote = False

    def __init__(self, folder: Path):
        self.folder = folder

    def problem(self) -> str | None:
        """Why the lake cannot be reached, in Vietnamese (None when it can). A folder whose
        parent is missing is a wrong path or an unmounted disk, not a new lake."""
        if not self.folder.exists() and not self.folder.parent.is_dir():
            return (f"không tìm thấy kho dữ liệu {self.folder} (thư mục {self.folder.parent} không tồn tại). "
                    "Hãy kiểm tra --lake hoặc THIDUA_LAKE và ổ đĩa đã được gắn chưa.")
        return None

    def keep(self, folder: str, data: bytes | os.PathLike) -> str:
        """Keep ``data`` under ``<folder>/<sha[:2]>/<sha>`` (its SHA-256, returned), unless the
        same bytes are there already. Streamed a megabyte at a time to a temporary file, flushed
        to disk and renamed, so a crash never leaves a half file under a key; a write that fails
        leaves no temporary file behind."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            digest = hashlib.sha256(data).hexdigest()
            if self.exists(content_key(folder, digest)):
                return digest
        base = self.folder / folder
        base.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=base, prefix=".incoming-")
        try:
            hasher = hashlib.sha256()
            with os.fdopen(fd, "wb") as fh:
                for chunk in _chunks(data):
                    hasher.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            digest = hasher.hexdigest()
            path = self.folder / content_key(folder, digest)
            if path.exists():
                os.unlink(tmp)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return digest

    def exists(self, key: str) -> bool:
        return (self.folder / key).is_file()

    def get(self, key: str) -> bytes:
        return (self.folder / key).read_bytes()

    def identity(self, key: str) -> str | None:
        """What tells this file or folder from another later put in its place (its inode)."""
        try:
            found = (self.folder / key).stat()
        except OSError:
            return None
        return f"{found.st_dev}:{found.st_ino}"

    def sizes(self, prefix: str) -> dict[str, int]:
        """Every object under ``prefix/`` (key relative to it → bytes), in one listing."""
        base = self.folder / prefix
        return {str(p.relative_to(base)): p.stat().st_size for p in base.rglob("*") if p.is_file()}

    def read_range(self, key: str, start: int, end: int) -> bytes:
        with open(self.folder / key, "rb") as fh:
            fh.seek(start)
            return fh.read(end - start)

    def move_tree(self, source: str, target: str) -> None:
        (self.folder / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(self.folder / source), str(self.folder / target))

    def write_text(self, key: str, text: str) -> None:
        (self.folder / key).parent.mkdir(parents=True, exist_ok=True)
        (self.folder / key).write_text(text, encoding="utf-8")

    @contextlib.contextmanager
    def lock(self, name: str, wait_seconds: float = 0.0) -> Iterator[Held]:
        """An exclusive advisory lock (``flock``) shared by every process of this machine."""
        lock_dir = self.folder / "_locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        fh = open(lock_dir / f"{name}.lock", "a+")
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LakeBusyError(name) from None
                    time.sleep(0.1)
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            yield Held(name, threading.Event())
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()


class ObjectFiles:
    """Plain objects of a lake in an object store (keys are relative to the lake's prefix)."""

    remote = True

    def __init__(self, location: str, env: dict | None = None):
        self.location = location
        self._env = dict(os.environ if env is None else env)

    @cached_property
    def store(self):
        from obstore.store import from_url

        config, client = {}, {}
        for key, value in storage_options(self._env).items():
            name = key[4:].lower()
            if name == "allow_http":
                client["allow_http"] = value.lower() in ("1", "true", "yes")
            elif name in _S3_KEYS:
                config["aws_" + name] = value
        client.setdefault("timeout", _CLIENT_TIMEOUT)
        return from_url(self.location.replace("s3a://", "s3://", 1), config=config, client_options=client)

    def problem(self) -> str | None:
        """Why the lake cannot be reached, in Vietnamese (None when it can): the bucket is listed."""
        import obstore

        try:
            next(iter(obstore.list(self.store, prefix="_delta_probe/", chunk_size=1)), None)
        except Exception as exc:   # noqa: BLE001 - every failure to connect ends here, said in words
            reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            return (f"không kết nối được kho dữ liệu {self.location}: {reason}. Hãy kiểm tra địa chỉ (--lake "
                    "hoặc THIDUA_LAKE), AWS_ENDPOINT_URL và khóa truy cập (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).")
        return None

    def keep(self, folder: str, data: bytes | os.PathLike) -> str:
        """Keep ``data`` under ``<folder>/<sha[:2]>/<sha>`` unless the same bytes are there
        already; returns its SHA-256. The object appears whole or not at all (a conditional
        put, or a multipart upload that completes last)."""
        import obstore
        from obstore.exceptions import AlreadyExistsError

        hasher = hashlib.sha256()
        for chunk in _chunks(data):
            hasher.update(chunk)
        digest = hasher.hexdigest()
        payload = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else Path(data)
        with contextlib.suppress(AlreadyExistsError):
            obstore.put(self.store, content_key(folder, digest), payload, mode="create")
        return digest

    def exists(self, key: str) -> bool:
        import obstore

        try:
            obstore.head(self.store, key)
            return True
        except FileNotFoundError:
            return False

    def get(self, key: str) -> bytes:
        import obstore

        return bytes(obstore.get(self.store, key).bytes())

    def identity(self, key: str) -> str | None:
        """What tells this object from another later put under its key (its etag)."""
        import obstore

        try:
            return obstore.head(self.store, key).get("e_tag")
        except FileNotFoundError:
            return None

    def sizes(self, prefix: str) -> dict[str, int]:
        """Every object under ``prefix/`` (key relative to it → bytes), in one listing (a few
        requests of a thousand keys, where a HEAD an object would be one request each)."""
        import obstore

        base = prefix.rstrip("/") + "/"
        return {m["path"][len(base):]: int(m["size"])
                for batch in obstore.list(self.store, prefix=base) for m in batch}

    def read_range(self, key: str, start: int, end: int) -> bytes:
        import obstore

        return bytes(obstore.get_range(self.store, key, start=start, end=end))

    def move_tree(self, source: str, target: str) -> None:
        """Every object under ``source/`` to the same place under ``target/`` (copy, then delete)."""
        import obstore

        for batch in obstore.list(self.store, prefix=source.rstrip("/") + "/"):
            for meta in batch:
                path = meta["path"]
                obstore.rename(self.store, path, target.rstrip("/") + path[len(source.rstrip("/")):])

    def write_text(self, key: str, text: str) -> None:
        import obstore

        obstore.put(self.store, key, text.encode("utf-8"))

    @contextlib.contextmanager
    def lock(self, name: str, wait_seconds: float = 0.0) -> Iterator[Held]:
        """An exclusive lock shared by every machine on this lake: ``_locks/<name>.lock`` is
        created only if absent (a conditional put), renewed by its holder every quarter of the
        lease, taken over (again conditionally, on its etag) once a whole lease passed without
        renewal, and deleted when the holder is done."""
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        key = f"_locks/{name}.lock"
        owner = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "token": uuid.uuid4().hex,
                            "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}).encode()
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                etag = obstore.put(self.store, key, owner, mode="create")["e_tag"]
                break
            except AlreadyExistsError:
                try:
                    meta = obstore.head(self.store, key)
                except FileNotFoundError:
                    continue   # released meanwhile: try again at once
                # Last-Modified has whole seconds: one more second before a lock counts as idle.
                idle = (datetime.now(timezone.utc) - meta["last_modified"]).total_seconds() - 1.0
                if idle > LOCK_LEASE_SECONDS:
                    try:
                        etag = obstore.put(self.store, key, owner, mode={"e_tag": meta["e_tag"]})["e_tag"]
                        break
                    except (PreconditionError, FileNotFoundError):
                        continue   # another process took it over (or it was released) first
                if time.monotonic() >= deadline:
                    raise LakeBusyError(name) from None
                time.sleep(0.2)
        held = Held(name, threading.Event())
        stop = threading.Event()
        state = {"etag": etag}

        def renew() -> None:
            while not stop.wait(LOCK_LEASE_SECONDS / 4):
                try:
                    state["etag"] = obstore.put(self.store, key, owner, mode={"e_tag": state["etag"]})["e_tag"]
                except Exception:   # noqa: BLE001 - taken over or unreachable: the holder must know
                    held.lost.set()
                    return

        renewer = threading.Thread(target=renew, name=f"lease-{name}", daemon=True)
        renewer.start()
        try:
            yield held
        finally:
            stop.set()
            renewer.join()
            if not held.lost.is_set():
                with contextlib.suppress(Exception):
                    if obstore.head(self.store, key)["e_tag"] == state["etag"]:
                        obstore.delete(self.store, key)


def content_key(folder: str, digest: str) -> str:
    return f"{folder}/{digest[:2]}/{digest}"


def _chunks(data: bytes | os.PathLike, size: int = 1 << 20) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    with open(data, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk
