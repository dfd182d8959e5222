"""jtai validate: parsing, rendering and exit codes; the library does the checking."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from builders import make_workbook
from conftest import AS_OF, sha256
from typer.testing import CliRunner

from jtai_cli import validate_workbook
from jtai_cli.cli import app

runner = CliRunner()
L6 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
      "Allocated Team", "Allocated Worker", "CSA-FE"]
GOOD = ["C1", "a) Male", "a) WBRI", dt.date(2015, 4, 3), 11, "b) No", dt.date(2026, 9, 1),
        "N1 - Abuse or neglect", "North Team", "Ann Example", "N"]
BAD = ["C2", "M", "a) WBRI", dt.date(2015, 4, 3), 11, "b) No", "31/02/2026",
       "N1 - Abuse or neglect", "North Team", "Ann Example", "N"]


def test_json_output_equals_the_library_report(tmp_path):
    path = make_workbook(tmp_path, {"List_6": [L6, GOOD, BAD]})
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2026-11-23", "--format",
                                 "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == json.loads(json.dumps(
        validate_workbook(path, as_of=AS_OF).to_dict(), default=str))


def test_exit_0_when_valid_and_quiet_prints_nothing(tmp_path):
    path = make_workbook(tmp_path, {"List_6": [L6, GOOD]})
    result = runner.invoke(app, ["validate", str(path), "--as-of", "23/11/2026", "-q"])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_text_output_names_cell_and_problem(tmp_path):
    path = make_workbook(tmp_path, {"List_6": [L6, GOOD, BAD]})
    before = sha256(path)
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    out = result.stdout
    assert "G3" in out and "February 2026 has 28 days" in out
    assert "'M' read as 'a) Male'" in out
    assert "NOT VALID" in out
    assert sha256(path) == before


def test_unusable_input_is_exit_3_one_message_no_traceback(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "missing.xlsx")])
    assert result.exit_code == 3
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_as_of_is_a_usage_error(tmp_path):
    path = make_workbook(tmp_path, {"List_6": [L6, GOOD]})
    result = runner.invoke(app, ["validate", str(path), "--as-of", "31/02/2026"])
    assert result.exit_code == 2


def test_report_equal_to_input_is_refused_and_input_kept(tmp_path):
    path = make_workbook(tmp_path, {"List_6": [L6, GOOD]})
    before = sha256(path)
    result = runner.invoke(app, ["validate", str(path), "--report", str(path)])
    assert result.exit_code == 3
    assert "input" in result.stderr
    assert sha256(path) == before


@pytest.mark.slow
def test_folder_checks_each_file_and_folds_exit_codes(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    make_workbook(folder, {"List_6": [L6, GOOD]}, name="a.xlsx")
    make_workbook(folder, {"List_6": [L6, BAD]}, name="b.xlsx")
    result = runner.invoke(app, ["validate", str(folder), "--as-of", "2026-11-23", "--format",
                                 "json", "--workers", "2"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [f.split("/")[-1] for f in data["files"]] == ["a.xlsx", "b.xlsx"]
    assert {f["file"].split("/")[-1] for f in data["findings"]} == {"b.xlsx"}
    (folder / "c.xlsx").write_bytes(b"")
    result = runner.invoke(app, ["validate", str(folder), "--as-of", "2026-11-23", "--format",
                                 "json"])
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert list(data["unusable_files"]) == [str(folder / "c.xlsx")]
    assert "empty" in data["unusable_files"][str(folder / "c.xlsx")]


@pytest.mark.slow
def test_files_given_together_are_checked_against_each_other(tmp_path):
    other = list(GOOD)
    other[3] = dt.date(2015, 3, 4)
    a = make_workbook(tmp_path, {"List_6": [L6, GOOD]}, name="a.xlsx")
    b = make_workbook(tmp_path, {"CIN": [L6, other]}, name="b.xlsx")
    result = runner.invoke(app, ["validate", str(a), str(b), "--as-of", "2026-11-23",
                                 "--format", "json"])
    data = json.loads(result.stdout)
    rules = {(f["file"].split("/")[-1], f["rule"]) for f in data["findings"]}
    assert ("b.xlsx", "dob-mismatch") in rules          # compared across the two files
    assert ("b.xlsx", "duplicate-child") in rules       # and list 6 is one list across them
    assert set(data["lists"]) == {"[a.xlsx]List_6", "[b.xlsx]CIN"}
    each = runner.invoke(app, ["validate", str(a), str(b), "--each", "--as-of", "2026-11-23",
                               "--format", "json"])
    assert json.loads(each.stdout)["findings"] == []


def test_every_command_has_help():
    for args in (["--help"], ["validate", "--help"], ["schemas", "--help"],
                 ["schemas", "show", "--help"], ["timeline", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.stdout


def test_schemas_show_lists_every_column():
    result = runner.invoke(app, ["schemas", "show", "children_in_need", "--format", "json"])
    assert result.exit_code == 0
    headers = [c["header"] for c in json.loads(result.stdout)["columns"]]
    assert headers[:2] == ["Child Unique ID", "Gender"]
    bad = runner.invoke(app, ["schemas", "show", "nope"])
    assert bad.exit_code == 2 and "no list called 'nope'" in bad.stderr


def test_schemas_show_a_code_list_lists_its_codes():
    result = runner.invoke(app, ["schemas", "show", "primary_need", "--format", "json"])
    assert result.exit_code == 0
    codes = json.loads(result.stdout)["codes"]
    assert codes[0] == {"value": "N1 - Abuse or neglect", "code": "N1",
                        "label": "Abuse or neglect"}
    text = runner.invoke(app, ["schemas", "show", "primary_need"])
    assert "N1 - Abuse or neglect" in text.stdout


def _render(report, limit=60):
    import io

    from rich.console import Console

    from jtai_cli.cli.render import render_report

    buf = io.StringIO()
    render_report(report, Console(file=buf, width=200, color_system=None), limit=limit)
    return buf.getvalue()


def test_a_rule_on_many_cells_of_one_column_is_one_line_and_errors_come_first(tmp_path):
    rows = [L6] + [[f"C{i}", "Q", *GOOD[2:]] for i in range(12)]
    rows.append(["C99", "a) Male", "a) WBRI", dt.date(2015, 4, 3), 11, "Maybe", *GOOD[6:]])
    report = validate_workbook(make_workbook(tmp_path, {"List_6": rows}), as_of=AS_OF)
    out = _render(report)
    assert out.count("code-not-in-list") == 2          # 12 gender cells on one line, 1 more
    assert "12 cells (rows 2, 3, 4, 5, ... 13): 'Q' is not one of the gender codes" in out
    assert "B2 +11" in out
    assert "Errors (13, on 2 lines)" in out
    assert "(13 errors, 0 warnings, 0 values coerced)" in out


def test_errors_cut_off_are_named_by_sheet_and_rule(tmp_path):
    rows = [L6] + [[f"C{i}", "a) Male", "a) WBRI", dt.date(2015, 4, 3), 11, "b) No",
                    "31/02/2026" if i % 2 else "bad", *GOOD[7:]] for i in range(4)]
    report = validate_workbook(make_workbook(tmp_path, {"List_6": rows}), as_of=AS_OF)
    out = _render(report, limit=1)
    assert "... and" not in out
    assert "Not shown above: 3 errors on 3 more lines: List_6: " in out
    assert "date-impossible x2" in out and "date-not-recognised x1" in out


def test_singular_counts():
    from jtai_cli.reporting import counted

    assert counted(1, "error") == "1 error"
    assert counted(0, "error") == "0 errors"
    assert counted(2, "child", "children") == "2 children"


@pytest.mark.slow
def test_several_files_every_row_and_the_quiet_line_name_the_file(tmp_path):
    a = make_workbook(tmp_path, {"List_6": [L6, BAD]}, name="a.xlsx")
    b = make_workbook(tmp_path, {"List_6": [L6, GOOD]}, name="b.xlsx")
    c = make_workbook(tmp_path, {"List_6": [L6, [*BAD[:6], "bad", *BAD[7:]]]}, name="c.xlsx")
    result = runner.invoke(app, ["validate", str(a), str(b), str(c), "--each", "--as-of",
                                 "2026-11-23"])
    rows = [line for line in result.stdout.splitlines() if "List_6" in line and "│" in line]
    assert rows and all("[a.xlsx]List_6" in r or "[b.xlsx]List_6" in r or "[c.xlsx]List_6" in r
                        for r in rows)
    quiet = runner.invoke(app, ["validate", str(a), str(b), str(c), "--each", "--as-of",
                                "2026-11-23", "-q"])
    assert quiet.exit_code == 1
    assert quiet.stderr.strip() == "a.xlsx: 1 error; c.xlsx: 1 error"
