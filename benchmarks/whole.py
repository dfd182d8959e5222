"""Whole-process benchmarks: what a user waits for, from typing the command to its exit.

Usage (from the repository root, with the package installed):

    python benchmarks/whole.py --rows 60000 600000 3000000 --repeat 3

Each job is a fresh process (``jtai ...`` itself, or ``python -c ...`` for a floor), timed
from start to exit with imports, schema loading, rendering and teardown included: wall time,
and CPU time (user + system of the process tree, the steadier figure on a shared machine);
its peak memory is the largest max RSS of the process and the children it waited for
(``os.wait4``: ``jtai`` does its work in a forked child). The jobs of one size run interleaved,
job after job, ``--repeat`` times, so the floors see the same machine load as jtai; medians
are reported. Workbooks come from ``benchmarks/messy.py`` (seeded, cached in the git-ignored
``benchmarks/data/``). Results are merged into ``benchmarks/whole.json`` (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import messy  # noqa: E402  (benchmarks/messy.py)

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-23"

READ_PANDAS = """
import sys, pandas as pd
pd.read_excel(sys.argv[1], engine="calamine", sheet_name=None)
"""
READ_CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
for name in wb.sheet_names:
    wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
"""
# The floor of --report: read every sheet's rows, write them all with xlsxwriter at its fastest.
READ_WRITE = """
import sys, xlsxwriter
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
out = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
for name in wb.sheet_names:
    ws = out.add_worksheet(name[:31])
    for i, row in enumerate(wb.get_sheet_by_name(name).to_python(skip_empty_area=False)):
        ws.write_row(i, 0, row)
out.close()
"""


def _jtai(py: str) -> str:
    found = shutil.which("jtai", path=str(Path(py).parent)) or shutil.which("jtai")
    if not found:
        raise SystemExit("the jtai command is not installed in this environment")
    return found


def user_install(venv: Path) -> str:
    """The Python of ``venv``, made as the README installs jtai if it is not there yet.

    A user's install is a fresh virtual environment with ``pip install .``: no test tools
    (pandera imports hypothesis when it is installed: 0.5 s), no pyarrow unless asked for
    (pandas imports it when it is there), and every module compiled at install time.
    """
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"making the user install in {venv} (python -m venv; pip install .)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    else:  # the code as it is now, not as it was when the environment was made
        print(f"reinstalling jtai from {ROOT} into {venv}", flush=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
                        str(ROOT)], check=True)
    return str(py)


def _jtai_command(py: str, code: Path | None) -> list[str]:
    """How to run jtai: the snapshot's module with ``--code``, else the installed command."""
    return [py, "-m", "jtai_cli"] if code else [_jtai(py)]


def jobs(path: Path, out: Path, report: bool, code: Path | None, py: str
         ) -> dict[str, list[str]]:
    """Job name -> command line."""
    jtai = _jtai_command(py, code)
    j = {
        "read: pandas+calamine": [py, "-c", READ_PANDAS, str(path)],
        "read: python-calamine": [py, "-c", READ_CALAMINE, str(path)],
        "jtai validate (text)": [*jtai, "validate", str(path), "--as-of", AS_OF],
        "jtai validate --format json": [*jtai, "validate", str(path), "--as-of", AS_OF,
                                        "--format", "json"],
    }
    if report:
        floor_out = out.with_name(f"floor-{out.name}")  # jtai refuses to replace a file
        j["floor: calamine read + xlsxwriter write"] = [py, "-c", READ_WRITE, str(path),
                                                         str(floor_out)]
        j["jtai validate --report"] = [*jtai, "validate", str(path), "--as-of", AS_OF,
                                       "--report", str(out)]
    return j


def startup_jobs(py: str, code: Path | None, example: Path) -> dict[str, list[str]]:
    """What a user waits for before any file is read: help, and a mistyped command."""
    jtai = _jtai_command(py, code)
    return {
        "jtai --help": [*jtai, "--help"],
        "argument error: jtai validate (no file)": [*jtai, "validate"],
        "argument error: a bad --as-of": [*jtai, "validate", str(example), "--as-of", "31/02"],
        "argument error: a bad --format": [*jtai, "validate", str(example), "--format", "pdf"],
    }


def run_startup(py: str, code: Path | None, repeat: int) -> dict[str, dict[str, Any]]:
    """Each start-up job ``repeat`` times, interleaved: medians of wall and CPU seconds."""
    todo = startup_jobs(py, code, ROOT / "examples" / "lists_clean.xlsx")
    runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in todo}
    for _ in range(repeat):
        for name, cmd in todo.items():
            secs, cpu, peak, _text = run(cmd, False, code, ok=(0, 2))
            runs[name].append((secs, cpu, peak))
    print(f"\n== start-up ({repeat} runs each, medians)")
    summary = {}
    for name, r in runs.items():
        row = {"seconds": round(statistics.median(s for s, _, _ in r), 3),
               "cpu_seconds": round(statistics.median(c for _, c, _ in r), 3),
               "runs": [round(s, 3) for s, _, _ in r]}
        summary[name] = row
        print(f"{row['seconds']:8.3f} s {row['cpu_seconds']:8.3f} s CPU  {name}")
    return summary


