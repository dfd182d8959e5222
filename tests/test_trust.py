"""Verdicts an LA can trust (issue 11): no false error on a legitimate return.

Each rule touched has a passing case (the legitimate return) and a failing one (the real
mistake next to it). Guidance paragraphs are those of jtai-csa-family-guidance.txt.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import make_csv, make_workbook
from conftest import AS_OF, EXAMPLES
from test_examples import _load_generator
from test_merging import book, full_list_8_row
from test_merging import row as merge_row
from test_validation import L6, row6

from jtai_cli import merge_workbooks, validate_workbook
from jtai_cli.errors import UsageError
from jtai_cli.extraction import read_as_of, saved_date
from jtai_cli.schemas import load_schemas

D = dt.date
GEN = _load_generator()
SCHEMAS = load_schemas()
E17 = "v) E17: Aged 18+ and remained with current carers"
E8 = "t) E8: Care ceased for any other reason"
RC6 = "RC6 - Transferred to adult social care services"
RC7 = "RC7 - Services ceased for any other reason, including child no longer in need"
CSA8 = "Whether the child has been at risk or subject to child sexual abuse in the family environment (Y/N)"
ICPC = "Date of Initial Child Protection Conference"
ICPC_PLAN = "Did the Initial Child Protection Conference Result in a Child Protection Plan"
ICPC_NOT_NEEDED = "Was an Initial Child Protection Conference deemed unnecessary?"


def days(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


def age(dob: dt.date, on: dt.date = AS_OF) -> int:
    return int(GEN.age_on(dob, on))


def sheet_rows(list_name: str, *records: dict[str, Any], drop: tuple[str, ...] = ()
               ) -> list[list[Any]]:
    """Header and rows of a list, valid defaults for required columns left out of a record."""
    schema = SCHEMAS.lists[list_name]
    columns = [c.header for c in schema.columns if c.header not in drop]
    out: list[list[Any]] = [list(columns)]
    for rec in records:
        values = {"csa_flag": "N", **rec}
        out.append(GEN._edge_record(schema, SCHEMAS, columns, AS_OF, values))
    return out


def errors(report: Any) -> list[tuple[Any, ...]]:
    return [(f["sheet"], f["row"], f["rule"]) for f in report.where(severity="error")]


def set_saved(path: Path, when: dt.date) -> Path:
    """Rewrite the workbook's docProps/core.xml so the file says it was saved on ``when``."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re

                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*",
                              rb"\g<1>" + f"{when.isoformat()}T16:00:00Z".encode(), data)
            dst.writestr(info, data)
    shutil.move(tmp, path)
    return path


# --------------------------------------------------------------------------- 1. the as-of date


@pytest.mark.slow
@pytest.mark.parametrize("given", [AS_OF, "2026-11-23", "23/11/2026", " 23.11.2026 ",
                                   dt.datetime(2026, 11, 23, 9, 30)])
def test_as_of_is_a_date_an_iso_string_or_a_uk_string(tmp_path, given):
    path = make_workbook(tmp_path, {"List_6": [L6, row6()]})
    report = validate_workbook(path, as_of=given)
    assert report.as_of == AS_OF and report.as_of_source == "given" and report.valid


@pytest.mark.parametrize("given, words", [("31/02/2026", "not a real date"),
                                          ("next Tuesday", "not a date"),
                                          ("11/23/2026", "not a real date")])
def test_a_bad_as_of_string_is_a_clear_usage_error(tmp_path, given, words):
    path = make_workbook(tmp_path, {"List_6": [L6, row6()]})
    with pytest.raises(UsageError) as exc:
        validate_workbook(path, as_of=given)
    assert words in str(exc.value) and "day first" in str(exc.value)


def test_read_as_of_reads_the_three_forms():
    assert read_as_of("2026-11-23") == read_as_of("23/11/2026") == read_as_of(AS_OF) == AS_OF
    assert read_as_of(None) is None


def test_saved_date_comes_from_core_xml_else_the_modification_time(tmp_path):
    xlsx = set_saved(make_workbook(tmp_path, {"List_6": [L6, row6()]}), D(2026, 11, 20))
    assert saved_date(xlsx) == (D(2026, 11, 20), "the file's saved date (docProps/core.xml)")
    csv = make_csv(tmp_path, "list6.csv", [L6, row6()])
    stamp = dt.datetime(2026, 11, 21, 12, 0).timestamp()
    os.utime(csv, (stamp, stamp))
    day, where = saved_date(csv)
    assert day == D(2026, 11, 21) and "modification time" in where


