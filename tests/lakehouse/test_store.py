"""The storage edge: partition replacement in one streaming commit, and the job spool."""
import polars as pl
import pytest

from lakehouse.store import Lake, pairs_predicate
from lakehouse.tables import spec


def scores(rows):
    return pl.DataFrame([{"campaign_code": c, "period": p, "cluster_code": "K", "unit_code": u, "score": s}
                         for c, p, u, s in rows])


def test_replace_partitions_touches_exactly_the_listed_pairs(tmp_path):
    lake = Lake(tmp_path)
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1), ("A", "2024-02", "x", 2),
                                            ("B", "2024-01", "x", 3), ("B", "2024-02", "x", 4)]))
    before = lake.version("gold.unit_scores")
    # (A, 2024-01) and (B, 2024-02) replaced; the cross product's other pairs must stay.
    new = [scores([("A", "2024-01", "y", 10)]), scores([("B", "2024-02", "y", 40)])]
    lake.replace_partitions("gold.unit_scores", lambda: iter(new),
                            [{"campaign_code": "A", "period": "2024-01"}, {"campaign_code": "B", "period": "2024-02"}])
    got = lake.read("gold.unit_scores").sort("campaign_code", "period")
    assert got.select("campaign_code", "period", "unit_code", "score").rows() == [
        ("A", "2024-01", "y", 10.0), ("A", "2024-02", "x", 2.0), ("B", "2024-01", "x", 3.0), ("B", "2024-02", "y", 40.0)]
    assert lake.version("gold.unit_scores") == before + 1   # one commit


def test_a_listed_partition_without_rows_is_emptied_and_nothing_listed_writes_nothing(tmp_path):
    lake = Lake(tmp_path)
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1), ("A", "2024-02", "x", 2)]))
    lake.replace_partitions("gold.unit_scores", lambda: iter([]), [{"campaign_code": "A", "period": "2024-01"}])
    assert lake.read("gold.unit_scores")["period"].to_list() == ["2024-02"]
    version = lake.version("gold.unit_scores")
    lake.replace_partitions("gold.unit_scores", lambda: iter([]), [])
    assert lake.version("gold.unit_scores") == version


def test_rows_outside_the_listed_partitions_are_refused(tmp_path):
    lake = Lake(tmp_path)
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1)]))
    with pytest.raises(Exception):
        lake.replace_partitions("gold.unit_scores", lambda: iter([scores([("A", "2024-09", "x", 9)])]),
                                [{"campaign_code": "A", "period": "2024-01"}])
    assert lake.read("gold.unit_scores")["score"].to_list() == [1.0]


def test_pairs_predicate_quotes_values():
    assert pairs_predicate([{"period": "2024-01", "campaign_code": "O'K"}]) == \
        "(campaign_code = 'O''K' AND period = '2024-01')"


def test_spool_keeps_frames_by_key_and_is_removed_after_the_job(tmp_path):
    lake = Lake(tmp_path)
    with lake.spool("job1") as spool:
        frame = pl.DataFrame({"period": ["2024-01", "2024-02", "2024-01"], "v": [1, 2, 3]})
        spool.add_by("values", frame, ["period"])
        spool.add_by("values", frame.head(1), ["period"])
        assert spool.keys("values/") == ["values/2024-01", "values/2024-02"]
        assert sorted(spool.read("values/2024-01")["v"].to_list()) == [1, 1, 3]
        assert spool.rows("values/2024-02") == 1
        assert spool.read("values/none").is_empty()
        folder = spool.folder
        assert folder.exists()
    assert not folder.exists()


def test_a_table_as_it_stood_at_a_moment(tmp_path):
    """Time travel inside the audit window: the newest commit not after the moment."""
    import time as clock
    from datetime import datetime, timezone

    from lakehouse.submissions import versions_at

    lk = Lake(tmp_path / "lake")
    before = datetime.now(timezone.utc)
    clock.sleep(0.05)
    frame = spec("reference.units").empty()
    lk.overwrite("reference.units", frame)
    clock.sleep(0.05)
    between = datetime.now(timezone.utc)
    clock.sleep(0.05)
    lk.overwrite("reference.units", frame)
    assert lk.version_at("reference.units", before) is None     # not created yet
    assert lk.version_at("reference.units", between) == 0
    assert lk.version_at("reference.units", datetime.now(timezone.utc)) == 1
    assert versions_at(lk, between, ["reference.units", "gold.attainment"]) == {"reference.units": 0,
                                                                               "gold.attainment": None}


