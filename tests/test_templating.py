"""write_template (the blank workbook) and export_lists (the day-2 return), per guidance paragraph."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import openpyxl
import pytest
from builders import make_workbook
from conftest import AS_OF, need_program, sha256
from openpyxl.utils import get_column_letter
from test_shortlisting import (
    ADDITIONAL_ROLES,
    FIELD,
    HADD,
    S,
    answers,
    build,
    child,
    eligible,
    population,
    sheets_for,
)

from jtai_cli import export_lists, shortlist, validate_workbook, write_template
from jtai_cli.errors import OutputRefused, SheetMissing, UsageError
from jtai_cli.templating import template_lists
from jtai_cli.timetable import deadline_lines, due_text, find_deadline
from jtai_cli.validation import load_dataset
from jtai_cli.writing import sheet_title

D = dt.date
SEVEN = {FIELD[r] for r in ADDITIONAL_ROLES}


def _number_format(ws, col: int) -> str:
    for dim in ws.column_dimensions.values():
        if dim.min and dim.min <= col <= dim.max:
            return dim.number_format
    return "General"


def _validated_columns(ws) -> dict[str, str]:
    """Column letter -> data-validation type, for validations starting on row 3."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            start = rng.split(":")[0]
            out[start.rstrip("0123456789")] = dv.type
    return out


# --------------------------------------------------------------------------- template


@pytest.mark.parametrize("option", ["A", "B"])
def test_template_has_every_list_with_exact_headers(tmp_path, option):
    path = write_template(tmp_path / "blank.xlsx", option=option)
    wb = openpyxl.load_workbook(path)
    names = template_lists(S, option)
    assert wb.sheetnames == ["Instructions", *(sheet_title(S.lists[n]) for n in names), "Codes"]
    for name in names:
        schema = S.lists[name]
        ws = wb[sheet_title(schema)]
        headers = [c.value for c in ws[2] if c.value is not None]
        expected = [c.header for c in schema.columns
                    if (option == "B" or c.role not in ADDITIONAL_ROLES
                        or name == "additional_fields") and not c.ilacs_only]
        assert headers == expected, name
        assert ws.max_row == 2  # blank


@pytest.mark.slow
def test_para_26_option_b_template_adds_the_seven_columns_and_a_sheet(tmp_path):
    a = openpyxl.load_workbook(write_template(tmp_path / "a.xlsx", option="A"))
    b = openpyxl.load_workbook(write_template(tmp_path / "b.xlsx", option="B"))
    for sheet in ("List_6", "List_7", "List_8 (reduced)"):
        assert not SEVEN & {c.value for c in a[sheet][2]}
        assert SEVEN <= {c.value for c in b[sheet][2]}
    assert "Additional fields" in b.sheetnames and "Additional fields" not in a.sheetnames
    assert [c.value for c in b["Additional fields"][2]] == HADD


def test_template_has_a_dropdown_on_every_code_and_yes_no_column_and_date_formats(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "b.xlsx", option="B"))
    assert wb["Codes"].sheet_state == "hidden"
    checked = 0
    for name in template_lists(S, "B"):
        schema = S.lists[name]
        ws = wb[sheet_title(schema)]
        kinds = _validated_columns(ws)
        for j, cell in enumerate(ws[2], start=1):
            col = schema.column(cell.value)
            letter = get_column_letter(j)
            if col.code_list_name:
                assert kinds.get(letter) == "list", (name, col.header)
                checked += 1
            if col.type == "date":
                assert _number_format(ws, j) == "dd/mm/yyyy", (name, col.header)
            if col.type == "id":
                assert _number_format(ws, j) == "@"
    assert checked > 60
    # The drop-down points at the hidden code list, whose values are the schema's codes.
    ws = wb["List_6"]
    dv = next(d for d in ws.data_validations.dataValidation if str(d.sqref).startswith("B3"))
    sheet, cells = dv.formula1.split("!")
    first, last = cells.replace("$", "").split(":")
    codes = [c.value for row in wb[sheet][f"{first}:{last}"] for c in row]
    assert codes == list(S.codes["gender"].values)


def test_template_instructions_name_what_goes_where_and_the_annex_c_deadlines(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "a.xlsx", option="A",
                                              notified=D(2026, 11, 23)))
    assert wb.sheetnames[0] == "Instructions"
    text = "\n".join(str(v) for row in wb["Instructions"].iter_rows(values_only=True)
                     for v in row if v)
    assert "List_6\n" in text or "List_6" in text
    assert "3pm on Wednesday 25/11/2026 (day 2)" in text
    assert "9.30am on Thursday 26/11/2026 (day 3)" in text
    assert "Annex C says 10am" in text
    assert "10am on Wednesday 02/12/2026 (day 7)" in text  # contacts etc. (para 32)


