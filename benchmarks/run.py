"""Time jtai against the floor: the fastest read (and write) of the same file, in one run.

Usage (from the repository root, with the package installed):

    python benchmarks/run.py                   # LA size (60,000 rows)
    python benchmarks/run.py --sizes la region # 60,000 and 600,000 rows
    python benchmarks/run.py --sizes national  # about 3 million rows (slow to generate)

Each measurement runs in a fresh process, so its peak memory (max RSS) is its own. Workbooks
are generated once, seeded, into benchmarks/data/ (git-ignored) with the messiness of real
exports (examples/generate.py). Results are printed and written to benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
SIZES = {"la": 60_000, "region": 600_000, "national": 3_000_000}

# Each job is a small Python program run in its own process; it prints the seconds it took.
# A line "# -- start --" separates imports (not timed) from the work (timed).
# pandera imports its backends (and hypothesis, where installed) on its first validation, not
# on import: run one on a one-row frame so that these imports are untimed, like every other.
_PANDERA_IMPORTS = """
import pandas, pandera.pandas as pa
pa.DataFrameSchema({"x": pa.Column("Int64", pa.Check.ge(0))}).validate(
    pandas.DataFrame({"x": pandas.array([1], dtype="Int64")}), lazy=True)
"""

# The writing floor: xlsxwriter, constant-memory, writing `sheets` (name -> rows); timed alone.
_FLOOR_WRITE = """
import time; t0 = time.perf_counter()
out = tempfile.mktemp(suffix=".xlsx", dir=os.path.dirname(PATH))
w = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                              "strings_to_urls": False, "default_date_format": "dd/mm/yyyy"})
for n, rows in sheets.items():
    ws = w.add_worksheet(n[:31])
    for i, row in enumerate(rows):
        ws.write_row(i, 0, row)
w.close(); os.unlink(out)
START = t0
"""

JOBS = {
    "read: python-calamine, every sheet to Python rows (the floor)": """
from python_calamine import CalamineWorkbook
# -- start --
wb = CalamineWorkbook.from_path(PATH)
for name in wb.sheet_names:
    wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
""",
    "read: pandas.read_excel(engine='calamine', sheet_name=None)": """
import pandas as pd
# -- start --
pd.read_excel(PATH, engine="calamine", sheet_name=None, header=None)
""",
    "jtai validate_workbook (read, parse, every rule)": """
from jtai_cli import validate_workbook
from jtai_cli.schemas import load_schemas
import python_calamine  # jtai imports it on first use; imports are untimed
""" + _PANDERA_IMPORTS + """
load_schemas()
# -- start --
validate_workbook(PATH)
""",
    "write: xlsxwriter constant-memory, same rows (the floor)": """
import tempfile, os, xlsxwriter
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(PATH)
sheets = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
""" + _FLOOR_WRITE,
    "write: xlsxwriter constant-memory, the merged workbook's rows (merge floor)": """
import tempfile, os, xlsxwriter
from python_calamine import CalamineWorkbook
from jtai_cli import merge_workbooks
merged = tempfile.mktemp(suffix=".xlsx", dir=os.path.dirname(PATH))
merge_workbooks([PATH], merged)
wb = CalamineWorkbook.from_path(merged)
sheets = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
os.unlink(merged)
""" + _FLOOR_WRITE,
    "jtai merge (read, stack, account, write, check the output)": """
import tempfile, os, time
import jtai_cli.writing
from jtai_cli import merge_workbooks
import python_calamine, xlsxwriter  # imported on first use; untimed
""" + _PANDERA_IMPORTS + """
# The merged workbook's writing is timed on its own too, for the ratio to the merge floor.
_write = jtai_cli.writing.write_lists_workbook
def _timed(*args, **kwargs):
    t = time.perf_counter()
    try:
        return _write(*args, **kwargs)
    finally:
        EXTRA["writing_seconds"] = EXTRA.get("writing_seconds", 0) + time.perf_counter() - t
jtai_cli.writing.write_lists_workbook = _timed
# -- start --
out = tempfile.mktemp(suffix=".xlsx", dir=os.path.dirname(PATH))
merge_workbooks([PATH], out); os.unlink(out)
""",
    "jtai annotated report (validate + highlighted copy)": """
