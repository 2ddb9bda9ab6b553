"""Build and write the gold tables, for the whole lake (refresh) or the partitions one file
touched (ingest), one way for both.

Every gold table is partitioned by campaign × period, and every gold row of a period depends
only on that period's silver partition and the reference tables, so gold is built a few
periods at a time (a national campaign's period is a million rows; the whole lake never is in
memory). Each frame is validated by its GX suite before anything is written: a frame that
fails stops the run, so readers keep the previous complete version. What was built waits in a
spool; each table then gets one commit that replaces exactly the partitions whose content
changed, so the cost of an ingest follows the change, not the size of the lake.
"""
from __future__ import annotations

from datetime import date

import polars as pl

from lakehouse import checks
from lakehouse.gold import attainment, completeness, unit_scores
from lakehouse.gold.expected import campaign_periods
from lakehouse.periods import bounds, due_date
from lakehouse.spool import Spool
from lakehouse.store import Lake
from lakehouse.pipeline import cluster
from lakehouse.pipeline.runs import Run
from lakehouse.pipeline.writes import same_content

GOLD = ("gold.attainment", "gold.unit_scores", "gold.completeness")
PARTS = ["campaign_code", "period"]
# Grid rows (unit × indicator × period) built and checked at once: bounds a refresh's memory.
CHUNK_ROWS = 1_500_000


class GoldCheckFailed(RuntimeError):
    pass


def _refs(lake: Lake) -> dict[str, pl.DataFrame]:
    return {n: lake.read(f"reference.{n}") for n in
            ("campaigns", "indicators", "indicator_revisions", "assignments", "consolidators", "units",
                  "unit_targets", "cluster_members")}


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
            compare: bool = False, scheduler: str | None = None) -> None:
    """``touched``: campaign → periods an ingest changed (``compare``: only those whose content
    differs are written, as the nightly refresh asks); ``None`` rebuilds every partition.
    ``scheduler``: a Dask scheduler's address to build the chunks of periods on (``lakehouse.pipeline.cluster``)."""
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
    with lake.spool(f"gold-{run.run_id}") as spool:
        # One period a task on a cluster (spread over the workers); a few at a time here (fewer passes).
        step = 1 if scheduler else max(1, CHUNK_ROWS // max(refs["assignments"].height, 1))
        chunks = [(lake.location, as_of, periods[i:i + step]) for i in range(0, len(periods), step)]
        for built in cluster.run_all(build_chunk, chunks, {"refs": refs, "inds": inds}, scheduler):
            for name, frame, result in built:
                results.setdefault(name, []).append(result)
                if not result.success:
                    failed = "; ".join(f"{o.expectation}({o.column}): {o.unexpected_count} dòng" for o in result.failed)
                    raise GoldCheckFailed(f"{name} không qua kiểm tra chất lượng, chưa ghi: {failed}")
                spool.add_by(name, frame, PARTS)
        for name in GOLD:
            if touched is None:
                wanted = {_key(name, p) for p in lake.partitions(name)} | set(spool.keys(name + "/"))
            else:
                wanted = {f"{name}/{c}/{p}" for c, ps in touched.items() for p in ps}
            _commit(lake, run, name, sorted(wanted), spool, compare=touched is None or compare)
    for name, rs in results.items():
        combined = checks.combine(name, rs)
        if combined is not None:
            run.checks.append(combined)


def build_chunk(lake_location: str, as_of: date, periods: list[str], refs: dict[str, pl.DataFrame],
                inds: pl.DataFrame) -> list[tuple[str, pl.DataFrame, checks.CheckRun]]:
    """The gold tables of a few periods, each checked by its GX suite: a pure function of the
    silver partitions it reads and the reference tables, so it runs here or on a worker."""
    values = Lake(lake_location).read("silver.report_values", where={"period": periods})
    att = attainment.build(values, refs["campaigns"], inds, refs["assignments"], refs["unit_targets"], as_of,
                           periods=periods, consolidators=refs["consolidators"], units=refs["units"],
                           revisions=refs["indicator_revisions"])
    scores = unit_scores.build(att, refs["cluster_members"])
    comp = completeness.build(values.filter(pl.col("indicator_code").is_in(inds["indicator_code"].to_list())),
                              refs["campaigns"], inds, refs["assignments"], as_of, periods=periods)
    return [(name, frame, checks.run_suite(name, frame))
            for name, frame in (("gold.attainment", att), ("gold.unit_scores", scores), ("gold.completeness", comp))]


def _key(name: str, part: dict) -> str:
    return f"{name}/{part['campaign_code']}/{part['period']}"


def _commit(lake: Lake, run: Run, name: str, keys: list[str], spool: Spool, compare: bool = True) -> None:
    """One commit replacing the partitions among ``keys`` whose content changed (``compare``:
    a refresh compares; an ingest's partitions changed with its silver rows, so it does not
    read a million rows back to learn that)."""
    changed, rows = [], 0
    for key in keys:
        _, campaign, period = key.split("/", 2)
        rows += spool.rows(key)
        if not compare or not same_content(name, lake.read(name, where={"campaign_code": [campaign],
                                                                         "period": [period]}), spool.read(key)):
            changed.append((key, {"campaign_code": campaign, "period": period}))
    lake.replace_partitions(name, lambda: spool.frames(k for k, _ in changed), [p for _, p in changed])
    run.count(name, rows_out=rows, written=bool(changed))
