"""Data safety: inputs never changed, outputs never over an input, no child data outside the
user's own report, CSV cells never run as formulas, no crash on any workbook, no network.

These workbooks identify children at risk of sexual abuse. Each promise in the README's
"Data safety" section is checked here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from builders import make_workbook
from hostile.make_corpus import L6, L6_ROWS, raw_xlsx, rows_xml, sheet_xml, simple_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jtai_cli import validate_workbook
from jtai_cli._files import atomic_write
from jtai_cli.cli import app
from jtai_cli.errors import JtaiError, OutputRefused
from jtai_cli.reading import read_workbook
from jtai_cli.schemas import load_schemas

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = dt.date(2026, 11, 23)
SENTINEL_NAME = "Zebedee Quuxington"
SENTINEL_ID = "ZQ0099887766"
runner = CliRunner()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def sentinel_workbook(folder: Path, name: str = "sentinel.xlsx") -> Path:
    """A List 6 where a sentinel child's ID and name sit in checked and unchecked columns,
    in cells that are wrong (so they travel through every finding's message and value)."""
    rows = [L6 + ["Child name"], list(L6_ROWS[0]) + ["Ann Other"],
            [SENTINEL_ID, SENTINEL_NAME, "a) WBRI", SENTINEL_NAME, 11, "b) No",
             dt.date(2026, 9, 1), "N1 - Abuse or neglect", None, None, "North Team",
             SENTINEL_NAME, "N", SENTINEL_NAME],
            [SENTINEL_ID, "a) Male", "a) WBRI", dt.date(2015, 4, 3), 11, "b) No",
             dt.date(2026, 9, 1), "N1 - Abuse or neglect", None, None, "North Team",
             SENTINEL_NAME, "N", SENTINEL_NAME]]
    return simple_xlsx(folder / name, {"List_6": rows})


def no_sentinel(text: str) -> bool:
    return SENTINEL_NAME not in text and SENTINEL_ID not in text and "Zebedee" not in text


# --------------------------------------------------------------------------- inputs unchanged


#: Every command, run on the inputs as a user would. {in} is the input folder, {out} the
#: output folder; the IDs file is an input too.
COMMANDS: dict[str, list[list[str]]] = {
    "validate": [["validate", "{in}/lists_clean.xlsx", "--report", "{out}/checked.xlsx"],
                 ["validate", "{in}/lists_messy.xlsx", "{in}/contacts.csv", "--format", "json"],
                 ["validate", "{in}", "--report", "{out}"]],
    "merge": [["merge", "{in}/lists_clean.xlsx", "{in}/lists_messy.xlsx", "{in}/contacts.csv",
               "-o", "{out}/merged.xlsx"]],
    "filter": [["filter", "{in}/lists_clean.xlsx", "--csa-only", "-o", "{out}/f.xlsx"],
               ["filter", "{in}/lists_clean.xlsx", "--ids", "{in}/ids.txt", "--list", "6",
                "-o", "{out}/f.csv"]],
    "shortlist": [["shortlist", "{in}/lists_clean.xlsx", "--option", "A", "--include",
                   "{in}/ids.txt", "-o", "{out}/sl.xlsx"],
                  ["shortlist", "{in}/lists_clean.xlsx", "--option", "B"]],
    "export": [["export", "{in}/lists_clean.xlsx", "--option", "B", "-o", "{out}/ret.xlsx"],
               ["export", "{in}/lists_messy.xlsx", "--option", "B", "-o", "{out}/r2.xlsx"]],
    "tracking": [["tracking", "{in}/lists_clean.xlsx", "--ids", "{in}/ids.txt", "-o",
                  "{out}/tr.xlsx"]],
    "summary": [["summary", "{in}/lists_clean.xlsx", "{in}/lists_messy.xlsx", "-o",
                 "{out}/s.html", "--xlsx", "{out}/s.xlsx"]],
    "template": [["template", "--option", "B", "-o", "{out}/blank.xlsx"]],
    "timeline": [["timeline", "--notified", "2026-11-23", "--ics", "{out}/t.ics"]],
    "schemas": [["schemas", "list"], ["schemas", "show", "children_in_need"]],
    "rules": [["rules"], ["rules", "duplicate-child", "--format", "json"]],
}


def registered() -> set[str]:
    names = {c.name for c in app.registered_commands}
    names |= {g.name for g in app.registered_groups}
    return {n for n in names if n}


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("lists_clean.xlsx", "lists_messy.xlsx"):
        (folder / name).write_bytes((EXAMPLES / name).read_bytes())
    wb = read_workbook(folder / "lists_clean.xlsx")
    l6 = next(s for s in wb.sheets if s.name.replace(" ", "_").startswith("List_6"))
    (folder / "ids.txt").write_text(f"{l6.rows[2][0]}\n", encoding="utf-8")
    contacts = next(s for s in wb.sheets if "1" in s.name and "List" in s.name)
    with (folder / "contacts.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[("" if v is None else v) for v in r]
                                  for r in contacts.rows[1:30]])
    return folder


