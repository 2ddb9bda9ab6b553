"""Publish the catalog into the lake's reference tables, the one explicit step that does.

``catalog/`` is the human-readable source; ``reference.*`` is what the lake has published and
what every job and page reads. The nightly refresh (``python -m jobs refresh``) publishes. An
ingest never does, except into a lake that has nothing published yet: it checks that the
catalog it holds is the published one (:func:`require_published`), so a process holding an
older copy (a dashboard started before an admin's change) can never write it back.
"""
from __future__ import annotations

from lake.reference import tables as reference_tables
from lake.reference.catalog import Catalog
from lake.store import Lake
from jobs.writes import same_content, write_if_changed


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
    """The reference tables whose published content differs from what ``cat`` builds."""
    return [name for name, frame in reference_tables.build_all(cat).items()
            if not same_content(name, lake.read(name), frame)]


def require_published(lake: Lake, cat: Catalog, run=None) -> None:
    """Nothing published yet: publish ``cat`` (a new lake). Otherwise ``cat`` must be the
    published catalog, or :class:`CatalogNotPublished` is raised."""
    if not any(lake.exists(name) for name in reference_tables.TABLES):
        publish(lake, cat, run)
        return
    differ = unpublished(lake, cat)
    if differ:
        raise CatalogNotPublished(differ)