def test_template_without_a_date_gives_deadlines_by_day_number(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "b.xlsx", option="B"))
    text = " ".join(str(v) for row in wb["Instructions"].iter_rows(values_only=True)
                    for v in row if v)
    assert "3pm on day 2 (Wednesday of week one)" in text
    assert "seven additional Y/N questions for every child flagged CSA-FE (para 26)" in text


def test_template_quotes_each_lists_own_csa_fe_flag(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "b.xlsx", option="A"))
    text = [r[0] for r in wb["Instructions"].iter_rows(values_only=True)]
    # List 8 asks whether the child "has been" at risk; lists 4-7 whether the child "is".
    assert ("The CSA-FE flag (para 19), to answer for every child: on lists 4, 5, 6 and 7 the "
            "column 'Whether the child is at risk of or subject to child sexual abuse in the "
            "family environment (Y/N)'; on list 8 the column 'Whether the child has been at risk "
            "or subject to child sexual abuse in the family environment (Y/N)'.") in text


def test_template_reads_back_as_the_lists(tmp_path):
    data = load_dataset(write_template(tmp_path / "b.xlsx", option="B"))
    assert {pl.name for pl in data.lists} == set(template_lists(S, "B"))


def test_the_schemas_say_which_lists_the_template_holds():
    # template: false keeps the full list 8 out; option: B keeps the additional fields to B.
    a = ["contacts", "referrals", "referrals_csa_fe", "assessments", "section_47",
         "children_in_need", "child_protection", "children_in_care_reduced", "yot", "nps",
         "multi_agency_meetings"]
    assert template_lists(S, "A") == a
    assert template_lists(S, "B") == [*a[:-1], "additional_fields", a[-1]]


def test_template_option_must_be_a_or_b(tmp_path):
    with pytest.raises(UsageError):
        write_template(tmp_path / "x.xlsx", option="C")  # type: ignore[arg-type]


def test_template_notified_must_be_a_monday(tmp_path):
    with pytest.raises(UsageError):
        write_template(tmp_path / "x.xlsx", option="A", notified=D(2026, 11, 24))


def test_template_opens_in_libreoffice_with_its_dropdowns(tmp_path):
    if shutil.which("soffice") is None:
        need_program("JTAI_REQUIRE_LIBREOFFICE", "LibreOffice is not installed (Debian: "
                     "apt-get install --no-install-recommends libreoffice-calc-nogui)")
    path = write_template(tmp_path / "b.xlsx", option="B")
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--norestore", "--convert-to", "ods", "--outdir",
                    str(out), str(path)], check=True, capture_output=True, timeout=180)
    subprocess.run(["soffice", "--headless", "--norestore", "--convert-to", "xlsx", "--outdir",
                    str(out), str(out / "b.ods")], check=True, capture_output=True, timeout=180)
    wb = openpyxl.load_workbook(out / "b.xlsx")
    kinds = _validated_columns(wb["List_6"])
    assert kinds["B"] == "list" and kinds["P"] == "list"  # gender, CSA-FE flag