#: Commands that take no input files, with where their promises are tested instead.
#: `jtai serve` runs until Ctrl-C; it never opens the user's files (the browser uploads a copy
#: into its private folder) and writes only there: tests/test_serve.py.
ELSEWHERE = {"serve": "tests/test_serve.py"}


def test_every_command_is_covered():
    assert registered() <= set(COMMANDS) | set(ELSEWHERE), \
        "add the new command to COMMANDS in this file"


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_leaves_its_inputs_byte_for_byte(inputs, tmp_path, command):
    assert command in registered(), f"jtai {command} is not a command"
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(inputs)
    for args in COMMANDS[command]:
        argv = [a.replace("{in}", str(inputs)).replace("{out}", str(out)) for a in args]
        result = runner.invoke(app, argv)
        assert result.exit_code in (0, 1), (argv, result.stdout[-2000:], result.stderr[-2000:])
        assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(inputs) == before
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".") or
                 p.suffix == ".part"]
    assert leftovers == []


# --------------------------------------------------------------------------- outputs


def _over_input(command: list[str], folder: Path) -> list[str]:
    return [a.replace("{in}", str(folder)) for a in command]


OVER_INPUT = [
    ["validate", "{in}/lists_clean.xlsx", "--report", "{in}/lists_clean.xlsx"],
    ["merge", "{in}/lists_clean.xlsx", "{in}/lists_messy.xlsx", "-o", "{in}/lists_messy.xlsx"],
    ["filter", "{in}/lists_clean.xlsx", "-o", "{in}/lists_clean.xlsx"],
    ["filter", "{in}/lists_clean.xlsx", "--list", "6", "--ids", "{in}/ids.csv", "-o",
     "{in}/ids.csv"],
    ["shortlist", "{in}/lists_clean.xlsx", "--option", "A", "-o", "{in}/lists_clean.xlsx"],
    ["export", "{in}/lists_clean.xlsx", "--option", "B", "-o", "{in}/lists_clean.xlsx"],
    ["tracking", "{in}/lists_clean.xlsx", "--ids", "{in}/ids.txt", "-o",
     "{in}/lists_clean.xlsx"],
    # (-o names a page: a workbook's name is refused as usage, so the input is reached by a link)
    ["summary", "{in}/lists_clean.xlsx", "-o", "{in}/page.html"],
    ["summary", "{in}/lists_clean.xlsx", "--xlsx", "{in}/lists_clean.xlsx"],
    ["validate", "{in}/lists_clean.xlsx", "--report", "{in}/link.xlsx"],
    ["tracking", "{in}/lists_clean.xlsx", "--ids", "{in}/ids.txt", "-o", "{in}/ids.txt"],
    ["shortlist", "{in}/lists_clean.xlsx", "--option", "A", "--include", "{in}/ids.txt", "-o",
     "{in}/ids.txt"],
]


