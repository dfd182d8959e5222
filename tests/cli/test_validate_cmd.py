"""jtai validate: parsing, rendering and exit codes; the library does the checking."""

from __future__ import annotations

import datetime as dt
import json

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
