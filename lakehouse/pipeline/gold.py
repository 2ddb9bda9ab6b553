"""Build and write the gold tables, for the whole lake (refresh), the partitions a night
touched, or the rows one file's units can change (ingest), with the same build functions.

Every gold table is partitioned by campaign × period, and every gold row of a period depends
only on that period's silver partition and the reference tables, so gold is built a few
periods at a time (a national campaign's period is a million rows; the whole lake never is in
memory). Each frame is validated by its GX suite before anything is written: a frame that
fails stops the run, so readers keep the previous complete version. What was built waits in a
spool; each table then gets one commit that replaces exactly the partitions whose content
changed.

An ingest goes further (``rebuild_units``): within a partition, a unit's attainment depends on
its own values alone, except the roll-ups of the units above it, and its score's rank on its
clusters. So an ingest rebuilds the rows of the units it reports, of the units above them
(their sums from the summed indicators' values beneath them), and the scores of their clusters,
adjusts their areas' status and reporting counts by the difference between those units' old
and new rows, and replaces those rows only: gold files are sorted by unit and split by size, so
the commit rewrites the few files holding them, not the national month. A file from many units
on a few indicators (a province's or a ministry's return on its own indicators) rebuilds those
indicators' attainment and status counts (``build_indicators``): an indicator's rows depend on
its own values, its ``all_of`` family's and the unit tree, never on another indicator's.
"""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

import polars as pl

from lakehouse import checks
from lakehouse.gold import area_completeness, area_status, attainment, completeness, unit_scores
from lakehouse.gold.expected import campaign_periods
from lakehouse.periods import bounds, due_date
from lakehouse.spool import Spool
from lakehouse.store import Lake, partition_predicate
from lakehouse.tables import GOLD
from lakehouse.pipeline import cluster
from lakehouse.pipeline.runs import Run, last_as_of
from lakehouse.pipeline.writes import same_as_stored, same_content

PARTS = ["campaign_code", "period"]
# Grid rows (unit × indicator × period) built and checked at once: bounds a refresh's memory.
CHUNK_ROWS = 1_500_000
# A full rebuild of at least this many grid rows is spread over the machine's cores: starting a
# worker costs seconds (it imports polars, Delta and Great Expectations), a national month's
# build about five, so a night's few periods or a province's lake stay in the job's process.
SPREAD_ROWS = 8 * CHUNK_ROWS
# An ingest of a few units rewrites their rows; one of more units (a province's file at national
# scale) rewrites the partitions whole: replacing rows by a long list of units costs more than
# the partition (measured at nation5y: a 1,000-unit file, 3.7 s against about 1.5 s).
FEW_UNITS, FEW_SHARE = 5, 0.02
# A file from many units rebuilds only its indicators' rows when their family is at most this
# share of the campaign's indicators; the rest of the partition is carried over as stored.
FEW_INDICATORS_SHARE = 0.5


def few(units: int, reporters: int) -> bool:
    """Whether ``units`` of a campaign's ``reporters`` are few enough to rewrite row by row."""
    return units <= max(FEW_UNITS, FEW_SHARE * reporters)


class Change(NamedTuple):
    """What an ingest changed in one partition: the units and indicators of its values."""
    units: set[str]
    indicators: set[str]


class Rebuilt(NamedTuple):
    """Gold rows an ingest rebuilt for one table and partition: ``rows``, checked by the table's
    suite, replace the rows ``where`` names, with ``kept`` (stored rows carried over as they
    are, already checked when they were written)."""
    table: str
    rows: pl.DataFrame
    where: str
    kept: pl.DataFrame | None = None


# What the scores read of the attainment rows of a cluster's other units (and of the indicators
# an ingest did not rebuild).
SCORED = ["campaign_code", "period", "unit_code", "indicator_code", "parent_code", "is_rollup", "due", "status", "attainment",
          "weight"]


class GoldCheckFailed(RuntimeError):
    pass