def _birthday_workbook(tmp_path: Path, saved: dt.date, title: str | None = None) -> Path:
    """List 6: one child who turns 12 on 26/11/2026, aged 11 on the extraction day 23/11."""
    dob = D(2014, 11, 26)
    rows: list[list[Any]] = [L6, row6(**{"Date of Birth": dob, "Age of Child (Years)": 11,
                                         "CIN Start Date": D(2026, 11, 22)})]
    if title:
        rows.insert(0, [title])
    return set_saved(make_workbook(tmp_path, {"List_6": rows}), saved)


def test_para20_age_right_on_the_extraction_day_is_right_a_week_later(tmp_path):
    path = _birthday_workbook(tmp_path, saved=AS_OF)
    report = validate_workbook(path, today=days(7))
    assert report.valid, errors(report)
    assert report.as_of_window == (D(2026, 11, 22), AS_OF)
    assert "docProps/core.xml" in report.as_of_source and "latest event" in report.as_of_source
    d = report.to_dict()
    assert d["as_of"] == "2026-11-23"
    assert d["as_of_window"] == {"from": "2026-11-22", "to": "2026-11-23"}
    # Checked as at the day of the check, the same return reports a false error.
    assert errors(validate_workbook(path, as_of=days(7))) == [("List_6", 2, "age-dob-mismatch")]


def test_an_age_wrong_on_every_day_of_the_window_is_still_an_error(tmp_path):
    dob = D(2014, 11, 26)
    path = set_saved(make_workbook(tmp_path, {"List_6": [L6, row6(**{
        "Date of Birth": dob, "Age of Child (Years)": 13, "CIN Start Date": D(2026, 11, 1)})]}),
        AS_OF)
    report = validate_workbook(path, today=days(7))
    (f,) = report.where(rule="age-dob-mismatch")
    assert "on any day from 01/11/2026 to 23/11/2026 the child is 11" in f["message"]


def test_the_saved_date_bounds_the_window_not_today(tmp_path):
    # Saved a month after extraction (edited since): the window runs to the saved day only.
    path = _birthday_workbook(tmp_path, saved=days(30))
    report = validate_workbook(path, today=days(60))
    assert report.as_of_window == (D(2026, 11, 22), days(30)) and report.valid


def test_a_title_as_at_date_wins_over_the_window(tmp_path):
    path = _birthday_workbook(tmp_path, saved=days(30),
                              title="List 6: Children in need (data as at 23/11/2026)")
    report = validate_workbook(path, today=days(60))
    assert report.as_of_window == (AS_OF, AS_OF) and "title" in report.as_of_source


def test_two_as_at_dates_in_titles_each_apply_to_their_own_list(tmp_path):
    # Day-2 lists as at 25/11, day-7 lists as at 30/11: the child turned 12 on 27/11.
    dob = D(2014, 11, 27)
    contacts = sheet_rows("contacts", {"child_id": "C1", "date_of_birth": dob, "age": 11,
                                       "start_date": D(2026, 11, 20)})
    path = make_workbook(tmp_path, {
        "List_6": [["List 6: Children in need (as at 25/11/2026)"],
                   L6, row6(**{"Date of Birth": dob, "Age of Child (Years)": 11})],
        "List_1": [["List 1: Contacts (as at 30/11/2026)"], *contacts],
    })
    report = validate_workbook(path, today=days(20))
    # Age 11 is right on list 6 (as at 25/11) and wrong on list 1 (as at 30/11): never today.
    assert errors(report) == [("List_1", 3, "age-dob-mismatch")]
    assert "25/11/2026" in report.as_of_source and "30/11/2026" in report.as_of_source
    assert report.as_of_window == (D(2026, 11, 25), D(2026, 11, 30))


