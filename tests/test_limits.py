"""Limits that bound memory and time, not only cells (issue 27, section 3).

Each file here once got past the cell limit and cost gigabytes or minutes: a stray cell far from
the list, a CSV of blank lines, a workbook of real cells just inside the limit, a workbook of
parts each just under the zip ratio check. Each runs through the real command under an
address-space limit, and the test asserts the run's peak resident memory (the command and the
worker it waits for, from ``os.wait4``) stays under 2 GB, and that it ends with a report (exit 0
or 1) or one message (exit 3), never a traceback. No timing is asserted: the timeout only keeps
a broken guard from hanging the suite.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from jtai_cli.reading import limits, read_workbook

pytestmark = pytest.mark.slow

HOSTILE = Path(__file__).parent / "hostile"
sys.path.insert(0, str(HOSTILE))
from make_corpus import L6, raw_xlsx, rows_xml, sheet_xml  # noqa: E402

#: What each run may hold resident at its peak (issue 27: every case under 2 GB).
TWO_GB = 2 * 1024**3
#: The address-space limit the runs get: above resident memory, as address space always is.
ADDRESS_SPACE = 3 * 1024**3


def run_measured(args: list[str], tmp_path: Path, timeout: float = 600
                 ) -> tuple[int, str, str, int]:
    """Run ``jtai args`` under ``ADDRESS_SPACE``; return its exit code, stdout, stderr and
    peak resident bytes (its own or its worker's, whichever is larger)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "jtai_cli", *args], stdout=o, stderr=e,
                                preexec_fn=limit)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            pytest.fail(f"jtai {args[0]} still running after {timeout} s")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (proc.returncode, out.read_text(), err.read_text(), usage.ru_maxrss * 1024)


def plain(text: str) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─┃━┏┓┗┛]", " ", text).split())


def assert_one_message(code: int, err: str, *phrases: str) -> None:
    assert code == 3, err[-2000:]
    for noise in ("Traceback", "panicked", "memory allocation", "ran out of memory"):
        assert noise not in err, (noise, err[-2000:])
    text = plain(err)
    assert text.count("jtai: cannot use this input") == 1, err
    for phrase in phrases:
        assert phrase in text, (phrase, text)


# --------------------------------------------------------------------------- stray cells


@pytest.mark.parametrize("name", ["far_cell_af.xlsx", "far_cell_dimension.xlsx"])
def test_a_stray_cell_beyond_the_list_costs_its_cells_not_its_grid(name, tmp_path):
    """AF1048576 spans 33.5 million cells (the limit): once 1.4 GB to read 2 KB. Now the sheet
    is read without the grid, and the list is checked: its two rows, nothing about the stray
    cell, which is under no header."""
    code, out, err, peak = run_measured(
        ["validate", str(HOSTILE / name), "--as-of", "2026-11-23", "--format", "json"], tmp_path)
    assert code == 0, err[-2000:]
    report = json.loads(out)
    assert report["lists"]["List_6"]["rows"] == 2
    assert report["findings"] == []
    assert peak < TWO_GB // 4, peak  # measured: about 160 MB (1.5 GB before)


def test_a_stray_cell_under_a_header_is_a_row_of_the_list(tmp_path):
    """M1048576 is under CSA-FE: row 1,048,576 is a row of List 6, its other cells missing."""
    code, out, err, peak = run_measured(
        ["validate", str(HOSTILE / "far_cell_in_list.xlsx"), "--as-of", "2026-11-23",
         "--format", "json"], tmp_path)
    assert code == 1, err[-2000:]
    report = json.loads(out)
    assert report["lists"]["List_6"]["rows"] == 3
    rows = {f["row"] for f in report["findings"] if f["rule"] != "no-lists-found"}
    assert rows == {1_048_576}, rows
    assert peak < TWO_GB, peak  # measured: about 520 MB (760 MB before)


def test_a_sparse_sheet_reads_the_same_cells_as_a_grid():
    """The compact read puts every value at its Excel row and column, as the grid read does."""
    sheet = read_workbook(HOSTILE / "far_cell_af.xlsx").sheets[0]
    assert len(sheet.rows) == limits.EXCEL_MAX_ROWS
    assert sheet.rows[0][:2] == ["Child Unique ID", "Gender"]
    assert sheet.rows[2][0] == "C1002"
    assert sheet.rows[-1][31] == "x" and len(sheet.rows[-1]) == 32
    assert sheet.rows[3] == [] and not any(any(r) for r in sheet.rows[3:-1])


# --------------------------------------------------------------------------- CSV