import tempfile, os
from jtai_cli import validate_workbook
from jtai_cli.schemas import load_schemas
import python_calamine, xlsxwriter  # imported on first use; untimed
""" + _PANDERA_IMPORTS + """
load_schemas()
# -- start --
out = tempfile.mktemp(suffix=".xlsx", dir=os.path.dirname(PATH))
validate_workbook(PATH, report_path=out); os.unlink(out)
""",
}


def _run_job(code: str, path: Path) -> tuple[float, float, dict[str, float]]:
    """Run one job in a fresh interpreter; return (seconds, peak MB, the job's EXTRA)."""
    head, _, timed = code.rpartition("# -- start --")
    program = (
        f"import time, resource, json\nPATH = {str(path)!r}\nEXTRA = {{}}\n{head}\n"
        f"START = time.perf_counter()\n{timed}\n"
        "print(json.dumps([time.perf_counter() - START, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, EXTRA]))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    seconds, peak, extra = json.loads(done.stdout.splitlines()[-1])
    return float(seconds), float(peak), extra


def ensure_workbook(size: str, seed: int) -> Path:
    """Generate (once) the seeded messy workbook for a size."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"lists_{size}_{seed}.xlsx"
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT / "examples"))
    import generate  # examples/generate.py

    rows = SIZES[size]
    t0 = time.perf_counter()
    # The examples' population gives about 2.27 list rows per child.
    written = generate.write_messy(path, seed=seed, children=int(rows / 2.27))
    print(f"generated {path.name} (~{rows:,} rows, {len(written)} planted problems) in "
          f"{time.perf_counter() - t0:.0f} s")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["la"])
    parser.add_argument("--repeat", type=int, default=3, help="runs per job (median reported)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip", nargs="*", default=[], help="job-name words to skip")
    args = parser.parse_args(argv)

    results: dict[str, object] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cores": os.cpu_count()},
        "sizes": {},
    }
    for size in args.sizes:
        path = ensure_workbook(size, args.seed)
        print(f"\n== {size}: {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
        rows: dict[str, dict[str, float]] = {}
        for name, code in JOBS.items():
            if any(word in name for word in args.skip):
                continue
            runs = [_run_job(code, path) for _ in range(args.repeat)]
            secs = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            rows[name] = {"seconds": round(secs, 3), "peak_mb": round(peak, 1)}
            for key in runs[0][2]:
                rows[name][key] = round(statistics.median(r[2][key] for r in runs), 3)
            print(f"{secs:8.2f} s  {peak:8.0f} MB  {name}")
        floor_read = rows.get("read: python-calamine, every sheet to Python rows (the floor)")
        pandas_read = rows.get("read: pandas.read_excel(engine='calamine', sheet_name=None)")
        validate = rows.get("jtai validate_workbook (read, parse, every rule)")
        floor_write = rows.get("write: xlsxwriter constant-memory, same rows (the floor)")
        report = rows.get("jtai annotated report (validate + highlighted copy)")
        merge_floor = rows.get(
            "write: xlsxwriter constant-memory, the merged workbook's rows (merge floor)")
        merge = rows.get("jtai merge (read, stack, account, write, check the output)")
        ratios = {}
        if validate and floor_read:
            ratios["validate / fastest read"] = validate["seconds"] / floor_read["seconds"]
        if validate and pandas_read:
            ratios["validate / pandas calamine read"] = validate["seconds"] / pandas_read["seconds"]
        if report and validate and floor_write:
            ratios["report writing / fastest write"] = (
                (report["seconds"] - validate["seconds"]) / floor_write["seconds"])
        if merge and merge_floor:
            ratios["merge writing / fastest write"] = (
                merge["writing_seconds"] / merge_floor["seconds"])
        for k, v in ratios.items():
            print(f"{v:8.2f} x  {k}")
        results["sizes"][size] = {"file": path.name, "jobs": rows,  # type: ignore[index]
                                  "ratios": {k: round(v, 2) for k, v in ratios.items()}}
    out = ROOT / "benchmarks" / "results.json"
    if out.exists():  # keep the other sizes' last results
        old = json.loads(out.read_text(encoding="utf-8"))
        old.get("sizes", {}).update(results["sizes"])  # type: ignore[arg-type]
        results["sizes"] = old.get("sizes", results["sizes"])
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