@pytest.mark.slow
@pytest.mark.parametrize("command", OVER_INPUT)
def test_an_output_path_that_is_an_input_is_refused(inputs, command):
    assert command[0] in registered(), f"jtai {command[0]} is not a command"
    (inputs / "link.xlsx").symlink_to(inputs / "lists_clean.xlsx")
    (inputs / "page.html").symlink_to(inputs / "lists_clean.xlsx")
    (inputs / "ids.csv").write_text("Child Unique ID\n" + (inputs / "ids.txt").read_text(),
                                    encoding="utf-8")
    before = snapshot(inputs)
    result = runner.invoke(app, _over_input(command, inputs))
    assert result.exit_code == 3, result.stdout[-1000:] + result.stderr[-1000:]
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "the output path is one of the input files" in text
    assert snapshot(inputs) == before


def test_an_interrupted_write_leaves_the_old_file_and_no_part_file(tmp_path):
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"the previous report")
    for interruption in (RuntimeError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(interruption)), atomic_write(out, [], force=True) as tmp:
            tmp.write_bytes(b"half a workb")
            raise interruption
        assert out.read_bytes() == b"the previous report"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]
    with atomic_write(out, [], force=True) as tmp:
        tmp.write_bytes(b"new")
    assert out.read_bytes() == b"new"
    with pytest.raises(OutputRefused):
        with atomic_write(out, [out]):
            pass


# --------------------------------------------------------------------------- no child data


