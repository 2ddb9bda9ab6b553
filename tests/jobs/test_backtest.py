"""``python -m jobs backtest`` on the demo history: the forecast made from June, against
December, for both campaigns; the figures are printed into the test log."""
from jobs.__main__ import main


def test_the_backtest_prints_its_error_for_both_campaigns(demo_lake_dir, capsys):
    assert main(["backtest", "--lake", str(demo_lake_dir / "lake")]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith(("LS2021", "TPLS2024"))]
    assert [r[0] for r in rows] == ["LS2021", "TPLS2024"] and all(int(r[2]) > 0 for r in rows)
    assert all(r[3].endswith("%") and r[5].endswith("%") for r in rows)
    with capsys.disabled():
        print("\n" + out)


def test_a_lake_without_a_full_year_says_so(tmp_path, capsys):
    from lakehouse.store import Lake
    from lakehouse.tables import spec

    Lake(tmp_path / "lake").overwrite("gold.attainment", spec("gold.attainment").empty())
    assert main(["backtest", "--lake", str(tmp_path / "lake")]) == 2
    assert "chưa có năm nào" in capsys.readouterr().err
