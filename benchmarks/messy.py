"""Seeded workbooks with the mess of real exports, for the whole-process benchmarks.

``examples/generate.py`` plants about 50 problems in an otherwise tidy workbook. Real exports
are messier, and that is what users wait for. On top of the examples' messy layout (title
rows, header aliases, a blank row, the planted problems), this module rewrites the cells the
way case-management exports write them (the *mess profile*):

- code cells: 60% are written in a variant spelling the validator reads back to the template's
  value (``M`` for ``a) Male``, ``Yes`` for ``a) Yes``, ``2A`` style codes without their
  label). One spelling per (column, value) most of the time, as one export system writes it;
  a tenth of those cells use another accepted spelling.
- date cells: 20% are written as text (``23/11/2026``) and 3% as bare Excel serial numbers.
- everything else as the examples write it.

Every rewritten cell is a ``coerced`` finding, so the rate of coerced values per row is what
the code and date columns of each list make it: the benchmark reports the count it measured.

Usage: ``python benchmarks/messy.py 60000`` writes (once) and prints the workbook's path.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / "data"  # git-ignored

#: The mess profile (documented in benchmarks/README.md).
CODE_VARIANT_SHARE = 0.60
OTHER_VARIANT_SHARE = 0.10
DATE_TEXT_SHARE = 0.20
DATE_SERIAL_SHARE = 0.03
#: The examples' population gives about 2.27 list rows per child.
ROWS_PER_CHILD = 2.27


def _variants(schemas: Any) -> dict[str, dict[str, list[str]]]:
    """Per code list: canonical value -> accepted spellings other than itself, shortest first."""
    from jtai_cli.schemas import _forms

    out: dict[str, dict[str, list[str]]] = {}
    for name, cl in schemas.code_lists.items():
        codes = schemas.codes[name]
        per: dict[str, list[str]] = {}
        for entry in cl.codes:
            seen: list[str] = []
            for form in [*_forms(entry), *entry.also_accept]:
                if (form != entry.value and form not in seen
                        and codes.match(form) == entry.value):
                    seen.append(form)
            per[entry.value] = sorted(seen, key=lambda s: (s.isdigit(), len(s), s))
        out[name] = per
    return out


def make_messy(sheets: list[Any], schemas: Any, seed: int) -> None:
    """Rewrite the sheets' cells in place with the mess profile."""
    rng = random.Random(seed * 7919 + 1)
    variants = _variants(schemas)
    epoch = dt.date(1899, 12, 30)
    for sheet in sheets:
        for j, header in enumerate(sheet.columns):
            try:
                col = sheet.schema.column(header)
            except (KeyError, LookupError):
                continue
            if col.type == "date":
                for rec in sheet.records:
                    v = rec[j]
                    if type(v) is not dt.date:
                        continue
                    r = rng.random()
                    if r < DATE_TEXT_SHARE:
                        rec[j] = v.strftime("%d/%m/%Y")
                    elif r < DATE_TEXT_SHARE + DATE_SERIAL_SHARE:
                        rec[j] = (v - epoch).days
                continue
            codes = schemas.codes_for(col)
            if codes is None:
                continue
            per = variants.get(codes.name, {})
            for rec in sheet.records:
                v = rec[j]
                options = per.get(v) if isinstance(v, str) else None
                if not options or rng.random() >= CODE_VARIANT_SHARE:
                    continue
                if len(options) > 1 and rng.random() < OTHER_VARIANT_SHARE:
                    rec[j] = options[rng.randrange(1, len(options))]
                else:
                    rec[j] = options[0]