@pytest.mark.slow
def test_the_sentinel_travels_into_the_report_only(tmp_path, caplog):
    """Logs (every logger, DEBUG), warnings and the terminal's stderr never show the
    sentinel child; the report (stdout, JSON, the highlighted copy) may."""
    path = sentinel_workbook(tmp_path)
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = validate_workbook(path, as_of=AS_OF, report_path=tmp_path / "checked.xlsx")
    assert not report.valid
    # The data did go through the checks: the report shows it, as it should.
    assert SENTINEL_NAME in json.dumps(report.to_dict())
    assert no_sentinel(caplog.text)
    assert all(no_sentinel(str(w.message)) for w in caught)
    for args in (["validate", str(path)], ["validate", str(path), "-q"],
                 ["validate", str(path), "--debug"], ["validate", str(path), "--format", "json"]):
        result = runner.invoke(app, [*args, "--as-of", "2026-11-23"])
        assert result.exit_code == 1
        assert no_sentinel(result.stderr), args
    assert no_sentinel(caplog.text)


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    ["merge", "{wb}", "{wb2}", "-o", "{out}/m.xlsx"],
    ["filter", "{wb}", "-o", "{out}/f.xlsx"],
    ["shortlist", "{wb}", "--option", "A"],
    ["export", "{wb}", "--option", "B", "-o", "{out}/e.xlsx"],
    ["tracking", "{wb}", "--ids", SENTINEL_ID, "-o", "{out}/t.xlsx"],
    ["summary", "{wb}"],
], ids=lambda c: c[0])
def test_no_command_writes_the_sentinel_to_stderr_or_logs(tmp_path, caplog, command):
    assert command[0] in registered(), f"jtai {command[0]} is not a command"
    caplog.set_level(logging.DEBUG)
    wb = sentinel_workbook(tmp_path)
    wb2 = sentinel_workbook(tmp_path, "second.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    for debug in ([], ["--debug"]):
        argv = [a.replace("{wb}", str(wb)).replace("{wb2}", str(wb2)).replace("{out}", str(out))
                for a in command] + debug
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = runner.invoke(app, argv)
        assert result.exit_code in (0, 1, 2), (argv, result.stderr[-1500:])
        assert no_sentinel(result.stderr), argv
        assert all(no_sentinel(str(w.message)) for w in caught)
    assert no_sentinel(caplog.text)


@pytest.mark.slow
def test_the_messy_example_sentinel_stays_out_of_logs_and_stderr(caplog):
    path = EXAMPLES / "lists_messy.xlsx"
    raw = json.dumps([r for s in read_workbook(path).sheets for r in s.rows], default=str)
    assert SENTINEL_NAME in raw  # the example really carries it
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(app, ["validate", str(path), "--debug"])
    assert result.exit_code == 1
    assert no_sentinel(result.stderr) and no_sentinel(caplog.text)


def _bad_files(folder: Path) -> list[Path]:
    """Unusable files whose cells hold the sentinel: their errors must not quote it."""
    stray = (f'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>{SENTINEL_NAME}</t>'
             "</is></c></row>")
    rows = [L6, [SENTINEL_ID, SENTINEL_NAME]]
    far = raw_xlsx(folder / "far.xlsx", [("List_6", sheet_xml([*rows_xml(rows), stray]))])
    dtd = f'<!DOCTYPE w [<!ENTITY n "{SENTINEL_NAME}">]>'
    ent = raw_xlsx(folder / "ent.xlsx", [("List_6", sheet_xml(rows_xml(rows), head=dtd))])
    cut = simple_xlsx(folder / "cut.xlsx", {"List_6": rows * 50})
    cut.write_bytes(cut.read_bytes()[:1500])
    bad_csv = folder / "bad.csv"
    bad_csv.write_text(f'Child Unique ID,Name\r\n{SENTINEL_ID},"{SENTINEL_NAME}' + "x" * 200_000,
                       encoding="utf-8")
    long_ref = raw_xlsx(folder / "ref.xlsx", [("List_6", sheet_xml([
        f'<row r="1"><c r="{SENTINEL_ID}"><v>1</v></c></row>']))])
    return [far, ent, cut, bad_csv, long_ref]


@pytest.mark.slow
def test_errors_about_unusable_files_never_quote_a_cell(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    for path in _bad_files(tmp_path):
        with pytest.raises(JtaiError) as exc:
            validate_workbook(path)
        text = f"{exc.value} {exc.value!r} {exc.value.args} {exc.value.__cause__} " \
               f"{exc.value.__context__}"
        assert no_sentinel(text), text
        for debug in ([], ["--debug"]):
            result = runner.invoke(app, ["validate", str(path), *debug])
            assert result.exit_code == 3
            assert no_sentinel(result.stderr), result.stderr
    assert no_sentinel(caplog.text)


def test_an_internal_error_shows_its_type_only_without_debug(tmp_path, monkeypatch):
    import jtai_cli.checks as checks

    def broken(data):
        raise ValueError(f"cannot compare {SENTINEL_NAME}")

    monkeypatch.setattr(checks, "run_checks", broken)
    result = runner.invoke(app, ["validate", str(sentinel_workbook(tmp_path))])
    assert result.exit_code == 4
    assert "ValueError" in result.stderr and no_sentinel(result.stderr)
    assert "Traceback" not in result.stderr


def test_issue_repr_carries_no_cell_value(tmp_path):
    report = validate_workbook(sentinel_workbook(tmp_path), as_of=AS_OF)
    assert all(no_sentinel(repr(issue)) for issue in report.issues)


# --------------------------------------------------------------------------- CSV formula guard


from jtai_cli import csv_output  # noqa: E402

_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.slow
@settings(max_examples=500)
@given(st.text())
def test_guard_holds_for_any_text_and_is_idempotent(text):
    once = csv_output.guard_cell(text)
    assert not once.startswith(_STARTS) or csv_output.PLAIN_NUMBER.fullmatch(once)
    assert csv_output.guard_cell(once) == once
    assert once == text or once == "'" + text  # nothing is lost: one quote at most


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=3, max_size=3), max_size=6))
def test_a_written_csv_has_no_cell_excel_would_run(tmp_path_factory, rows):
    frame = pd.DataFrame(rows, columns=["=a", "b", "@c"]) if rows else pd.DataFrame(
        columns=["=a", "b", "@c"])
    path = tmp_path_factory.mktemp("c") / "out.csv"
    csv_output.write_csv(path, frame)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    for row in back:
        for cell in row:
            assert not cell.startswith(_STARTS)


# --------------------------------------------------------------------------- fuzzing validate


_SCHEMAS = load_schemas()
_HEADERS = sorted({c.header for s in _SCHEMAS.lists.values() for c in s.columns}
                  | {h for s in _SCHEMAS.lists.values() for c in s.columns
                     for h in getattr(c, "also_accept", ())[:2]})
_CODES = sorted({v for codes in _SCHEMAS.codes.values() for v in codes.values})
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
_cell = st.one_of(
    st.none(),
    _text,
    st.sampled_from(_CODES),
    st.sampled_from(["Y", "N", "yes", "no", "TRUE", "0", "007", " C1 ", "31/02/2015",
                     "12/25/2015", "03/04/2019", "2019-04-03", "-1", "#N/A", "#REF!", "",
                     "=1+1", "45000", "1e308", "N/A", "unborn"]),
    st.integers(-10**15, 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3000)),
)