def run(cmd: list[str], capture: bool, code: Path | None = None, ok: tuple[int, ...] = (0, 1),
        ) -> tuple[float, float, float, str]:
    """Run one process to its exit: (wall seconds, CPU seconds, peak RSS in MB, stdout if
    captured). CPU is user + system time of the process and every process it waited for
    (``jtai`` works in a forked child); the peak is the largest of theirs."""
    env = dict(os.environ)
    if code is not None:  # a snapshot of the code, ahead of the installed one
        env["PYTHONPATH"] = str(code)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=code or ROOT, text=True, env=env)
    text = ""
    if capture:
        text = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:  # 1: the messy workbook has errors, as planted
        raise RuntimeError(f"{cmd[:3]} exited {proc.returncode}: {err[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def _round_ratio(job: list[tuple[float, float, float]], base: list[tuple[float, float, float]]
                 ) -> float:
    """The median over rounds of a job's wall time over ``base``'s in the same round."""
    return round(statistics.median(j[0] / b[0] for j, b in zip(job, base, strict=True)), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", type=int, default=[60_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per job (median reported)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="run only the jobs whose names contain one of these words "
                        "(the pandas read always runs: it is the yardstick)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--report-max", type=int, default=600_000,
                        help="largest size --report and its floor are run at")
    parser.add_argument("--code", type=Path, default=None,
                        help="run jtai from this copy of the repository (e.g. a `git archive` "
                        "snapshot) instead of the installed one")
    parser.add_argument("--venv", type=Path, default=None,
                        help="run every job (floors too) with the Python of this virtual "
                        "environment, made as the README installs jtai if missing")
    parser.add_argument("--startup", type=int, default=11, metavar="N",
                        help="runs of each start-up job (--help, argument errors); 0: none")
    args = parser.parse_args(argv)
    py = user_install(args.venv.resolve()) if args.venv else sys.executable

    results: dict[str, object] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cores": os.cpu_count(), "load_at_start": os.getloadavg()[0]},
        "python": py,
        "sizes": {},
    }
    if args.startup:
        results["startup"] = run_startup(py, args.code, args.startup)
    for rows in args.rows:
        path = messy.ensure(rows, args.seed)
        print(f"\n== {rows:,} rows: {path.name} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            out = Path(tmp) / "out.xlsx"
            todo = jobs(path, out, report=rows <= args.report_max, code=args.code, py=py)
            if args.only:
                todo = {k: v for k, v in todo.items() if k == "read: pandas+calamine"
                        or any(w in k for w in args.only)}
            runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in todo}
            coerced = None
            for rep in range(args.repeat):
                for name, cmd in todo.items():
                    capture = name == "jtai validate (text)" and rep == 0
                    if name == "jtai validate --report":
                        out.unlink(missing_ok=True)  # written by the previous round
                    secs, cpu, peak, text = run(cmd, capture, args.code)
                    runs[name].append((secs, cpu, peak))
                    print(f"  run {rep + 1}: {secs:8.2f} s {cpu:8.2f} s CPU {peak:7.0f} MB  "
                          f"{name} (load {os.getloadavg()[0]:.1f})", flush=True)
                    if capture:
                        m = re.search(r"([\d,]+) values? coerced", text)
                        coerced = int(m.group(1).replace(",", "")) if m else None
        summary: dict[str, dict[str, Any]] = {
            name: {"seconds": round(statistics.median(s for s, _, _ in r), 2),
                   "cpu_seconds": round(statistics.median(c for _, c, _ in r), 2),
                   "peak_mb": round(statistics.median(p for _, _, p in r)),
                   "runs": [round(s, 2) for s, _, _ in r],
                   "cpu_runs": [round(c, 2) for _, c, _ in r]}
            for name, r in runs.items()}
        base = summary["read: pandas+calamine"]
        for name, row in summary.items():
            row["x_pandas_read_time"] = round(row["seconds"] / base["seconds"], 2)
            row["x_pandas_read_cpu"] = round(row["cpu_seconds"] / base["cpu_seconds"], 2)
            row["x_pandas_read_peak"] = round(row["peak_mb"] / base["peak_mb"], 2)
            # Second reading, steadier on a machine whose speed drifts over minutes: each
            # round's own ratio (the job against the read run just before it), median.
            row["x_pandas_read_time_per_round"] = _round_ratio(
                runs[name], runs["read: pandas+calamine"])
        if "jtai validate --report" in summary:
            floor = summary["floor: calamine read + xlsxwriter write"]
            report = summary["jtai validate --report"]
            for key, unit in (("x_floor_time", "seconds"), ("x_floor_cpu", "cpu_seconds")):
                report[key] = round(report[unit] / floor[unit], 2)
            report["x_floor_time_per_round"] = _round_ratio(
                runs["jtai validate --report"], runs["floor: calamine read + xlsxwriter write"])
        print(f"  coerced values: {coerced}")
        for name, row in summary.items():
            print(f"{row['seconds']:8.2f} s {row['x_pandas_read_time']:5.2f}x "
                  f"{row['cpu_seconds']:8.2f} s CPU {row['x_pandas_read_cpu']:5.2f}x "
                  f"{row['peak_mb']:7.0f} MB {row['x_pandas_read_peak']:5.2f}x  {name}")
        print("  per round (median of each round's own ratio): " + "; ".join(
            f"{name} {row['x_pandas_read_time_per_round']:.2f}x" for name, row in summary.items()
            if name != "read: pandas+calamine")
            + (f"; --report against its floor {report['x_floor_time_per_round']:.2f}x"
               if "jtai validate --report" in summary else ""))
        results["sizes"][str(rows)] = {  # type: ignore[index]
            "file": path.name, "coerced": coerced, "jobs": summary,
            "load_at_end": os.getloadavg()[0]}
    out_json = ROOT / "benchmarks" / "whole.json"
    if out_json.exists():  # keep the other sizes' last results
        old = json.loads(out_json.read_text(encoding="utf-8"))
        old.get("sizes", {}).update(results["sizes"])
        results["sizes"] = old.get("sizes", results["sizes"])
        if "startup" not in results and "startup" in old:
            results["startup"] = old["startup"]
    out_json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {out_json.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
