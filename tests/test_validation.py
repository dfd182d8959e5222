"""validate_workbook end to end on small built workbooks: one passing and one failing case per rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import make_csv, make_workbook
from conftest import AS_OF, sha256

from jtai_cli import validate_workbook
from jtai_cli.errors import FileNotFound, WorkbookUnreadable

D = dt.date
L6 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
      "CIN Closure Date", "Reason for Closure", "Allocated Team", "Allocated Worker", "CSA-FE"]
L7 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "Child Protection Plan Start Date",
      "Initial Category of Abuse", "Latest Category of Abuse", "Child Protection Plan End Date",
      "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months "
      "(Y/N)", "Number of Previous Child Protection Plans", "Allocated Team", "Allocated Worker", "CSA-FE"]
YOT = ["Child Unique ID", "Whether CIN, CP or CLA"]
RC7 = "RC7 - Services ceased for any other reason, including child no longer in need"


def row6(**kw: object) -> list[object]:
    base: dict[str, object] = dict(zip(L6, [
        "C1", "a) Male", "a) WBRI", D(2015, 4, 3), 11, "b) No", D(2026, 9, 1),
        "N1 - Abuse or neglect", None, None, "North Team", "Ann Example", "N"], strict=True))
    base.update({k.replace("_", " "): v for k, v in kw.items()})
    return [base[h] for h in L6]


def row7(**kw: object) -> list[object]:
    base: dict[str, object] = dict(zip(L7, [
        "C1", "a) Male", "a) WBRI", D(2015, 4, 3), 11, "b) No", D(2026, 9, 10),
        "c) Sexual abuse", "c) Sexual abuse", None, "b) No", 0, "North Team", "Ann Example", "N"],
        strict=True))
    base.update(kw)
    return [base[h] for h in L7]


def check(tmp_path: Path, sheets: dict, **kw):
    path = make_workbook(tmp_path, sheets, **kw)
    return validate_workbook(path, as_of=AS_OF)


def rules_at(report) -> set[tuple]:
    return {(f["sheet"], f["row"], f["column"], f["rule"]) for f in report.where()}


# --------------------------------------------------------------------------- reading layouts


def test_valid_list_6_has_no_findings(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6()]})
    assert r.valid
    assert r.where() == []


def test_list_found_by_headers_below_title_rows_whatever_the_sheet_name(tmp_path):
    r = check(tmp_path, {"Sheet3": [L6, row6()]}, title_rows=2)
    assert r.valid
    info = r.to_dict()["lists"]["Sheet3"]
    assert info["list"] == "children_in_need" and info["header_row"] == 3


def test_header_spellings_are_mapped_and_reported(tmp_path):
    headers = ["child id", "GENDER", "ethnicity ", "DOB", "Age", "Disability", "CIN start date",
               "Primary need", "CIN closure date", "Reason for closure", "Team", "Worker",
               "CSA-FE (Y/N)"]
    r = check(tmp_path, {"CIN": [headers, row6()]})
    assert r.valid, r.where(severity="error")
    cols = r.to_dict()["lists"]["CIN"]["columns"]
    assert cols["child id"] == "Child Unique ID"
    assert cols["DOB"] == "Date of Birth"
    assert cols["Age"] == "Age of Child (Years)"


def test_unknown_column_and_missing_column_are_warnings(tmp_path):
    # Para 19: "Where possible, the list should include the fields": a missing column warns.
    headers = [h for h in L6 if h != "Primary Need Code"] + ["Notes"]
    row = [v for h, v in zip(L6, row6(), strict=True) if h != "Primary Need Code"] + ["x"]
    r = check(tmp_path, {"List_6": [headers, row]})
    assert ("List_6", 1, "Notes", "column-unknown") in rules_at(r)
    assert ("List_6", None, "Primary Need Code", "column-missing") in rules_at(r)
    assert r.valid
    assert r.where(rule="column-missing")[0]["severity"] == "warning"


def test_blank_rows_are_skipped_and_row_numbers_stay_excel_rows(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(), [None] * len(L6), row6(**{
        "Child Unique ID": "C2", "Primary Need Code": "N99"})]}, title_rows=1)
    assert r.where(rule="code-not-in-list")[0]["row"] == 5


def test_sheet_matching_no_list_is_a_warning(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6()], "Notes": [["Some", "notes", "here"]]})
    assert r.valid
    assert ("Notes", None, None, "sheet-not-recognised") in rules_at(r)


def test_a_file_with_no_list_at_all_is_an_error(tmp_path):
    r = check(tmp_path, {"Notes": [["Some", "notes", "here"]], "Other": [["a", "b"]]})
    assert not r.valid
    assert [f["rule"] for f in r.where(severity="error")] == ["no-lists-found"]


def test_csv_in_windows_1252_with_pound_and_curly_quotes(tmp_path):
    rows = [L6, row6(Allocated_Team="£ Team ‘North’")]
    path = make_csv(tmp_path, "list6.csv", rows, encoding="cp1252")
    r = validate_workbook(path, as_of=AS_OF)
    assert r.valid, r.where(severity="error")
    assert r.to_dict()["lists"]["list6.csv"]["list"] == "children_in_need"


def test_csv_with_bom(tmp_path):
    path = make_csv(tmp_path, "list6.csv", [L6, row6()], encoding="utf-8-sig")
    r = validate_workbook(path, as_of=AS_OF)
    assert r.valid
    assert "Child Unique ID" in r.to_dict()["lists"]["list6.csv"]["columns"]


def test_missing_file_and_folder_raise_clear_errors(tmp_path):
    with pytest.raises(FileNotFound, match="no such file"):
        validate_workbook(tmp_path / "nope.xlsx")
    with pytest.raises(FileNotFound, match="folder"):
        validate_workbook(tmp_path)


def test_random_bytes_named_xlsx_is_unreadable(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(WorkbookUnreadable, match="damaged"):
        validate_workbook(p)


# --------------------------------------------------------------------------- rules on a row


def test_coercions_are_reported_never_silent(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(Gender="M", Ethnicity="WBRI", **{"CSA-FE": "Yes",
        "Primary Need Code": "N1 Abuse or neglect", "Date of Birth": "03/04/2015"})]})
    assert r.valid
    coerced = {(f["column"], f["rule"]) for f in r.where(severity="coerced")}
    assert coerced == {("Gender", "code-coerced"), ("Ethnicity", "code-coerced"),
                       ("CSA-FE", "code-coerced"), ("Primary Need Code", "code-coerced"),
                       ("Date of Birth", "date-coerced")}
    msg = r.where(column="Date of Birth")[0]["message"]
    assert "3 April 2015" in msg


def test_required_value_missing(tmp_path):
    # Para 19 asks for the fields "where possible": an open case's blank worker is a warning.
    r = check(tmp_path, {"List_6": [L6, row6(Allocated_Worker=None)]})
    assert rules_at(r) == {("List_6", 2, "Allocated Worker", "value-missing")}
    assert r.valid and r.where(rule="value-missing")[0]["severity"] == "warning"


def test_excel_error_cells_are_reported_as_errors_not_blanks(tmp_path):
    # openpyxl stores "#N/A" as a real error cell (t="e"), as a failed VLOOKUP leaves it;
    # python-calamine alone would read it as empty.
    r = check(tmp_path, {"List_6": [L6, row6(Allocated_Team="#N/A", Allocated_Worker="#REF!")]})
    assert {(f["cell"], f["rule"]) for f in r.where()} == {("K2", "excel-error"),
                                                          ("L2", "excel-error")}
    assert "#N/A" in r.where(cell="K2")[0]["message"]


def test_impossible_and_us_dates(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"CIN Start Date": "31/02/2026"}),
                                    row6(Child_Unique_ID="C2", **{"CIN Start Date": "12/25/2025"})]})
    found = r.where(rule="date-impossible")
    assert [f["row"] for f in found] == [2, 3]
    assert "month-first" in found[1]["message"]


def test_age_must_match_dob_at_as_of(tmp_path):
    ok = check(tmp_path, {"List_6": [L6, row6()]})
    assert ok.valid
    bad = check(tmp_path, {"List_6": [L6, row6(**{"Age of Child (Years)": 10})]})
    f = bad.where(rule="age-dob-mismatch")
    assert len(f) == 1 and "is 11" in f[0]["message"] and f[0]["column"] == "Age of Child (Years)"


def test_birthday_on_the_as_of_date_counts(tmp_path):
    dob = D(AS_OF.year - 12, AS_OF.month, AS_OF.day)
    r = check(tmp_path, {"List_6": [L6, row6(**{"Date of Birth": dob, "Age of Child (Years)": 12})]})
    assert r.valid, r.where()


def test_children_aged_18_or_over(tmp_path):
    dob = D(AS_OF.year - 18, AS_OF.month, AS_OF.day)
    r = check(tmp_path, {"List_6": [L6, row6(**{"Date of Birth": dob, "Age of Child (Years)": 18})]})
    assert [f["rule"] for f in r.where(severity="error")] == ["aged-18-or-over"]
    young = D(AS_OF.year - 18, AS_OF.month, AS_OF.day) + dt.timedelta(days=1)
    r = check(tmp_path, {"List_6": [L6, row6(**{"Date of Birth": young, "Age of Child (Years)": 17})]})
    assert r.valid


def test_unborn_child_is_valid_with_expected_dob_and_age_minus_one(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"Date of Birth": D(2027, 2, 1),
                                               "Age of Child (Years)": -1})]})
    assert r.valid, r.where()
    r = check(tmp_path, {"List_6": [L6, row6(**{"Date of Birth": None,
                                               "Age of Child (Years)": None})]})
    assert r.valid


def test_unborn_with_an_age_and_unborn_without_dob(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"Date of Birth": D(2027, 2, 1),
                                               "Age of Child (Years)": 3}),
                                    row6(Child_Unique_ID="C2", **{"Date of Birth": None,
                                                                  "Age of Child (Years)": -1})]})
    assert ("List_6", 2, "Age of Child (Years)", "unborn-age-not-minus-one") in rules_at(r)
    assert [f["row"] for f in r.where(rule="unborn-no-expected-dob")] == [3]


def test_dates_in_the_future(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"CIN Start Date": AS_OF + dt.timedelta(days=1)})]})
    assert [f["rule"] for f in r.where()] == ["date-in-future"]
    assert check(tmp_path, {"List_6": [L6, row6(**{"CIN Start Date": AS_OF})]}).valid


def test_closure_before_start(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"CIN Closure Date": D(2026, 8, 31),
                                               "Reason for Closure": RC7})]})
    f = r.where(rule="end-before-start")
    assert len(f) == 1 and f[0]["column"] == "CIN Closure Date"
    assert "31/08/2026" in f[0]["message"] and "01/09/2026" in f[0]["message"]
    same_day = check(tmp_path, {"List_6": [L6, row6(**{"CIN Closure Date": D(2026, 9, 1),
                                                      "Reason for Closure": RC7})]})
    assert not same_day.where(rule="end-before-start")


def test_reason_without_closure_date_is_a_warning(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"Reason for Closure": RC7})]})
    assert r.valid
    assert [f["rule"] for f in r.where()] == ["reason-without-end-date"]


def test_rows_outside_the_period_are_warnings(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"CIN Start Date": D(2025, 1, 1),
                                               "CIN Closure Date": D(2025, 6, 1),
                                               "Reason for Closure": RC7})]})
    assert r.valid
    assert [f["rule"] for f in r.where()] == ["outside-period"]
    recent = check(tmp_path, {"List_6": [L6, row6(**{"CIN Closure Date": D(2026, 10, 1),
                                                    "Reason for Closure": RC7})]})
    assert recent.where() == []


def test_one_row_per_child_on_list_6(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(), row6(), row6(Child_Unique_ID="C2")]})
    f = r.where(rule="duplicate-child")
    assert [x["row"] for x in f] == [2, 3]
    assert "row 3 of this sheet" in f[0]["message"]


def test_a_list_split_over_two_sheets_is_one_list(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6()], "List_6 (2)": [L6, row6(Child_Unique_ID="C2"),
                                                                row6()]})
    assert not r.where(rule="list-duplicated")
    f = r.where(rule="duplicate-child")
    assert {(x["sheet"], x["row"]) for x in f} == {("List_6", 2), ("List_6 (2)", 3)}
    assert "List 6 (sheet 'List_6 (2)') row 3" in f[0]["message"]


def test_the_same_list_on_two_unrelated_sheets_is_a_warning(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6()], "CIN extract": [L6, row6(Child_Unique_ID="C2")]})
    assert [f["sheet"] for f in r.where(rule="list-duplicated")] == ["CIN extract"]


def test_negative_count_is_too_small(tmp_path):
    r = check(tmp_path, {"List_7": [L7, row7(**{"Number of Previous Child Protection Plans": -1})]})
    assert ("List_7", 2, "Number of Previous Child Protection Plans", "number-too-small") in rules_at(r)
    assert check(tmp_path, {"List_7": [L7, row7()]}).valid


# --------------------------------------------------------------------------- across lists


def test_same_child_different_dob_with_swapped_day_and_month(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6()],
                         "List_7": [L7, row7(**{"Date of Birth": D(2015, 3, 4)})]})
    f = r.where(rule="dob-mismatch")
    assert len(f) == 1
    assert f[0]["sheet"] == "List_7" and f[0]["row"] == 2
    assert "List 6 (sheet 'List_6') row 2" in f[0]["message"]
    assert "day and month look swapped" in f[0]["message"]


def test_ids_match_whether_text_or_number(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(Child_Unique_ID="001234")],
                         "List_7": [L7, row7(**{"Child Unique ID": 1234, "Gender": "b) Female"})]})
    assert r.where(rule="gender-mismatch")
    assert r.where(rule="id-leading-zeros")


def test_csa_flag_disagreement_is_a_warning(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(**{"CSA-FE": "Y"})], "List_7": [L7, row7(**{"CSA-FE": "N"})]})
    assert r.valid, r.where(severity="error")
    assert [f["rule"] for f in r.where()] == ["csa-flag-disagrees"]


def test_yot_child_must_be_on_lists_6_to_8_with_the_status_stated(tmp_path):
    # Flagged Y: a YOT child flagged N is a warning of its own (yot-nps-not-flagged).
    sheets = {"List_6": [L6, row6(**{"CSA-FE": "Y"}), row6(Child_Unique_ID="C2")],
              "List_7": [L7, row7(**{"CSA-FE": "Y"})],
              "List_8": [["Child Unique ID", "Date Started to be Looked After", "Placement Type",
                          "Child's Legal Status"]],
              "YOT": [YOT, ["C1", "CP"], ["C2", "CP"], ["C9", "CIN"]]}
    r = check(tmp_path, sheets)
    assert ("YOT", 3, "Whether CIN, CP or CLA", "status-not-matching") in rules_at(r)
    assert ("YOT", 4, "Child Unique ID", "not-on-lists-6-8") in rules_at(r)
    assert not r.where(sheet="YOT", row=2)


def test_at_most_five_rows_on_the_nps_list(tmp_path):
    rows = [["C1", "CP"]] * 6
    r = check(tmp_path, {"List_6": [L6, row6()], "NPS": [YOT] + rows})
    assert ("NPS", None, None, "too-many-rows") in rules_at(r)


# --------------------------------------------------------------------------- outputs


def test_report_json_shape(tmp_path):
    r = check(tmp_path, {"List_6": [L6, row6(Gender="M")]})
    d = r.to_dict()
    assert set(d) >= {"valid", "as_of", "lists", "findings", "summary", "schema_version"}
    f = d["findings"][0]
    assert set(f) >= {"sheet", "row", "column", "severity", "rule", "message"}
    assert (f["sheet"], f["row"], f["column"], f["severity"]) == ("List_6", 2, "Gender", "coerced")
    assert d["summary"]["coerced"] == 1 and d["summary"]["error"] == 0


def test_as_of_comes_from_the_sheet_title(tmp_path):
    path = make_workbook(tmp_path, {"List_6": [["List 6: Children in need (as at 01/10/2026)"],
                                               L6, row6(**{"Age of Child (Years)": 11})]})
    r = validate_workbook(path)
    assert r.as_of == D(2026, 10, 1)
    assert "List_6" in r.as_of_source


def test_input_bytes_unchanged_and_annotated_copy(tmp_path):
    import openpyxl

    path = make_workbook(tmp_path, {"List_6": [L6, row6(**{"CIN Start Date": "31/02/2026"}),
                                               row6(Child_Unique_ID="C2", Gender="M")]})
    before = sha256(path)
    out = tmp_path / "checked.xlsx"
    validate_workbook(path, as_of=AS_OF, report_path=out)
    assert sha256(path) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Issues"
    ws = wb["List_6"]
    bad, coerced = ws["G2"], ws["B3"]
    assert bad.value == "31/02/2026" and coerced.value == "M"  # values untouched
    assert bad.fill.start_color.rgb.endswith("FFC7CE")
    assert coerced.fill.start_color.rgb.endswith("FFEB9C")
    assert "date-impossible" in bad.comment.text and "Expected" in bad.comment.text
    issues = list(wb["Issues"].iter_rows(min_row=2, values_only=True))
    assert ("List_6", 2, "CIN Start Date", "error", "date-impossible") == issues[0][:5]
    assert wb["Issues"]["I2"].value == '=HYPERLINK("#\'List_6\'!G2","G2")'


def test_an_unborn_child_on_a_list_without_dates_of_birth_is_flagged_at_its_age(tmp_path):
    # Found by the fuzz test: the YOT list has no date-of-birth column, so the finding must
    # point at the age that says -1, not at a column the sheet does not have.
    r = check(tmp_path, {"List_6": [["Age", "Whether CIN, CP or CLA"], ["-1"]]})
    assert ("List_6", 2, "Age", "unborn-no-expected-dob") in rules_at(r)
    r = check(tmp_path, {"List_6": [L6, row6(Date_of_Birth=None, **{"Age of Child (Years)": -1})]})
    assert ("List_6", 2, "Date of Birth", "unborn-no-expected-dob") in rules_at(r)