def incomplete(lake: Lake) -> bool:
    """Gold holds some tables but not all (a table added by a newer version of the code, or
    set aside): it is built whole, so that no table lacks the partitions the others have."""
    present = [lake.exists(name) for name in GOLD]
    return any(present) and not all(present)


def _refs(lake: Lake) -> dict[str, pl.DataFrame]:
    refs = {n: lake.read(f"reference.{n}") for n in
            ("campaigns", "indicators", "indicator_revisions", "assignments", "consolidators", "units",
             "unit_targets", "cluster_members")}
    refs["areas"] = area_status.areas(refs["units"], refs["campaigns"])
    return refs


def nightly(lake: Lake, as_of: date, since: date, changed: list[str]) -> dict[str, set[str]]:
    """The partitions an ordinary night rebuilds: every campaign's periods whose silver values
    changed, and the periods the date still moves (due, elapsed share, on time or late: those
    whose due date had not passed by ``since``, the last night's day, new periods included)."""
    refs = _refs(lake)
    stored = {p["period"] for p in lake.partitions("silver.report_values")}
    out: dict[str, set[str]] = {}
    expected = campaign_periods(refs["campaigns"], refs["indicators"], as_of).join(
        refs["indicators"].select("indicator_code", "campaign_code"), on="indicator_code")
    for c in refs["campaigns"].iter_rows(named=True):
        code = c["campaign_code"]
        mine = set(expected.filter(pl.col("campaign_code") == code)["period"].to_list()) | stored | {
            p["period"] for p in lake.partitions("gold.attainment") if p["campaign_code"] == code}
        window = (c["window_start"], c["window_end"])
        moving = {p for p in mine if _in_window(p, window) and due_date(p, window, c["report_due_days"]) >= since}
        out[code] = moving | set(changed)
    return {c: ps for c, ps in out.items() if ps}


def _in_window(period: str, window) -> bool:
    try:
        start, end = bounds(period, window)
    except ValueError:
        return False
    return start <= window[1] and end >= window[0]


