"""jtai filter: parsing, rendering and exit codes; the library does the filtering."""

from __future__ import annotations

import datetime as dt
import json

from builders import make_csv
from conftest import AS_OF, sha256
from test_merging import book, row, sheet
from typer.testing import CliRunner

from jtai_cli import filter_lists
from jtai_cli.cli import app

runner = CliRunner()
D = dt.date


def _inputs(tmp_path):
    lists = book(tmp_path, "lists.xlsx", {
        "children_in_need": [row("children_in_need", id="C1", csa="Y"),
                             row("children_in_need", id="C2", csa="N")]})
    refs = make_csv(tmp_path, "referrals.csv", sheet([
        row("referrals", id="C1", Date_of_referral=D(2026, 11, 1)),
        row("referrals", id="C1", Date_of_referral=D(2026, 1, 1)),
        row("referrals", id="C2", Date_of_referral=D(2026, 11, 1))]))
    return [lists, refs]


def test_json_output_equals_the_library_result(tmp_path):
    inputs = _inputs(tmp_path)
    out = tmp_path / "para33.xlsx"
    result = runner.invoke(app, ["filter", *map(str, inputs), "--referrals-csa", "--as-of",
                                 "2026-11-23", "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    expected = filter_lists(inputs, out, referrals_csa=True, as_of=AS_OF).to_dict()
    assert json.loads(result.stdout) == json.loads(json.dumps(expected, default=str))
    assert json.loads(result.stdout)["lists"]["referrals"]["rows_out"] == 1


def test_text_output_says_what_was_kept(tmp_path):
    inputs = _inputs(tmp_path)
    before = {p: sha256(p) for p in inputs}
    out = tmp_path / "para33.csv"
    result = runner.invoke(app, ["filter", *map(str, inputs), "--referrals-csa", "--as-of",
                                 "23/11/2026", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "referrals dated 23/08/2026 to 23/11/2026" in text
    assert "a draft to review, not the para 33 list" in text
    assert "1 rows written to" in result.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert {p: sha256(p) for p in inputs} == before


def test_options_combine(tmp_path):
    inputs = _inputs(tmp_path)
    out = tmp_path / "o.xlsx"
    result = runner.invoke(app, ["filter", *map(str, inputs), "--csa-only", "--within", "3m",
                                 "--list", "3", "--list", "6", "--as-of", "2026-11-23",
                                 "-o", str(out), "--json"])
    assert result.exit_code == 0, result.stderr
    lists = json.loads(result.stdout)["lists"]
    assert {k: v["rows_out"] for k, v in lists.items()} == {"referrals": 1,
                                                            "children_in_need": 1}


def test_csv_with_several_lists_is_a_usage_error(tmp_path):
    inputs = _inputs(tmp_path)
    result = runner.invoke(app, ["filter", *map(str, inputs), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "Pick one with --list" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_usage_errors_exit_2(tmp_path):
    inputs = _inputs(tmp_path)
    out = str(tmp_path / "o.xlsx")
    both = runner.invoke(app, ["filter", *map(str, inputs), "--open", "--closed", "-o", out])
    assert both.exit_code == 2 and "--open or --closed" in both.stderr
    window = runner.invoke(app, ["filter", *map(str, inputs), "--within", "2w", "-o", out])
    assert window.exit_code == 2
    unknown = runner.invoke(app, ["filter", *map(str, inputs), "--list", "9", "-o", out])
    assert unknown.exit_code == 2 and "no list called '9'" in unknown.stderr


def test_missing_list_is_exit_3(tmp_path):
    inputs = _inputs(tmp_path)
    result = runner.invoke(app, ["filter", str(inputs[0]), "--referrals-csa", "-o",
                                 str(tmp_path / "o.xlsx")])
    assert result.exit_code == 3
    assert "no List 3: Referrals" in result.stderr
