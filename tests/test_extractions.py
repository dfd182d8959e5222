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

from builders import make_workbook
from conftest import EXAMPLES, ROOT
from test_examples import _load_generator
from test_trust import errors, set_saved
from typer.testing import CliRunner

from jtai_cli import merge_workbooks, validate_workbook
from jtai_cli.cli import app
from jtai_cli.schemas import load_schemas

D = dt.date
GEN = _load_generator()
SCHEMAS = load_schemas()
DAY2 = D(2026, 11, 25)   # the day-2 lists were extracted on Wednesday 25/11
DAY7 = D(2026, 12, 2)    # the day-7 lists on Wednesday 02/12
TODAY = D(2026, 12, 10)  # checked the week after
DOB = D(2014, 11, 28)    # 11 on 25/11, 12 on 02/12: right in each, wrong if judged on the other


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