def rebuild(lake: Lake, run: Run, as_of: date, touched: dict[str, set[str]] | None = None,
            compare: bool = False, scheduler: str | None = None, workers: int | None = None) -> None:
    """``touched``: campaign → periods an ingest changed (``compare``: only those whose content
    differs are written, as the nightly refresh asks); ``None`` rebuilds every partition.
    ``scheduler``: a Dask scheduler's address to build the chunks of periods on (``lakehouse.pipeline.cluster``);
    else ``workers`` processes of this machine (``None``: one per core for a full rebuild of a
    large lake, ``SPREAD_ROWS``; this process otherwise)."""
    for name in GOLD:
        lake.conform_layout(name)
    if touched is not None and not touched:
        return
    refs = _refs(lake)
    inds = refs["indicators"]
    if touched is None:
        expected = campaign_periods(refs["campaigns"], inds, as_of)["period"].to_list()
        stored = [p["period"] for p in lake.partitions("silver.report_values")]
        periods = sorted(set(expected) | set(stored))
    else:
        inds = inds.filter(pl.col("campaign_code").is_in(sorted(touched)))
        periods = sorted(set().union(*touched.values()))
    results: dict[str, list] = {}
    compare = touched is None or compare
    unchanged: dict[str, int] = {}   # partitions built as they are stored: rows, not spooled
    if workers is None:
        large = touched is None and len(periods) * refs["assignments"].height >= SPREAD_ROWS
        workers = cluster.processes() if large and not scheduler else 1
    with lake.spool(f"gold-{run.run_id}") as spool:
        # One period a task on a cluster or over processes (spread over the workers); a few at a
        # time here (fewer passes).
        one = scheduler or workers > 1
        step = 1 if one else max(1, CHUNK_ROWS // max(refs["assignments"].height, 1))
        chunks = [(lake.location, as_of, periods[i:i + step], compare) for i in range(0, len(periods), step)]
        workers = min(workers, len(chunks))
        for built in cluster.run_all(build_chunk, chunks, {"refs": refs, "inds": inds}, scheduler, workers):
            for b in built:
                results.setdefault(b.table, []).append(b.check)
                if not b.check.success:
                    failed = "; ".join(f"{o.expectation}({o.column}): {o.unexpected_count} dòng" for o in b.check.failed)
                    raise GoldCheckFailed(f"{b.table} không qua kiểm tra chất lượng, chưa ghi: {failed}")
                unchanged.update(b.unchanged)
                for key, part in b.changed.items():
                    spool.add(key, part)
        for name in GOLD:
            if touched is None:
                wanted = ({_key(name, p) for p in lake.partitions(name)} | set(spool.keys(name + "/"))
                          | {k for k in unchanged if k.startswith(name + "/")})
            else:
                wanted = {f"{name}/{c}/{p}" for c, ps in touched.items() for p in ps}
            _commit(lake, run, name, sorted(wanted), spool, compare, unchanged)
    for name, rs in results.items():
        combined = checks.combine(name, rs)
        if combined is not None:
            run.checks.append(combined)


class Built(NamedTuple):
    """One gold table of a chunk of periods: its check, and its partitions (``table/campaign/period``)
    as built, or, when compared with the lake, those that differ and the rows of those that do not."""
    table: str
    check: checks.CheckRun
    changed: dict[str, pl.DataFrame]
    unchanged: dict[str, int]


def build_chunk(lake_location: str, as_of: date, periods: list[str], compare: bool, refs: dict[str, pl.DataFrame],
                inds: pl.DataFrame) -> list[Built]:
    """The gold tables of a few periods, each checked by its GX suite, and (``compare``) each
    partition compared with the stored one: a pure function of the partitions it reads and the
    reference tables, so it runs here or on a worker, and only what changed travels back."""
    lake = Lake(lake_location)
    # The current rows for attainment, every submission's receipt for completeness: a month
    # with a long history (corrections sent again and again) is not held whole in memory.
    current = lake.read("silver.report_values", where={"period": periods, "is_current": [True]}, columns=attainment.READS)
    received = lake.read("silver.report_values", where={"period": periods}, columns=completeness.READS)
    att = attainment.build(current, refs["campaigns"], inds, refs["assignments"], refs["unit_targets"], as_of,
                           periods=periods, consolidators=refs["consolidators"], units=refs["units"],
                           revisions=refs["indicator_revisions"])
    scores = unit_scores.build(att, refs["cluster_members"])
    comp = completeness.build(received.filter(pl.col("indicator_code").is_in(inds["indicator_code"].to_list())),
                              refs["campaigns"], inds, refs["assignments"], as_of, periods=periods)
    del current, received
    areas = area_status.build(att, refs["areas"])
    reporting = area_completeness.build(comp, refs["areas"])
    out = []
    for name, frame in (("gold.attainment", att), ("gold.unit_scores", scores), ("gold.completeness", comp),
                        ("gold.area_status", areas), ("gold.area_completeness", reporting)):
        check = checks.run_suite(name, frame)
        changed, unchanged = {}, {}
        if check.success:     # a frame that failed is not written: its partitions need not travel
            for (campaign, period), part in frame.partition_by(PARTS, as_dict=True, maintain_order=True).items():
                key = f"{name}/{campaign}/{period}"
                if compare and same_as_stored(lake, name, {"campaign_code": [campaign], "period": [period]}, part):
                    unchanged[key] = part.height
                else:
                    changed[key] = part
        out.append(Built(name, check, changed, unchanged))
    return out


def _key(name: str, part: dict) -> str:
    return f"{name}/{part['campaign_code']}/{part['period']}"


def _commit(lake: Lake, run: Run, name: str, keys: list[str], spool: Spool, compare: bool = True,
            unchanged: dict[str, int] | None = None) -> None:
    """One commit replacing the partitions among ``keys`` that changed. ``compare`` (a refresh):
    the partitions were compared as they were built (``unchanged``: those that were not
    spooled, with their rows); a key with nothing built is compared with what is stored (a
    partition no value reaches any more is emptied). Without it (an ingest) every key is
    replaced: its partitions changed with its silver rows, and reading a million rows back to
    learn that would cost more than the write."""
    unchanged = unchanged or {}
    changed, rows = [], 0
    for key in keys:
        if key in unchanged:
            rows += unchanged[key]
            continue
        _, campaign, period = key.split("/", 2)
        rows += spool.rows(key)
        if not compare or spool.rows(key) or not same_content(
                name, lake.read(name, where={"campaign_code": [campaign], "period": [period]}), spool.read(key)):
            changed.append((key, {"campaign_code": campaign, "period": period}))
    lake.replace_partitions(name, lambda: spool.frames(k for k, _ in changed), [p for _, p in changed])
    run.count(name, rows_out=rows, written=bool(changed))


def rebuild_units(lake: Lake, run: Run, as_of: date, touched: dict[str, dict[str, Change]]) -> None:
    """An ingest's gold. ``touched``: campaign → period → the units and indicators whose values
    it changed. A partition is rebuilt whole instead when gold does not hold it yet, when its
    period had not ended by the day the rest of it was judged (its rows still move with the
    date), or when the file reports more than a few of the campaign's units (``few``) on more
    than a few of its indicators (``family``)."""
    if not touched:
        return
    if incomplete(lake):
        rebuild(lake, run, as_of)
        return
    for name in GOLD:
        lake.conform_layout(name)
    refs = _refs(lake)
    judged_on = last_as_of(lake)
    windows = {r["campaign_code"]: (r["window_start"], r["window_end"]) for r in refs["campaigns"].iter_rows(named=True)}
    stored = {(p["campaign_code"], p["period"]) for p in lake.partitions("gold.attainment")}
    whole: dict[str, set[str]] = {}
    rebuilt: list[Rebuilt] = []
    for campaign, periods in touched.items():
        reporters = refs["assignments"].filter(pl.col("campaign_code") == campaign)["unit_code"].n_unique()
        own = refs["indicators"].filter(pl.col("campaign_code") == campaign)
        for period, change in periods.items():
            settled = judged_on is not None and bounds(period, windows[campaign])[1] <= min(judged_on, as_of)
            related = family(own, change.indicators)
            if not settled or (campaign, period) not in stored:
                whole.setdefault(campaign, set()).add(period)
            elif few(len(change.units), reporters):
                built = build_units(lake, as_of, campaign, period, change.units, refs)
                for r in built:
                    if r.table not in ("gold.area_status", "gold.area_completeness"):
                        _add(run, r.table, "units_rebuilt", r.rows["unit_code"].n_unique())
                rebuilt += built
            elif len(related) <= FEW_INDICATORS_SHARE * own.height:
                rebuilt += build_indicators(lake, as_of, campaign, period, related, refs)
                _add(run, "gold.attainment", "indicators_rebuilt", len(related))
            else:
                whole.setdefault(campaign, set()).add(period)
    if whole:
        rebuild(lake, run, as_of, touched=whole)
    if not rebuilt:
        return
    tables = [name for name in GOLD if any(r.table == name for r in rebuilt)]  # a campaign without clusters has no scores
    for name in tables:
        result = checks.run_suite(name, pl.concat([r.rows for r in rebuilt if r.table == name]))
        run.checks.append(result)
        if not result.success:
            failed = "; ".join(f"{o.expectation}({o.column}): {o.unexpected_count} dòng" for o in result.failed)
            raise GoldCheckFailed(f"{name} không qua kiểm tra chất lượng, chưa ghi: {failed}")
    for name in tables:
        mine = [r for r in rebuilt if r.table == name]
        # Each partition's rows in one frame: a partition carried over is written in the table's order.
        frames = [r.rows if r.kept is None else pl.concat([r.kept, r.rows], how="vertical_relaxed") for r in mine]
        lake.replace_rows(name, frames, " OR ".join(f"({r.where})" for r in mine))
        run.count(name, rows_out=sum(f.height for f in frames), written=True)


def _add(run: Run, table: str, key: str, n: int) -> None:
    entry = run.tables.setdefault(table, {})
    entry[key] = entry.get(key, 0) + n


def family(indicators: pl.DataFrame, codes: set[str]) -> set[str]:
    """``codes`` and the indicators judged with them: an ``all_of`` parent of any of them and
    every criterion of such a parent (``indicators``: one campaign's)."""
    pairs = indicators.select("indicator_code", "parent_code")
    heads = set(codes) | set(pairs.filter(pl.col("indicator_code").is_in(list(codes)))["parent_code"].drop_nulls())
    return heads | set(pairs.filter(pl.col("parent_code").is_in(list(heads)))["indicator_code"])


def build_indicators(lake: Lake, as_of: date, campaign: str, period: str, related: set[str],
                     refs: dict[str, pl.DataFrame]) -> list[Rebuilt]:
    """The gold of one partition when ``related`` indicators' values changed for many units:
    their attainment rows and status counts rebuilt (roll-ups included) beside the other
    indicators' rows as stored; the scores, which weigh every indicator of a unit, ranked again
    from both; the reporting (every indicator's first receipt) rebuilt. Every table's partition
    is written whole, in its order, so a unit's rows stay in a few row groups."""
    here = {"campaign_code": [campaign], "period": [period]}
    where = partition_predicate(here)
    inds = refs["indicators"].filter(pl.col("campaign_code") == campaign)
    mine = inds.filter(pl.col("indicator_code").is_in(list(related)))
    values = lake.read("silver.report_values", where={"period": [period], "is_current": [True]}, columns=attainment.READS)
    att = attainment.build(values.filter(pl.col("indicator_code").is_in(list(related))), refs["campaigns"], mine,
                           refs["assignments"].filter(pl.col("indicator_code").is_in(list(related))),
                           refs["unit_targets"], as_of, periods=[period],
                           consolidators=refs["consolidators"].filter(pl.col("campaign_code") == campaign),
                           units=refs["units"], revisions=refs["indicator_revisions"])
    others = ~pl.col("indicator_code").is_in(list(related))
    kept = lake.read("gold.attainment", where=here).filter(others)
    areas = refs["areas"].filter(pl.col("campaign_code") == campaign)
    out = [Rebuilt("gold.attainment", att, where, kept),
           Rebuilt("gold.area_status", area_status.build(att, areas), where,
                   lake.read("gold.area_status", where=here).filter(others))]
    members = refs["cluster_members"].filter(pl.col("campaign_code") == campaign)
    if not members.is_empty():
        scored = pl.concat([kept.select(SCORED), att.select(SCORED)], how="vertical_relaxed")
        out.append(Rebuilt("gold.unit_scores", unit_scores.build(scored, members), where))
    received = lake.read("silver.report_values", where={"period": [period]}, columns=completeness.READS)
    comp = completeness.build(received.filter(pl.col("indicator_code").is_in(inds["indicator_code"].to_list())),
                              refs["campaigns"], inds, refs["assignments"], as_of, periods=[period])
    out += [Rebuilt("gold.completeness", comp, where),
            Rebuilt("gold.area_completeness", area_completeness.build(comp, areas), where)]
    return out


def build_units(lake: Lake, as_of: date, campaign: str, period: str, units: set[str],
                refs: dict[str, pl.DataFrame]) -> list[Rebuilt]:
    """The gold rows of one partition that ``units``' values can change, each with the
    predicate naming the rows it replaces: attainment and completeness of the units and of the
    units above them that consolidate, their areas' counts, the scores of every cluster any of
    them is in."""
    inds = refs["indicators"].filter(pl.col("campaign_code") == campaign)
    consolidators = refs["consolidators"].filter(pl.col("campaign_code") == campaign)
    assignments = refs["assignments"].filter(pl.col("campaign_code") == campaign)
    up = attainment.unit_ancestors(refs["units"])
    consolidating = consolidators["unit_code"].unique().to_list()
    judged = set(units) | set(up.filter(pl.col("unit_code").is_in(list(units))
                                        & pl.col("ancestor").is_in(consolidating))["ancestor"].to_list())
    # A consolidating unit's sums need the summed indicators' values of every reporter beneath it.
    heads = judged & set(consolidating)
    summed = inds.filter(attainment.summed())["indicator_code"].to_list()
    sums = consolidators.filter(pl.col("indicator_code").is_in(summed)).select("indicator_code", ancestor="unit_code")
    beneath = (up.filter(pl.col("ancestor").is_in(list(heads))).join(sums, on="ancestor")
               .select("unit_code", "indicator_code").unique())
    pair = pl.concat_str("unit_code", "indicator_code", separator="\x1f")
    wanted = pl.col("unit_code").is_in(list(judged)) | pair.is_in(beneath.select(k=pair)["k"].to_list())
    # Silver is sorted by unit: naming the units lets the scan skip the other row groups.
    read_units = sorted(judged | set(beneath["unit_code"].to_list()))
    values = lake.read("silver.report_values", where={"period": [period], "unit_code": read_units}).filter(wanted)
    assigned = assignments.filter(wanted)
    att = attainment.build(values, refs["campaigns"], inds, assigned, refs["unit_targets"], as_of, periods=[period],
                           consolidators=consolidators.filter(pl.col("unit_code").is_in(list(heads))),
                           units=refs["units"], revisions=refs["indicator_revisions"])
    att = att.filter(pl.col("unit_code").is_in(list(judged)))
    mine = pl.col("unit_code").is_in(list(judged))
    comp = completeness.build(values.filter(mine & pl.col("indicator_code").is_in(inds["indicator_code"].to_list())),
                              refs["campaigns"], inds, assignments.filter(mine), as_of, periods=[period])
    here = {"campaign_code": [campaign], "period": [period]}
    where = partition_predicate({**here, "unit_code": sorted(judged)})
    out = [Rebuilt("gold.attainment", att, where), Rebuilt("gold.completeness", comp, where)]
    # The areas' counts: the judged units' old rows taken out, their new rows put in.
    areas = refs["areas"].filter(pl.col("campaign_code") == campaign)
    old = lake.read("gold.attainment", where={**here, "unit_code": sorted(judged)}, columns=area_status.READS)
    touched_areas = area_status.area_codes(judged, areas)
    kept = lake.read("gold.area_status", where={**here, "area_code": touched_areas})
    in_areas = partition_predicate({**here, "area_code": touched_areas})
    out.append(Rebuilt("gold.area_status", area_status.adjust(kept, old, att, areas), in_areas))
    old = lake.read("gold.completeness", where={**here, "unit_code": sorted(judged)}, columns=area_completeness.READS)
    kept = lake.read("gold.area_completeness", where={**here, "area_code": touched_areas})
    out.append(Rebuilt("gold.area_completeness", area_completeness.adjust(kept, old, comp, areas), in_areas))
    members = refs["cluster_members"].filter(pl.col("campaign_code") == campaign)
    clusters = sorted(set(members.filter(mine)["cluster_code"].to_list()))
    if clusters:
        members = members.filter(pl.col("cluster_code").is_in(clusters))
        others = sorted(set(members["unit_code"].to_list()) - judged)
        rest = (lake.read("gold.attainment", where={"campaign_code": [campaign], "period": [period], "unit_code": others},
                          columns=SCORED) if others else att.select(SCORED).clear())
        scores = unit_scores.build(pl.concat([att.select(SCORED), rest], how="vertical_relaxed"), members)
        out.append(Rebuilt("gold.unit_scores", scores,
                           partition_predicate({"campaign_code": [campaign], "period": [period], "cluster_code": clusters})))
    return out