def write_fast(path: Path, sheets: list[Any]) -> None:
    """Write the sheets with xlsxwriter (constant memory): the examples' layout, faster."""
    import xlsxwriter

    sys.path.insert(0, str(ROOT / "examples"))
    import generate

    tmp = path.with_suffix(".part.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for sheet in sheets:
        dates = {j for j, h in enumerate(sheet.columns)
                 if h in generate._date_headers(sheet.schema)}
        room = generate.EXCEL_MAX_ROWS - len(sheet.titles) - 1 - len(sheet.blank_after)
        for part, start in enumerate(range(0, max(len(sheet.records), 1), room)):
            name = sheet.name if part == 0 else f"{sheet.name} ({part + 1})"
            ws = wb.add_worksheet(name)
            r = 0
            for t in sheet.titles:
                ws.write_string(r, 0, t)
                r += 1
            ws.write_row(r, 0, sheet.header_cells())
            r += 1
            for i in range(start, min(start + room, len(sheet.records))):
                for j, v in enumerate(sheet.records[i]):
                    if v is None or v == "":
                        continue
                    if j in dates and isinstance(v, dt.date):
                        ws.write_datetime(r, j, dt.datetime(v.year, v.month, v.day), date_fmt)
                    elif isinstance(v, str):
                        ws.write_string(r, j, v)
                    elif isinstance(v, bool):
                        ws.write_boolean(r, j, v)
                    elif isinstance(v, (int, float)):
                        ws.write_number(r, j, v)
                    elif isinstance(v, dt.date):
                        ws.write_datetime(r, j, dt.datetime(v.year, v.month, v.day), date_fmt)
                    else:
                        ws.write(r, j, v)
                r += 1
                if i in sheet.blank_after:
                    r += 1
    wb.close()
    tmp.replace(path)


def _header_at(rows: list[list[Any]], schemas: Any) -> tuple[int, int] | None:
    """(header row index, child ID column index) of a sheet's rows, or None if not a list."""
    for i, row in enumerate(rows[:12]):
        for j, cell in enumerate(row):
            for name, schema in schemas.lists.items():
                id_col = schema.by_role("child_id")
                if id_col is not None and schemas.match_header(name, cell) == id_col.header:
                    return i, j
    return None


def replicate(src: Path, copies: int, dst: Path) -> None:
    """Write ``copies`` copies of every list's rows of ``src`` into ``dst``, each copy with its
    own children (child IDs suffixed with the copy number in two digits, alike on every list), so a
    national-sized workbook keeps the smaller one's mess profile exactly. A list longer than
    an Excel sheet continues on ``Name (2)`` with the same title and header rows, as
    ``examples/generate.py`` writes it."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from jtai_cli.schemas import load_schemas

    sys.path.insert(0, str(ROOT / "examples"))
    import generate

    schemas = load_schemas()
    book = CalamineWorkbook.from_path(str(src))
    tmp = dst.with_suffix(".part.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})

    def put(ws: Any, r: int, row: list[Any]) -> None:
        for j, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, j, v, date_fmt)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, j, dt.datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, str):
                ws.write_string(r, j, v)
            elif isinstance(v, bool):
                ws.write_boolean(r, j, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, j, v)
            else:
                ws.write(r, j, v)

    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        found = _header_at(rows, schemas)
        if found is None:
            put(wb.add_worksheet(name), 0, [])
            continue
        h, id_j = found
        top, data = rows[:h + 1], rows[h + 1:]
        room = generate.EXCEL_MAX_ROWS - len(top)
        part, ws, r = 1, wb.add_worksheet(name), 0
        for t in top:
            put(ws, r, t)
            r += 1
        for k in range(copies):
            for row in data:
                if r >= len(top) + room:
                    part += 1
                    ws, r = wb.add_worksheet(f"{name} ({part})"), 0
                    for t in top:
                        put(ws, r, t)
                        r += 1
                v = row[id_j] if id_j < len(row) else None
                if k and isinstance(v, str) and v.strip():
                    row = [*row[:id_j], f"{v}{k:02d}", *row[id_j + 1:]]
                elif k and isinstance(v, (int, float)) and not isinstance(v, bool):
                    row = [*row[:id_j], v * 100 + k, *row[id_j + 1:]]
                put(ws, r, row)
                r += 1
        del rows, data
    wb.close()
    tmp.replace(dst)


#: Sizes built by copying a smaller workbook's children (generating 3 million rows child by
#: child takes hours on 2 busy cores): size -> (source size, copies).
REPLICATED = {3_000_000: (600_000, 5)}


def ensure(rows: int, seed: int = 2026) -> Path:
    """The cached messy workbook of about ``rows`` list rows, generated once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"mess_{rows}_{seed}.xlsx"
    if path.exists():
        return path
    if rows in REPLICATED:
        base, copies = REPLICATED[rows]
        t0 = time.perf_counter()
        replicate(ensure(base, seed), copies, path)
        print(f"generated {path.name}: {copies} copies of {base:,} rows in "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        return path
    sys.path.insert(0, str(ROOT / "examples"))
    import generate

    t0 = time.perf_counter()
    pop = generate.build_population(seed, int(rows / ROWS_PER_CHILD), generate.AS_OF)
    sheets = generate.build_sheets(pop, list8="children_in_care_reduced")
    generate.Mess(pop, sheets).run()  # title rows, aliases, a blank row, planted problems
    make_messy(sheets, pop.schemas, seed)
    write_fast(path, sheets)
    n = sum(len(s.records) for s in sheets)
    print(f"generated {path.name}: {n:,} rows in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    return path


if __name__ == "__main__":
    print(ensure(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2026))
