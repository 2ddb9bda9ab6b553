"""Every corpus file yields exactly its expected values through the real ingest."""
import pytest

from lakehouse.pipeline.ingest import ingest_bytes
from tests.corpus.build import cases

CASES = cases()


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 25
    kinds = {c.name.rsplit(".", 1)[1] for c in CASES}
    assert kinds == {"xlsx", "xls", "ods", "csv"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_file_yields_exactly_its_values(lake, cat, case):
    report = ingest_bytes(lake, cat, case.data, case.name, received_by="kiem-thu", channel="cli")
    got = {(r["unit_code"], r["indicator_code"], r["period"], round(r["value"], 6))
           for r in lake.read("silver.report_values").iter_rows(named=True)}
    assert got == {(u, i, p, round(v, 6)) for u, i, p, v in case.expected}, (report.notes, report.problems,
                                                                            report.message)
    assert report.rejects.height == case.rejects, report.problems
    assert report.notes, "the dry run says how the file was understood"
