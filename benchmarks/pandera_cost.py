"""What pandera costs on the typed columns of the messy benchmark workbooks, in CPU seconds.

The workbook is read and parsed once (``load_dataset``); then, on the same typed columns,
each way of running pandera is timed with ``time.process_time`` (CPU time of this process, all
threads: the machine is shared, so wall time would measure the neighbours):

- **ranges** (what ``checks.check_ranges`` runs): only the columns with ``at_least`` or
  ``at_most``, their two named checks;
- **full**: every typed column of every list: dtype, code list (``isin``) and ranges, the
  whole of ``to_pandera(schema)``;
- beside them, all the rules (``run_checks``) and the reading and parsing, for scale.

Each is run ``--repeat`` times (the compiled schemas are cached after the first) and the
median reported. Usage, from the repository root with the package installed::

    python benchmarks/pandera_cost.py --rows 60000 600000 --repeat 3

Workbooks come from ``benchmarks/messy.py`` (cached in the git-ignored ``benchmarks/data/``).
Run it under ``PYTHONPATH=<a git archive of another commit>`` to time that commit's
``run_checks`` the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

AS_OF = dt.date(2026, 11, 23)


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def measure(rows: int, repeat: int) -> dict[str, float]:
    import pandera.pandas as pa
    from messy import ensure

    from jtai_cli.checks import run_checks
    from jtai_cli.reporting import FindingsBuilder
    from jtai_cli.schemas import to_pandera
    from jtai_cli.validation import load_dataset

    path = ensure(rows)
    start = time.process_time()
    data = load_dataset(path, as_of=AS_OF)
    read = time.process_time() - start
    codes = data.schemas.codes
    n_rows = sum(len(pl.typed) for pl in data.lists)

    def validate(headers_of: Callable[[object], list[str]]) -> None:
        for pl in data.lists:
            headers = headers_of(pl)
            if not headers:
                continue
            schema = to_pandera(pl.schema, codes, headers)
            try:
                schema.validate(pl.typed[headers], lazy=True)
            except pa.errors.SchemaErrors:
                pass

    def ranged(pl: object) -> list[str]:
        return [c.header for c in pl.schema.columns  # type: ignore[attr-defined]
                if c.header in pl.positions  # type: ignore[attr-defined]
                and (c.rules.at_least is not None or c.rules.at_most is not None)]

    def every(pl: object) -> list[str]:
        return [c.header for c in pl.schema.columns  # type: ignore[attr-defined]
                if c.header in pl.positions]  # type: ignore[attr-defined]

    def rules() -> None:
        data.findings = FindingsBuilder()
        run_checks(data)

    return {
        "rows": n_rows,
        "read and parse": read,
        "pandera, columns with a range": _cpu(lambda: validate(ranged), repeat),
        "pandera, every typed column": _cpu(lambda: validate(every), repeat),
        "all rules (run_checks)": _cpu(rules, repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[60000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for rows in args.rows:
        result = measure(rows, args.repeat)
        print(f"{rows:,} (workbook of {int(result.pop('rows')):,} list rows), CPU seconds, "
              f"median of {args.repeat}:")
        for name, seconds in result.items():
            print(f"  {name:32} {seconds:8.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
