"""jtai tracking: JSON equals the library result; exit codes."""

from __future__ import annotations

import json

from conftest import AS_OF, sha256
from test_shortlisting import build, child, eligible
from typer.testing import CliRunner

from jtai_cli import write_tracking_workbook
from jtai_cli.cli import app

runner = CliRunner()


def test_json_output_equals_the_library_result(tmp_path):
    src = build(tmp_path, [child("C1", fields=eligible()), child("C2", lists=(7,))])
    before = sha256(src)
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["tracking", str(src), "--ids", "C1,C2", "-o", str(out),
                                 "--as-of", "2026-11-23", "--format", "json"])
    assert result.exit_code == 0, result.output
    lib = write_tracking_workbook(src, "C1,C2", out, as_of=AS_OF)
    assert json.loads(result.stdout) == {"schema_version": 1, **lib.to_dict()}
    assert sha256(src) == before


def test_some_ids_not_found_is_exit_1_others_written(tmp_path):
    src = build(tmp_path, [child("C1")])
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["tracking", str(src), "--ids", "C1,NOPE", "-o", str(out)])
    assert result.exit_code == 1
    assert "Not on any list, no sheet written: NOPE" in result.stderr
    assert "1 tracking sheet(s) written" in result.stdout and out.exists()


def test_no_id_found_is_exit_2(tmp_path):
    src = build(tmp_path, [child("C1")])
    result = runner.invoke(app, ["tracking", str(src), "--ids", "NOPE", "-o",
                                 str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2
    assert "none of the 1 child IDs given is on the lists" in result.stderr


def test_ids_are_required(tmp_path):
    src = build(tmp_path, [child("C1")])
    result = runner.invoke(app, ["tracking", str(src), "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2
