"""The catalog encodes both seed directives completely and refuses malformed edits."""
import json
import shutil

import polars as pl
import pytest

from lakehouse.reference import tables
from lakehouse.reference.catalog import CatalogError, DEFAULT_DIR, load
from lakehouse.rules import RULE_PARAMS


def test_both_campaigns_and_every_numbered_target(cat):
    assert set(cat.campaigns) == {"LS2021", "TPLS2024"}
    assert len(cat.indicators) > 40
    by_campaign = {c: [i for i in cat.indicators.values() if i.campaign == c] for c in cat.campaigns}
    assert len(by_campaign["LS2021"]) >= 20 and len(by_campaign["TPLS2024"]) >= 35
    # Figures straight from the directives.
    assert cat.indicators["LS21-01"].rule == {"type": "at_least", "value": 95}
    assert cat.indicators["LS21-04"].rule == {"type": "range", "low": 7, "high": 7.5}
    assert cat.indicators["LS21-09"].rule["value"] == 5835 and cat.indicators["LS21-09"].uom == "tỷ đồng"
    assert cat.indicators["TP24-05"].rule["value"] == 425  # "425.000 triệu đồng"
    assert cat.indicators["TP24-14"].rule == {"type": "range", "low": 2300, "high": 2500}
    assert cat.indicators["TP24-17"].rule == {"type": "change_pp", "points": 0.02, "direction": "decrease"}
    assert cat.indicators["TP24-15"].rule == {"type": "maintain", "value": 8}
    assert cat.indicators["LS21-12"].rule["value"] == 11.1


def test_every_rule_type_is_used():
    used = {i.rule["type"] for i in load().indicators.values()}
    assert used >= set(RULE_PARAMS) - {"at_most"}


def test_traffic_accidents_are_three_real_sub_indicators(cat):
    for parent in ("LS21-20", "TP24-18"):
        subs = [i for i in cat.indicators.values() if i.parent == parent]
        assert len(subs) == 3
        assert {s.name.split(" ")[1] for s in subs} == {"vụ", "người"}
        assert cat.indicators[parent].rule["type"] == "all_of"


def test_gso_codes_match_the_official_list(cat):
    vietnam_provinces = pytest.importorskip("vietnam_provinces")
    data = json.load(open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8"))
    province = next(p for p in data if p["code"] == 20)
    assert cat.units["20"].name == province["name"]
    districts = {f"{d['code']:03d}": d for d in province["districts"]}
    assert {u.code for u in cat.units.values() if u.type in ("district", "city")} == set(districts)
    for code, d in districts.items():
        assert cat.units[code].name == d["name"]
    city_wards = {f"{w['code']:05d}": w["name"] for w in districts["178"]["wards"]}
    assert {c: cat.units[c].name for c in city_wards} == city_wards
    assert all(cat.units[c].parent == "178" for c in city_wards)


def test_units_carry_the_2025_reorganisation(cat):
    old = cat.units["05983"]
    assert old.valid_to.isoformat() == "2025-06-30"
    new = [u for u in cat.units.values() if u.valid_from and u.valid_from.isoformat() == "2025-07-01"]
    assert len(new) == 65 and all(u.parent == "20" for u in new)
    # The 2021 campaign's district reporters never include post-2025 communes.
    assert not any("@2025" in u for u in cat.reporters(cat.indicators["LS21-05"]))


def test_reporters_resolve_types_under_the_scope_unit(cat):
    assert cat.reporters(cat.indicators["TP24-16"]) == ["05971", "05974", "05977", "05980", "05983", "05986",
                                                        "05989", "05992"]
    assert "178-PTCKH" in cat.reporters(cat.indicators["TP24-05"])


def test_reference_tables(cat):
    frames = tables.build_all(cat)
    inds = frames["reference.indicators"]
    assert inds.height == len(cat.indicators)
    assert inds.filter(inds["indicator_code"] == "LS21-04")["target_text"][0] == "7 – 7,5 %"
    assert frames["reference.assignments"].height > 200


@pytest.fixture
def catalog_copy(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_wrong_rule_is_reported_with_file_and_code(catalog_copy):
    _edit(catalog_copy / "indicators" / "LS2021.yaml", "rule: {type: range, low: 7, high: 7.5}",
          "rule: {type: range, low: 7.5, high: 7}")
    with pytest.raises(CatalogError) as exc:
        load(catalog_copy)
    assert any("LS2021.yaml" in p and "LS21-04" in p and "lớn hơn high" in p for p in exc.value.problems)


def test_duplicate_code_and_missing_unit_are_all_reported(catalog_copy):
    _edit(catalog_copy / "indicators" / "TPLS2024.yaml", "code: TP24-02", "code: TP24-01")
    _edit(catalog_copy / "indicators" / "TPLS2024.yaml", "reporters: {units: [178-PVHTT]}",
          "reporters: {units: [178-KHONGCO]}")
    with pytest.raises(CatalogError) as exc:
        load(catalog_copy)
    text = "\n".join(exc.value.problems)
    assert "TP24-01" in text and "bị trùng" in text
    assert "178-KHONGCO" in text and "không có trong danh mục đơn vị" in text


def test_duplicate_unit_code(catalog_copy):
    with open(catalog_copy / "units.csv", "a", encoding="utf-8") as fh:
        fh.write("178,178,Thành phố Lạng Sơn,city,20,,,GSO\n")
    with pytest.raises(CatalogError) as exc:
        load(catalog_copy)
    assert any("'178' bị trùng" in p for p in exc.value.problems)


def test_target_for_unknown_unit(catalog_copy):
    with open(catalog_copy / "unit_targets.csv", "a", encoding="utf-8") as fh:
        fh.write("LS21-05,999,1,,,,x\n")
    with pytest.raises(CatalogError) as exc:
        load(catalog_copy)
    assert any("đơn vị '999' không có" in p for p in exc.value.problems)


def test_a_date_the_directive_does_not_state_is_not_invented(cat):
    from lakehouse.reference.tables import campaigns

    ls = cat.campaigns["LS2021"]
    assert ls.issued_on is None and not ls.start_stated   # "từ ngày phát động": no date in the text
    assert ls.window[0].year == 2021 and ls.window[1].isoformat() == "2021-10-30"
    row = campaigns(cat).filter(pl.col("campaign_code") == "LS2021").row(0, named=True)
    assert row["issued_on"] is None and row["window_start_stated"] is False
    assert cat.campaigns["TPLS2024"].start_stated and cat.campaigns["TPLS2024"].issued_on.isoformat() == "2024-01-05"


def test_the_timeline_says_a_start_is_not_stated():
    from datetime import date

    from dashboard.charts import milestones_timeline

    empty = pl.DataFrame(schema={"start": pl.Date, "end": pl.Date, "name": pl.String, "stated": pl.Boolean})
    fig = milestones_timeline(date(2021, 1, 1), date(2021, 10, 30), empty, date(2021, 5, 1), start_stated=False)
    texts = [a.text for a in fig.layout.annotations]
    assert "Phát động (văn bản không ghi ngày)" in texts and not any("01/01/2021" in t for t in texts)
