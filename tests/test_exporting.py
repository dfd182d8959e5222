"""The highlighted copy: errors and warnings commented and listed, coerced cells grouped."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from builders import make_workbook
from conftest import AS_OF, EXAMPLES
from test_validation import L6, row6

from jtai_cli import validate_workbook


def _copy(tmp_path, rows):
    path = make_workbook(tmp_path, {"List_6": [L6, *rows]})
    out = tmp_path / "checked.xlsx"
    report = validate_workbook(path, as_of=AS_OF, report_path=out)
    return report, openpyxl.load_workbook(out)


def test_coerced_cells_are_filled_not_commented_and_grouped_on_their_own_sheet(tmp_path):
    rows = [row6(Child_Unique_ID=f"C{i}", Gender="M" if i % 3 else "F") for i in range(6)]
    report, wb = _copy(tmp_path, rows)
    assert len(report.where(severity="coerced")) == 6       # JSON keeps one per cell
    assert wb.sheetnames[:3] == ["Issues", "By rule", "Coerced"]
    ws = wb["List_6"]
    assert ws["B3"].value == "M" and ws["B3"].fill.start_color.rgb.endswith("FFEB9C")
    assert ws["B3"].comment is None
    issues = list(wb["Issues"].iter_rows(min_row=2, values_only=True))
    assert issues[0][0].startswith("No errors or warnings. 6 values read in the")
    coerced = list(wb["Coerced"].iter_rows(min_row=2, values_only=True))
    assert [r[:5] for r in coerced] == [
        ("List_6", "Gender", "'M' read as 'a) Male'", 4, "code-coerced"),
        ("List_6", "Gender", "'F' read as 'b) Female'", 2, "code-coerced")]
    assert coerced[0][5] == '=HYPERLINK("#\'List_6\'!B3","B3")'


@pytest.mark.slow
def test_issues_list_errors_first_coloured_and_by_rule_counts_them(tmp_path):
    rows = [row6(Child_Unique_ID="C1", **{"Reason for Closure": "RC7"}),   # a warning, row 2
            row6(Child_Unique_ID="C2", **{"CIN Start Date": "31/02/2026"}),
            row6(Child_Unique_ID="C3", **{"CIN Start Date": "30/02/2026"})]
    _, wb = _copy(tmp_path, rows)
    issues = list(wb["Issues"].iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in issues] == ["error", "error", "warning"]
    assert wb["Issues"]["D2"].fill.start_color.rgb.endswith("FFC7CE")
    assert wb["Issues"]["D4"].fill.start_color.rgb.endswith("F8CBAD")
    assert wb["List_6"]["G3"].comment is not None
    by_rule = list(wb["By rule"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[4], r[5]) for r in by_rule] == [
        ("error", "date-impossible", "CIN Start Date", 2),
        ("warning", "reason-without-end-date", "Reason for Closure", 1)]
    assert by_rule[0][2] == "Impossible date"
    assert by_rule[0][7] == '=HYPERLINK("#\'List_6\'!G3","G3")'


def test_a_finding_about_a_whole_sheet_is_listed_by_rule_with_a_blank_column(tmp_path):
    from test_validation import YOT

    path = make_workbook(tmp_path, {"List_6": [L6, row6()], "NPS": [YOT] + [["C1", "CIN"]] * 6})
    out = tmp_path / "checked.xlsx"
    validate_workbook(path, as_of=AS_OF, report_path=out)
    by_rule = list(openpyxl.load_workbook(out)["By rule"].iter_rows(min_row=2, values_only=True))
    assert ("error", "too-many-rows", "More rows than the guidance allows", "NPS", None, 1) in [
        r[:6] for r in by_rule]


def test_a_number_cell_holding_infinity_is_copied_as_its_text_not_a_crash(tmp_path):
    """A hostile or broken file can hold <v>inf</v> in a number cell: the reader gives an
    infinite float, which xlsxwriter refuses to write (the copy ended in an internal error,
    exit 4). The copy shows it as the text the file held, and the age is an error."""
    src, path = EXAMPLES / "lists_clean.xlsx", tmp_path / "inf.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for cell, old, new in (("F3", "14", "inf"), ("F4", "16", "-inf")):
                    before = f'<c r="{cell}" t="n"><v>{old}</v></c>'
                    assert before in text
                    text = text.replace(before, f'<c r="{cell}" t="n"><v>{new}</v></c>')
                data = text.encode()
            zout.writestr(item, data)
    out = tmp_path / "inf-checked.xlsx"
    report = validate_workbook(path, as_of=AS_OF, report_path=out)
    assert {(f["cell"], f["rule"]) for f in report.where(sheet="List_1")} >= {
        ("F3", "not-a-whole-number"), ("F4", "not-a-whole-number")}
    ws = openpyxl.load_workbook(out)["List_1"]
    assert (ws["F3"].value, ws["F4"].value) == ("inf", "-inf")
    assert ws["A3"].value == "0059804" and ws["G3"].value is not None  # the rest of the row
