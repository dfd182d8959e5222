"""Each list judged on its own extraction (issue 23 section 1).

Lists 6-8, YOT, NPS and the answers are due on day 2 (paras 17-21, 26); lists 1, 3, 4 and 5
on day 7 (para 32) and the para 33 list on day 8 (para 33): separate extractions, often sent in
one workbook. A list's "as at" title is its own date, never another list's; an untitled list's
window comes from the events of its own due day's lists.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from builders import make_workbook
from conftest import EXAMPLES, ROOT
from test_examples import _load_generator
from test_trust import errors, set_saved
from typer.testing import CliRunner

from jtai_cli import merge_workbooks, validate_workbook
from jtai_cli.cli import app
from jtai_cli.extraction import title_dates
from jtai_cli.schemas import load_schemas

D = dt.date
GEN = _load_generator()
SCHEMAS = load_schemas()
DAY2 = D(2026, 11, 25)   # the day-2 lists were extracted on Wednesday 25/11
DAY7 = D(2026, 12, 2)    # the day-7 lists on Wednesday 02/12
TODAY = D(2026, 12, 10)  # checked the week after
DOB = D(2014, 11, 28)    # 11 on 25/11, 12 on 02/12: right in each, wrong if judged on the other
AS_OF_CLEAN = D(2026, 11, 23)  # the clean example's titles


def rows(list_name: str, day: dt.date, *records: dict[str, Any],
         title: str | None = None) -> list[list[Any]]:
    """A sheet of ``list_name`` extracted on ``day``: an optional title, headers, rows."""
    schema = SCHEMAS.lists[list_name]
    columns = [c.header for c in schema.columns]
    out: list[list[Any]] = [[title]] if title else []
    out.append(list(columns))
    for rec in records:
        values = {"csa_flag": "N", "date_of_birth": DOB,
                  "age": int(GEN.age_on(DOB, day)), **rec}
        if "status" in [c.role for c in schema.columns] and "status" not in values:
            values["status"] = SCHEMAS.codes_for(schema.by_role("status")).values[0]
        out.append(GEN._edge_record(schema, SCHEMAS, columns, day, values))
    return out


def as_at(day: dt.date) -> str:
    return f"(data as at {day:%d/%m/%Y})"


def day2_sheets(titled: bool) -> dict[str, list[list[Any]]]:
    t = (lambda s: f"{s} {as_at(DAY2)}") if titled else (lambda s: None)
    return {
        "List_6": rows("children_in_need", DAY2, {"child_id": "C1",
                                                  "start_date": DAY2 - dt.timedelta(days=1)},
                       title=t("List 6: Children in need")),
        "List_7": rows("child_protection", DAY2, {"child_id": "C1"},
                       title=t("List 7: Child protection plans")),
        "YOT": rows("yot", DAY2, {"child_id": "C1"}, title=t("YOT list")),
    }


def day7_sheets(titled: bool) -> dict[str, list[list[Any]]]:
    t = (lambda s: f"{s} {as_at(DAY7)}") if titled else (lambda s: None)
    return {
        "List_1": rows("contacts", DAY7, {"child_id": "C1",
                                          "start_date": DAY7 - dt.timedelta(days=1)},
                       title=t("List 1: Contacts")),
        "List_3": rows("referrals", DAY7, {"child_id": "C1"}, title=t("List 3: Referrals")),
    }


def workbook(tmp_path: Path, sheets: dict[str, Any], saved: dt.date, name: str) -> Path:
    return set_saved(make_workbook(tmp_path, sheets, name=name), saved)


def test_every_list_titled_with_its_own_date(tmp_path):
    path = workbook(tmp_path, {**day2_sheets(True), **day7_sheets(True)}, DAY7, "both.xlsx")
    report = validate_workbook(path, today=TODAY)
    assert errors(report) == []


def test_one_titled_list_lends_its_date_to_no_other(tmp_path):
    sheets = {**day2_sheets(False), **day7_sheets(False)}
    sheets["List_6"] = rows("children_in_need", DAY2, {"child_id": "C1"},
                            title=f"List 6: Children in need {as_at(DAY2)}")
    path = workbook(tmp_path, sheets, DAY7, "one_title.xlsx")
    report = validate_workbook(path, today=TODAY)
    assert errors(report) == []


def test_untitled_day2_and_day7_lists_in_one_file(tmp_path):
    path = workbook(tmp_path, {**day2_sheets(False), **day7_sheets(False)}, DAY7, "both.xlsx")
    report = validate_workbook(path, today=TODAY)
    assert errors(report) == []


def test_a_day2_file_merged_with_a_day7_file(tmp_path):
    a = workbook(tmp_path, day2_sheets(False), DAY2, "day2.xlsx")
    b = workbook(tmp_path, day7_sheets(False), DAY7, "day7.xlsx")
    assert errors(validate_workbook(a, today=TODAY)) == []
    assert errors(validate_workbook(b, today=TODAY)) == []
    result = merge_workbooks([a, b], tmp_path / "merged.xlsx")
    assert errors(result.validation) == []


# --------------------------------------------------------------------------- help and README


def _readme_settings_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index("**Settings file**"):]
    m = re.search(r"```toml\n(.*?)\n\s*```", after, re.DOTALL)
    assert m, "the README's Settings file paragraph has no ```toml example"
    return textwrap.dedent(m.group(1)) + "\n"


def test_the_readme_settings_example_keeps_the_clean_example_clean(tmp_path, monkeypatch):
    (tmp_path / "jtai.toml").write_text(_readme_settings_example(), encoding="utf-8")
    shutil.copy(EXAMPLES / "lists_clean.xlsx", tmp_path / "lists_clean.xlsx")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate", "lists_clean.xlsx", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["valid"] and doc["as_of"] == "2026-11-23" and doc["as_of_source"] != "given"


def test_the_old_readme_example_would_have_failed(tmp_path, monkeypatch):
    # Proves the test above can fail: as-of = "today" judges the clean example on today.
    (tmp_path / "jtai.toml").write_text('as-of = "today"\n', encoding="utf-8")
    shutil.copy(EXAMPLES / "lists_clean.xlsx", tmp_path / "lists_clean.xlsx")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["validate", "lists_clean.xlsx", "-q"]).exit_code == 1


def test_validate_help_says_how_the_date_is_chosen():
    out = CliRunner().invoke(app, ["validate", "--help"], env={"COLUMNS": "200"}).stdout
    words = " ".join(out.replace("│", " ").split())
    assert "else today" not in words
    for said in ("for every list", "its own title", "due on the same day", "saved"):
        assert said in words, said


# --------------------------------------------------------------------------- the other commands


def _turned_18_after_extraction(tmp_path: Path) -> Path:
    """List 6 untitled, last event 20/11, saved 27/11: C1, flagged, turned 18 on 25/11."""
    dob = D(2008, 11, 25)
    sheet = rows("children_in_need", D(2026, 11, 20),
                 {"child_id": "C1", "csa_flag": "Y", "date_of_birth": dob, "age": 17,
                  "start_date": D(2026, 11, 20)},
                 {"child_id": "C2", "csa_flag": "Y", "start_date": D(2026, 10, 1)})
    return workbook(tmp_path, {"List_6": sheet}, D(2026, 11, 27), "list6.xlsx")


def test_shortlist_keeps_a_child_validate_accepts(tmp_path):
    from jtai_cli.shortlisting import shortlist

    path = _turned_18_after_extraction(tmp_path)
    report = validate_workbook(path, today=TODAY)
    assert errors(report) == [] and report.as_of_window == (D(2026, 11, 20), D(2026, 11, 27))
    result = shortlist(path, option="B")
    picked = {p.child_id: p for p in result.picks}
    assert "C1" in picked, [(p.child_id, p.reasons) for p in result.picks]
    assert not any("18 or over" in r for r in picked["C1"].reasons)


def test_summary_counts_her_age_on_the_extraction(tmp_path):
    from jtai_cli.summary import summarise

    path = _turned_18_after_extraction(tmp_path)
    by_age = summarise(path, suppress=False)["by_age"]
    assert "18 or over" not in set(by_age.index) or not by_age.loc["18 or over"].any()


def test_tracking_counts_her_age_on_the_extraction(tmp_path):
    from jtai_cli.checked import load_checked
    from jtai_cli.child_records import gather_children

    data = load_checked(_turned_18_after_extraction(tmp_path)).dataset
    child = gather_children(data, data.as_of)["C1"]
    assert child.extracted == D(2026, 11, 20) and child.age(data.as_of) == 17


# --------------------------------------------------------------------------- titles written


def _titles(path: Path) -> dict[str, str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: str(next(ws.iter_rows(max_row=1, values_only=True))[0])
                for ws in wb.worksheets if ws.title.startswith(("List", "YOT"))}
    finally:
        wb.close()


def test_merge_writes_each_lists_own_date_and_says_which(tmp_path):
    a = workbook(tmp_path, day2_sheets(True), DAY7, "day2.xlsx")
    b = workbook(tmp_path, day7_sheets(False), DAY7, "day7.xlsx")
    result = merge_workbooks([a, b], tmp_path / "merged.xlsx")
    assert errors(result.validation) == []
    titles = _titles(tmp_path / "merged.xlsx")
    assert titles["List_6"].endswith("(data as at 25/11/2026)")
    assert titles["YOT"].endswith("(data as at 25/11/2026)")
    # list 1's window: its latest event (01/12) to day7.xlsx's saved date (02/12)
    assert titles["List_1"].endswith("(data extracted 01/12/2026 to 02/12/2026)")
    (note,) = [n for n in result.notes if n.startswith("Each list was checked")]
    assert "List_6: 25/11/2026 (the title of sheet 'List_6' of day2.xlsx)" in note
    assert "List_1 and List_3: 01/12/2026 to 02/12/2026 (for the lists due on day 7" in note
    assert "day7.xlsx" in note
    lists = result.to_dict()["lists_as_of"]
    assert lists["children_in_need"]["from"] == lists["children_in_need"]["to"] == "2026-11-25"
    # The merged file is judged as its inputs were: each list on its own date or window.
    again = validate_workbook(tmp_path / "merged.xlsx", today=TODAY)
    assert errors(again) == [] and "25/11/2026" in again.as_of_source


def test_merge_with_a_date_given_stamps_it_on_every_list(tmp_path):
    a = workbook(tmp_path, day2_sheets(True), DAY7, "day2.xlsx")
    result = merge_workbooks([a], tmp_path / "merged.xlsx", as_of=DAY2)
    assert set(_titles(tmp_path / "merged.xlsx").values()) == {
        f"{t} (data as at 25/11/2026)" for t in
        ("List 6: Children in need", "List 7: Child protection plans", "YOT list")} or all(
        v.endswith("(data as at 25/11/2026)") for v in _titles(tmp_path / "merged.xlsx").values())
    assert any("the date given (--as-of)" in n for n in result.notes)


def test_an_explicit_as_of_applies_to_every_list(tmp_path):
    # The user's date wins over each list's own, on every list (the day-7 ages are then wrong).
    path = workbook(tmp_path, {**day2_sheets(True), **day7_sheets(True)}, DAY7, "both.xlsx")
    report = validate_workbook(path, as_of=DAY2, today=TODAY)
    assert report.as_of_source == "given"
    assert {s for s, _, r in errors(report)} == {"List_1", "List_3"}


def test_export_writes_each_day2_lists_own_date(tmp_path):
    from jtai_cli.templating import export_lists

    path = workbook(tmp_path, {**day2_sheets(True), **day7_sheets(False)}, DAY7, "both.xlsx")
    result = export_lists(path, tmp_path / "day2.xlsx", option="A")
    assert result.report.valid
    titles = _titles(tmp_path / "day2.xlsx")
    assert titles and all(t.endswith("(data as at 25/11/2026)") for t in titles.values())


@pytest.mark.parametrize("title, dates", [
    ("List 6: Children in need (data as at 25/11/2026)", (DAY2, DAY2)),
    ("List 6, as at Wednesday 25th November 2026", (DAY2, DAY2)),
    ("Children in need - Snapshot date: 25 Nov 2026", (DAY2, DAY2)),
    ("CIN list extracted on 2026-11-25", (DAY2, DAY2)),
    ("List 1: Contacts (data extracted 01/12/2026 to 02/12/2026)", (D(2026, 12, 1), DAY7)),
    ("List 1 extracted between 01/12/2026 and 02/12/2026", (D(2026, 12, 1), DAY7)),
    ("List 6: Children in need", None),
    ("List 6 (as at 31/02/2026)", None),
])
def test_title_dates(title, dates):
    assert title_dates(title) == dates


def test_a_date_cell_beside_the_title_is_read(tmp_path):
    sheet = rows("children_in_need", DAY2, {"child_id": "C1"})
    path = workbook(tmp_path, {"List_6": [["List 6: Children in need, data as at", DAY2],
                                          *sheet]}, DAY7, "cell.xlsx")
    report = validate_workbook(path, today=TODAY)
    assert report.as_of_window == (DAY2, DAY2) and "title" in report.as_of_source


# --------------------------------------------------------------------------- the edge example

EDGE_FILES = ("lists_edge_extractions.xlsx", "lists_edge_day2.xlsx", "lists_edge_day7.xlsx")


@pytest.mark.parametrize("name", EDGE_FILES)
def test_the_edge_extractions_give_no_error_without_as_of(name):
    report = validate_workbook(EXAMPLES / name, today=TODAY)
    assert report.valid, errors(report)
    assert report.as_of_source != "given"


def test_the_edge_extractions_name_each_case_with_its_paragraph():
    sheets, cases = GEN.build_edge_extractions(SCHEMAS)
    assert set(sheets) == set(EDGE_FILES)
    report = validate_workbook(EXAMPLES / "lists_edge_extractions.xlsx", today=TODAY)
    found = {s.sheet for s in report.sheets if s.list}
    for c in cases:
        assert re.fullmatch(r"\d+(, \d+)*", c.paragraph), c
        assert c.sheet in found or c.name.startswith("day2_file_merged"), c
    # Each case is a false error when the lists are judged on one date: the day-2 date gives
    # the day-7 and para 33 lists dates in the future, the day-7 date wrong day-2 ages.
    wrong = {s for s, _, _ in errors(validate_workbook(
        EXAMPLES / "lists_edge_extractions.xlsx", as_of=DAY2))}
    assert {"List_1", "List_3", "Para 33"} <= wrong
    wrong = {s for s, _, _ in errors(validate_workbook(
        EXAMPLES / "lists_edge_extractions.xlsx", as_of=D(2026, 12, 3)))}
    assert {"List_6", "List_7", "YOT"} <= wrong


def test_the_two_edge_extraction_files_merge_with_no_error(tmp_path):
    files = [EXAMPLES / "lists_edge_day2.xlsx", EXAMPLES / "lists_edge_day7.xlsx"]
    result = merge_workbooks(files, tmp_path / "merged.xlsx")
    assert result.valid, errors(result.validation)
    report = validate_workbook(tmp_path / "merged.xlsx", today=TODAY)
    assert report.valid, errors(report)
    # and judged on one date (the day-7 files'), the day-2 ages would be wrong
    assert not validate_workbook(tmp_path / "merged.xlsx", as_of=DAY7).valid


def test_the_report_says_which_date_each_list_was_judged_on(tmp_path):
    import io
    from importlib import resources

    import jsonschema
    from rich.console import Console

    from jtai_cli.cli import render

    path = workbook(tmp_path, {**day2_sheets(True), **day7_sheets(False)}, DAY7, "both.xlsx")
    report = validate_workbook(path, today=TODAY)
    doc = report.to_dict()
    schema = json.loads(resources.files("jtai_cli").joinpath(
        "json_schemas/validate-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert doc["lists"]["List_6"]["as_of"] == {
        "from": "2026-11-25", "to": "2026-11-25", "source": "the title of sheet 'List_6'"}
    assert doc["lists"]["List_1"]["as_of"]["from"] == "2026-12-01"
    assert "due on day 7" in doc["lists"]["List_1"]["as_of"]["source"]
    out = io.StringIO()
    render.render_report(report, Console(file=out, width=250, color_system=None))
    assert "Judged on" in out.getvalue() and "01/12/2026 to 02/12/2026" in out.getvalue()
    # one date for every list: no per-list dates, no column
    given = validate_workbook(path, as_of=DAY2)
    assert "as_of" not in given.to_dict()["lists"]["List_6"]


def test_a_list_with_no_event_shares_the_widest_window(tmp_path):
    # A YOT list records no event, so nothing bounds its extraction from below: it shares
    # the window of the file's other untitled lists instead of the saved day alone.
    sheets = {"YOT": rows("yot", DAY7, {"child_id": "C1"}), **day7_sheets(False)}
    path = workbook(tmp_path, sheets, DAY7, "yot.xlsx")
    report = validate_workbook(path, today=TODAY)
    yot = next(s for s in report.sheets if s.sheet == "YOT")
    assert report.as_of_window == (D(2026, 12, 1), DAY7) and yot.as_of is None
    assert errors(report) == []
    # Alone, nothing bounds it: the saved day (here the day-2 date).
    alone = workbook(tmp_path, {"YOT": rows("yot", DAY2, {"child_id": "C1"})}, DAY2, "a.xlsx")
    assert validate_workbook(alone, today=TODAY).as_of_window == (DAY2, DAY2)


def test_the_blank_template_asks_each_lists_date_and_validate_reads_it(tmp_path):
    import openpyxl

    from jtai_cli.templating import write_template

    path = write_template(tmp_path / "blank.xlsx", option="A")
    wb = openpyxl.load_workbook(path)
    assert wb["List_6"]["A1"].value == "List 6: Children in need (data as at dd/mm/yyyy)"
    assert title_dates(wb["List_6"]["A1"].value) is None  # not filled in: no date
    # The LA types list 6's day and sends list 1 with the placeholder left as it was.
    wb["List_6"]["A1"] = wb["List_6"]["A1"].value.replace("dd/mm/yyyy", "25/11/2026")
    for sheet, grid in (("List_6", day2_sheets(False)["List_6"]),
                        ("List_1", day7_sheets(False)["List_1"])):
        heads = [c.value for c in wb[sheet][2]]  # the template's columns, in its order
        for r in grid[1:]:
            by_header = dict(zip(grid[0], r, strict=True))
            wb[sheet].append([by_header.get(h) for h in heads])
    for name in [n for n in wb.sheetnames if n not in ("List_6", "List_1", "Codes")]:
        del wb[name]
    wb.save(tmp_path / "filled.xlsx")
    report = validate_workbook(set_saved(tmp_path / "filled.xlsx", DAY7), today=TODAY)
    assert errors(report) == []
    judged = {s.sheet: s.as_of for s in report.sheets if s.list}
    assert judged["List_6"] is not None and judged["List_6"].describe() == "25/11/2026"
    assert judged["List_1"] is not None and judged["List_1"].describe() == "01/12/2026 to 02/12/2026"


def test_one_date_for_every_list_needs_no_column(tmp_path):
    # Every list titled with the same date (the clean example): one date, said once.
    report = validate_workbook(EXAMPLES / "lists_clean.xlsx", today=TODAY)
    assert report.valid and report.as_of_window == (AS_OF_CLEAN, AS_OF_CLEAN)
    assert report.as_of_source.startswith("the titles of sheets")
    assert all(s.as_of is None for s in report.sheets)


def test_filter_titles_and_look_back_follow_each_lists_own_date(tmp_path):
    from jtai_cli.filtering import filter_lists

    # List 6 was extracted on 25/11: a CIN episode closed on 30/08 was open within the three
    # months before it (from 25/08), though not within the three months before the day-7
    # lists' 02/12 (from 02/09).
    sheets = {**day2_sheets(True), **day7_sheets(True)}
    sheets["List_6"] = rows("children_in_need", DAY2, {"child_id": "C1"}, {
        "child_id": "C2", "start_date": D(2026, 3, 1), "end_date": D(2026, 8, 30),
        "Reason for Closure": "RC7 - Services ceased for any other reason, including child "
                              "no longer in need"}, title=f"List 6: Children in need {as_at(DAY2)}")
    path = workbook(tmp_path, sheets, DAY7, "both.xlsx")
    assert errors(validate_workbook(path, today=TODAY)) == []
    result = filter_lists(path, tmp_path / "out.xlsx", within="3m")
    kept = {lf.list: lf.rows_out for lf in result.lists}
    assert kept["children_in_need"] == 2
    titles = _titles(tmp_path / "out.xlsx")
    assert titles["List_6"].endswith("(data as at 25/11/2026)")
    assert titles["List_1"].endswith("(data as at 02/12/2026)")
