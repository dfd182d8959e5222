"""The standard-layout writer: template headers, real dates, text IDs, drop-downs, read back."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from conftest import AS_OF

from jtai_cli import validate_workbook
from jtai_cli.errors import OutputRefused
from jtai_cli.writing import ExtraSheet, sheet_title, write_lists_workbook, write_whole_row


def cin_frame(schemas):
    cols = [c.header for c in schemas.lists["children_in_need"].columns]
    row = dict.fromkeys(cols)
    row.update({
        "Child Unique ID": "001234", "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": pd.Timestamp(2015, 4, 3), "Age of Child (Years)": 11,
        "Does the Child have a Disability": "b) No", "CIN Start Date": pd.Timestamp(2026, 9, 1),
        "Primary Need Code": "N1 - Abuse or neglect", "Allocated Team": "=HYPERLINK(\"x\")",
        "Allocated Worker": "Ann Example",
    })
    csa = schemas.lists["children_in_need"].by_role("csa_flag").header
    row[csa] = "N"
    df = pd.DataFrame([row], columns=cols)
    df["Age of Child (Years)"] = df["Age of Child (Years)"].astype("Int64")
    return df


def test_written_workbook_reads_back_valid(tmp_path, schemas):
    out = write_lists_workbook(tmp_path / "out.xlsx", {"children_in_need": cin_frame(schemas)},
                               schemas=schemas, as_of=AS_OF,
                               sheets_after=[ExtraSheet("Sources", [["file"], ["a.xlsx"]])])
    report = validate_workbook(out)
    assert report.as_of == AS_OF                      # read back from the title
    assert report.where(severity="error") == [], report.where(severity="error")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["List_6", "Sources", "Codes"]
    assert wb["Codes"].sheet_state == "hidden"
    ws = wb["List_6"]
    assert ws["A1"].value == "List 6: Children in need (data as at 23/11/2026)"
    assert ws["A2"].value == "Child Unique ID"
    assert ws["A3"].value == "001234" and ws["A3"].data_type == "s"   # leading zeros kept
    assert isinstance(ws["D3"].value, dt.datetime) and ws["D3"].number_format == "dd/mm/yyyy"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref.startswith("A2")
    team = ws.cell(3, 1 + [c.value for c in ws[2]].index("Allocated Team"))
    assert team.data_type == "s" and team.value.startswith("=HYPERLINK")  # never a formula


def test_dropdowns_on_code_and_yes_no_columns(tmp_path, schemas):
    out = write_lists_workbook(tmp_path / "t.xlsx", {"children_in_need": pd.DataFrame()},
                               schemas=schemas)
    ws = openpyxl.load_workbook(out)["List_6"]
    headers = [c.value for c in ws[2]]
    lists = {next(iter(dv.sqref.ranges)).min_col: dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    gender_col = headers.index("Gender") + 1
    assert lists[gender_col].startswith("Codes!$")
    csa_col = headers.index(schemas.lists["children_in_need"].by_role("csa_flag").header) + 1
    assert csa_col in lists
    assert headers.index("Allocated Team") + 1 not in lists


def test_sheet_titles(schemas):
    assert sheet_title(schemas.lists["children_in_need"]) == "List_6"
    assert sheet_title(schemas.lists["children_in_care_reduced"]) == "List_8 (reduced)"
    assert sheet_title(schemas.lists["yot"]) == "YOT"


def test_refuses_to_write_over_an_input(tmp_path, schemas):
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"original")
    with pytest.raises(OutputRefused):
        write_lists_workbook(src, {}, schemas=schemas, inputs=[src])
    assert src.read_bytes() == b"original"


def test_outputs_get_the_usual_file_permissions(tmp_path, schemas):
    import os
    import stat

    out = write_lists_workbook(tmp_path / "p.xlsx", {}, schemas=schemas)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    assert not list(tmp_path.glob(".*.part"))   # no temporary file left behind


def test_write_whole_row_keeps_the_cells_after_text_excel_cuts(tmp_path):
    """xlsxwriter's write_row stops at a string over 32,767 characters (it writes it cut):
    the cells after it were left empty in merged workbooks and highlighted copies."""
    path = tmp_path / "long.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("S")
    assert write_whole_row(ws, 0, 0, ["a", "b", 3]) == 0
    assert write_whole_row(ws, 1, 0, ["a", "x" * 40_000, "after", 4]) != 0  # it was cut
    assert write_whole_row(ws, 2, 1, ["y" * 40_000, None, "later"]) != 0
    wb.close()
    rows = [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    assert rows[0][:3] == ["a", "b", 3]
    assert rows[1][0] == "a" and len(rows[1][1]) == 32_767 and rows[1][2:4] == ["after", 4]
    assert rows[2][0] is None and len(rows[2][1]) == 32_767 and rows[2][2] is None
    assert rows[2][3] == "later"
