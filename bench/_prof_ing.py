import cProfile, pstats, sys, time
from pathlib import Path
from bench.__main__ import big_report, _catalog
from lakehouse import checks
from lakehouse.pipeline.ingest import ingest_bytes
from lakehouse.store import Lake
folder = Path(sys.argv[1])
cat = _catalog(folder); lake = Lake(folder / "lake")
files = [big_report(folder, variant=k + 10) for k in range(2)]
checks._context()
ingest_bytes(lake, cat, files[0], "w.xlsx", received_by="bench", channel="cli")
pr = cProfile.Profile(); t = time.perf_counter(); pr.enable()
r = ingest_bytes(lake, cat, files[1], "p.xlsx", received_by="bench", channel="cli")
pr.disable(); print("took", time.perf_counter() - t)
pstats.Stats(pr).sort_stats("cumulative").print_stats(35)
