"""jtai tracking: JSON equals the library result; exit codes."""

from __future__ import annotations

import json

import openpyxl
from conftest import AS_OF, EXAMPLES, sha256
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


def test_cells_that_could_not_be_read_are_noted_by_place_never_by_value(tmp_path):
    """The messy example has five cells that cannot be read (a 31 February, a US-ordered date,
    #N/A, ...): tracking takes them as blank and says where they are, by list, sheet, column
    and row only; the cells' contents never reach the output."""
    messy = EXAMPLES / "lists_messy.xlsx"
    before = sha256(messy)
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["tracking", str(messy), "--ids", "0025431", "-o", str(out),
                                 "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert ("Note: 5 cells could not be read and were taken as blank: "
            "List 1 (sheet 'List 1') column H 'Contact Source': row 265; "
            "List 3 (sheet 'Referrals') column H 'Date of The Most Recent Referral': row 86; "
            "List 6 (sheet 'List 6') column J 'Date Child Was Last Seen': row 89; "
            "and in 2 more columns (jtai validate says what is wrong with each)") in said
    book = openpyxl.load_workbook(messy, read_only=True)
    values = [book[sheet][cell].value for sheet, cell in (
        ("List 1", "H265"), ("Referrals", "H86"), ("List 6", "J89"), ("List 6", "N37"),
        ("CP", "K16"))]
    book.close()
    assert all(isinstance(v, str) and v for v in values)  # the unreadable cells are there
    for value in values:
        assert value not in result.output, value
    assert sha256(messy) == before
