"""``python -m bench`` runs to the end at the smallest scale (CI keeps it working; the
figures themselves are for bench/RESULTS.md, never asserted)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_at_province_scale_and_reports_every_measure(tmp_path):
    from lakehouse.store import Lake

    built = subprocess.run([sys.executable, "-m", "bench.build", "--scale", "province", "--dir", str(tmp_path / "province")],
                           cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    lake = Lake(tmp_path / "province" / "lake")
    receipts, values = lake.read("bronze.manifest").height, lake.read("silver.report_values").height
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--scale", "province", "--repeat", "1",
                           "--dir", str(tmp_path / "province"), "--json", str(out),
                           "--ingest-rows", "10000"],   # the figures are for RESULTS.md; this runs the path
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text(encoding="utf-8"))["figures"]
    measures = {f["measure"] for f in figures}
    assert {"nightly refresh (full rebuild)", "nightly refresh peak memory", "ingest 10k-row .xlsx → gold",
            "upload → overview shows it (100 values)", "streamlit run → first screen (sign-in form)",
            "streamlit run → overview drawn (signing in at once)"} <= measures
    assert {f"page query: {p}" for p in ("overview", "unit", "indicator", "ranking", "completeness")} <= measures
    assert all(f["value"] > 0 and f["reference_value"] > 0 for f in figures)
    assert "ratio" in done.stdout and "page query: overview" in done.stdout
    # The measures that ingest leave the lake as the build made it: the next run measures the same lake.
    lake = Lake(tmp_path / "province" / "lake")
    assert lake.read("bronze.manifest").height == receipts and lake.read("silver.report_values").height == values
