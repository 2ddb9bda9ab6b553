"""Catalog edits made from the dashboard: round trips keep hand-written files byte for byte,
changes are checked by the real loader before anything is written, targets are revised from a
date, allocations replace only their own rows."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lakehouse.reference import directive, editing
from lakehouse.reference.catalog import CatalogError, load

CATALOG = Path(__file__).resolve().parents[3] / "catalog"
DIRECTIVE = Path(__file__).resolve().parents[2] / "data" / "kh-45-do-thi-van-minh-2024.txt"


@pytest.mark.parametrize("campaign", ["LS2021", "TPLS2024"])
def test_an_unchanged_campaign_writes_back_every_file_as_it_was(campaign, cat):
    files = editing.snapshot(CATALOG)
    items = directive.to_items(directive.rows_of(editing.indicator_items(files[f"indicators/{campaign}.yaml"])))
    changes = editing.campaign_changes(files, editing.campaign_entry(cat.campaigns[campaign]), items,
                                       clusters=editing.campaign_clusters(files["clusters.yaml"], campaign))
    assert editing.effective(files, changes) == {}     # comments, quoting and order survive


def test_a_new_campaign_from_its_directive_is_checked_by_the_loader(cat):
    text = DIRECTIVE.read_text(encoding="utf-8")
    entry = directive.campaign_entry(text, "DTVM2024", cat)
    assert (entry["scope_unit"], entry["issued_on"], entry["start"], entry["end"]) == (
        "178", date(2024, 3, 15), date(2024, 3, 15), date(2024, 12, 15))
    assert entry["document"] == "Kế hoạch số 45/KH-UBND ngày 15/03/2024 của Ủy ban nhân dân thành phố Lạng Sơn"
    assert [m["period"] for m in entry["milestones"]] == ["2024-H1", "2024"]
    rows = directive.to_rows(directive.propose(text), "DTVM2024")
    assert [r["aggregate"] for r in rows] == [True, True, False]     # amounts add up, a rate does not
    files = editing.snapshot(CATALOG)
    with pytest.raises(CatalogError) as failed:                       # nobody reports, unknown unit of measure
        editing.draft(editing.applied(files, editing.campaign_changes(files, entry, directive.to_items(rows))))
    assert any("chưa nêu đơn vị nào báo cáo" in p for p in failed.value.problems)
    assert any("đơn vị tính 'doanh nghiệp' không có" in p for p in failed.value.problems)
    for r in rows:
        r["reporter_types"] = "ward, commune"
    changes = editing.campaign_changes(files, entry, directive.to_items(rows), source="kh.txt", source_text=text,
                                       new_uoms=["doanh nghiệp"])
    new = editing.draft(editing.applied(files, changes))
    assert [i.code for i in new.indicators_of("DTVM2024")] == ["DTVM2024-01", "DTVM2024-02", "DTVM2024-03"]
    assert new.uoms["doanh nghiệp"].family == "doanh_nghiep"
    assert set(changes) == {"campaigns.yaml", "indicators/DTVM2024.yaml", "uoms.yaml", "sources/DTVM2024.txt"}
    # The other campaigns' entries are untouched in campaigns.yaml: only lines are added.
    patch = editing.diff(files, editing.applied(files, {"campaigns.yaml": changes["campaigns.yaml"]}))
    assert not [line for line in patch.splitlines() if line.startswith("-") and not line.startswith("---")]


def test_a_revised_target_applies_from_its_date_and_a_correction_replaces_it(cat):
    files = editing.snapshot(CATALOG)
    rows = directive.rows_of(editing.indicator_items(files["indicators/TPLS2024.yaml"]))
    rows[0]["low"], rows[0]["high"] = 12.0, 13.0                       # TP24-01: 10–11% → 12–13%
    revised = editing.set_indicators(files["indicators/TPLS2024.yaml"], directive.to_items(rows), "TPLS2024", "",
                                     revised_from=date(2024, 7, 1))
    assert "revisions:\n      - {from: 2024-07-01, rule: {type: range, low: 12, high: 13}}" in revised
    new = editing.draft(editing.applied(files, {"indicators/TPLS2024.yaml": revised}))
    ind = new.indicators["TP24-01"]
    assert ind.rule == {"type": "range", "low": 12, "high": 13}
    assert ind.versions == ((None, {"type": "range", "low": 10, "high": 11}),
                            (date(2024, 7, 1), {"type": "range", "low": 12, "high": 13}))
    corrected = editing.set_indicators(files["indicators/TPLS2024.yaml"], directive.to_items(rows), "TPLS2024", "")
    assert "revisions" not in corrected and "rule: {type: range, low: 12, high: 13}" in corrected


def test_revisions_out_of_order_are_refused(tmp_path):
    folder = tmp_path / "catalog"
    files = editing.snapshot(CATALOG)
    text = files["indicators/TPLS2024.yaml"].replace(
        "    rule: {type: range, low: 10, high: 11}\n",
        "    rule: {type: range, low: 10, high: 11}\n    revisions:\n"
        "      - {from: 2024-09-01, rule: {type: range, low: 12, high: 13}}\n"
        "      - {from: 2024-07-01, rule: {type: range, low: 9, high: 13}}\n", 1)
    editing.write(folder, files | {"indicators/TPLS2024.yaml": text})
    with pytest.raises(CatalogError, match="phải áp dụng từ sau ngày 01/09/2024"):
        load(folder)


def test_an_allocation_replaces_only_its_own_shares_and_keeps_baselines():
    text = "indicator_code,unit_code,value,low,high,baseline,note\nA,1,5,,,,x\nA,2,,,,40,kỳ gốc\nB,1,7,,,,y\n"
    out = editing.set_unit_targets(text, {"A"}, {("A", "2"): 6.5, ("A", "3"): 2})
    assert out.splitlines() == ["indicator_code,unit_code,value,low,high,baseline,note",
                                "A,2,6.5,,,40,kỳ gốc", "B,1,7,,,,y", "A,3,2,,,,Giao chỉ tiêu"]


def test_files_are_written_whole_and_removed(tmp_path):
    editing.write(tmp_path, {"indicators/X.yaml": "a: 1\n", "campaigns.yaml": "b: 2\n"})
    assert (tmp_path / "indicators" / "X.yaml").read_text() == "a: 1\n"
    editing.write(tmp_path, {"indicators/X.yaml": None})
    assert not (tmp_path / "indicators" / "X.yaml").exists()
    assert not [p for p in tmp_path.rglob(".*")]                       # no temporary file left behind
