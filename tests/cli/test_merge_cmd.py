"""jtai merge: parsing, rendering and exit codes; the library does the merging."""

from __future__ import annotations

import json

import pytest
from builders import make_csv
from conftest import AS_OF, sha256
from test_merging import book, row, sheet
from typer.testing import CliRunner

from jtai_cli import merge_workbooks
from jtai_cli.cli import app

runner = CliRunner()


def _inputs(tmp_path, *, conflict: bool):
    a = book(tmp_path, "a.xlsx", {"children_in_need": [row("children_in_need", id="C1"),
                                                       row("children_in_need", id="C2")]})
    b_rows = [row("children_in_need", id="C1")]
    if conflict:
        b_rows.append(row("children_in_need", id="C2", team="South Team"))
    b = book(tmp_path, "b.xlsx", {"children_in_need": b_rows})
    c = make_csv(tmp_path, "contacts.csv", sheet([row("contacts", id="C1")]))
    return [a, b, c]


@pytest.mark.slow
def test_json_output_equals_the_library_result(tmp_path):
    inputs = _inputs(tmp_path, conflict=True)
    out = tmp_path / "merged.xlsx"
    result = runner.invoke(app, ["merge", *map(str, inputs), "-o", str(out), "--as-of",
                                 "2026-11-23", "--format", "json"])
    assert result.exit_code == 1          # the conflict makes the merged list 6 invalid
    got = json.loads(result.stdout)
    expected = merge_workbooks(inputs, out, as_of=AS_OF).to_dict()
    assert got == json.loads(json.dumps(expected, default=str))
    assert got["accounting"]["children_in_need"]["rows_in"] == 4
    assert got["conflicts"][0]["child_id"] == "C2"


def test_text_output_shows_the_accounting_and_exit_0_when_valid(tmp_path):
    inputs = _inputs(tmp_path, conflict=False)
    before = {p: sha256(p) for p in inputs}
    out = tmp_path / "merged.xlsx"
    result = runner.invoke(app, ["merge", *map(str, inputs), "-o", str(out), "--as-of",
                                 "23/11/2026"])
    assert result.exit_code == 0, result.stdout
    text = result.stdout
    assert "rows in = rows out + exact duplicates removed" in text
    assert "3 = 2 + 1" in text and "1 = 1 + 0" in text
    assert "Exact duplicates removed (1)" in text
    assert "b.xlsx, sheet 'List_6', row 2" in text and "a.xlsx, sheet 'List_6', row 2" in text
    assert "VALID: no errors" in text
    assert out.exists()
    assert {p: sha256(p) for p in inputs} == before


def test_conflicts_are_shown_and_exit_1(tmp_path):
    inputs = _inputs(tmp_path, conflict=True)
    result = runner.invoke(app, ["merge", *map(str, inputs), "-o", str(tmp_path / "m.xlsx"),
                                 "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    assert "Conflicts: same child, different rows, all kept (1 child)" in result.stdout
    assert "Allocated Team" in result.stdout
    assert "duplicate-child" in result.stdout


def test_quiet_prints_nothing_when_valid(tmp_path):
    inputs = _inputs(tmp_path, conflict=False)
    result = runner.invoke(app, ["merge", *map(str, inputs), "-o", str(tmp_path / "m.xlsx"),
                                 "--as-of", "2026-11-23", "-q"])
    assert result.exit_code == 0 and result.stdout == ""


def test_output_over_an_input_is_refused_and_the_input_kept(tmp_path):
    inputs = _inputs(tmp_path, conflict=False)
    before = sha256(inputs[0])
    result = runner.invoke(app, ["merge", *map(str, inputs), "-o", str(inputs[0])])
    assert result.exit_code == 3
    assert "jtai never writes over its input" in result.stderr
    assert sha256(inputs[0]) == before


def test_usage_errors_exit_2(tmp_path):
    inputs = _inputs(tmp_path, conflict=False)
    no_output = runner.invoke(app, ["merge", *map(str, inputs)])
    assert no_output.exit_code == 2
    csv_out = runner.invoke(app, ["merge", *map(str, inputs), "-o", str(tmp_path / "m.csv")])
    assert csv_out.exit_code == 2
    assert "give an output name ending .xlsx" in csv_out.stderr