def test_a_sorted_table_is_written_in_small_ordered_row_groups_that_a_filter_prunes(tmp_path):
    import pyarrow.parquet as pq

    from lakehouse.tables import ROW_GROUP

    lake = Lake(tmp_path)
    units = [f"u{n:05d}" for n in range(ROW_GROUP * 3 // 2)]   # twice over: 3 × ROW_GROUP rows, 8 clusters
    shuffled = scores([("A", "2024-01", u, float(n)) for n, u in enumerate(units)]).with_columns(
        cluster_code=pl.Series([f"K{n % 4}" for n in range(len(units))])).sample(fraction=1.0, shuffle=True, seed=1)
    frame = pl.concat([shuffled.with_columns(cluster_code=pl.col("cluster_code") + "x"), shuffled])
    lake.replace_partitions("gold.unit_scores", lambda: iter([frame]), [{"campaign_code": "A", "period": "2024-01"}])
    (path,) = lake.table("gold.unit_scores").file_uris()
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups >= 3 and all(meta.row_group(g).num_rows <= ROW_GROUP for g in range(meta.num_row_groups))
    column = pq.ParquetFile(path).schema_arrow.get_field_index("cluster_code")
    ranges = [(meta.row_group(g).column(column).statistics.min, meta.row_group(g).column(column).statistics.max)
              for g in range(meta.num_row_groups)]
    assert ranges == sorted(ranges) and all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))   # disjoint, ordered
    stored = pq.read_table(path).to_pydict()
    assert list(zip(stored["cluster_code"], stored["unit_code"])) == sorted(zip(stored["cluster_code"], stored["unit_code"]))
    # One cluster's rows: most groups are excluded by their statistics alone.
    wanted = [g for g, (lo, hi) in enumerate(ranges) if lo <= "K2" <= hi]
    assert len(wanted) < meta.num_row_groups / 2
    assert lake.read("gold.unit_scores", where={"cluster_code": ["K2"]}, columns=["unit_code", "score"]).height == len(units) // 4


def test_a_frame_with_only_the_columns_asked_for(tmp_path):
    lake = Lake(tmp_path)
    assert lake.read("gold.unit_scores", columns=["unit_code", "score"]).columns == ["unit_code", "score"]   # no table yet
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1)]))
    got = lake.read("gold.unit_scores", columns=["score", "unit_code"], opened=lake.table("gold.unit_scores", 0))
    assert got.rows() == [(1.0, "x")] and got.schema["score"] == pl.Float64


def test_a_table_written_with_another_layout_is_rewritten_once_sorted(tmp_path):
    from deltalake import write_deltalake

    lake = Lake(tmp_path)
    old = spec("gold.unit_scores").conform(scores([("A", "2024-01", u, 1) for u in "zyx"] + [("A", "2024-02", "w", 2)]))
    write_deltalake(lake.uri("gold.unit_scores"), old.to_arrow(), partition_by=["campaign_code", "period"])
    assert "thidua.layout" not in lake.table("gold.unit_scores").metadata().configuration
    lake.replace_partitions("gold.unit_scores", lambda: iter([scores([("A", "2024-02", "v", 3)])]),
                            [{"campaign_code": "A", "period": "2024-02"}])
    table = lake.table("gold.unit_scores")
    assert table.metadata().configuration["thidua.layout"] == spec("gold.unit_scores").layout
    january = [f for f in table.file_uris() if "2024-01" in f]
    import pyarrow.parquet as pq
    assert [pq.read_table(f)["unit_code"].to_pylist() for f in january] == [["x", "y", "z"]]   # rewritten in order
    assert lake.read("gold.unit_scores").height == 4
    version = lake.version("gold.unit_scores")
    lake.conform_layout("gold.unit_scores")
    assert lake.version("gold.unit_scores") == version   # once


def test_a_local_lake_tells_whether_a_table_has_a_commit_after_a_version(tmp_path):
    lake = Lake(tmp_path)
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1)]))
    v = lake.version("gold.unit_scores")
    assert not lake.may_have_commit_after("gold.unit_scores", v)
    lake.append("gold.unit_scores", scores([("A", "2024-02", "x", 2)]))
    assert lake.may_have_commit_after("gold.unit_scores", v) and not lake.may_have_commit_after("gold.unit_scores", v + 1)


