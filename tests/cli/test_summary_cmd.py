"""jtai summary: parsing, rendering, outputs and exit codes; the library does the counting."""

from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
from builders import make_workbook
from conftest import AS_OF, sha256
from typer.testing import CliRunner

from jtai_cli import summarise
from jtai_cli.cli import app

runner = CliRunner()
L6 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
      "Allocated Team", "CSA-FE"]
TITLE = ["List 6: Children in need (data as at 23/11/2026)"]


def row(cid: str, flag: str) -> list[object]:
    return [cid, "a) Male", "a) WBRI", dt.date(2015, 4, 3), 11, "b) No", dt.date(2026, 9, 1),
            "N1 - Abuse or neglect", "North Team", flag]


def workbook(tmp_path, flagged: int = 3, others: int = 9, name: str = "lists.xlsx"):
    rows = [row(f"C{i}", "Y") for i in range(flagged)]
    rows += [row(f"D{i}", "N") for i in range(others)]
    return make_workbook(tmp_path, {"List 6": [TITLE, L6, *rows]}, name=name)


def test_json_output_equals_the_library_summary(tmp_path):
    path = workbook(tmp_path)
    result = runner.invoke(app, ["summary", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == summarise(path).to_dict()
    assert json.loads(result.stdout)["tables"]["by_list"]["rows"][0]["values"]["Flagged"] == "<5"


def test_no_suppress_and_as_of(tmp_path):
    path = workbook(tmp_path)
    result = runner.invoke(app, ["summary", str(path), "--json", "--no-suppress",
                                 "--as-of", "01/12/2026"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got == summarise(path, as_of=dt.date(2026, 12, 1), suppress=False).to_dict()
    assert got["as_of"] == "2026-12-01"
    assert got["suppression"]["on"] is False
    assert got["tables"]["by_list"]["rows"][0]["values"]["Flagged"] == 3


def test_writes_html_and_xlsx_and_leaves_the_input_alone(tmp_path):
    path = workbook(tmp_path)
    before = sha256(path)
    html, xlsx = tmp_path / "summary.html", tmp_path / "summary.xlsx"
    result = runner.invoke(app, ["summary", str(path), "-o", str(html), "--xlsx", str(xlsx)])
    assert result.exit_code == 0, result.output
    page, seal = html.read_text(encoding="utf-8").rsplit("\n<!-- jtai-seal sha256:", 1)
    assert page == summarise(path).to_html()  # and the seal that lets a later run replace it
    assert re.fullmatch(r"[0-9a-f]{64} -->\n", seal)
    assert openpyxl.load_workbook(xlsx).sheetnames[:2] == ["About", "By list"]
    assert f"Report written to {html}" in result.stdout
    assert f"Workbook written to {xlsx}" in result.stdout
    assert sha256(path) == before


def test_text_output_shows_the_suppression_symbols(tmp_path):
    path = workbook(tmp_path)
    result = runner.invoke(app, ["summary", str(path)])
    assert result.exit_code == 0
    assert "Children flagged at risk of or subject to CSA-FE, by list" in result.stdout
    assert "<5" in result.stdout and "[c]" in result.stdout
    assert "Add -o summary.html" in result.stdout


def test_refuses_to_write_over_the_input(tmp_path):
    path = workbook(tmp_path)
    before = sha256(path)
    result = runner.invoke(app, ["summary", str(path), "--xlsx", str(path)])
    assert result.exit_code == 3
    assert "never writes over its input" in result.stderr
    assert sha256(path) == before


def test_unusable_input_exits_3(tmp_path):
    result = runner.invoke(app, ["summary", str(tmp_path / "missing.xlsx")])
    assert result.exit_code == 3
    notes = make_workbook(tmp_path, {"Notes": [["nothing"], ["here"]]}, name="notes.xlsx")
    result = runner.invoke(app, ["summary", str(notes)])
    assert result.exit_code == 3
    assert "nothing to summarise" in result.stderr


def test_bad_date_is_a_usage_error(tmp_path):
    path = workbook(tmp_path)
    result = runner.invoke(app, ["summary", str(path), "--as-of", "31/02/2026"])
    assert result.exit_code == 2


def test_two_snapshots_give_a_trend(tmp_path):
    late = workbook(tmp_path, flagged=6)
    (tmp_path / "old").mkdir()
    early = make_workbook(tmp_path / "old", {"List 6": [
        ["List 6: Children in need (data as at 24/08/2026)"], L6,
        *[row(f"C{i}", "Y") for i in range(5)], *[row(f"D{i}", "N") for i in range(9)]]})
    result = runner.invoke(app, ["summary", str(late), str(early), "--json"])
    assert result.exit_code == 0
    got = json.loads(result.stdout)
    assert [s["as_of"] for s in got["snapshots"]] == ["2026-08-24", AS_OF.isoformat()]
    assert got["tables"]["trend"]["columns"] == ["24/08/2026", "23/11/2026"]


def test_population_and_option_are_passed(tmp_path):
    path = workbook(tmp_path, flagged=12, others=30)
    result = runner.invoke(app, ["summary", str(path), "--json", "--population", "30000",
                                 "--option", "b"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got == summarise(path, population=30000, option="B").to_dict()
    row = got["tables"]["by_list"]["rows"][0]["values"]
    assert row["Flagged per 10,000 children"] == 4.0
    assert runner.invoke(app, ["summary", str(path), "--population", "0"]).exit_code == 2
    assert runner.invoke(app, ["summary", str(path), "--option", "C"]).exit_code == 2