def test_a_csv_of_blank_lines_is_read_in_bounded_memory(tmp_path):
    """50 MB of blank lines: 3.8-4.1 GB before (a list per line, and a copy of the text at
    four bytes a character). Blank lines are counted, not held, until a row follows."""
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n" * (25 * 1024**2))
    code, _, err, peak = run_measured(["validate", str(path), "--as-of", "2026-11-23"],
                                      tmp_path)
    assert code == 1, err[-2000:]  # read: holds no list
    assert "Traceback" not in err
    assert peak < TWO_GB // 4, peak  # measured: about 250 MB


def test_blank_lines_before_a_row_keep_its_line_number(tmp_path):
    """The blank lines a row comes after are held (cheaply): the row keeps its line."""
    path = tmp_path / "gaps.csv"
    lines = [",".join(L6), "C1001,a) Male"] + [""] * 5000 + [",,,,"] + ["C1002,Marsupial"]
    path.write_text("\r\n".join(lines) + "\r\n" * 3000, encoding="utf-8")
    sheet = read_workbook(path).sheets[0]
    assert len(sheet.rows) == 5004  # the trailing blank lines are not rows
    assert sheet.rows[-1][:2] == ["C1002", "Marsupial"] and len(sheet.rows[-1]) == 13
    assert sheet.rows[2] == [] and sheet.rows[5002] == []
    code, out, err, _ = run_measured(["validate", str(path), "--as-of", "2026-11-23",
                                      "--format", "json"], tmp_path)
    assert code == 1, err[-2000:]
    gender = [f for f in json.loads(out)["findings"] if f["rule"] == "code-not-in-list"]
    assert [f["row"] for f in gender] == [5004]


# --------------------------------------------------------------------------- counted cells


def _duplicate_cells_workbook(path: Path, sheets: int, cells: int) -> Path:
    """Sheets of ``cells`` copies of one cell in row 3, each part just under the size where
    the zip ratio check starts (``limits.RATIO_FROM``)."""
    same = '<c r="A3"><v>1</v></c>'
    body = "".join([*rows_xml([["List 6"], L6]), '<row r="3">', same * cells, "</row>"])
    assert len(body) < limits.RATIO_FROM
    return raw_xlsx(path, [(f"List_6 ({i})", sheet_xml([body])) for i in range(sheets)],
                    level=1)


def test_many_parts_of_duplicate_cells_are_refused_while_counting(tmp_path):
    """12 sheets of 1.45 million copies of one cell, each part under the ratio check: once 95 s
    and more (120 such sheets ran for over 300 s); the count is on the whole workbook, so the
    scan refuses the sheet where it passes the limit, before the reader sees the rest."""
    per_sheet = (limits.RATIO_FROM - 8192) // len('<c r="A3"><v>1</v></c>')
    sheets = limits.MAX_READ_CELLS // per_sheet + 1
    path = _duplicate_cells_workbook(tmp_path / "dups.xlsx", sheets, per_sheet)
    code, _, err, peak = run_measured(["validate", str(path), "--as-of", "2026-11-23"],
                                      tmp_path)
    assert_one_message(code, err, "dups.xlsx", "the workbook's sheets hold more than "
                       f"{limits.MAX_READ_CELLS:,} cells", f"by sheet 'List_6 ({sheets - 1})'",
                       "export the lists as CSV files")
    assert peak < TWO_GB, peak


def test_a_workbook_of_real_cells_past_the_limit_is_refused_before_it_is_read(tmp_path):
    """4 sheets x 262,000 rows x 32 cells of distinct numbers (issue 27): 33.5 million cells,
    once just inside the limit, drove validate past 4.6 GB in 400 s (10 GB in 225 s on the
    reporter's machine). The count across sheets now refuses it during the scan."""
    cols = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "AA", "AB", "AC", "AD", "AE", "AF"]
    header = "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in zip(
        cols, L6 + [f"Extra {i}" for i in range(19)], strict=True))
    row = '<row r="{r}">' + "".join(f'<c r="{c}{{r}}"><v>{{r}}{j:02d}</v></c>'
                                    for j, c in enumerate(cols)) + "</row>"

    def body():
        yield f'<row r="1">{header}</row>'
        for start in range(2, 262_002, 1000):
            yield "".join(row.format(r=r) for r in range(start, min(start + 1000, 262_002)))

    path = tmp_path / "big.xlsx"
    raw_xlsx(path, [(f"List_{n}", sheet_xml(body())) for n in (6, 7, 8, 9)], level=1)
    with zipfile.ZipFile(path) as z:
        assert sum(i.file_size for i in z.infolist()) < limits.MAX_UNCOMPRESSED_BYTES
    code, _, err, peak = run_measured(["validate", str(path), "--as-of", "2026-11-23"],
                                      tmp_path)
    assert_one_message(code, err, "big.xlsx", "the workbook's sheets hold more than",
                       "by sheet 'List_8'")
    assert peak < TWO_GB, peak  # measured: about 760 MB (the first sheet is read meanwhile)