def test_the_header_says_which_dates_were_used_and_why(tmp_path):
    from rich.console import Console

    from jtai_cli.cli import render

    report = validate_workbook(_birthday_workbook(tmp_path, saved=AS_OF), today=days(7))
    out = io.StringIO()
    render.render_report(report, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "as of 22/11/2026 to 23/11/2026" in text and "docProps/core.xml" in text


def test_a_folder_checked_file_by_file_keeps_each_files_own_window(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    a = _birthday_workbook(tmp_path, saved=AS_OF)
    shutil.move(a, folder / "a.xlsx")
    b = _birthday_workbook(tmp_path, saved=days(20))
    shutil.move(b, folder / "b.xlsx")
    report = validate_workbook(folder, today=days(30), workers=1)
    assert report.valid, errors(report)
    assert report.as_of_window == (D(2026, 11, 22), days(20))
    assert "a.xlsx" in report.as_of_source and "b.xlsx" in report.as_of_source
    # and each list says its own file's window
    judged = {s.file.rsplit("/", 1)[-1]: s.as_of for s in report.sheets if s.list}
    assert judged["a.xlsx"] is not None and judged["a.xlsx"].last == AS_OF
    assert judged["b.xlsx"] is not None and judged["b.xlsx"].last == days(20)


# --------------------------------------------------------------------------- 2. under 18


def _list8(tmp_path: Path, **values: Any) -> Any:
    rows = sheet_rows("children_in_care_reduced", {"child_id": "C1", **values})
    return validate_workbook(make_workbook(tmp_path, {"List_8": rows}), as_of=AS_OF)


def test_para18_ceased_care_at_18_is_legitimate(tmp_path):
    # E17 "Aged 18+ and remained with current carers", ceased last month, two weeks after 18.
    dob = years_before(days(-30), 18) - dt.timedelta(days=14)
    r = _list8(tmp_path, date_of_birth=dob, age=age(dob), start_date=days(-900),
               end_date=days(-30), **{"Reason Ceased to be Looked After": E17})
    assert r.valid, r.where(severity="error")


def test_para18_ceasing_care_on_the_18th_birthday_is_legitimate(tmp_path):
    dob = years_before(days(-30), 18)
    r = _list8(tmp_path, date_of_birth=dob, age=age(dob), start_date=days(-900),
               end_date=days(-30), **{"Reason Ceased to be Looked After": E8})
    assert r.valid, r.where(severity="error")


def test_para18_ceased_care_weeks_after_18_for_another_reason_is_an_error(tmp_path):
    dob = years_before(days(-30), 18) - dt.timedelta(days=14)
    r = _list8(tmp_path, date_of_birth=dob, age=age(dob), start_date=days(-900),
               end_date=days(-30), **{"Reason Ceased to be Looked After": E8})
    assert errors(r) == [("List_8", 2, "aged-18-or-over")]
    assert ("already 18 before the Date Ceased to be Looked After"
            in r.where(rule="aged-18-or-over")[0]["message"])


def test_para18_e17_at_19_is_an_error(tmp_path):
    dob = years_before(days(-30), 19) - dt.timedelta(days=14)
    r = _list8(tmp_path, date_of_birth=dob, age=age(dob), start_date=days(-900),
               end_date=days(-30), **{"Reason Ceased to be Looked After": E17})
    assert errors(r) == [("List_8", 2, "aged-18-or-over")]


def test_para18_transferred_to_adult_services_last_month_is_legitimate(tmp_path):
    dob = years_before(days(-25), 18) - dt.timedelta(days=10)
    path = make_workbook(tmp_path, {"List_6": [L6, row6(**{
        "Date of Birth": dob, "Age of Child (Years)": age(dob), "CIN Start Date": days(-400),
        "CIN Closure Date": days(-25), "Reason for Closure": RC6})]})
    r = validate_workbook(path, as_of=AS_OF)
    assert r.valid, r.where(severity="error")
    # The same young person closed for another reason weeks after turning 18 is an error.
    path = make_workbook(tmp_path, {"List_6": [L6, row6(**{
        "Date of Birth": dob, "Age of Child (Years)": age(dob), "CIN Start Date": days(-400),
        "CIN Closure Date": days(-25), "Reason for Closure": RC7})]}, name="rc7.xlsx")
    assert errors(validate_workbook(path, as_of=AS_OF)) == [("List_6", 2, "aged-18-or-over")]


def test_para18_aged_21_and_still_open_is_an_error(tmp_path):
    dob = years_before(AS_OF, 21)
    path = make_workbook(tmp_path, {"List_6": [L6, row6(**{
        "Date of Birth": dob, "Age of Child (Years)": 21})]})
    r = validate_workbook(path, as_of=AS_OF)
    (f,) = r.where(rule="aged-18-or-over")
    assert f["severity"] == "error" and "still open" in f["message"]


def test_para18_contact_made_at_17_is_legitimate_and_one_made_at_18_is_not(tmp_path):
    dob = years_before(days(-20), 18)  # 18 since 20 days ago
    rows = sheet_rows("contacts",
                      {"child_id": "C1", "date_of_birth": dob, "age": 18, "start_date": days(-60)},
                      {"child_id": "C2", "date_of_birth": dob, "age": 18, "start_date": days(-5)})
    r = validate_workbook(make_workbook(tmp_path, {"List_1": rows}), as_of=AS_OF)
    assert errors(r) == [("List_1", 3, "aged-18-or-over")]


def test_para18_without_a_date_of_birth_the_age_column_allows_birthdays_since(tmp_path):
    rows = sheet_rows("contacts",
                      {"child_id": "C1", "age": 18, "start_date": days(-60)},
                      {"child_id": "C2", "age": 19, "start_date": days(-60)})
    r = validate_workbook(make_workbook(tmp_path, {"List_1": rows}), as_of=AS_OF)
    assert errors(r) == [("List_1", 3, "aged-18-or-over")]


def test_para18_age_18_on_an_open_case_is_an_error_even_in_a_window(tmp_path):
    # The YOT list has no dates: its age column is the age on the extraction day.
    rows = sheet_rows("yot", {"child_id": "C1", "age": 18, "status": "CIN"},
                      {"child_id": "C2", "age": 17, "status": "CIN"})
    contacts = sheet_rows("contacts", {"child_id": "C9", "date_of_birth": D(2016, 1, 5),
                                       "age": 10, "start_date": days(-30)})
    path = set_saved(make_workbook(tmp_path, {"YOT": rows, "List_1": contacts}), AS_OF)
    r = validate_workbook(path, today=days(7))
    assert r.as_of_window == (days(-30), AS_OF)
    assert errors(r) == [("YOT", 2, "aged-18-or-over")]


# --------------------------------------------------------------------------- 3. decimal ages


def test_decimal_age_is_read_as_whole_years_and_reported(tmp_path):
    dob = years_before(AS_OF, 6) - dt.timedelta(days=50)
    path = make_workbook(tmp_path, {"List_6": [L6, row6(**{
        "Date of Birth": dob, "Age of Child (Years)": 6.14})]})
    r = validate_workbook(path, as_of=AS_OF)
    assert r.valid
    (f,) = r.where()
    assert (f["rule"], f["severity"]) == ("number-coerced", "coerced")
    assert "6.14 read as 6" in f["message"]


def test_decimal_age_is_still_checked_against_the_date_of_birth(tmp_path):
    dob = years_before(AS_OF, 6) - dt.timedelta(days=50)
    path = make_workbook(tmp_path, {"List_6": [L6, row6(**{
        "Date of Birth": dob, "Age of Child (Years)": "7.5"})]})
    r = validate_workbook(path, as_of=AS_OF)
    assert {f["rule"] for f in r.where()} == {"number-coerced", "age-dob-mismatch"}


# --------------------------------------------------------------------------- 4. booked ICPC


def _s47(tmp_path: Path, **values: Any) -> Any:
    rows = sheet_rows("section_47", {"child_id": "C1", "date_of_birth": D(2016, 1, 5),
                                     "age": 10, "start_date": days(-10), **values})
    return validate_workbook(make_workbook(tmp_path, {"List_5": rows}), as_of=AS_OF)


def test_para32_icpc_booked_on_an_open_enquiry_is_a_warning(tmp_path):
    r = _s47(tmp_path, **{ICPC: days(5), ICPC_NOT_NEEDED: "b) No"})
    assert r.valid
    assert [(f["rule"], f["severity"]) for f in r.where()] == [("date-booked", "warning")]


def test_para32_a_future_icpc_with_its_outcome_given_is_an_error(tmp_path):
    r = _s47(tmp_path, **{ICPC: days(5), ICPC_PLAN: "a) Yes"})
    assert errors(r) == [("List_5", 2, "date-in-future")]


def test_para32_a_held_icpc_without_its_outcome_still_warns(tmp_path):
    # The booking excuse is for a date after the as-of date only: a conference already held
    # should say whether it led to a plan.
    r = _s47(tmp_path, **{ICPC: days(-2)})
    assert [f["rule"] for f in r.where()] == ["end-date-without-reason"]


# --------------------------------------------------------------------------- 5. look-back


def test_para32_s47_started_8_months_ago_still_open_is_in_scope(tmp_path):
    r = _s47(tmp_path, start_date=GEN.months_before(AS_OF, 8))
    assert r.where() == []


def test_para32_s47_started_8_months_ago_and_ended_7_months_ago_is_outside(tmp_path):
    ended = _s47(tmp_path, start_date=GEN.months_before(AS_OF, 8),
                 **{ICPC: GEN.months_before(AS_OF, 7), ICPC_PLAN: "b) No"})
    assert [f["rule"] for f in ended.where()] == ["outside-period"]
    no_icpc = _s47(tmp_path, start_date=GEN.months_before(AS_OF, 8),
                   **{ICPC_NOT_NEEDED: "a) Yes"})
    assert [f["rule"] for f in no_icpc.where()] == ["outside-period"]


def test_para32_s47_started_8_months_ago_with_icpc_in_the_six_months_is_in_scope(tmp_path):
    r = _s47(tmp_path, start_date=GEN.months_before(AS_OF, 8),
             **{ICPC: GEN.months_before(AS_OF, 5), ICPC_PLAN: "a) Yes"})
    assert r.where() == []


def test_para20_contacts_look_back_still_counts_from_the_contact(tmp_path):
    # "A contact in the three months" has no "still going": an old contact is outside.
    rows = sheet_rows("contacts", {"child_id": "C1", "date_of_birth": D(2016, 1, 5),
                                   "age": 10, "start_date": GEN.months_before(AS_OF, 4)})
    r = validate_workbook(make_workbook(tmp_path, {"List_1": rows}), as_of=AS_OF)
    assert [f["rule"] for f in r.where()] == ["outside-period"]


# --------------------------------------------------------------------------- 6. CSA-FE flag


def _flags(tmp_path: Path, list6: str, list8: str) -> Any:
    path = make_workbook(tmp_path, {
        "List_6": [L6, row6(**{"CSA-FE": list6})],
        "List_8": sheet_rows("children_in_care_reduced", {
            "child_id": "C1", "date_of_birth": D(2015, 4, 3), "age": 11,
            "start_date": D(2025, 1, 10), CSA8: list8})})
    return validate_workbook(path, as_of=AS_OF)


def test_para20_list8_has_been_y_with_list6_is_n_is_consistent(tmp_path):
    assert _flags(tmp_path, list6="N", list8="Y").where() == []


def test_para20_list6_is_y_with_list8_has_been_n_disagrees(tmp_path):
    r = _flags(tmp_path, list6="Y", list8="N")
    assert [(f["sheet"], f["rule"]) for f in r.where()] == [("List_8", "csa-flag-disagrees")]


# --------------------------------------------------------------------------- 7. missing columns


def test_para19_missing_column_is_one_warning_per_file_never_per_row(tmp_path):
    rows = sheet_rows("referrals", *({"child_id": f"C{i}", "date_of_birth": D(2016, 1, 5),
                                      "age": 10, "start_date": days(-10)} for i in range(5)),
                      drop=("Referral Source",))
    # The list runs over two sheets (Excel's row limit): still one finding for the column.
    path = make_workbook(tmp_path, {"List_3": rows, "List_3 (2)": [rows[0], *rows[3:]]})
    r = validate_workbook(path, as_of=AS_OF)
    assert r.valid
    assert [(f["sheet"], f["row"], f["column"], f["rule"], f["severity"]) for f in r.where()] == [
        ("List_3", None, "Referral Source", "column-missing", "warning")]


def test_para19_missing_csa_flag_is_an_essential_column_error(tmp_path):
    headers = [h for h in L6 if h != "CSA-FE"]
    rows = [[v for h, v in zip(L6, row6(), strict=True) if h != "CSA-FE"] for _ in range(3)]
    path = make_workbook(tmp_path, {"List_6": [headers, *rows]})
    r = validate_workbook(path, as_of=AS_OF)
    found = [(f["row"], f["rule"]) for f in r.where(severity="error")]
    assert (None, "essential-column-missing") in found
    assert len(r.where(column="Whether the child is at risk of or subject to child sexual abuse "
                              "in the family environment (Y/N)")) == 1


def test_para19_missing_defining_date_is_an_essential_column_error(tmp_path):
    rows = sheet_rows("contacts", {"child_id": "C1", "age": 10}, drop=("Date of Contact",))
    r = validate_workbook(make_workbook(tmp_path, {"List_1": rows}), as_of=AS_OF)
    assert errors(r) == [("List_1", None, "essential-column-missing")]


def test_every_list_has_its_child_id_essential_and_the_csa_flag_where_asked():
    for schema in SCHEMAS.lists.values():
        essential = {c.role for c in schema.columns if c.essential}
        assert "child_id" in essential, schema.name
        if schema.by_role("csa_flag") is not None:
            assert "csa_flag" in essential, schema.name
        if schema.period is not None and schema.period.starts:
            assert schema.column(schema.period.starts).essential, schema.name


# --------------------------------------------------------------------------- 8. merging


def test_merging_full_and_reduced_list_8_gives_no_duplicate_child(tmp_path):
    a = book(tmp_path, "a.xlsx", {"children_in_care": [full_list_8_row()]})
    b = book(tmp_path, "b.xlsx", {"children_in_care_reduced": [
        merge_row("children_in_care_reduced")]})
    result = merge_workbooks([a, b], tmp_path / "out.xlsx", as_of=AS_OF)
    assert result.validation.where(rule="duplicate-child") == []
    assert result.validation.valid


def test_a_child_twice_on_one_form_of_list_8_is_still_a_duplicate(tmp_path):
    b = book(tmp_path, "b.xlsx", {"children_in_care_reduced": [
        merge_row("children_in_care_reduced"),
        merge_row("children_in_care_reduced", Allocated_Team="South Team")]})
    r = validate_workbook(b, as_of=AS_OF)
    assert [f["rule"] for f in r.where(severity="error")] == ["duplicate-child"] * 2


# --------------------------------------------------------------------------- the edge workbook


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    path = tmp_path_factory.mktemp("edge") / "lists_edge.xlsx"
    cases = GEN.write_edge(path)
    return path, cases


def _rows_of(path: Path) -> dict[tuple[str, str], list[int]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out: dict[tuple[str, str], list[int]] = {}
    for ws in wb.worksheets:
        for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
            if i > 1 and r and r[0] is not None:
                out.setdefault((ws.title, str(r[0])), []).append(i)
    wb.close()
    return out


def test_edge_example_has_no_error_as_of_its_extraction_day(edge):
    report = validate_workbook(edge[0], as_of=GEN.EDGE_EXTRACTED)
    assert report.valid, errors(report)


def test_edge_example_has_no_error_a_week_later_without_as_of(edge):
    report = validate_workbook(edge[0], today=GEN.EDGE_EXTRACTED + dt.timedelta(days=7))
    assert report.valid, errors(report)
    assert report.as_of == GEN.EDGE_EXTRACTED
    assert "docProps/core.xml" in report.as_of_source


def test_edge_example_would_fail_checked_as_at_the_day_of_the_check(edge):
    # Proves the week-later test can fail: judged as at that day, a birthday is "wrong".
    report = validate_workbook(edge[0], as_of=GEN.EDGE_EXTRACTED + dt.timedelta(days=7))
    assert [f["rule"] for f in report.where(severity="error")] == ["age-dob-mismatch"]


def test_the_shipped_edge_example_matches_a_fresh_generation(edge):
    from test_examples import cell_values

    shipped = EXAMPLES / "lists_edge.xlsx"
    assert shipped.exists(), "examples/lists_edge.xlsx missing: run python examples/generate.py"
    assert cell_values(shipped) == cell_values(edge[0])
    assert saved_date(shipped) == (GEN.EDGE_EXTRACTED, "the file's saved date "
                                                       "(docProps/core.xml)")


def test_the_cli_exits_0_on_the_edge_example():
    from typer.testing import CliRunner

    from jtai_cli.cli import app

    result = CliRunner().invoke(app, ["validate", str(EXAMPLES / "lists_edge.xlsx"),
                                      "--as-of", "23/11/2026"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted({c.name for c in GEN.build_edge()[1]}))
def test_each_edge_case_is_planted_and_raises_no_error(edge, name):
    path, cases = edge
    mine = [c for c in cases if c.name == name]
    assert mine and all(c.paragraph for c in mine)
    rows = _rows_of(path)
    for day in (None, GEN.EDGE_EXTRACTED):
        report = validate_workbook(path, as_of=day,
                                   today=GEN.EDGE_EXTRACTED + dt.timedelta(days=7))
        for case in mine:
            if case.child is None:
                assert not report.where(sheet=case.sheet, severity="error"), case
                continue
            at = rows[(case.sheet, case.child)]
            assert at, case
            bad = [f for f in report.where(sheet=case.sheet, severity="error") if f["row"] in at]
            assert not bad, (case, bad)