@st.composite
def _sheet(draw):
    schema = draw(st.sampled_from(sorted(_SCHEMAS.lists)))
    own = [c.header for c in _SCHEMAS.lists[schema].columns]
    headers = draw(st.lists(st.sampled_from(own + _HEADERS[:40] + ["Notes", "Child name"]),
                            min_size=1, max_size=14))
    n = draw(st.integers(0, 6))
    rows = [draw(st.lists(_cell, min_size=0, max_size=len(headers) + 1)) for _ in range(n)]
    return [headers, *rows]


@pytest.mark.slow
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.dictionaries(st.sampled_from(["List_6", "CP", "Sheet3", "List 1", "YOT", "Data"]),
                       _sheet(), min_size=1, max_size=3), st.integers(0, 2))
def test_validate_survives_any_workbook_and_points_at_real_cells(tmp_path_factory, sheets,
                                                                  title_rows):
    folder = tmp_path_factory.mktemp("fuzz")
    try:
        path = make_workbook(folder, sheets, title_rows=title_rows)
    except Exception:  # openpyxl refuses some values (e.g. out-of-range dates): not our input
        return
    try:
        report = validate_workbook(path, as_of=AS_OF)
    except JtaiError:
        return
    read = {s.name: s for s in read_workbook(path).sheets}
    lists = report.to_dict()["lists"]
    schema_headers = {c.header for s in _SCHEMAS.lists.values() for c in s.columns}
    for f in report.where():
        assert f["sheet"] in read or f["rule"] in ("no-lists-found",), f
        sheet = read.get(f["sheet"])
        info = lists.get(f["sheet"], {})
        if f["row"] is not None:
            # A formula with no saved value is a real cell the reader returns no value for.
            last = len(sheet.rows) if sheet is not None else 0
            if sheet is not None and f["rule"] == "formula-cell":
                last = max([last, *(r for r, _ in sheet.formula_cells)])
            assert sheet is not None and 1 <= f["row"] <= last, f
        if f["column"] is None:
            continue
        header_row = info.get("header_row")
        written = set()
        if sheet is not None and header_row:
            written = {str(v) for v in sheet.rows[header_row - 1] if v not in (None, "")}
        if f["row"] is None:
            assert f["column"] in written | schema_headers, f
        else:
            assert f["column"] in written, f
        if f["cell"]:
            col = "".join(ch for ch in f["cell"] if ch.isalpha())
            assert f["cell"] == f"{col}{f['row']}"


@pytest.mark.parametrize("number", [9.3e18, 1e300])
def test_a_number_beyond_int64_is_a_finding_not_a_crash(tmp_path, number):
    row = list(L6_ROWS[0])
    row[4] = number
    path = simple_xlsx(tmp_path / "n.xlsx", {"List_6": [L6, row]})
    report = validate_workbook(path, as_of=AS_OF)
    assert [f["cell"] for f in report.where(severity="error")] == ["E2"]


# --------------------------------------------------------------------------- no network


