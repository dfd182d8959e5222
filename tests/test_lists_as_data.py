"""Lists are data: everything a command knows about a list comes from its YAML in ``schemas/``.

Two proofs. A list that exists only in this test (copied into a schemas folder beside the
shipped ones) is validated, merged onto its own sheet, filtered, templated with its own due
date and summarised under its own group, with no Python change. And no schema name is written as a string in the package's code,
so no command can keep a private table of lists.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from builders import make_workbook
from conftest import AS_OF, ROOT

from jtai_cli import merge_workbooks, validate_workbook, write_template
from jtai_cli.errors import SchemaInvalid
from jtai_cli.filtering import filter_lists
from jtai_cli.schemas import SchemaSet, load_schemas, resolve_lists
from jtai_cli.summary import summarise
from jtai_cli.templating import day_2_lists, export_lists, template_lists

FLAG = ("Whether the child is at risk of or subject to child sexual abuse in the family "
        "environment (Y/N)")
ID = "Child Unique ID"
START, END = "Early Help Start Date", "Early Help End Date"

#: A list jtai has never heard of: children in families given early help for CSA-FE concerns.
#: It says where it goes (its order, short name, due date, look-back period) and carries the
#: CSA-FE flag; its sheet name "Early help" is one validate would otherwise set aside as an
#: ILACS list the JTAI does not ask for.
EARLY_HELP = f"""\
name: early_help_csa
title: "Early help: families with CSA-FE concerns"
description: >-
  Children whose families had early help in the six months before the inspection because of
  concerns about sexual abuse in the family environment.
source: made up for this test
sheet_names: [Early help, Early help CSA-FE]
one_row_per_child: true
period:
  months: 6
  ends: {END}
under_18_at: {END}
order: 94
short_name: Early help
due:
  day: 3
  source: para 31
summary:
  group: early_help_csa
  label: "Early help"
  journey: Had early help for CSA-FE concerns
  rank: 10
columns:
  - header: {ID}
    also_accept: [Child ID]
    type: id
    required: true
    essential: true
    role: child_id
  - header: {START}
    type: date
    required: true
    essential: true
    role: start_date
  - header: {END}
    type: date
    role: end_date
    rules:
      not_before: {START}
  - header: {FLAG}
    type: yes_no
    required: true
    essential: true
    role: csa_flag
