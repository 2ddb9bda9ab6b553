"""Received files (``bronze.manifest``): one row per distinct file, addressed by its SHA-256.

Source: the upload page, ``python -m jobs ingest`` and the inbox folder. The bytes are kept
in the lake's file store before anything else happens, so a file is never lost, whatever
its content turns out to be.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePath

import polars as pl

from lakehouse.store import Lake
from lakehouse.text import nfc

CHANNELS = ("upload", "cli", "inbox", "demo")
_MAX_NAME = 200


@dataclass(frozen=True)
class Received:
    file_id: str
    original_name: str
    extension: str
    size_bytes: int
    received_at: datetime
    received_by: str
    channel: str
    object_key: str
    duplicate_of: datetime | None = None  # when this exact file was first received
    allowed_units: frozenset[str] | None = None   # None: the sender may report for every unit

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


def safe_name(name: str) -> str:
    """The file name a steward sees: no folders, no control characters, NFC, at most 200
    characters, its extension kept whole however long the name (the extension decides how
    the file is read)."""
    base = PurePath(str(name).replace("\\", "/")).name or "tep-khong-ten"
    base = "".join(ch for ch in nfc(base) if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip(" .") or "tep-khong-ten"
    if len(base) <= _MAX_NAME:
        return base
    suffix = PurePath(base).suffix
    suffix = suffix if len(suffix) <= 12 else ""
    return base[:_MAX_NAME - len(suffix)].rstrip(" .") + suffix


def extension(name: str) -> str:
    suffix = PurePath(name).suffix.lower().lstrip(".")
    return suffix


def receive(lake: Lake, data: bytes | os.PathLike, name: str, received_by: str, channel: str,
            received_at: datetime | None = None, record: bool = True,
            allowed_units: set[str] | None = None) -> Received:
    """Store the bytes (``data``, or a file read in chunks), then record the file in the
    manifest unless it is already there.

    ``record=False`` (dry run) keeps the bytes but writes no manifest row.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    file_id, key = lake.put_file(data)
    clean = safe_name(name)
    when = (received_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    known = lake.read("bronze.manifest", where={"file_id": [file_id]})
    if not known.is_empty():
        first = known.sort("received_at").row(0, named=True)
        return Received(file_id, first["original_name"], first["extension"], first["size_bytes"],
                        first["received_at"], first["received_by"], first["channel"], first["object_key"],
                        duplicate_of=first["received_at"], allowed_units=permitted(first))
    size = len(data) if isinstance(data, (bytes, bytearray)) else os.stat(data).st_size
    allowed = None if allowed_units is None else frozenset(allowed_units)
    got = Received(file_id, clean, extension(clean), size, when, received_by, channel, key, allowed_units=allowed)
    if record:
        lake.append("bronze.manifest", pl.DataFrame([{
            "file_id": got.file_id, "original_name": got.original_name, "extension": got.extension,
            "size_bytes": got.size_bytes, "received_at": got.received_at, "received_by": got.received_by,
            "channel": got.channel, "object_key": got.object_key,
            "allowed_units": None if allowed is None else json.dumps(sorted(allowed)),
            "system_user": _system_user(), "recorded_at": datetime.now(timezone.utc)}]))
    return got


def permitted(entry: dict) -> frozenset[str] | None:
    """The units a manifest row's sender was allowed to report for (None: every unit)."""
    text = entry.get("allowed_units")
    return None if text is None else frozenset(json.loads(text))


def _system_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):   # no name for this uid (a container)
        return str(os.getuid())
