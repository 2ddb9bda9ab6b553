"""The benchmark generator: real GSO units, every target rule, reproducible files."""
import polars as pl

from bench import generate
from lakehouse import rules
from lakehouse.reference.catalog import load


def test_units_are_the_gso_list_before_2025():
    u = generate.units(generate.SCALES["nation"])
    counts = dict(u.group_by("unit_type").len().iter_rows())
    assert counts["ward"] + counts["commune"] == 10_051
    assert counts["district"] + u.filter(pl.col("unit_code").str.len_chars() == 3)["unit_type"].eq("city").sum() == 696
    assert u.filter(pl.col("parent_code") == generate.NATION).height == 63
    assert u.filter(pl.col("unit_code") == "05971")["name"].item() == "Phường Hoàng Văn Thụ"


def test_every_target_rule_is_benchmarked():
    kinds = {i["rule"]["type"] for i in generate.indicator_list(generate.SCALES["nation"])}
    assert kinds == set(rules.RULE_PARAMS)
    assert len(generate.indicator_list(generate.SCALES["nation"])) == 100


def test_catalog_loads_and_files_are_reproducible(tmp_path):
    scale = generate.SCALES["province"]
    cat = load(generate.write_catalog(scale, tmp_path / "catalog"))
    assert len(cat.indicators) == scale.indicators
    first = next(generate.report_files(scale))
    again = next(generate.report_files(scale))
    assert first.data == again.data and first.rows > 0
    rows = pl.read_csv(first.data, separator=";", infer_schema=False)
    assert rows.columns == generate.HEADER
    assert set(rows["Kỳ báo cáo"]) == {scale.periods[0]}
    # some units are missing from a month, none twice
    assert rows.select("Mã đơn vị", "Mã chỉ tiêu").is_duplicated().sum() == 0


def test_each_night_comes_after_the_last():
    """Nights in a row send the same province-months again, corrected, each received after the
    last night's (a correction superseding the one before, as in a lake that lives)."""
    scale = generate.SCALES["province"]
    first, second = generate.night_files(scale, night=0), generate.night_files(scale, night=1)
    assert [f.name for f in first] == [f.name for f in second]
    assert min(f.received_at for f in second) > max(f.received_at for f in first)
    assert first[0].data != second[0].data
