"""The highlighted copy's fast paths write what the plain ones did, cell for cell.

``_copy_sheet`` writes each cell once; before, it wrote the whole row and then each flagged
cell again with its fill. ``_cells_by_row`` splits references with numpy instead of a regex a
cell, ``_coerced_lines`` groups coerced findings by integer codes instead of text. Each is
checked here against the way it was done before, on awkward inputs.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zipfile
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from jtai_cli import exporting
from jtai_cli.excel_names import column_index
from jtai_cli.exporting import (
    _CELL,
    _RANK,
    FILLS,
    _cells_by_row,
    _coerced_groups,
    _coerced_lines,
    _comment_text,
    _copy_sheet,
    _plain,
)
from jtai_cli.reading import RawSheet
from jtai_cli.writing import SAFE_XLSX_OPTIONS, write_whole_row

LONG = "x" * 40_000  # over Excel's 32,767 characters: xlsxwriter cuts it, write_row stops


def _copy_sheet_before(wb: Any, sheet: RawSheet, title: str, flagged: dict[int, Any],
                       filled: dict[int, list[int]], fills: dict[str, Any],
                       date_fills: dict[str, Any]) -> None:
    """The copy as it was written before: the whole row, then each flagged cell again (with
    the row written whole: xlsxwriter's ``write_row`` left the cells after a cut string
    empty, which the copy no longer does)."""
    ws = wb.add_worksheet(title)
    rows = sheet.rows
    width = max((len(r) for r in rows[:50]), default=0)
    for c in range(width):
        ws.set_column(c, c, 14)
    for r, row in enumerate(rows):
        cells = flagged.get(r)
        amber = set(filled.get(r, ()))
        if any(v != "" and v is not None for v in row):
            write_whole_row(ws, r, 0, [_plain(v) for v in row])
        for c in sorted(amber - set(cells or ())):
            value = _plain(row[c]) if c < len(row) else None
            fmt = (date_fills if isinstance(value, dt.date | dt.datetime) else fills)["coerced"]
            if value is None:
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write(r, c, value, fmt)
        for c, recs in sorted((cells or {}).items()):
            worst = min((str(x["severity"]) for x in recs), key=_RANK.__getitem__)
            value = _plain(row[c]) if c < len(row) else None
            fmt = (date_fills if isinstance(value, dt.date | dt.datetime) else fills)[worst]
            if value is None:
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write(r, c, value, fmt)
            ws.write_comment(r, c, _comment_text(recs),
                             {"author": "jtai", "x_scale": 2.2, "y_scale": 1 + len(recs)})
    if sheet.hidden:
        ws.hide()


def _written(path, copy, sheet, flagged, filled) -> dict[str, bytes]:
    wb = xlsxwriter.Workbook(str(path), {**SAFE_XLSX_OPTIONS, "constant_memory": True})
    fills = {sev: wb.add_format({"bg_color": colour}) for sev, colour in FILLS.items()}
    date_fills = {sev: wb.add_format({"bg_color": colour, "num_format": "dd/mm/yyyy"})
                  for sev, colour in FILLS.items()}
    copy(wb, sheet, "Copy", flagged, filled, fills, date_fills)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _rec(severity: str, rule: str = "r") -> dict[str, Any]:
    return {"severity": severity, "rule": rule, "message": "m", "expected": "e"}


_VALUES: list[object] = [
    "", None, "text", " padded ", "=1+1", "007", 0, 7, -2.5, math.nan, True, False,
    dt.date(2026, 2, 1), dt.datetime(2026, 2, 1, 9, 30), dt.timedelta(days=2, hours=3),
    dt.time(9, 30), pd.Timestamp("2026-03-04"), "a\x01b",
]


@pytest.mark.parametrize("seed", range(4))
def test_copy_sheet_writes_what_writing_each_flagged_cell_again_wrote(tmp_path, seed):
    rng = random.Random(seed)
    # Seeds 2 and 3: only values written as they are, so no row needs _plain.
    pool = _VALUES if seed < 2 else [v for v in _VALUES if type(v) in (
        str, int, float, bool, dt.date, dt.datetime, type(None)) and v == v]
    rows: list[list[object]] = []
    for _ in range(120):
        width = rng.choice([0, 1, 3, 8, 8, 8])
        rows.append([rng.choice(pool) for _c in range(width)])
    rows[5] = ["a", LONG, "after the long text", 4]    # after the cut string: still written
    rows[6] = ["a", LONG, "flagged after it", 4, "x"]
    rows[7] = [""] * 6                                  # empty, but flagged
    rows[8] = ["a", LONG, "kept", "flagged", "kept too"]
    rows[9] = ["a", LONG, "amber after it", 5, dt.date(2026, 1, 2), None]  # cut inside a run
    filled: dict[int, list[int]] = {}
    flagged: dict[int, dict[int, list[dict[str, Any]]]] = defaultdict(dict)
    for r in range(len(rows)):
        if rng.random() < 0.6:
            filled[r] = sorted(rng.sample(range(10), rng.randint(1, 4)))  # some past the end
        if rng.random() < 0.2:
            for c in rng.sample(range(10), rng.randint(1, 2)):
                flagged[r][c] = [_rec(rng.choice(["error", "warning"]))
                                 for _ in range(rng.randint(1, 2))]
    filled.pop(5, None), flagged.pop(5, None)
    filled[6], flagged[6] = [2, 4], {1: [_rec("error")]}
    filled[7], flagged[7] = [1, 3], {5: [_rec("warning"), _rec("error", "s")]}
    filled[8], flagged[8] = [3], {}
    filled[9], flagged[9] = [0, 1, 2, 3, 4, 5, 6], {}  # runs broken by a date, past the end
    sheet = RawSheet(file="f.xlsx", name="S", rows=rows, hidden=seed % 2 == 1)
    assert exporting._rows_as_is(rows, block=7) == (seed >= 2)
    before = _written(tmp_path / "before.xlsx", _copy_sheet_before, sheet, flagged, filled)
    now = _written(tmp_path / "now.xlsx", _copy_sheet, sheet, flagged, filled)
    assert before.keys() == now.keys()
    for name in before:
        assert now[name] == before[name], name
    xml = now["xl/worksheets/sheet1.xml"]
    # Nothing after a cut string is lost (write_row alone stopped there).
    for kept in (b"after the long text", b">kept<", b">kept too<", b"flagged after it",
                 b">flagged<", b"amber after it"):
        assert kept in xml, kept


def _cells_by_row_before(sheets, cells, titles) -> dict[str, dict[int, list[int]]]:
    filled: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for sheet, cell in zip(sheets, cells, strict=True):
        m = _CELL.match(cell) if isinstance(cell, str) else None
        if m is None or sheet not in titles or not 0 < int(m.group(2)) <= 1_048_576:
            continue  # no sheet has such a row
        filled[sheet][int(m.group(2)) - 1].add(column_index(m.group(1)))
    return {s: {r: sorted(c) for r, c in by_row.items()} for s, by_row in filled.items()}


@pytest.mark.parametrize("block", [3, 1 << 18])
def test_cells_by_row_reads_references_as_the_pattern_does(monkeypatch, block):
    monkeypatch.setattr(exporting, "_CELL_BLOCK", block)
    rng = random.Random(block)
    odd = [None, "a1", "A01", "Z9\n", "A\u0661\u0662", "1A", "A", "12", "", "A0", "AB 1",
           "XFD1048576", "AAA" + "9" * 20, "Ä1"]
    cells = [rng.choice(odd) if rng.random() < 0.2 else
             f"{rng.choice(['A', 'B', 'Z', 'AA', 'AZ', 'ZZ'])}{rng.randint(1, 60)}"
             for _ in range(3000)]
    sheets = [rng.choice(["S", "T", "gone"]) for _ in cells]
    titles = {"S": "S", "T": "T'"}
    got = _cells_by_row(np.array(sheets, dtype=object), np.array(cells, dtype=object), titles)
    assert got == _cells_by_row_before(sheets, cells, titles)
    assert set(got) == {"S", "T"} and got["S"]


def _coerced_frame(rng: random.Random, n: int, columns: list[str]) -> pd.DataFrame:
    recs = []
    for _ in range(n):
        sheet = rng.choice(["List 1", "Referrals"])
        column = rng.choice(columns)
        many = column.endswith("many")
        value = f"v{rng.randint(0, 40 if many else 3)}"
        letter = "ABCDEF"[columns.index(column) % 6]
        recs.append({
            "file": rng.choice(["a.xlsx", "a.xlsx", "b.xlsx"]), "sheet": sheet,
            "row": rng.randint(3, 90), "column": column,
            "cell": rng.choice([f"{letter}{rng.randint(3, 90)}", f"{letter}{rng.randint(3, 9)}"]),
            "severity": "coerced", "rule": rng.choice(["code-coerced", "date-coerced"]),
            "message": f"'{value}' read as '{value.upper()}'", "expected": "e",
            "list": "contacts", "value": value})
    return pd.DataFrame(recs)


def _lines_before(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    g = _coerced_groups(df)
    return list(zip(g["sheet"], g["column"], g["message"], g["count"], g["rule"],
                    g["first_cell"], strict=True))


@pytest.mark.parametrize(("seed", "columns"), [
    (0, ["Gender", "Ethnicity many"]),
    (1, ["Gender", "Ethnicity", "Team many", "Worker many"]),
    (2, ["Team many", "Worker many"]),      # no column with few readings: no "e.g."
    (3, ["Gender"]),
])
def test_coerced_lines_are_the_grouped_lines(seed, columns):
    df = _coerced_frame(random.Random(seed), 600, columns)
    got = _coerced_lines(df)
    assert got == _lines_before(df)
    assert sum(line[3] for line in got) == len(df)
    assert any(str(line[2]).startswith("e.g. ") for line in got) == (
        any(not c.endswith("many") for c in columns) and any(c.endswith("many")
                                                             for c in columns))


def test_coerced_lines_fall_back_for_findings_the_fast_path_does_not_cover():
    df = _coerced_frame(random.Random(9), 200, ["Gender", "Ethnicity many"])
    df.loc[3, "column"] = None
    df.loc[5, "sheet"] = math.nan
    assert _coerced_lines(df) == _lines_before(df)
    assert _coerced_lines(df.iloc[:0]) == []


@pytest.mark.parametrize("seed", [0, 1])
def test_the_builders_cell_numbers_are_the_cells_read_back(seed):
    """The copy fills coerced cells from the builder's row and column numbers: the same
    cells, sheet by sheet, as reading each finding's "B12" back, also after a list is left
    out (``without_lists``) and for findings without a row or a column."""
    from jtai_cli.reporting import FindingsBuilder, ValidationReport

    rng = random.Random(seed)
    b = FindingsBuilder()
    for k in range(40):
        n = rng.randint(1, 30)
        b.add_coded(file=rng.choice(["a.xlsx", "b.xlsx"]), sheet=rng.choice(["S", "T", "U"]),
                    rows=np.array([rng.randint(2, 1_048_577) if rng.random() < 0.05
                                   else rng.randint(2, 200) for _ in range(n)]),
                    codes=np.array([rng.randint(0, 1) for _ in range(n)]),
                    column=None if k % 9 == 0 else f"C{k % 4}",
                    rules=np.array(["code-coerced", "date-coerced"], dtype=object),
                    messages=np.array(["m0", "m1"], dtype=object),
                    expected=np.array(["", "e"], dtype=object),
                    values=np.array(["v0", "v1"], dtype=object),
                    list_name=rng.choice(["contacts", "cin"]),
                    order=(0, rng.randint(0, 2), -1 if k % 9 == 0 else rng.randint(0, 30)))
        b.add("code-coerced", file="a.xlsx", sheet="S", row=None if k % 5 == 0 else k + 2,
              column=None if k % 7 == 0 else "C1", message="m", list_name="contacts",
              order=(0, 0, -1 if k % 7 == 0 else k % 3))
    df = b.frame()
    report = ValidationReport(["a.xlsx", "b.xlsx"], dt.date(2026, 11, 23), [], df,
                              templates=b.templates)
    titles = {"S": "S", "T": "T", "U": "U'"}
    for rep in (report, report.without_lists(["cin"])):
        t = rep._templates()
        assert t is not None and t.cell_rows is not None and t.cell_cols is not None
        frame = rep.findings
        for src in ("a.xlsx", "b.xlsx"):
            pick = (frame["file"] == src).to_numpy()
            sheets = frame["sheet"].to_numpy(dtype=object)[pick]
            read_back = _cells_by_row(sheets, frame["cell"].to_numpy(dtype=object)[pick],
                                      titles)
            assert exporting._by_row(sheets, t.cell_rows[pick], t.cell_cols[pick],
                                     titles) == read_back
            assert sum(map(len, read_back.values())) > 3
