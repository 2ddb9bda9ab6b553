"""Changes to the catalog's files, made from the dashboard or the command line.

``catalog/`` stays the human-readable, diffable source: a change is a set of whole files
(relative path → new text, or ``None`` to remove one), built here from what an admin edited,
checked by loading the whole catalog with the change applied in a scratch copy (the same
loader and the same Vietnamese problems as a hand edit), then written file by file.

YAML is edited round-trip (``ruamel.yaml``) so the comments people wrote beside other
campaigns and indicators survive an edit made in the dashboard.
"""
from __future__ import annotations

import csv
import difflib
import io
import os
import tempfile
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from lakehouse.reference.catalog import Campaign, Catalog, catalog_dir, load

# What a catalog version is made of (the directive texts kept in sources/ included).
PATTERNS = ("*.yaml", "*.csv", "indicators/*.yaml", "sources/*.txt")
UNIT_TARGET_COLUMNS = ["indicator_code", "unit_code", "value", "low", "high", "baseline", "note"]

Changes = dict[str, str | None]


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096                  # long Vietnamese names stay on one line, as people write them
    y.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_unicode = True
    return y


def _dump(doc) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def snapshot(root: str | os.PathLike | None = None) -> dict[str, str]:
    """Every catalog file's text, by path relative to the catalog folder."""
    base = catalog_dir(root)
    files = {}
    for pattern in PATTERNS:
        for path in sorted(base.glob(pattern)):
            files[path.relative_to(base).as_posix()] = path.read_text(encoding="utf-8")
    return dict(sorted(files.items()))


def applied(files: dict[str, str], changes: Changes) -> dict[str, str]:
    out = dict(files)
    for path, text in changes.items():
        if text is None:
            out.pop(path, None)
        else:
            out[path] = text
    return dict(sorted(out.items()))


def effective(files: dict[str, str], changes: Changes) -> Changes:
    """Only the changes that change something."""
    return {p: t for p, t in changes.items() if files.get(p) != t}


def draft(files: dict[str, str]) -> Catalog:
    """The catalog these files make, loaded and checked in a scratch folder (raises
    :class:`~lakehouse.reference.catalog.CatalogError` with every problem)."""
    with tempfile.TemporaryDirectory(prefix="catalog-draft-") as tmp:
        for path, text in files.items():
            target = Path(tmp) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        (Path(tmp) / "indicators").mkdir(exist_ok=True)
        return load(tmp)


def write(root: str | os.PathLike | None, changes: Changes) -> None:
    """Each file replaced whole (written beside it, then renamed), so no reader sees half a file."""
    base = catalog_dir(root)
    for path, text in changes.items():
        target = base / path
        if text is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, target)


