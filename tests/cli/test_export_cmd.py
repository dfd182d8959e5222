"""jtai export: JSON equals the library result; refused with exit 1 while the lists have errors."""

from __future__ import annotations

import json

import pytest
from builders import make_workbook
from conftest import AS_OF, sha256
from test_shortlisting import child, eligible, population, sheets_for
from typer.testing import CliRunner

from jtai_cli import export_lists
from jtai_cli.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_json_output_equals_the_library_result(tmp_path):
    src = make_workbook(tmp_path, sheets_for(population(51, n=40)))
    before = sha256(src)
    out = tmp_path / "day2.xlsx"
    result = runner.invoke(app, ["export", str(src), "--option", "B", "-o", str(out),
                                 "--as-of", "2026-11-23", "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    again = export_lists(src, tmp_path / "again.xlsx", option="B", as_of=AS_OF).to_dict()
    again["output"] = str(out)
    assert got == {"schema_version": 1, **json.loads(json.dumps(again, default=str))}
    assert got["written"] and out.exists()
    assert sha256(src) == before


@pytest.mark.slow
def test_refused_with_exit_1_and_the_findings_shown(tmp_path):
    sheets = sheets_for([child("C1", fields=eligible())])
    sheets["List_6"][1][1] = "Q"
    src = make_workbook(tmp_path, sheets)
    out = tmp_path / "day2.xlsx"
    result = runner.invoke(app, ["export", str(src), "--option", "B", "-o", str(out),
                                 "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    assert "'Q' is not one of the gender codes" in result.stdout
    assert "Not written" in result.stderr and "--allow-errors" in result.stderr
    assert not out.exists()
    result = runner.invoke(app, ["export", str(src), "--option", "B", "-o", str(out),
                                 "--as-of", "2026-11-23", "--allow-errors"])
    assert result.exit_code == 1  # written, but the lists still have errors
    assert out.exists()


def test_writing_over_the_input_is_exit_3(tmp_path):
    src = make_workbook(tmp_path, sheets_for([child("C1", fields=eligible())]))
    before = sha256(src)
    result = runner.invoke(app, ["export", str(src), "--option", "A", "-o", str(src)])
    assert result.exit_code == 3
    assert "never writes over its input" in result.stderr
    assert sha256(src) == before
