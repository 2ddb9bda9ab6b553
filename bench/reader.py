"""What isolating the reader costs: the same files read in the caller's process
(``lakehouse.bronze.cells.read_cells``, the reference) and through a warm worker
(``lakehouse.bronze.reader.read_isolated``), in the same run; plus a worker's cold start and the
memory of the largest sheet the limits let through.

    python -m bench.reader [--repeat 5] [--json FILE]
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from bench.__main__ import Figure, machine, median_time, table


def report_xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Báo cáo")
    ws.append(["Mã đơn vị", "Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Đơn vị tính", "Ghi chú"])
    for k in range(rows):
        ws.append(["05971", f"TP24-{k % 40 + 1:02d}", "2024-Q2", f"{k % 97},5", "%", "ghi chú"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def wide_sheet_xlsx(rows: int = 240_000, cols: int = 25) -> bytes:
    """The largest kind of sheet inside every limit: 240,000 × 25 cells (6 million, 21 MB zipped)."""
    from openpyxl import Workbook

    letters = [chr(65 + c) for c in range(cols)]
    head = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "x"
    wb.save(head)
    parts = [b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r in range(1, rows + 1):
        cells = "".join(f'<c r="{letters[c]}{r}"><v>{r * 7 + c}</v></c>' if c % 3 else
                        f'<c r="{letters[c]}{r}" t="inlineStr"><is><t>a</t></is></c>' for c in range(cols))
        parts.append(f'<row r="{r}">{cells}</row>'.encode())
    parts.append(b"</sheetData></worksheet>")
    src = zipfile.ZipFile(io.BytesIO(head.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item.filename, b"".join(parts) if item.filename == "xl/worksheets/sheet1.xml" else src.read(item))
    return out.getvalue()


def _hwm_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def measure(repeat: int) -> list[Figure]:
    from lakehouse.bronze.cells import read_cells
    from lakehouse.bronze.reader import ReaderPool, pool, read_isolated

    figures = []
    start = []
    for _ in range(repeat):
        fresh = ReaderPool()
        t = time.perf_counter()
        worker = fresh._take()
        worker.start()
        start.append(time.perf_counter() - t)
        fresh._give_back(worker, True)
        fresh.close()
    figures.append(Figure("reader worker cold start", sorted(start)[len(start) // 2], "s",
                          "—", 0.0, "paid once per worker", None))
    # First, while this process has read nothing itself: its peak is the caller's cost of the
    # file (the file is built in a child, whose memory is not ours).
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "rong.xlsx"
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from bench.reader import "
                        "wide_sheet_xlsx; Path(sys.argv[1]).write_bytes(wide_sheet_xlsx())", str(target)], check=True)
        data = target.read_bytes()
    t = time.perf_counter()
    cells, _ = read_isolated(data, "rong.xlsx", "xlsx")
    took = time.perf_counter() - t
    worker = pool()._idle.queue[0]
    figures.append(Figure("240,000 × 25 sheet: worker peak memory", _hwm_mb(worker.proc.pid), "MB",
                          "1 GB ceiling", 1024, "< 1024 MB", _hwm_mb(worker.proc.pid) < 1024))
    figures.append(Figure("240,000 × 25 sheet: caller peak memory", _hwm_mb(), "MB",
                          "1 GB", 1024, "< 1024 MB", _hwm_mb() < 1024))
    figures.append(Figure("240,000 × 25 sheet: read, isolated", took, "s", "60 s time limit", 60, "< 60 s",
                          took < 60))
    assert cells.height == 240_000 * 25
    del cells, data
    read_isolated(report_xlsx(5), "warm.xlsx", "xlsx")   # the pool's worker is warm from here on
    for rows in (50, 2_000, 100_000):
        data = report_xlsx(rows)
        inside = median_time(lambda: read_cells(data, "r.xlsx", "xlsx"), repeat)
        isolated = median_time(lambda: read_isolated(data, "r.xlsx", "xlsx"), repeat)
        figures.append(Figure(f"read {rows:,}-row .xlsx, isolated (warm)", isolated, "s",
                              "same file read in the caller", inside, "overhead small against the read", None))
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.reader", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    figures = measure(args.repeat)
    print(f"reader isolation; median of {args.repeat} runs")
    print(table(figures))
    if args.json:
        from dataclasses import asdict

        args.json.write_text(json.dumps({"measured_at": datetime.now(timezone.utc).isoformat(), "machine": machine(),
                                         "figures": [{**asdict(f), "ratio": f.ratio} for f in figures]},
                                        indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
