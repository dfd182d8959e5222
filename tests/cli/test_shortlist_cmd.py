"""jtai shortlist: parsing, rendering and exit codes; the library does the choosing."""

from __future__ import annotations

import json

from conftest import AS_OF, sha256
from test_shortlisting import answers, build, child, eligible, population
from typer.testing import CliRunner

from jtai_cli import shortlist
from jtai_cli.cli import app

runner = CliRunner()


def _json(d: dict) -> dict:
    """The library's result as the CLI prints it: JSON, with the document's schema_version."""
    return {"schema_version": 1, **json.loads(json.dumps(d, default=str))}


def test_json_output_equals_the_library_result(tmp_path):
    path = build(tmp_path, population(41))
    before = sha256(path)
    result = runner.invoke(app, ["shortlist", str(path), "--option", "B", "--seed", "3",
                                 "--as-of", "2026-11-23", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == _json(
        shortlist(path, option="B", seed=3, as_of=AS_OF).to_dict())
    assert sha256(path) == before


def test_option_is_case_insensitive_and_include_exclude_are_passed(tmp_path):
    kids = [child(f"C{i}", fields=eligible()) for i in range(9)]
    path = build(tmp_path, kids)
    ids = tmp_path / "ids.txt"
    ids.write_text("C1\nC2\n", encoding="utf-8")
    result = runner.invoke(app, ["shortlist", str(path), "--option", "b", "--include", "C8",
                                 "--exclude", str(ids), "--as-of", "2026-11-23", "--json"])
    assert result.exit_code == 0
    d = json.loads(result.stdout)
    assert d == _json(shortlist(path, option="B", include=["C8"], exclude=["C1", "C2"],
                                as_of=AS_OF).to_dict())
    picked = [p["child_id"] for p in d["picks"]]
    assert "C8" in picked and not {"C1", "C2"} & set(picked)


def test_exit_1_when_fewer_than_five_can_be_proposed(tmp_path):
    path = build(tmp_path, [child("OK", fields=eligible()),
                            child("NO", fields=eligible(multi_agency="N"))])
    result = runner.invoke(app, ["shortlist", str(path), "--option", "B", "--as-of",
                                 "2026-11-23"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())
    assert "OK" in out and "- child 'NO': multi-agency involvement (field 2 is N" in out
    assert "FEWER THAN FIVE" in out


def test_para25_no_child_excluded_for_field_6_proposes_five_to_seven_and_the_call(tmp_path):
    kids = [child(f"POL{i}", fields=answers(csa_current="Y", multi_agency="Y",
                                            police_investigation="Y")) for i in range(6)]
    kids += [child(f"N{i}", fields=answers()) for i in range(4)]
    path = build(tmp_path, kids)
    result = runner.invoke(app, ["shortlist", str(path), "--option", "B", "--as-of",
                                 "2026-11-23"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Option B: 7 children proposed to track" in out
    assert "Option B has no 20-children stage" in out
    assert "What the phone call must confirm (paras 25, 28)" in out
    assert "field 6 is N, so the pick relies on field 5" in out
    assert "jtai's mix rule (not the guidance's)" in out
    d = json.loads(runner.invoke(app, ["shortlist", str(path), "--option", "B", "--as-of",
                                       "2026-11-23", "--json"]).stdout)
    assert 5 <= len(d["picks"]) <= 7 and d["call_must_confirm"]


def test_stage_prefer_and_require_are_passed(tmp_path):
    kids = [child(f"C{i}", fields=eligible()) for i in range(9)]
    kids.append(child("CLA", fields=answers(), lists=(8,)))
    path = build(tmp_path, kids)
    result = runner.invoke(app, ["shortlist", str(path), "--option", "A", "--stage", "select",
                                 "--require", "list-8", "--prefer", "C4", "--as-of",
                                 "2026-11-23", "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d == _json(shortlist(path, option="A", stage="select", require="list-8",
                                prefer="C4", as_of=AS_OF).to_dict())
    assert d["stage"] == "select-20"
    assert runner.invoke(app, ["shortlist", str(path), "--option", "A", "--stage",
                               "both"]).exit_code == 2


def test_option_a_text_output_and_workbook(tmp_path):
    path = build(tmp_path, population(42, n=100), option="A")
    out = tmp_path / "for-the-la.xlsx"
    result = runner.invoke(app, ["shortlist", str(path), "--option", "A", "-o", str(out),
                                 "--notified", "23/11/2026", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Option A, first stage: 20 CSA-FE children proposed" in result.stdout
    assert f"written to {out}" in " ".join(result.stdout.split())
    assert out.exists()


def test_missing_option_is_a_usage_error(tmp_path):
    path = build(tmp_path, [child("C1", fields=eligible())])
    result = runner.invoke(app, ["shortlist", str(path)])
    assert result.exit_code == 2
    result = runner.invoke(app, ["shortlist", str(path), "--option", "C"])
    assert result.exit_code == 2


def test_include_and_exclude_the_same_child_is_exit_2_without_traceback(tmp_path):
    path = build(tmp_path, [child("C1", fields=eligible())])
    result = runner.invoke(app, ["shortlist", str(path), "--option", "B", "--include", "C1",
                                 "--exclude", "C1"])
    assert result.exit_code == 2
    assert "both --include (or --require) and --exclude" in result.stderr
    assert "Traceback" not in result.output


def test_notified_not_a_monday_is_exit_2(tmp_path):
    path = build(tmp_path, population(43, n=40), option="A")
    result = runner.invoke(app, ["shortlist", str(path), "--option", "A", "-o",
                                 str(tmp_path / "x.xlsx"), "--notified", "2026-11-24"])
    assert result.exit_code == 2
    assert "Monday" in result.stderr


def test_unusable_input_is_exit_3(tmp_path):
    result = runner.invoke(app, ["shortlist", str(tmp_path / "missing.xlsx"), "--option", "B"])
    assert result.exit_code == 3
