"""write_tracking_workbook: one Annex B tracking sheet per tracked child (paras 29, 30, 34)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from builders import make_workbook
from conftest import AS_OF, sha256
from test_shortlisting import H6, build, child, eligible, population, sheets_for

from jtai_cli import shortlist, write_tracking_workbook
from jtai_cli.children import questions
from jtai_cli.errors import OutputRefused, UsageError
from jtai_cli.schemas import load_schemas
from jtai_cli.tracking import ANNEX_B_QUESTIONS, INDIVIDUAL_NEEDS, LOCAL_EVALUATION, SUMMARY

D = dt.date


def _cells(ws) -> dict[str, object]:
    """Label in column A -> value in column B."""
    return {str(a): b for a, b in ws.iter_rows(min_col=1, max_col=2, values_only=True) if a}


def test_annex_b_one_sheet_per_child_with_the_eight_questions_blank(tmp_path):
    src = build(tmp_path, [child("C1", fields=eligible(), lists=(6, 7)),
                           child("C2", fields=eligible(), lists=(8,))])
    r = write_tracking_workbook(src, "C1,C2", tmp_path / "t.xlsx", as_of=AS_OF)
    assert r.children == ("C1", "C2") and r.not_found == ()
    wb = openpyxl.load_workbook(r.output)
    assert wb.sheetnames == ["Tracked children", "Child C1", "Child C2"]
    cells = _cells(wb["Child C1"])
    labels = list(cells)
    assert len(ANNEX_B_QUESTIONS) == 8
    for q in ANNEX_B_QUESTIONS:
        assert q in cells and cells[q] is None
    assert cells[LOCAL_EVALUATION] is None and cells[SUMMARY] is None
    assert cells["Inspector"] is None and cells["Inspectorate"] is None
    # Annex B's order: who, case, age, needs, the local area's evaluation, then the inspector's.
    order = ["Inspector", "Inspectorate", "Case number", "Age of child/young person",
             INDIVIDUAL_NEEDS, "Evaluation by the local area", LOCAL_EVALUATION,
             "Inspector's evaluation", SUMMARY, *ANNEX_B_QUESTIONS]
    assert [x for x in labels if x in order] == order


def test_child_facts_are_filled_in_from_the_lists(tmp_path):
    src = build(tmp_path, [child("007", fields=eligible(known_to_yot="Y"), lists=(6, 7),
                                 dob=D(2015, 4, 3), ethnicity="k) APKN",
                                 disability="a) Yes", gender="b) Female")])
    r = write_tracking_workbook(src, ["7"], tmp_path / "t.xlsx", as_of=AS_OF,
                                inspectorate="Ofsted")
    assert r.children == ("007",)  # matched without leading zeros, shown as written
    cells = _cells(openpyxl.load_workbook(r.output)[r.sheets[0]])
    assert cells["Case number"] == "007"
    assert cells["Inspectorate"] == "Ofsted"
    assert cells["Age of child/young person"] == "11 (born 03/04/2015), as at 23/11/2026"
    needs = cells[INDIVIDUAL_NEEDS]
    assert "Ethnicity: Pakistani (k) APKN)" in needs and "Disability: yes" in needs
    assert "Gender: Female" in needs
    lists = cells["Lists the child is on"]
    assert lists.count("\n") == 1
    assert "List 6: Children in need: CIN Start Date: " in lists
    assert "Latest Category of Abuse: c) Sexual abuse" in lists and "CSA-FE flag: Y" in lists
    extra = next(v for k, v in cells.items() if k.startswith("Additional information"))
    assert "2. Is there multi-agency involvement? Y" in extra
    assert "3. Is the child or young person known to the YOT? Y" in extra


def test_para_34_key_documents_deadline_is_on_the_index(tmp_path):
    src = build(tmp_path, [child("C1", fields=eligible())])
    r = write_tracking_workbook(src, "C1", tmp_path / "t.xlsx", as_of=AS_OF,
                                notified=D(2026, 11, 23))
    text = openpyxl.load_workbook(r.output)["Tracked children"]["A2"].value
    assert "the end of Tuesday 01/12/2026 (day 6) (para 34)" in text
    assert "Thursday 03/12/2026 (day 8) (para 36)" in text


def test_unborn_child_age(tmp_path):
    src = build(tmp_path, [child("U1", dob=D(2027, 1, 10))])
    r = write_tracking_workbook(src, "U1", tmp_path / "t.xlsx", as_of=AS_OF)
    cells = _cells(openpyxl.load_workbook(r.output)[r.sheets[0]])
    assert cells["Age of child/young person"].startswith("unborn (expected 10/01/2027)")


def test_ids_on_no_list_are_reported_and_the_others_written(tmp_path):
    src = build(tmp_path, [child("C1")])
    r = write_tracking_workbook(src, "C1,NOPE", tmp_path / "t.xlsx", as_of=AS_OF)
    assert r.children == ("C1",) and r.not_found == ("NOPE",)
    assert r.to_dict()["not_found"] == ["NOPE"]


def test_no_known_id_is_a_usage_error(tmp_path):
    src = build(tmp_path, [child("C1")])
    with pytest.raises(UsageError):
        write_tracking_workbook(src, "NOPE", tmp_path / "t.xlsx", as_of=AS_OF)
    with pytest.raises(UsageError):
        write_tracking_workbook(src, "", tmp_path / "t.xlsx", as_of=AS_OF)
    assert not (tmp_path / "t.xlsx").exists()


def test_input_is_never_overwritten_or_changed(tmp_path):
    src = build(tmp_path, [child("C1")])
    before = sha256(src)
    with pytest.raises(OutputRefused):
        write_tracking_workbook(src, "C1", src, as_of=AS_OF)
    write_tracking_workbook(src, "C1", tmp_path / "t.xlsx", as_of=AS_OF)
    assert sha256(src) == before


@pytest.mark.slow
def test_tracking_the_shortlist_picks(tmp_path):
    src = build(tmp_path, population(31))
    picks = shortlist(src, option="B", as_of=AS_OF)
    r = write_tracking_workbook(src, picks.ids, tmp_path / "t.xlsx", as_of=AS_OF)
    assert r.children == picks.ids
    assert len(openpyxl.load_workbook(r.output).sheetnames) == len(picks.ids) + 1


def test_the_seven_questions_are_asked_as_the_template_asks_them(tmp_path):
    src = build(tmp_path, [child("C1", fields=eligible(nps_adult="Y"))])
    r = write_tracking_workbook(src, "C1", tmp_path / "t.xlsx", as_of=AS_OF)
    cells = _cells(openpyxl.load_workbook(r.output)["Child C1"])
    extra = next(v for k, v in cells.items() if k.startswith("Additional information"))
    lines = extra.split("\n")
    asked = questions(load_schemas())
    assert len(lines) == 7
    for line, q in zip(lines, asked.values(), strict=True):
        assert line.startswith(f"{q.number}. {q.question} ")
    assert lines[3].endswith("? Y") and "(Y/N)" not in extra


def test_tracking_says_how_many_cells_could_not_be_read(tmp_path):
    sheets = sheets_for([child("C1", fields=eligible()), child("C2", fields=eligible())])
    sheets["List_6"][2][H6.index("Date of Birth")] = "31/02/2015"
    r = write_tracking_workbook(make_workbook(tmp_path, sheets), "C1", tmp_path / "t.xlsx",
                                as_of=AS_OF)
    assert len(r.notes) == 1 and r.notes[0].startswith("1 cell could not be read and was "
                                                       "taken as blank: List 6 (sheet 'List_6')")
    assert r.to_dict()["notes"] == list(r.notes)
    clean = write_tracking_workbook(build(tmp_path, [child("C1")], name="clean.xlsx"), "C1",
                                    tmp_path / "c.xlsx", as_of=AS_OF)
    assert clean.notes == ()
