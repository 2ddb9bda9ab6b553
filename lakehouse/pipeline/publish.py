"""Publish the catalog into the lake's reference tables, the one explicit step that does.

``catalog/`` is the human-readable source; ``reference.*`` is what the lake has published and
what every job and page reads. The nightly refresh (``python -m jobs refresh``) publishes. An
ingest never does, except into a lake that has nothing published yet: it checks that the
catalog it holds is the published one (:func:`require_published`), so a process holding an
older copy (a dashboard started before an admin's change) can never write it back.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from lakehouse.gold.expected import campaign_periods
from lakehouse.reference import editing, history
from lakehouse.reference import tables as reference_tables
from lakehouse.reference.catalog import Catalog, CatalogError, load
from lakehouse.store import Lake
from lakehouse.pipeline.runs import Run
from lakehouse.pipeline.writes import same_content, write_if_changed


class CatalogNotPublished(RuntimeError):
    """The catalog a job holds differs from the one the lake has published (reason in Vietnamese)."""

    def __init__(self, tables: list[str]):
        self.tables = tables
        super().__init__(
            "danh mục đang dùng khác với danh mục đã công bố trong kho (" + ", ".join(tables) + "): có người vừa sửa "
            "thư mục catalog/ mà chưa công bố, hoặc chương trình đang giữ bản cũ. Tệp đã được lưu lại và sẽ được tính "
            "ở lần làm mới tới; quản trị viên chạy `python -m jobs refresh` để công bố danh mục.")


def publish(lake: Lake, cat: Catalog, run=None) -> dict[str, bool]:
    changed = {}
    for name, frame in reference_tables.build_all(cat).items():
        changed[name] = write_if_changed(lake, name, frame)
        if run is not None:
            run.count(name, rows_out=frame.height, written=changed[name])
    return changed


def unpublished(lake: Lake, cat: Catalog) -> list[str]:
    """The reference tables whose published content differs from what ``cat`` builds. A
    published version, once compared, is not read again for the same catalog (a server's
    uploads ask at every file)."""
    def differs(name: str, frame: pl.DataFrame) -> bool:
        key = ("published", lake.location, name, lake.log_identity(name), lake.version(name))
        return cat.memo(key, lambda: not same_content(name, lake.read(name), frame))

    return [name for name, frame in reference_tables.build_all(cat).items() if differs(name, frame)]


def require_published(lake: Lake, cat: Catalog, run=None) -> None:
    """Nothing published yet: publish ``cat`` (a new lake). Otherwise ``cat`` must be the
    published catalog, or :class:`CatalogNotPublished` is raised."""
    if not any(lake.exists(name) for name in reference_tables.TABLES):
        publish(lake, cat, run)
        return
    differ = unpublished(lake, cat)
    if differ:
        raise CatalogNotPublished(differ)


@dataclass
class Published:
    version: int | None            # None: nothing changed, nothing recorded
    campaigns: list[str]           # the campaigns whose gold was rebuilt
    diff: str
    run: Run | None = None


def _fingerprints(cat: Catalog | None) -> dict[str, str]:
    """Per campaign, everything of the catalog that its gold depends on, as one comparable text."""
    if cat is None:
        return {}
    out = {}
    for code, c in cat.campaigns.items():
        inds = cat.indicators_of(code)
        codes = {i.code for i in inds}
        # sort_order is display order only (and shifts when another campaign's file is added).
        out[code] = repr((c, [(replace(i, sort_order=0), cat.reporters(i), cat.consolidators(i)) for i in inds],
                          [t for t in cat.unit_targets if t.indicator in codes],
                          [k for k in cat.clusters.values() if k.campaign == code],
                          [cat.units[u] for i in inds for u in cat.reporters(i)]))
    return out


def publish_changes(lake: Lake, changes: editing.Changes, by: str, note: str,
                    root: str | os.PathLike | None = None, as_of: date | None = None,
                    base: dict[str, str] | None = None) -> Published:
    """Publish a change to the catalog, the way the dashboard and ``jobs catalog`` both do it.

    Under the writer lock (ingests wait): the change is checked by loading the whole catalog
    with it applied (:class:`CatalogError` lists every problem and nothing is written); the
    files are written; the reference tables are published; gold is rebuilt for the campaigns
    whose definition changed (every period of theirs, so a revised or removed period is right
    at once); the version is recorded with who, when, why and the diff.

    ``base``: the files the change is measured from, when not those on disk (files edited by
    hand and published with ``jobs catalog publish`` are measured from the last version)."""
    from lakehouse.pipeline import gold
    from lakehouse.pipeline.ingest import WRITER_LOCK, WRITER_WAIT_SECONDS

    as_of = as_of or date.today()
    with lake.lock(WRITER_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        on_disk = editing.snapshot(root)
        before = on_disk if base is None else base
        after = editing.applied(on_disk, changes)
        editing.draft(after)                            # raises CatalogError: nothing written
        try:
            old = editing.draft(before)
        except CatalogError:
            old = None                                  # a broken hand edit: every campaign is rebuilt
        if after == before:
            return Published(None, [], "")
        editing.write(root, editing.effective(on_disk, changes))
        cat = load(root)
        run = Run("catalog")
        publish(lake, cat, run)
        was, now = _fingerprints(old), _fingerprints(cat)
        campaigns = sorted(c for c in set(was) | set(now) if was.get(c) != now.get(c)) if old else sorted(now)
        touched = {}
        for code in campaigns:
            inds = lake.read("reference.indicators").filter(pl.col("campaign_code") == code)
            expected = campaign_periods(lake.read("reference.campaigns"), inds, as_of)["period"].to_list()
            stored = [p["period"] for p in lake.partitions("gold.attainment") if p["campaign_code"] == code]
            touched[code] = set(expected) | set(stored)
        gold.rebuild(lake, run, as_of, touched={c: ps for c, ps in touched.items() if ps})
        version = history.record(lake, before, after, by, note, campaigns)
        run.summary = (f"Công bố danh mục bản {version} ({by}): {note}. "
                       + ("Dựng lại số liệu tổng hợp của " + ", ".join(campaigns) + "." if campaigns
                          else "Không phong trào nào phải dựng lại."))
        run.record(lake, "ok")
        return Published(version, campaigns, editing.diff(before, after), run)


def restore(lake: Lake, version: int, by: str, root: str | os.PathLike | None = None,
            as_of: date | None = None) -> Published:
    """Publish an earlier version again, as a new version (nothing in the history is lost)."""
    files = history.files_of(lake, version)
    current = editing.snapshot(root)
    changes: editing.Changes = {p: None for p in current if p not in files} | files
    return publish_changes(lake, changes, by, f"Khôi phục bản {version}", root, as_of)


def publish_edited(lake: Lake, by: str, note: str, root: str | os.PathLike | None = None,
                   as_of: date | None = None) -> Published:
    """Publish the catalog files as edited by hand, recorded as a version like any other (the
    first one recorded, with no earlier text to compare with, shows every file as added)."""
    last = history.latest(lake)
    return publish_changes(lake, {}, by, note, root, as_of, base=history.files_of(lake, last) if last is not None else {})
