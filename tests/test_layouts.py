"""Workbooks laid out in ways jtai did not write: the liiatools sample layout, CSV per list."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import AS_OF, EXAMPLES

from jtai_cli import validate_workbook

# liiatools' sample: sheets "List 1".."List 8", header in row 1, short header spellings.
LIIA_HEADERS = {
    "Child Unique ID": "Child ID",
    "Age of Child (Years)": "Age",
    "Date of the most recent referral": "Date of Referral",
    "Date of Birth": "Date of birth",
}


def relayout_like_liiatools(src, dest, *, drop_title=True):
    """Copy the clean example with sheets renamed 'List N', no title row, liiatools headers."""
    wb = openpyxl.load_workbook(src)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for ws in wb.worksheets:
        name = ws.title.replace("List_", "List ")
        new = out.create_sheet(name)
        rows = list(ws.iter_rows(values_only=True))
        if drop_title:
            rows = rows[1:]
        header = [LIIA_HEADERS.get(h, h) if isinstance(h, str) else h for h in rows[0]]
        new.append(header)
        for row in rows[1:]:
            new.append(row)
    out.save(dest)
    return dest


@pytest.mark.slow
def test_liiatools_layout_of_a_valid_workbook_has_no_errors(tmp_path):
    path = relayout_like_liiatools(EXAMPLES / "lists_clean.xlsx", tmp_path / "liia.xlsx")
    report = validate_workbook(path, as_of=AS_OF)
    assert report.where(severity="error") == []
    lists = report.to_dict()["lists"]
    assert lists["List 3"]["list"] == "referrals" and lists["List 3"]["header_row"] == 1
    assert lists["List 3"]["columns"]["Date of Referral"] == "Date of the most recent referral"
    assert lists["List 6"]["columns"]["Child ID"] == "Child Unique ID"


@pytest.mark.slow
@pytest.mark.parametrize("cell, value, rule", [
    ("List 6", "31/02/2026", "date-impossible"),
    ("List 7", "ZZZ", "code-not-in-list"),
])
def test_planted_mistakes_are_found_at_their_row_in_the_liiatools_layout(tmp_path, cell, value,
                                                                        rule):
    path = relayout_like_liiatools(EXAMPLES / "lists_clean.xlsx", tmp_path / "liia.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[cell]
    headers = [c.value for c in ws[1]]
    col = headers.index("CIN Start Date" if cell == "List 6" else "Latest Category of Abuse") + 1
    ws.cell(row=7, column=col, value=value)
    wb.save(path)
    report = validate_workbook(path, as_of=AS_OF)
    found = [(f["sheet"], f["row"], f["rule"]) for f in report.where(severity="error")]
    assert found == [(cell, 7, rule)]


@pytest.mark.slow
def test_each_list_as_its_own_csv_file_checked_together(tmp_path):
    import csv

    wb = openpyxl.load_workbook(EXAMPLES / "lists_clean.xlsx")
    paths = []
    for ws in wb.worksheets:
        p = tmp_path / f"{ws.title}.csv"
        with p.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            for row in list(ws.iter_rows(values_only=True))[1:]:
                w.writerow(["" if v is None else v.strftime("%d/%m/%Y") if hasattr(v, "strftime")
                            else v for v in row])
        paths.append(p)
    report = validate_workbook(paths, as_of=AS_OF)
    assert report.where(severity="error") == []
    assert report.where(severity="coerced") == []   # text dates and numbers are native in CSV
    assert {s["list"] for s in report.to_dict()["lists"].values()} >= {
        "contacts", "children_in_need", "child_protection", "children_in_care", "yot", "nps"}
