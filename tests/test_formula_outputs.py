"""No xlsx output of any command holds a formula jtai did not write itself.

The input is the clean example with child IDs, teams and workers replaced by text that Excel
or a careless writer would take for a formula (``=HYPERLINK("http://x")``, ``+cmd``,
``@SUM(1)``, ``-2+3``), stored as text. Every command that writes an .xlsx is run on it, and
each output's sheet XML is searched for ``<f>`` elements: the only ones allowed are the
"go to cell" links jtai writes in the highlighted copy's Issues sheet.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jtai_cli.cli import app

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "lists_clean.xlsx"
runner = CliRunner()
HOSTILE_TEXT = ['=HYPERLINK("http://x")', "+cmd", "@SUM(1)", "-2+3", '=1+1', "=cmd|' /C calc'!A0"]
HOSTILE_ID = '=HYPERLINK("http://x")'
#: The one formula jtai writes: the Issues sheet's link to a cell of the copy.
OWN_LINK = re.compile(r"""HYPERLINK\("#'[^"]*'![A-Z]{1,3}\d+","[A-Z]{1,3}\d+"\)""")


def _as_text(cell: object, value: str) -> None:
    cell.value = value  # type: ignore[attr-defined]
    cell.data_type = "s"  # type: ignore[attr-defined]  # text, never a formula


@pytest.fixture(scope="module")
def formula_text_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("formula") / "lists.xlsx"
    wb = openpyxl.load_workbook(EXAMPLE)
    first_id = wb["List_6"].cell(3, 1).value
    k = 0
    for ws in wb.worksheets:
        header = [c.value for c in ws[2]]
        cols = [j for j, h in enumerate(header, start=1)
                if h in ("Allocated Team", "Allocated Worker")]
        for r in range(3, ws.max_row + 1):
            if ws.cell(r, 1).value == first_id:
                _as_text(ws.cell(r, 1), HOSTILE_ID)
            for j in cols:
                _as_text(ws.cell(r, j), HOSTILE_TEXT[k % len(HOSTILE_TEXT)])
                k += 1
    wb.save(path)
    return path


def formulas_in(path: Path) -> list[str]:
    """The text of every <f> element in every sheet of an .xlsx."""
    found: list[str] = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                found += re.findall(r"<(?:\w+:)?f(?:\s[^>]*)?>(.*?)</(?:\w+:)?f>", xml, re.S)
                found += re.findall(r"<(?:\w+:)?f(?:\s[^>]*)?/>", xml)
    return found


@pytest.mark.slow
def test_the_input_really_holds_formula_like_text_and_no_formula(formula_text_workbook):
    assert formulas_in(formula_text_workbook) == []
    wb = openpyxl.load_workbook(formula_text_workbook)
    values = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert set(HOSTILE_TEXT) <= values


@pytest.mark.slow
def test_no_output_holds_a_formula_jtai_did_not_write(formula_text_workbook, tmp_path):
    src = tmp_path / "in.xlsx"
    shutil.copy(formula_text_workbook, src)
    out = tmp_path / "out"
    out.mkdir()
    runs = {
        "report.xlsx": ["validate", str(src), "--report", str(out / "report.xlsx")],
        "merged.xlsx": ["merge", str(src), "-o", str(out / "merged.xlsx")],
        "filtered.xlsx": ["filter", str(src), "--csa-only", "-o", str(out / "filtered.xlsx")],
        "export.xlsx": ["export", str(src), "--option", "B", "--allow-errors", "-o",
                        str(out / "export.xlsx")],
        "template.xlsx": ["template", "--option", "A", "-o", str(out / "template.xlsx")],
        "shortlist.xlsx": ["shortlist", str(src), "--option", "A", "-o",
                           str(out / "shortlist.xlsx")],
        "tracking.xlsx": ["tracking", str(src), "--ids", HOSTILE_ID, "-o",
                          str(out / "tracking.xlsx")],
        "summary.xlsx": ["summary", str(src), "-o", str(out / "summary.html"), "--xlsx",
                         str(out / "summary.xlsx")],
    }
    for name, args in runs.items():
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), (name, result.stdout, result.stderr)
        path = out / name
        assert path.is_file(), name
        stray = [f for f in formulas_in(path) if not OWN_LINK.fullmatch(
            f.replace("&quot;", '"').replace("&apos;", "'"))]
        assert stray == [], (name, stray)
    # The formula-like text is in the outputs, as text.
    tracking = openpyxl.load_workbook(out / "tracking.xlsx")
    texts = {c.value for ws in tracking.worksheets for row in ws.iter_rows() for c in row}
    assert HOSTILE_ID in texts
    summary = openpyxl.load_workbook(out / "summary.xlsx")
    texts = {c.value for ws in summary.worksheets for row in ws.iter_rows() for c in row}
    assert texts & set(HOSTILE_TEXT)
    report = openpyxl.load_workbook(out / "report.xlsx")
    assert any(OWN_LINK.fullmatch(str(c.value).lstrip("="))
               for c in report["Issues"]["I"] if c.value) or len(
        list(report["Issues"].iter_rows())) <= 2