def test_a_table_created_by_replacing_rows_records_its_layout(tmp_path):
    """Its first write lays it out as its spec says, so the next write does not rewrite it."""
    lake = Lake(tmp_path)
    lake.replace_rows("gold.unit_scores", [scores([("A", "2024-01", "x", 1)])], "period = '2024-01'")
    assert lake.table("gold.unit_scores").metadata().configuration["thidua.layout"] == spec("gold.unit_scores").layout
    version = lake.version("gold.unit_scores")
    lake.conform_layout("gold.unit_scores")
    assert lake.version("gold.unit_scores") == version


def test_the_newest_version_is_kept_open_and_follows_every_commit(tmp_path):
    import shutil

    lake = Lake(tmp_path)
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1)]))
    first = lake.table("gold.unit_scores")
    assert lake.table("gold.unit_scores") is first            # not opened again while nothing changed
    Lake(tmp_path).append("gold.unit_scores", scores([("A", "2024-02", "y", 2)]))   # another writer
    newest = Lake(tmp_path).table("gold.unit_scores").version()
    assert lake.table("gold.unit_scores").version() == newest and lake.table("gold.unit_scores") is first
    assert lake.read("gold.unit_scores").height == 2
    # A table created anew in its place (set aside and rebuilt) is not taken for the old one,
    # even when its log reaches the same version.
    shutil.rmtree(lake.uri("gold.unit_scores"))
    other = Lake(tmp_path)
    other.append("gold.unit_scores", scores([("B", "2024-03", "z", 3)]))
    other.append("gold.unit_scores", scores([("B", "2024-04", "z", 4)]))
    assert lake.read("gold.unit_scores")["campaign_code"].to_list() == ["B", "B"]
    assert lake.read("gold.unit_scores", version=0).height == 1


def test_a_read_on_a_thread_python_did_not_start_opens_the_table_itself(tmp_path):
    """Rows read while feeding Delta's writer (a generator run on the writer's runtime) cannot
    open or update a kept table there; the read opens it as it always did."""
    lake, copy = Lake(tmp_path / "a"), Lake(tmp_path / "b")
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1)]))
    lake.table("gold.unit_scores")
    Lake(tmp_path / "a").append("gold.unit_scores", scores([("A", "2024-02", "y", 2)]))   # the kept table is behind
    copy.replace_partitions("gold.unit_scores", lambda: iter([lake.read("gold.unit_scores")]),
                            [{"campaign_code": "A", "period": "2024-01"}, {"campaign_code": "A", "period": "2024-02"}])
    assert copy.read("gold.unit_scores").height == 2


def test_a_write_goes_through_the_kept_table_and_keeps_it_newest(tmp_path, monkeypatch):
    """Every kind of write to an existing table goes through the table kept open (its log is not
    replayed to write) and leaves it at the version written; a write behind another writer's
    commit keeps both."""
    import deltalake

    lake = Lake(tmp_path)
    lake.append("gold.unit_scores", scores([("A", "2024-01", "x", 1)]))
    kept = lake.table("gold.unit_scores")
    start = kept.version()
    opened, init = [], deltalake.DeltaTable.__init__
    monkeypatch.setattr(deltalake.DeltaTable, "__init__", lambda self, *a, **k: (opened.append(a), init(self, *a, **k))[1])
    lake.append("gold.unit_scores", scores([("A", "2024-02", "y", 2)]))
    lake.replace_rows("gold.unit_scores", [scores([("A", "2024-02", "y", 5)])], "period = '2024-02'")
    lake.replace_partitions("gold.unit_scores", lambda: iter([scores([("A", "2024-01", "x", 7)])]),
                            [{"campaign_code": "A", "period": "2024-01"}])
    assert opened == [] and lake.table("gold.unit_scores") is kept and kept.version() == start + 3
    monkeypatch.undo()
    Lake(tmp_path).append("gold.unit_scores", scores([("B", "2024-03", "z", 3)]))   # another writer meanwhile
    lake.replace_rows("gold.unit_scores", [scores([("A", "2024-02", "y", 6)])], "period = '2024-02'")
    assert sorted(Lake(tmp_path).read("gold.unit_scores")["score"].to_list()) == [3, 6, 7]
    assert lake.table("gold.unit_scores") is kept and kept.version() == Lake(tmp_path).version("gold.unit_scores")