def test_a_missing_libreoffice_fails_where_required(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("JTAI_REQUIRE_LIBREOFFICE", "1")
    with pytest.raises(pytest.fail.Exception,
                       match="JTAI_REQUIRE_LIBREOFFICE=1 but LibreOffice is not installed"):
        test_template_opens_in_libreoffice_with_its_dropdowns(tmp_path)
    monkeypatch.delenv("JTAI_REQUIRE_LIBREOFFICE")
    with pytest.raises(pytest.skip.Exception, match="set JTAI_REQUIRE_LIBREOFFICE=1 to fail"):
        test_template_opens_in_libreoffice_with_its_dropdowns(tmp_path)


# --------------------------------------------------------------------------- deadlines


def test_deadline_wording_comes_from_the_timetable():
    d = find_deadline("A", 3, "para 23")
    assert due_text(d, dated=False) == "3pm on day 3 (Thursday of week one)"
    assert "4pm" in d.note  # para 23 says 4pm; Annex C 3pm; the timetable takes the earlier
    rows = deadline_lines("B", notified=D(2026, 11, 23), days=[4])
    assert [r[0] for r in rows] == ["10am on Friday 27/11/2026 (day 4)",
                                    "12pm on Friday 27/11/2026 (day 4)"]


# --------------------------------------------------------------------------- day-2 export


@pytest.mark.slow
def test_paras_17_21_export_writes_lists_6_to_8_yot_and_nps(tmp_path):
    src = build(tmp_path, population(21, n=60))
    before = sha256(src)
    r = export_lists(src, tmp_path / "day2.xlsx", option="A", as_of=AS_OF)
    assert r.written and r.report.valid
    assert sha256(src) == before
    wb = openpyxl.load_workbook(r.output)
    assert {"List_6", "List_7", "List_8 (reduced)", "YOT", "NPS"} <= set(wb.sheetnames)
    assert "List 6: Children in need (data as at 23/11/2026)" == wb["List_6"]["A1"].value
    assert "3pm on day 2" in wb["About"]["A2"].value
    assert r.rows["children_in_need"] == wb["List_6"].max_row - 2


@pytest.mark.slow
def test_option_a_export_leaves_the_seven_answers_out(tmp_path):
    src = build(tmp_path, population(22, n=60))
    r = export_lists(src, tmp_path / "day2.xlsx", option="A", as_of=AS_OF)
    wb = openpyxl.load_workbook(r.output)
    assert not SEVEN & {c.value for c in wb["List_6"][2]}
    assert any("left out" in n and "option A" in n for n in r.notes)


@pytest.mark.slow
def test_para_26_option_b_export_puts_the_answers_beside_every_csa_fe_child(tmp_path):
    kids = [child("C1", fields=None), child("C2", fields=None, lists=(7,)),
            child("C3", flag="N")]
    sheets = sheets_for(kids)
    sheets["Additional"] = [HADD, ["C1", *[eligible()[r] for r in ADDITIONAL_ROLES]],
                            ["C2", *[answers(multi_agency="Y")[r] for r in ADDITIONAL_ROLES]]]
    src = make_workbook(tmp_path, sheets)
    r = export_lists(src, tmp_path / "day2.xlsx", option="B", as_of=AS_OF)
    assert r.written
    data = load_dataset(r.output)
    l6 = data.of("children_in_need")[0].typed.set_index("Child Unique ID")
    l7 = data.of("child_protection")[0].typed.set_index("Child Unique ID")
    assert l6.loc["C1", FIELD["csa_support"]] == "Y"
    assert l7.loc["C2", FIELD["multi_agency"]] == "Y"
    assert l7.loc["C2", FIELD["csa_support"]] == "N"
    assert not data.of("additional_fields")  # the answers now sit on the lists
    # The exported workbook gives the same shortlist as the lists it came from.
    assert shortlist(r.output, option="B").ids == shortlist(src, option="B", as_of=AS_OF).ids


@pytest.mark.slow
def test_option_b_export_notes_csa_fe_children_missing_answers(tmp_path):
    src = build(tmp_path, [child("C1", fields=eligible()), child("C2", fields=None)])
    # Under option B a flagged child without the seven answers is an error (para 26,
    # answers-missing), so the export is refused unless errors are allowed.
    refused = export_lists(src, tmp_path / "day2.xlsx", option="B", as_of=AS_OF)
    assert not refused.written
    assert [f["rule"] for f in refused.report.where(severity="error")] == ["answers-missing"]
    r = export_lists(src, tmp_path / "day2.xlsx", option="B", as_of=AS_OF, allow_errors=True)
    assert any(n.startswith("1 CSA-FE child on lists 6-8 has one or more of the seven")
               for n in r.notes)


@pytest.mark.slow
def test_export_is_refused_while_the_lists_have_errors(tmp_path):
    sheets = sheets_for([child("C1", fields=eligible())])
    sheets["List_6"][1][1] = "Q"  # not a gender
    src = make_workbook(tmp_path, sheets)
    out = tmp_path / "day2.xlsx"
    r = export_lists(src, out, option="B", as_of=AS_OF)
    assert not r.written and not out.exists()
    assert not r.report.valid
    assert r.report.to_dict() == validate_workbook(src, as_of=AS_OF).to_dict()
    forced = export_lists(src, out, option="B", as_of=AS_OF, allow_errors=True)
    assert forced.written and out.exists()
    assert openpyxl.load_workbook(out)["List_6"]["B3"].value == "Q"  # kept as typed
    assert any("could not be read were written as typed" in n for n in forced.notes)


def test_export_without_any_day_2_list_is_unusable(tmp_path):
    src = make_workbook(tmp_path, {"Meetings": [["Child Unique ID", "Type of meeting",
                                                 "Date of meeting"], ["C1", None, AS_OF]]})
    with pytest.raises(SheetMissing, match=": none of lists 6, 7, 8, the YOT list or the NPS list "
                       "was found: nothing to send for day 2$"):
        export_lists(src, tmp_path / "out.xlsx", option="A", as_of=AS_OF)


def test_export_never_overwrites_its_input(tmp_path):
    src = build(tmp_path, [child("C1", fields=eligible())])
    before = sha256(src)
    with pytest.raises(OutputRefused):
        export_lists(src, src, option="B", as_of=AS_OF)
    assert sha256(src) == before


def test_para9_template_timetable_flags_a_bank_holiday(tmp_path):
    rows = deadline_lines("A", notified=D(2026, 12, 21))
    christmas = [r for r in rows if "25/12/2026" in r[0]]
    assert christmas and all("BANK HOLIDAY (Christmas Day)" in r[4] for r in christmas)
    assert not any("BANK HOLIDAY" in r[4] for r in rows if "23/12/2026" in r[0])
