"""jtai timeline: bank holidays flagged in the terminal, JSON and the calendar file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jtai_cli.cli import app

runner = CliRunner()


def test_para9_christmas_and_boxing_day_substitute_flagged_in_terminal_json_and_ics(tmp_path):
    ics = tmp_path / "jtai.ics"
    result = runner.invoke(app, ["timeline", "--notified", "2026-12-21", "--ics", str(ics)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Bank holiday on day 4, Friday 25/12/2026: Christmas Day" in out
    assert "BANK HOLIDAY" in out  # on the day-4 deadlines' rows
    assert "Bank holiday on day 5, Monday 28/12/2026: Boxing Day (substitute day)" in out
    assert "no deadline has been moved" in out
    calendar = ics.read_text(encoding="utf-8").replace("\r\n ", "")
    assert "Boxing Day (substitute day)" in calendar and "DTSTART;VALUE=DATE:20261228" in calendar
    assert "[bank holiday: Christmas Day]" in calendar
    data = json.loads(runner.invoke(app, ["timeline", "--notified", "2026-12-21",
                                          "--format", "json"]).stdout)
    names = {b["name"] for b in data["bank_holidays"]}
    assert {"Christmas Day", "Boxing Day (substitute day)"} <= names


def test_para9_good_friday_2027_flagged_in_terminal_json_and_ics(tmp_path):
    ics = tmp_path / "jtai.ics"
    result = runner.invoke(app, ["timeline", "--notified", "2027-03-22", "--ics", str(ics)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Bank holiday on day 4, Friday 26/03/2027: Good Friday" in out
    assert "BANK HOLIDAY" in out
    assert "Good Friday" in ics.read_text(encoding="utf-8")
    data = json.loads(runner.invoke(app, ["timeline", "--notified", "2027-03-22",
                                          "--json"]).stdout)
    assert [d["date"] for d in data["deadlines"] if d["bank_holiday"] == "Good Friday"]
    assert data["deadlines"][0]["bank_holiday"] is None


def test_timeline_on_an_ordinary_fortnight_mentions_no_bank_holiday():
    result = runner.invoke(app, ["timeline", "--notified", "2026-11-23"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "bank holiday" not in result.stdout.lower()
