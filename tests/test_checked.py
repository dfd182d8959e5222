"""load_checked: the lists read as validate reads them, and the cells that could not be read."""

from __future__ import annotations

from conftest import AS_OF, EXAMPLES
from test_merging import book, row
from typer.testing import CliRunner

from jtai_cli import filter_lists, validate_workbook
from jtai_cli.checked import UnreadableCells, load_checked, unreadable_note
from jtai_cli.cli import app


def test_the_report_is_the_one_validate_gives():
    path = EXAMPLES / "lists_messy.xlsx"
    checked = load_checked(path, as_of=AS_OF)
    assert checked.report.to_dict() == validate_workbook(path, as_of=AS_OF).to_dict()
    assert checked.report is checked.report  # the rules run once


def test_unreadable_cells_are_counted_by_column_with_their_rows():
    checked = load_checked(EXAMPLES / "lists_messy.xlsx", as_of=AS_OF)
    parse_errors = {"excel-error", "date-not-recognised", "date-impossible",
                    "not-a-whole-number", "code-not-in-list", "id-not-recognised"}
    found = checked.report.findings
    expected = found[found["rule"].isin(parse_errors)]
    assert checked.unreadable_count == len(expected) > 0
    got = sorted((c.sheet, r) for c in checked.unreadable for r in c.rows)
    assert got == sorted(zip(expected["sheet"], expected["row"], strict=True))
    assert checked.note is not None and checked.note.startswith(
        f"{checked.unreadable_count} cells could not be read")
    assert load_checked(EXAMPLES / "lists_clean.xlsx", as_of=AS_OF).note is None


def test_the_note_names_at_most_three_columns_and_never_a_value():
    cells = [UnreadableCells("f.xlsx", f"S{i}", "List 6", f"Col {i}", "B", (2, 3, 4, 5, 6))
             for i in range(5)]
    note = unreadable_note(cells)
    assert note is not None
    assert note.startswith("25 cells could not be read and were taken as blank: ")
    assert "List 6 (sheet 'S0') column B 'Col 0': rows 2, 3, 4 and 2 more" in note
    assert "'Col 3'" not in note and note.count("; ") == 3
    assert note.endswith("; and in 2 more columns (jtai validate says what is wrong with each)")
    assert unreadable_note([]) is None


def test_filter_says_how_many_cells_could_not_be_read(tmp_path):
    src = book(tmp_path, "in.xlsx", {"children_in_need": [
        row("children_in_need", CIN_Start_Date="TBC", **{"Age of Child (Years)": "eleven"})]})
    result = filter_lists(src, tmp_path / "out.csv", as_of=AS_OF)
    assert result.unreadable is not None
    assert result.unreadable.startswith("2 cells could not be read and were taken as blank")
    assert "TBC" not in result.unreadable and "eleven" not in result.unreadable
    assert result.to_dict()["unreadable"] == result.unreadable
    out = CliRunner().invoke(app, ["filter", str(src), "-o", str(tmp_path / "o.csv"),
                                   "--as-of", "23/11/2026"])
    assert out.exit_code == 0
    assert "2 cells could not be read" in " ".join(out.stdout.split())
