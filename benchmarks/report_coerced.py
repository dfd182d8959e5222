"""Time ``jtai validate --report`` whole-process on a list 6 where most cells are coerced.

Issue 15 item 4: the highlighted copy used to comment every coerced cell and give each an
Issues row. Run::

    python benchmarks/report_coerced.py --rows 60000 --out /tmp/b11

It writes ``coerced-<rows>.xlsx`` (synthetic: 'M'/'F' genders, 'WBRI', 'No', 'Yes', 'N1 Abuse
or neglect' and text dates, so about six coerced cells a row), then runs the command once and
prints the seconds and the peak memory (RSS of the child, from ``resource``).

Measured on 2 shared cores (load average 8-11 from other jobs, so wall times are noisy; user
CPU from ``time`` is the steadier figure), before and after the Coerced sheet replaced a
comment and an Issues row per coerced cell:

- 10,000 rows (70,000 coerced cells): before 89.7 s wall, 28.1 s user CPU; after 21.3 s,
  6.8 s. The copy shrank from 5.8 MB to 0.5 MB.
- 60,000 rows (420,000 coerced cells): before 527 s and 855 s wall in two runs, 136.8 s user
  CPU, peak 1.36 GB; after 95 s and 103 s wall, 18.1 s user CPU, peak 0.81 GB. The copy
  shrank from 34.7 MB to 2.9 MB.

``validate`` without ``--report`` on the 10,000 rows: 9.9 s / 2.7 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import time
from pathlib import Path

HEADERS = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
           "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
           "CIN Closure Date", "Reason for Closure", "Allocated Team", "Allocated Worker",
           "CSA-FE"]


def write(path: Path, rows: int) -> None:
    """A list 6 of ``rows`` children, most code cells in a variant spelling."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("List_6")
    ws.write_row(0, 0, HEADERS)
    as_of = dt.date(2026, 11, 23)
    for i in range(rows):
        dob = dt.date(2010 + i % 15, 1 + i % 12, 1 + i % 28)
        age = as_of.year - dob.year - ((as_of.month, as_of.day) < (dob.month, dob.day))
        ws.write_row(i + 1, 0, [
            f"C{i:07d}", "M" if i % 2 else "F", "WBRI", dob.strftime("%d/%m/%Y"), age, "No",
            f"{1 + i % 28:02d}/09/2026", "N1 Abuse or neglect", None, None, "North Team",
            "Ann Example", "Yes" if i % 5 == 0 else "No"])
    wb.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=60_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp"))
    args = ap.parse_args()
    src = args.out / f"coerced-{args.rows}.xlsx"
    if not src.exists():
        write(src, args.rows)
    dest = args.out / f"coerced-{args.rows}.checked.xlsx"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jtai_cli", "validate", str(src), "--as-of",
                    "2026-11-23", "--report", str(dest), "-q"], check=False)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.rows} rows: {took:.1f} s, peak {peak:.0f} MB, copy {dest.stat().st_size:,} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