@pytest.mark.slow
def test_no_network_is_used(tmp_path):
    """Import the package and run the commands with every socket call raising."""
    path = sentinel_workbook(tmp_path)
    script = f"""
import socket, sys
def refuse(*args, **kwargs):
    raise RuntimeError("network access attempted")
class NoSocket(socket.socket):
    def __init__(self, *args, **kwargs):
        refuse()
socket.socket = NoSocket
socket.create_connection = refuse
socket.getaddrinfo = refuse
socket.socketpair = refuse
import jtai_cli
from jtai_cli import validate_workbook
report = validate_workbook({str(path)!r}, report_path={str(tmp_path / 'c.xlsx')!r})
assert not report.valid
from typer.testing import CliRunner
from jtai_cli.cli import app
r = CliRunner()
for args in (["validate", {str(path)!r}, "--format", "json"],
             ["summary", {str(path)!r}, "-o", {str(tmp_path / 's.html')!r}],
             ["template", "--option", "B", "-o", {str(tmp_path / 't.xlsx')!r}],
             ["timeline", "--notified", "2026-11-23"]):
    res = r.invoke(app, args)
    assert res.exit_code in (0, 1), (args, res.stdout, res.stderr, res.exception)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    assert "network access attempted" not in result.stderr


# --------------------------------------------------------------------------- issue 13


def test_debug_shows_the_frames_of_a_library_error_but_not_its_message(tmp_path, monkeypatch):
    import jtai_cli.checks as checks

    def broken(data):
        raise ValueError(f"cannot compare {SENTINEL_NAME}\x1b[2J")

    monkeypatch.setattr(checks, "run_checks", broken)
    result = runner.invoke(app, ["validate", str(sentinel_workbook(tmp_path)), "--debug"])
    assert result.exit_code == 4
    assert "Traceback (most recent call last)" in result.stderr
    assert "builtins.ValueError (message not shown" in result.stderr
    assert "in broken" in result.stderr  # the frames are there
    assert no_sentinel(result.stderr) and "\x1b" not in result.stderr


@pytest.mark.slow
def test_an_existing_file_jtai_did_not_write_is_kept_unless_force(tmp_path):
    from jtai_cli._files import written_by_jtai

    data = tmp_path / "lists.xlsx"
    shutil.copy(EXAMPLES / "lists_clean.xlsx", data)
    before = data.read_bytes()
    result = runner.invoke(app, ["template", "--option", "A", "-o", str(data)])
    assert result.exit_code == 3
    assert "jtai did not write it" in result.stderr.replace("\n", " ").replace("│", "")
    assert data.read_bytes() == before
    # jtai's own output may be replaced; --force replaces any file.
    ours = tmp_path / "blank.xlsx"
    for _ in range(2):
        assert runner.invoke(app, ["template", "--option", "A", "-o", str(ours)]).exit_code == 0
    assert written_by_jtai(ours) and not written_by_jtai(data)
    assert runner.invoke(app, ["template", "--option", "A", "-o", str(data),
                               "--force"]).exit_code == 0
    assert written_by_jtai(data)


def test_outputs_that_cannot_be_written_are_exit_3_with_the_path(tmp_path):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        out = locked / "blank.xlsx"
        result = runner.invoke(app, ["template", "--option", "A", "-o", str(out)])
        assert result.exit_code == 3
        assert "cannot write in the folder" in " ".join(result.stderr.split())
    finally:
        locked.chmod(0o700)


def test_a_device_or_pipe_as_output_is_refused(tmp_path):
    import os

    fifo = tmp_path / "out.xlsx"
    os.mkfifo(fifo)
    for out in (fifo, Path("/dev/null")):
        result = runner.invoke(app, ["template", "--option", "A", "-o", str(out), "--force"])
        assert result.exit_code == 3, result.stderr
        assert "not a regular file" in " ".join(result.stderr.split())


def test_a_full_disk_is_the_users_situation_not_a_bug(tmp_path, monkeypatch):
    import errno

    from jtai_cli import _files

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_files.os, "replace", full)
    result = runner.invoke(app, ["template", "--option", "A", "-o", str(tmp_path / "b.xlsx")])
    assert result.exit_code == 3
    assert "the disk is full" in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == []  # no part file left behind


def test_xlsxwriter_temp_files_go_in_a_private_folder_removed_on_interrupt(tmp_path,
                                                                          monkeypatch):
    import tempfile

    from jtai_cli.writing import xlsx_output

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with pytest.raises(KeyboardInterrupt), xlsx_output(tmp_path / "o.xlsx",
                                                       constant_memory=True) as wb:
        ws = wb.add_worksheet("S")
        for r in range(5000):
            ws.write_row(r, 0, [SENTINEL_ID, SENTINEL_NAME])
        folder = Path(wb.tmpdir)
        assert folder.parent == tmp_path / "tmp" and (folder.stat().st_mode & 0o077) == 0
        # The rows really went to a temporary file there, whose name is already removed: a
        # kill -9 now would leave no copy of them on disk (jtai_cli/_xlsx_rows.py).
        fh = ws.row_data_fh
        assert fh.tell() > 5000 * len(SENTINEL_ID) and Path(fh.name).parent == folder
        assert list(folder.iterdir()) == []
        raise KeyboardInterrupt
    assert list((tmp_path / "tmp").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


@pytest.mark.slow
def test_same_named_inputs_in_two_folders_get_two_highlighted_copies(tmp_path):
    from jtai_cli.exporting import export_annotated_workbook

    for area in ("north", "south"):
        (tmp_path / area).mkdir()
        shutil.copy(EXAMPLES / "lists_clean.xlsx", tmp_path / area / "lists.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    files = [tmp_path / "north" / "lists.xlsx", tmp_path / "south" / "lists.xlsx"]
    report = validate_workbook(files, separately=True)
    written = export_annotated_workbook(report, out)
    assert len({p.name for p in written}) == 2
    assert sorted(p.name for p in out.iterdir()) == ["lists (south).checked.xlsx",
                                                     "lists.checked.xlsx"]


@pytest.mark.slow
def test_merge_refuses_a_check_of_a_file_another_program_replaced(tmp_path, monkeypatch):
    from jtai_cli import merging
    from jtai_cli.errors import OutputRefused

    out = tmp_path / "merged.xlsx"
    real = merging.validate_workbook

    def swapped(path, **kw):
        Path(path).write_bytes((EXAMPLES / "lists_clean.xlsx").read_bytes())  # another program
        return real(path, **kw)

    monkeypatch.setattr(merging, "validate_workbook", swapped)
    with pytest.raises(OutputRefused, match="replaced or changed by another program"):
        merging.merge_workbooks([EXAMPLES / "lists_clean.xlsx"], out)


def test_a_workbook_written_from_unlinked_row_files_holds_every_row(tmp_path):
    import tempfile

    from jtai_cli.reading import read_workbook
    from jtai_cli.writing import xlsx_output

    (tmp_path / "tmp").mkdir()
    old = tempfile.tempdir
    tempfile.tempdir = str(tmp_path / "tmp")
    try:
        with xlsx_output(tmp_path / "o.xlsx", constant_memory=True) as wb:
            for name in ("A", "B"):
                ws = wb.add_worksheet(name)
                for r in range(3000):
                    ws.write_row(r, 0, [f"{name}{r}", r])
            wb.add_worksheet("Empty")
    finally:
        tempfile.tempdir = old
    book = read_workbook(tmp_path / "o.xlsx")
    rows = {s.name: s.rows for s in book.sheets}
    assert [r[0] for r in rows["B"]] == [f"B{r}" for r in range(3000)]
    assert rows["A"][-1][0] == "A2999" and not rows["Empty"]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_disk_that_fills_while_a_workbook_is_saved_is_exit_3(tmp_path, monkeypatch):
    import errno

    import xlsxwriter.workbook

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", full)
    result = runner.invoke(app, ["template", "--option", "A", "-o", str(tmp_path / "b.xlsx")])
    assert result.exit_code == 3, result.stderr
    assert "the disk is full" in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == []


def _killed_on_b(paths, as_of, today=None, schemas=None):
    """A folder worker that dies on b.xlsx as the kernel's out-of-memory killer would kill it
    (module level, so the process pool can send it to its workers)."""
    import os
    import signal

    from jtai_cli import validation

    if Path(paths[0]).name == "b.xlsx":
        os.kill(os.getpid(), signal.SIGKILL)
    return validation._validate_together(paths, as_of, schemas, None, today=today)[0], None


def test_a_folder_worker_killed_while_reading_is_exit_3_not_an_internal_error(tmp_path,
                                                                              monkeypatch):
    from jtai_cli import validation

    folder = tmp_path / "lists"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        shutil.copy(EXAMPLES / "lists_clean.xlsx", folder / name)
    monkeypatch.setattr(validation, "_validate_one", _killed_on_b)
    result = runner.invoke(app, ["validate", str(folder), "--workers", "2"])
    assert result.exit_code == 3, result.stdout + result.stderr
    assert "the process checking it stopped" in " ".join(result.stdout.split())
    assert "Traceback" not in result.stdout + result.stderr