def diff(before: dict[str, str], after: dict[str, str]) -> str:
    """A unified diff of every file that differs, the way a reviewer reads a change."""
    out = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        out += difflib.unified_diff((old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                                    fromfile=f"a/{path}" if old is not None else "/dev/null",
                                    tofile=f"b/{path}" if new is not None else "/dev/null")
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


# ----------------------------------------------------------------- campaigns.yaml

def campaign_entry(c: Campaign) -> dict:
    """A published campaign as the fields an admin edits (the inverse of the loader)."""
    return {"code": c.code, "name": c.name, "short_name": c.short_name, "document": c.document, "issuer": c.issuer,
            "scope_unit": c.scope_unit, "issued_on": c.issued_on,
            "start": c.window[0] if c.start_stated else None, "counted_from": None if c.start_stated else c.window[0],
            "end": c.window[1], "theme": c.theme, "report_due_days": c.report_due_days,
            "milestones": [{"kind": m.kind, "name": m.name, "start": m.start, "end": m.end, "period": m.period,
                            "stated": m.stated} for m in c.milestones]}


def _text(value):
    return DoubleQuotedScalarString(value) if isinstance(value, str) else value


def _entry_yaml(entry: dict) -> CommentedMap:
    window = CommentedMap(start=entry.get("start"))
    if entry.get("start") is None and entry.get("counted_from"):
        window["counted_from"] = entry["counted_from"]
    window["end"] = entry.get("end")
    window.fa.set_flow_style()
    out = CommentedMap()
    for key in ("code", "name", "short_name", "document", "issuer", "scope_unit", "issued_on"):
        out[key] = _text(entry.get(key)) if key != "code" else entry.get(key)
    out["window"] = window
    out["theme"] = _text(entry.get("theme") or "")
    out["report_due_days"] = int(entry.get("report_due_days") or 10)
    stones = CommentedSeq()
    for m in entry.get("milestones") or []:
        item = CommentedMap((k, _text(m.get(k))) for k in ("kind", "name", "start", "end", "period", "stated"))
        item["kind"], item["period"] = m.get("kind"), _text(str(item["period"]))
        item.fa.set_flow_style()
        stones.append(item)
    out["milestones"] = stones
    return out


def set_campaign(text: str, entry: dict) -> str:
    """``campaigns.yaml`` with ``entry`` in place of the campaign of the same code (or added).
    An existing entry is changed value by value, so its comments and layout stay."""
    doc = _yaml().load(text) or CommentedMap()
    items = doc.setdefault("campaigns", CommentedSeq())
    new = _entry_yaml(entry)
    for item in items:
        if str(item.get("code")) != entry["code"]:
            continue
        for key, value in new.items():
            if key == "window":
                window = item.setdefault("window", value)
                for k in ("start", "counted_from", "end"):
                    if k in value and window.get(k) != value[k]:
                        window[k] = value[k]
                    elif k not in value and k in window:
                        del window[k]
            elif _plain(item.get(key)) != _plain(value):
                item[key] = value
        break
    else:
        items.append(new)
    return _dump(doc)


# ----------------------------------------------------------------- indicators/<CAMPAIGN>.yaml

def indicator_items(text: str) -> list[dict]:
    """The indicator entries of an indicator file, as plain dicts."""
    doc = _yaml().load(text) or {}
    return [_plain(i) for i in doc.get("indicators") or []]


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def current_rule(item: dict) -> dict:
    revisions = item.get("revisions") or []
    return _plain(revisions[-1]["rule"]) if revisions else _plain(item.get("rule") or {})


def set_indicators(text: str | None, items: list[dict], campaign: str, source: str,
                   revised_from: date | None = None) -> str:
    """The indicator file of ``campaign`` with ``items`` (the reviewer's entries, in order).

    A new file is written whole. In an existing one, entries keep what the review table does not
    show (comments, ``aggregate``, ``parent``, bounds); a changed target with ``revised_from``
    is added as a revision from that day, so the periods before it keep the target they had;
    without a date it replaces the target (a correction)."""
    if text is None:
        head = f"# Chỉ tiêu của phong trào {campaign}, đọc từ {source} và đã rà soát trên bảng điều khiển.\n"
        doc = CommentedMap(campaign=campaign, defaults=CommentedMap(weight=1), indicators=CommentedSeq())
        doc["indicators"].extend(_new_item(i) for i in items)
        return head + _dump(doc)
    from lakehouse.reference.directive import TABLE_RULE_KEYS

    doc = _yaml().load(text)
    default_weight = (doc.get("defaults") or {}).get("weight", 1)
    old = {str(i.get("code")): i for i in doc.get("indicators") or []}
    out = CommentedSeq()
    for item in items:
        entry = old.get(str(item.get("code")))
        if entry is None:
            out.append(_new_item(item))
            continue
        for key in ("name", "group", "uom", "accumulation", "period_type", "owner", "weight", "reporters", "aggregate"):
            if key == "weight" and "weight" not in entry and item.get("weight", default_weight) == default_weight:
                continue
            if key in item:
                if item[key] != _plain(entry.get(key)):
                    entry[key] = _flow(item[key])
            elif key in entry and key not in ("name", "group", "uom"):
                del entry[key]
        rule, was = item.get("rule") or {}, current_rule(entry)
        if rule.get("type") == was.get("type"):
            rule = {k: v for k, v in was.items() if k not in TABLE_RULE_KEYS} | rule
        if rule != was:
            if revised_from is not None:
                revisions = entry.setdefault("revisions", CommentedSeq())
                rev = CommentedMap([("from", revised_from), ("rule", _flow(rule))])
                rev.fa.set_flow_style()
                revisions.append(rev)
            else:
                entry["rule"] = _flow(rule)
                entry.pop("revisions", None)
        out.append(entry)
    doc["indicators"] = out
    return _dump(doc)


def _flow(value):
    if isinstance(value, dict):
        m = CommentedMap((k, _flow(v)) for k, v in value.items())
        m.fa.set_flow_style()
        return m
    if isinstance(value, list):
        s = CommentedSeq(value)
        s.fa.set_flow_style()
        return s
    return value


def _new_item(item: dict) -> CommentedMap:
    order = ("code", "name", "as_written", "group", "uom", "rule", "accumulation", "period_type", "reporters",
             "owner", "weight")
    keys = [k for k in order if k in item] + [k for k in item if k not in order]
    return CommentedMap((k, _flow(item[k]) if k in ("rule", "reporters") else item[k]) for k in keys)


# ----------------------------------------------------------------- unit_targets.csv

def set_unit_targets(text: str, indicators: set[str], shares: dict[tuple[str, str], float | None]) -> str:
    """``unit_targets.csv`` with the allocation of ``indicators`` (``(indicator, unit) → share``)
    in place of the previous one. Baselines and notes on the same rows stay; a row left with
    nothing in it goes."""
    rows = list(csv.DictReader(io.StringIO(text))) if text.strip() else []
    keyed = {(r["indicator_code"], r["unit_code"]): r for r in rows}
    for row in rows:
        if row["indicator_code"] in indicators and (row["indicator_code"], row["unit_code"]) not in shares:
            row["value"] = ""
    for (ind, unit), value in shares.items():
        row = keyed.get((ind, unit))
        if row is None:
            row = {c: "" for c in UNIT_TARGET_COLUMNS} | {"indicator_code": ind, "unit_code": unit,
                                                          "note": "Giao chỉ tiêu"}
            rows.append(row)
            keyed[(ind, unit)] = row
        row["value"] = "" if value is None else _number(value)
    kept = [r for r in rows if any((r.get(c) or "").strip() for c in ("value", "low", "high", "baseline"))]
    out = io.StringIO()
    w = csv.DictWriter(out, UNIT_TARGET_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(kept)
    return out.getvalue()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ----------------------------------------------------------------- clusters.yaml

def campaign_clusters(text: str, campaign: str) -> list[dict]:
    doc = _yaml().load(text) or {}
    return [{"code": str(c.get("code")), "name": str(c.get("name") or ""), "members": [str(m) for m in c.get("members") or []]}
            for c in doc.get("clusters") or [] if str(c.get("campaign")) == campaign]


def proposed_clusters(cat: Catalog, campaign: str, reporters: list[str]) -> list[dict]:
    """One cluster per kind of reporting unit (wards and communes together, departments apart):
    comparable units are ranked against each other, as the seeds' clusters are."""
    from lakehouse.reference.catalog import UNIT_TYPES

    kinds = {"ward": "area", "commune": "area", "district": "area", "city": "area", "department": "department"}
    names = {"area": "Khối các địa phương", "department": "Khối các cơ quan, đơn vị"}
    out: dict[str, list[str]] = {}
    for u in reporters:
        unit = cat.units.get(u)
        if unit is not None and unit.type in UNIT_TYPES:
            out.setdefault(kinds.get(unit.type, "area"), []).append(u)
    return [{"code": f"{campaign}-{'DIAPHUONG' if k == 'area' else 'COQUAN'}", "name": names[k], "members": m}
            for k, m in out.items() if len(m) > 1]


def set_clusters(text: str, campaign: str, clusters: list[dict]) -> str:
    """``clusters.yaml`` with ``clusters`` as the campaign's clusters (others untouched)."""
    doc = _yaml().load(text) or CommentedMap()
    items = doc.setdefault("clusters", CommentedSeq())
    old = {str(c.get("code")): c for c in items if str(c.get("campaign")) == campaign}
    new = []
    for c in clusters:
        entry = old.get(c["code"]) or CommentedMap(code=c["code"], campaign=campaign)
        if str(entry.get("name")) != c["name"]:
            entry["name"] = _text(c["name"])
        if [str(m) for m in entry.get("members") or []] != list(c["members"]):
            entry["members"] = _flow([DoubleQuotedScalarString(m) if m.isdigit() else m for m in c["members"]])
        new.append(entry)
    kept, placed = CommentedSeq(), False
    for c in items:                         # the campaign's clusters stay where they were in the file
        if str(c.get("campaign")) != campaign:
            kept.append(c)
        elif not placed:
            kept.extend(new)
            placed = True
    if not placed:
        kept.extend(new)
    doc["clusters"] = kept
    return _dump(doc)


# ----------------------------------------------------------------- a campaign, whole

def campaign_changes(files: dict[str, str], entry: dict, items: list[dict], *, clusters: list[dict] | None = None,
                     source: str = "", source_text: str | None = None, revised_from: date | None = None,
                     shares: dict[tuple[str, str], float] | None = None, allocated: set[str] | None = None,
                     new_uoms: list[str] | None = None) -> Changes:
    """The files that publish a campaign as reviewed: its entry, its indicator file, its clusters,
    its allocation (when one was read) and the directive's text (for a new campaign)."""
    code = entry["code"]
    path = f"indicators/{code}.yaml"
    changes: Changes = {"campaigns.yaml": set_campaign(files.get("campaigns.yaml", ""), entry),
                        path: set_indicators(files.get(path), items, code, source, revised_from)}
    if clusters is not None:
        changes["clusters.yaml"] = set_clusters(files.get("clusters.yaml", ""), code, clusters)
    if shares is not None:
        changes["unit_targets.csv"] = set_unit_targets(files.get("unit_targets.csv", ""), allocated or set(), shares)
    if new_uoms:
        changes["uoms.yaml"] = add_uoms(files.get("uoms.yaml", ""), new_uoms)
    if source_text and f"sources/{code}.txt" not in files:
        changes[f"sources/{code}.txt"] = source_text
    return changes


# ----------------------------------------------------------------- uoms.yaml

def add_uoms(text: str, names: list[str]) -> str:
    """``uoms.yaml`` with new units of measure, each its own family (nothing converts to it)."""
    from lakehouse.text import fold

    doc = _yaml().load(text) or CommentedMap()
    uoms = doc.setdefault("uoms", CommentedMap())
    for name in names:
        if name in uoms:
            continue
        spec = CommentedMap(family=fold(name).replace(" ", "_"), factor=1, aliases=_flow([]))
        spec.fa.set_flow_style()
        uoms[DoubleQuotedScalarString(name)] = spec
    return _dump(doc)
