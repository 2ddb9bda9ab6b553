"""The Soạn phong trào page's work, apart from drawing: the draft a reviewer is building (a
campaign entry, its indicators, clusters, allocation) turned into catalog changes and checked,
the allocation workbook read like any received file, and publication (admins only, checked
here on the server) through the one path the command line uses too."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from lakehouse.accounts import Account
from lakehouse.reference import allocation, editing, history
from lakehouse.reference.catalog import Catalog, CatalogError, Uom, check_indicators
from lakehouse.store import Lake
from dashboard.uploads import catalog


@dataclass
class Draft:
    """What the reviewer has on screen."""
    entry: dict
    items: list[dict]
    clusters: list[dict] | None = None
    source: str = ""
    source_text: str | None = None
    existing: bool = False
    revised_from: date | None = None
    allocation: allocation.Allocation | None = None
    new_uoms: list[str] = field(default_factory=list)

    def changes(self, files: dict[str, str]) -> editing.Changes:
        a = self.allocation
        return editing.campaign_changes(
            files, self.entry, self.items, clusters=self.clusters, source=self.source, source_text=self.source_text,
            revised_from=self.revised_from if self.existing else None,
            shares=a.shares if a is not None and not a.errors else None, allocated=a.indicators if a else None,
            new_uoms=self.new_uoms)


def unknown_uoms(items: list[dict], cat: Catalog) -> list[str]:
    return sorted({str(i.get("uom") or "") for i in items} - set(cat.uoms) - {""})


def row_problems(draft: Draft) -> list[list[str]]:
    """The catalog's problems with each indicator row (units of measure the reviewer chose to add count as known)."""
    cat = catalog()
    if draft.new_uoms:
        extra = {u: Uom(u, u, 1.0, ()) for u in draft.new_uoms}
        cat = replace(cat, uoms=cat.uoms | extra)
    return check_indicators(draft.items, draft.entry["code"], cat)


def check(draft: Draft) -> tuple[Catalog | None, list[str]]:
    """The whole catalog as it would be published (None and the problems, when it cannot be)."""
    files = editing.snapshot()
    try:
        return editing.draft(editing.applied(files, draft.changes(files))), []
    except CatalogError as exc:
        return None, exc.problems


def read_allocation(draft_cat: Catalog, campaign: str, name: str, data: bytes) -> allocation.Allocation:
    from lakehouse.bronze.errors import FileRejected
    from lakehouse.bronze.reader import ReaderFailed, read_isolated

    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        cells, _ = read_isolated(data, name, ext)
    except (FileRejected, ReaderFailed) as exc:
        return allocation.Allocation(errors=[str(exc)])
    return allocation.read(draft_cat, campaign, cells, name)


@dataclass
class Outcome:
    version: int | None = None          # the version recorded (None: nothing was)
    campaigns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # why nothing was published, in Vietnamese


def _published(step) -> Outcome:
    """Run a publication; what stops it is said in words (nothing is written then)."""
    from lakehouse.pipeline.gold import GoldCheckFailed
    from lakehouse.store import LakeBusyError

    try:
        done = step()
    except CatalogError as exc:       # someone changed the catalog since this page checked it
        return Outcome(problems=exc.problems)
    except LakeBusyError:
        return Outcome(problems=["Kho dữ liệu đang bận (đang nhận tệp hoặc làm mới số liệu); danh mục chưa được ghi. "
                                 "Bấm lại sau ít phút."])
    except GoldCheckFailed as exc:
        return Outcome(problems=[f"Danh mục đã được ghi nhưng số liệu tổng hợp chưa tính lại vì {exc}. Lần làm mới "
                                 "hằng đêm sẽ thử lại; xem trang Chất lượng dữ liệu."])
    return Outcome(done.version, done.campaigns)


def publish(draft: Draft, account: Account, note: str) -> Outcome:
    from lakehouse.pipeline.publish import publish_changes

    if account.role != "admin":
        raise PermissionError("Chỉ quản trị viên được công bố danh mục.")
    return _published(lambda: publish_changes(Lake(), draft.changes(editing.snapshot()), account.username, note))


def restore(version: int, account: Account) -> Outcome:
    from lakehouse.pipeline.publish import restore as restore_version

    if account.role != "admin":
        raise PermissionError("Chỉ quản trị viên được khôi phục danh mục.")
    return _published(lambda: restore_version(Lake(), version, account.username))


def versions():
    return history.versions(Lake())


def diff_of(version: int) -> str:
    return history.diff_of(Lake(), version)
