"""Catalog → reference tables (``reference.*``), the form gold joins against."""
from __future__ import annotations

import polars as pl

from lakehouse import rules
from lakehouse.reference.catalog import Catalog
from lakehouse.tables import spec


def campaigns(cat: Catalog) -> pl.DataFrame:
    rows = [dict(campaign_code=c.code, name=c.name, short_name=c.short_name, document=c.document,
                 issuer=c.issuer, scope_unit=c.scope_unit, issued_on=c.issued_on, window_start=c.window[0],
                 window_start_stated=c.start_stated,
                 window_end=c.window[1], theme=c.theme, report_due_days=c.report_due_days)
            for c in cat.campaigns.values()]
    return spec("reference.campaigns").conform(pl.DataFrame(rows, infer_schema_length=None))


def milestones(cat: Catalog) -> pl.DataFrame:
    rows = [dict(campaign_code=c.code, kind=m.kind, name=m.name, start=m.start, end=m.end,
                 period=m.period, stated=m.stated)
            for c in cat.campaigns.values() for m in c.milestones]
    return spec("reference.milestones").conform(pl.DataFrame(rows, infer_schema_length=None))


def indicators(cat: Catalog) -> pl.DataFrame:
    rows = []
    for i in cat.indicators.values():
        low, high = rules.goals(i.rule)
        rows.append(dict(
            indicator_code=i.code, campaign_code=i.campaign, parent_code=i.parent, name=i.name,
            as_written=i.as_written, group_code=i.group, group_name=cat.groups.get(i.group), uom=i.uom,
            rule_type=i.rule["type"], rule_params=rules.rule_params_json(i.rule), target_low=low,
            target_high=high, target_text=i.target_text, accumulation=i.accumulation,
            period_type=i.period_type, owner_unit=i.owner or None, weight=i.weight, aggregate=i.aggregate,
            sort_order=i.sort_order))
    return spec("reference.indicators").conform(pl.DataFrame(rows, infer_schema_length=None))


def indicator_revisions(cat: Catalog) -> pl.DataFrame:
    rows = []
    for i in cat.indicators.values():
        for since, rule in i.history:
            low, high = rules.goals(rule)
            rows.append(dict(indicator_code=i.code, campaign_code=i.campaign, valid_from=since, rule_type=rule["type"],
                             rule_params=rules.rule_params_json(rule), target_low=low, target_high=high,
                             target_text=rules.describe(rule, i.uom)))
    if not rows:
        return spec("reference.indicator_revisions").empty()
    return spec("reference.indicator_revisions").conform(pl.DataFrame(rows, infer_schema_length=None))


def units(cat: Catalog) -> pl.DataFrame:
    rows = [dict(unit_code=u.code, gso_code=u.gso_code, name=u.name, unit_type=u.type, parent_code=u.parent,
                 valid_from=u.valid_from, valid_to=u.valid_to, source=u.source) for u in cat.units.values()]
    return spec("reference.units").conform(pl.DataFrame(rows, infer_schema_length=None))


def cluster_members(cat: Catalog) -> pl.DataFrame:
    rows = [dict(cluster_code=c.code, campaign_code=c.campaign, cluster_name=c.name, unit_code=m)
            for c in cat.clusters.values() for m in c.members]
    return spec("reference.cluster_members").conform(pl.DataFrame(rows, infer_schema_length=None))


def assignments(cat: Catalog) -> pl.DataFrame:
    rows = [dict(campaign_code=i.campaign, indicator_code=i.code, unit_code=u)
            for i in cat.indicators.values() for u in cat.reporters(i)]
    return spec("reference.assignments").conform(pl.DataFrame(rows, infer_schema_length=None))


def consolidators(cat: Catalog) -> pl.DataFrame:
    rows = [dict(campaign_code=i.campaign, indicator_code=i.code, unit_code=u)
            for i in cat.indicators.values() for u in cat.consolidators(i)]
    if not rows:
        return spec("reference.consolidators").empty()
    return spec("reference.consolidators").conform(pl.DataFrame(rows, infer_schema_length=None))


def unit_targets(cat: Catalog) -> pl.DataFrame:
    rows = [dict(indicator_code=t.indicator, unit_code=t.unit, value=t.value, low=t.low, high=t.high,
                 baseline=t.baseline, note=t.note) for t in cat.unit_targets]
    if not rows:
        return spec("reference.unit_targets").empty()
    return spec("reference.unit_targets").conform(pl.DataFrame(rows, infer_schema_length=None))


BUILDERS = {
    "reference.campaigns": campaigns,
    "reference.milestones": milestones,
    "reference.indicators": indicators,
    "reference.indicator_revisions": indicator_revisions,
    "reference.units": units,
    "reference.cluster_members": cluster_members,
    "reference.assignments": assignments,
    "reference.consolidators": consolidators,
    "reference.unit_targets": unit_targets,
}


TABLES = tuple(BUILDERS)


def build_all(cat: Catalog) -> dict[str, pl.DataFrame]:
    """Every reference table as ``cat`` defines it (built once per catalog: a national
    catalog's assignments are a million rows, and every ingest compares them)."""
    return cat.memo(("reference_tables",), lambda: {name: build(cat) for name, build in BUILDERS.items()})