"""

HEADERS = [ID, START, END, FLAG]
D = dt.date


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("schemas") / "schemas"
    shutil.copytree(ROOT / "schemas", root)
    (root / "early_help_csa.yaml").write_text(EARLY_HELP, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def custom(folder: Path) -> SchemaSet:
    return load_schemas(folder)


def _early_help(tmp_path: Path, rows: list[list[object]], name: str = "eh.xlsx",
                **extra: list[list[object]]) -> Path:
    return make_workbook(tmp_path, {"Early help": [HEADERS, *rows], **extra}, name=name)


def test_the_new_list_is_loaded_where_its_yaml_says(custom):
    assert "early_help_csa" in custom.lists
    assert list(custom.lists)[-1] == "early_help_csa"  # order 94: after the meetings (93)
    assert "early_help_csa" not in day_2_lists(custom)  # due on day 3


def test_lists_are_named_by_their_short_and_sheet_names(schemas):
    # No table of nicknames: short_name and sheet_names say them; a number means every form.
    assert resolve_lists(["CIN", "cp", "LAC", "S47", "section 47", "Meetings", "additional",
                          "yot", "NPS", "Para 33"], schemas) == (
        "children_in_need", "child_protection", "children_in_care", "children_in_care_reduced",
        "section_47", "multi_agency_meetings", "additional_fields", "yot", "nps",
        "referrals_csa_fe")
    assert resolve_lists(["Referrals"], schemas) == ("referrals",)  # its title, not para 33's
    assert resolve_lists(["6,7"], schemas) == ("children_in_need", "child_protection")


@pytest.mark.parametrize("workers", [1, 2])
def test_checking_files_separately_keeps_the_custom_schemas(tmp_path, custom, workers):
    """Issue 24: separately=True (a folder) silently checked with the shipped schemas only,
    so a list of a custom schema was 'not a list' there."""
    rows = [["E001", D(2026, 10, 1), None, "Y"], ["E002", D(2026, 10, 5), D(2026, 10, 1), "N"]]
    a = _early_help(tmp_path, rows, name="a.xlsx")
    b = _early_help(tmp_path, rows, name="b.xlsx")
    report = validate_workbook([a, b], as_of=AS_OF, schemas=custom, separately=True,
                               workers=workers)
    assert [info.list for info in report.sheets] == ["early_help_csa", "early_help_csa"]
    assert report.flatten(["rule"]) == [["end-before-start"], ["end-before-start"]]


def test_validate_recognises_and_checks_the_new_list(tmp_path, custom):
    path = _early_help(tmp_path, [
        ["E001", D(2026, 10, 1), None, "Y"],
        ["E002", D(2026, 10, 5), D(2026, 10, 1), "N"],  # ends before it starts
        ["E003", D(2026, 10, 5), None, "perhaps"],  # not a Y/N
    ])
    report = validate_workbook(path, as_of=AS_OF, schemas=custom)
    (info,) = report.sheets
    assert (info.sheet, info.list) == ("Early help", "early_help_csa")
    assert report.flatten(["sheet", "row", "column", "severity", "rule"]) == [
        ["Early help", 3, END, "error", "end-before-start"],
        ["Early help", 4, FLAG, "error", "code-not-in-list"],
    ]


def test_without_the_schema_the_sheet_is_set_aside(tmp_path):
    path = _early_help(tmp_path, [["E001", D(2026, 10, 1), None, "Y"]])
    report = validate_workbook(path, as_of=AS_OF)
    (info,) = report.sheets
    assert info.list is None
    assert ["Early help", "sheet-not-in-scope"] in report.flatten(["sheet", "rule"])


def test_merge_puts_the_new_list_on_its_own_sheet(tmp_path, custom):
    a = _early_help(tmp_path, [["E001", D(2026, 10, 1), None, "Y"]], name="a.xlsx")
    b = _early_help(tmp_path, [["E002", D(2026, 10, 3), D(2026, 11, 20), "N"]], name="b.xlsx")
    result = merge_workbooks([a, b], tmp_path / "merged.xlsx", as_of=AS_OF, schemas=custom)
    assert [(x.list, x.rows_in, x.rows_out) for x in result.lists] == [("early_help_csa", 2, 2)]
    wb = openpyxl.load_workbook(result.output)
    assert wb.sheetnames == ["Early help", "Sources", "Codes"]
    ws = wb["Early help"]
    assert [c.value for c in ws[2]] == HEADERS
    assert [ws.cell(r, 1).value for r in (3, 4)] == ["E001", "E002"]
    assert result.validation.valid


def test_filter_keeps_the_new_list_and_uses_its_csa_flag(tmp_path, custom):
    path = _early_help(tmp_path, [
        ["E001", D(2026, 10, 1), None, "Y"],
        ["E002", D(2026, 10, 3), None, "N"],
    ], **{"List 3": [[ID, "Date of referral", "Referral NFA?"], ["E001", D(2026, 11, 2), "N"],
                     ["E002", D(2026, 11, 3), "N"]]})
    result = filter_lists(path, tmp_path / "out.xlsx", csa_only=True, as_of=AS_OF,
                          schemas=custom)
    counts = {x.list: (x.rows_in, x.rows_out) for x in result.lists}
    # E001 is flagged on the new list only: their referral follows them.
    assert counts == {"referrals": (2, 1), "early_help_csa": (2, 1)}
    wb = openpyxl.load_workbook(result.output)
    assert wb["Early help"].cell(3, 1).value == "E001"
    assert wb["List_3"].cell(3, 1).value == "E001"
    # The list is named on the command line by its short name.
    only = filter_lists(path, tmp_path / "only.csv", lists=["early help"], as_of=AS_OF,
                        schemas=custom)
    assert [x.list for x in only.lists] == ["early_help_csa"]


def test_template_writes_the_new_list_with_its_due_date(tmp_path, custom):
    assert template_lists(custom, "A")[-1] == "early_help_csa"
    wb = openpyxl.load_workbook(write_template(tmp_path / "blank.xlsx", option="A",
                                               schemas=custom))
    assert [c.value for c in wb["Early help"][2]] == HEADERS
    text = [r[0] for r in wb["Instructions"].iter_rows(values_only=True)]
    # Its CSA-FE flag is among those the instructions ask to answer.
    assert any(t and t.startswith("The CSA-FE flag (para 19)")
               and f"on lists 4, 5, 6 and 7 and the Early help sheet the column '{FLAG}'" in t
               for t in text)
    rows = [r for r in wb["Instructions"].iter_rows(values_only=True) if r[0] == "Early help"]
    # Its own deadline, from its YAML (day 3, para 31), worded by the timetable.
    assert rows == [("Early help", "Early help: families with CSA-FE concerns. Children whose "
                     "families had early help in the six months before the inspection because "
                     "of concerns about sexual abuse in the family environment.",
                     "the end of day 3 (Thursday of week one)", None, None)]


def test_summary_counts_the_new_list_under_its_own_group(tmp_path, custom):
    path = _early_help(tmp_path, [
        ["E001", D(2026, 10, 1), None, "Y"],
        ["E002", D(2026, 10, 3), None, "N"],
    ])
    by_list = summarise(path, as_of=AS_OF, schemas=custom, suppress=False)["by_list"]
    row = by_list.loc["Early help"]  # the label its summary group gives
    assert (row["Children"], row["Flagged"]) == (2, 1)


def test_a_new_list_due_on_day_2_goes_into_the_day_2_return(tmp_path, folder):
    day2 = tmp_path / "schemas"
    shutil.copytree(folder, day2)
    text = (day2 / "early_help_csa.yaml").read_text(encoding="utf-8")
    (day2 / "early_help_csa.yaml").write_text(
        text.replace("  day: 3\n  source: para 31", "  day: 2\n  source: paras 17-21"),
        encoding="utf-8")
    schemas = load_schemas(day2)
    assert day_2_lists(schemas)[-1] == "early_help_csa"
    path = _early_help(tmp_path, [["E001", D(2026, 10, 1), None, "Y"]])
    result = export_lists(path, tmp_path / "day2.xlsx", option="A", as_of=AS_OF,
                          schemas=schemas)
    assert result.rows == {"early_help_csa": 1}
    assert "Early help" in openpyxl.load_workbook(result.output).sheetnames


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  day: 3\n  source: para 31", "  day: 5\n  source: para 99",
     "due: the timetable has no deadline on day 5 whose source starts 'para 99' under option A "
     "(jtai timeline lists them)"),
    ("order: 94\n", "order: 94\ndrafted_from: early_help\n",
     "drafted_from names 'early_help', which is not a list in this folder"),
])
def test_a_new_list_that_names_what_is_not_there_is_a_schema_error(tmp_path, folder, old, new,
                                                                     message):
    broken = tmp_path / "schemas"
    shutil.copytree(folder, broken)
    path = broken / "early_help_csa.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(SchemaInvalid) as err:
        load_schemas(broken)
    assert (err.value.message, err.value.file) == (message, str(path))


# --------------------------------------------------------------------------- no names in code


def _list_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "schemas").glob("*.yaml"))


def test_no_list_name_is_written_in_the_package():
    """A schema name as a string in jtai_cli is a private table of lists: read the YAML keys."""
    names = _list_names()
    assert "children_in_need" in names and "yot" in names  # the glob found the schemas
    quoted = re.compile(r"""(["'])(""" + "|".join(map(re.escape, names)) + r")\1")
    found = []
    for path in sorted((ROOT / "jtai_cli").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for m in quoted.finditer(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)}")
    assert not found, "list names written in the code:\n" + "\n".join(found)
