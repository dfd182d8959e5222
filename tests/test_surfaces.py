"""What a user meets around the checks (issue 25): Apple Numbers files, folders whose workbooks
are in subfolders, jtai's own outputs checked again, and outputs named for the wrong kind."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from jtai_cli import validate_workbook
from jtai_cli.cli import app
from jtai_cli.errors import JtaiError

CLEAN = EXAMPLES / "lists_clean.xlsx"
MESSY = EXAMPLES / "lists_messy.xlsx"


def _numbers_file(path: Path) -> Path:
    # What Numbers saves: a zip of .iwa (protobuf) parts, a plist and a preview.
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Index/Document.iwa", b"\x00" * 64)
        z.writestr("Index/Tables/DataList.iwa", b"\x00" * 64)
        z.writestr("Metadata/Properties.plist", "<plist/>")
        z.writestr("preview.jpg", b"\xff\xd8")
    return path


@pytest.mark.parametrize("name", ["lists.numbers", "lists.xlsx"])
def test_apple_numbers_file_gets_its_export_steps(tmp_path, name):
    path = _numbers_file(tmp_path / name)
    with pytest.raises(JtaiError) as info:
        validate_workbook(path, as_of="23/11/2026")
    text = str(info.value)
    assert "Apple Numbers" in text and "File > Export To > Excel" in text
    assert "unzip" not in text


def test_numbers_package_folder_is_named_as_numbers(tmp_path):
    package = tmp_path / "lists.numbers"
    (package / "Index").mkdir(parents=True)
    (package / "Index" / "Document.iwa").write_bytes(b"\x00")
    with pytest.raises(JtaiError, match="Apple Numbers"):
        validate_workbook(package, as_of="23/11/2026")


def test_folder_with_workbooks_only_in_subfolders_says_so(tmp_path):
    (tmp_path / "day 2").mkdir()
    (tmp_path / "empty").mkdir()
    shutil.copy(CLEAN, tmp_path / "day 2" / "lists.xlsx")
    with pytest.raises(JtaiError) as info:
        validate_workbook(tmp_path, as_of="23/11/2026")
    text = str(info.value)
    assert "subfolders" in text and "day 2" in text and "empty" not in text
    (tmp_path / "day 2" / "lists.xlsx").unlink()
    with pytest.raises(JtaiError, match="holds no .xlsx"):
        validate_workbook(tmp_path, as_of="23/11/2026")


def test_rechecking_jtais_own_outputs_warns_about_none_of_their_sheets(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    copy = folder / "lists_messy-checked.xlsx"
    validate_workbook(MESSY, as_of="23/11/2026", report_path=copy)
    runner = CliRunner()
    r = runner.invoke(app, ["shortlist", str(CLEAN), "--option", "B", "--as-of", "23/11/2026",
                            "-o", str(folder / "tracking.xlsx")])
    assert r.exit_code == 0, r.output
    report = validate_workbook(folder, as_of="23/11/2026")
    df = report.findings
    unrecognised = df[df["rule"].isin(["sheet-not-recognised", "sheet-not-in-scope"])]
    assert unrecognised.empty, unrecognised[["file", "sheet"]].to_dict("records")
    skipped = {(Path(i.file).name, i.sheet) for i in report.sheets if i.list is None}
    assert {("lists_messy-checked.xlsx", "By rule"), ("lists_messy-checked.xlsx", "Coerced"),
            ("lists_messy-checked.xlsx", "Issues")} <= skipped


def test_summary_output_named_as_a_workbook_is_refused_before_writing(tmp_path):
    out = tmp_path / "summary.xlsx"
    r = CliRunner().invoke(app, ["summary", str(CLEAN), "-o", str(out)])
    assert r.exit_code == 2
    assert "--xlsx" in r.output and ".html" in r.output
    assert not out.exists()


def test_documents_sent_to_the_local_authority_never_say_we(tmp_path):
    """Issue 23: jtai's choices are jtai's, not an anonymous "we", in what goes to an LA."""
    import re

    import openpyxl

    runner = CliRunner()
    made = [tmp_path / "template.xlsx", tmp_path / "for-the-la.xlsx"]
    r = runner.invoke(app, ["template", "--option", "A", "--notified", "23/11/2026",
                            "-o", str(made[0])])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["shortlist", str(CLEAN), "--option", "A", "--stage", "select",
                            "--notified", "23/11/2026", "-o", str(made[1])])
    assert r.exit_code == 0, r.output
    for path in made:
        wb = openpyxl.load_workbook(path)
        text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                        if isinstance(c.value, str))
        assert "jtai uses the earlier" in text or "jtai" in text
        assert not re.search(r"\b(we|We|our|Our|us)\b", text), (path.name, re.findall(
            r".{40}\b(?:we|We|our|Our|us)\b.{20}", text)[:3])


def test_a_file_given_twice_is_checked_once(tmp_path):
    """Issue 24: `validate a.xlsx a.xlsx` gave 424 duplicate-child errors (every child twice)."""
    link = tmp_path / "again.xlsx"
    link.symlink_to(CLEAN)
    report = validate_workbook([CLEAN, CLEAN, link], as_of="23/11/2026")
    assert report.valid and report.files == [str(CLEAN)]
    assert not (report.findings["rule"] == "duplicate-child").any()


@pytest.mark.parametrize("command", [["summary"], ["shortlist", "--option", "B"],
                                     ["filter", "--list", "6"]])
def test_a_folder_is_taken_by_every_command_as_by_validate(tmp_path, command):
    folder = tmp_path / "return"
    folder.mkdir()
    shutil.copy(CLEAN, folder / "lists.xlsx")
    out = [] if command[0] != "filter" else ["-o", str(tmp_path / "filtered.xlsx")]
    r = CliRunner().invoke(app, [command[0], str(folder), *command[1:], "--as-of",
                                 "23/11/2026", *out])
    assert r.exit_code == 0, r.output
    assert "folder, not a file" not in r.output
