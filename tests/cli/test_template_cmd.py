"""jtai template: writes the blank workbook; exit codes."""

from __future__ import annotations

import openpyxl
from typer.testing import CliRunner

from jtai_cli.cli import app

runner = CliRunner()


def test_template_writes_the_option_b_workbook(tmp_path):
    out = tmp_path / "blank.xlsx"
    result = runner.invoke(app, ["template", "--option", "B", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Blank option B workbook written to {out}" in " ".join(result.stdout.split())
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Instructions" and "Additional fields" in wb.sheetnames


def test_template_needs_an_option_and_an_output(tmp_path):
    assert runner.invoke(app, ["template", "-o", str(tmp_path / "x.xlsx")]).exit_code == 2
    assert runner.invoke(app, ["template", "--option", "A"]).exit_code == 2


def test_template_into_a_missing_folder_is_exit_3(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["template", "--option", "A", "-o", "nope/x.xlsx"])
    assert result.exit_code == 3
    assert "the folder 'nope' does not exist" in result.stderr
