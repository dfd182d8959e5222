"""Scripting conventions every command shares (issue 17), through typer's runner and through a
real process: --version, '-' for stdin, -o - for stdout, JSON errors, schema_version, one
spelling per idea, -q, list names, completion, settings files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path

import jsonschema
import openpyxl
import pytest
import typer
from builders import make_csv
from conftest import EXAMPLES, ROOT, sha256
from typer.main import get_command
from typer.testing import CliRunner

from jtai_cli import JtaiError, __version__
from jtai_cli.cli import app, stdio
from jtai_cli.cli.jsonout import SCHEMA_VERSION, wants_json
from jtai_cli.reporting import SCHEMA_VERSION as REPORT_SCHEMA_VERSION

runner = CliRunner()
CLEAN = EXAMPLES / "lists_clean.xlsx"
MESSY = EXAMPLES / "lists_messy.xlsx"
JTAI = Path(sys.executable).with_name("jtai")  # the console script of this environment


def jtai(*args: str, stdin: bytes | None = None, cwd: Path | None = None,
         module: str = "jtai_cli", env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[bytes]:
    """Run jtai in a real process (python -m), as a nightly script would."""
    return subprocess.run([sys.executable, "-m", module, *args], input=stdin,
                          capture_output=True, cwd=cwd, timeout=300,
                          env={**os.environ, **(env or {})})


def schema(document: str) -> dict:
    name = {"report": "validate-report.schema.json", "error": "error.schema.json"}[document]
    text = resources.files("jtai_cli").joinpath("json_schemas", name).read_text("utf-8")
    return json.loads(text)


def check(doc: dict, document: str) -> None:
    jsonschema.Draft202012Validator(
        schema(document), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(doc)


def contacts_with_a_warning(tmp_path: Path) -> Path:
    """A valid list with one warning (a column the template does not have)."""
    return make_csv(tmp_path, "contacts.csv", [
        ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
         "If unborn: expected date of birth", "Age of Child (Years)", "Date of Contact",
         "Contact Source", "Notes"],
        ["C1", "a) Male", "a) WBRI", "01/02/2015", "", "11", "01/11/2026", "1A) Individual",
         "x"],
    ])


# --------------------------------------------------------------------------- --version


def test_version_is_defined_once_and_printed_by_both_spellings():
    assert metadata.version("jtai") == __version__
    for flag in ("--version", "-V"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0
        assert result.stdout == f"jtai {__version__}\n"


@pytest.mark.slow
def test_version_in_a_real_process_through_every_entry_point():
    assert JTAI.exists(), "the jtai console script is installed beside this python"
    script = subprocess.run([str(JTAI), "-V"], capture_output=True, timeout=120)
    assert script.returncode == 0 and script.stdout == f"jtai {__version__}\n".encode()
    for module in ("jtai_cli", "jtai"):
        proc = jtai("--version", module=module, cwd=Path("/"))  # not the checkout: installed
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == f"jtai {__version__}\n".encode()


@pytest.mark.slow
def test_python_m_jtai_runs_commands_like_python_m_jtai_cli():
    a = jtai("schemas", "show", "6", "--format", "json", module="jtai")
    b = jtai("schemas", "show", "6", "--format", "json", module="jtai_cli")
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout and json.loads(a.stdout)["name"] == "children_in_need"


# --------------------------------------------------------------------------- --help is light


@pytest.mark.slow
def test_help_and_argument_errors_import_neither_pandas_nor_rich():
    """jtai --help answers at once: it never imports pandas (0.5 s) or rich. Checked by what is
    imported, not by timing (the README gives measured times)."""
    code = ("import sys\n"
            "from jtai_cli.cli import app\n"
            "for args in (['--help'], ['validate', '--help'], ['validate'], "
            "['validate', 'x.xlsx', '--as-of', '31/02/2026'], ['timeline', '--option', 'C'], "
            "['validate', '--bogus', '-f', 'json']):\n"
            "    try:\n"
            "        app(args, prog_name='jtai')\n"
            "    except SystemExit:\n"
            "        pass\n"
            "heavy = sorted(m for m in ('pandas', 'numpy', 'rich', 'pandera', 'openpyxl') "
            "if m in sys.modules)\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert b"HEAVY []" in proc.stderr, proc.stderr.decode()[-2000:]


def test_public_api_is_still_importable_by_name():
    import jtai_cli

    assert "validate_workbook" in jtai_cli.__all__ and "validate_workbook" in dir(jtai_cli)
    assert jtai_cli.validate_workbook.__name__ == "validate_workbook"
    with pytest.raises(AttributeError):
        jtai_cli.no_such_thing  # noqa: B018


# --------------------------------------------------------------------------- stdin and stdout


@pytest.mark.slow
def test_dash_reads_a_workbook_from_stdin_as_if_it_were_the_file():
    data = CLEAN.read_bytes()
    result = runner.invoke(app, ["validate", "-", "--format", "json"], input=data)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    from_file = json.loads(runner.invoke(app, ["validate", str(CLEAN), "-f", "json"]).stdout)
    assert doc["files"] == ["stdin"] and doc["valid"] is True
    assert doc["summary"] == from_file["summary"]
    assert {s["list"] for s in doc["lists"].values()} == {
        s["list"] for s in from_file["lists"].values()}


@pytest.mark.slow
def test_dash_in_a_real_pipe_csv_and_the_private_copy_is_removed(tmp_path):
    src = contacts_with_a_warning(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = jtai("validate", "-", "--format", "json", "--as-of", "2026-11-23",
                stdin=src.read_bytes(), env={"TMPDIR": str(tmp)})
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["files"] == ["stdin"]
    assert [f["rule"] for f in doc["findings"] if f["severity"] == "warning"] == [
        "column-unknown"]
    assert list(tmp.iterdir()) == []  # the copy of standard input is gone


def test_stdin_is_bounded_and_unusable_stdin_is_exit_3_in_json():
    with pytest.raises(typer.Exit) as info, stdio.stdin_inputs(
            [Path("-")], stream=io.BytesIO(b"x" * 100), limit=10, as_json=True):
        pass
    assert info.value.exit_code == 3
    result = runner.invoke(app, ["validate", "-", "-f", "json"], input=b"\x00\x01garbage")
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    check(doc, "error")
    assert doc["error"]["kind"] == "workbook-unreadable" and doc["error"]["file"] == "stdin"
    assert "/tmp" not in doc["error"]["message"]  # the private copy's path is not shown
    result = runner.invoke(app, ["validate", "-", "-"], input=b"")
    assert result.exit_code == 2


@pytest.mark.slow
def test_dash_o_writes_csv_to_stdout_and_is_refused_for_workbooks(tmp_path):
    args = ["filter", str(CLEAN), "--list", "6", "--ids", "0799515,0986035", "-o", "-"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0][0] == "Child Unique ID"
    assert sorted(r[0] for r in rows[1:]) == ["0799515", "0986035"]
    proc = jtai(*args)
    assert proc.returncode == 0
    assert proc.stdout.decode("utf-8-sig").splitlines() == result.stdout.lstrip(
        "\ufeff").splitlines()
    for cmd in (["validate", str(CLEAN), "-o", "-"], ["merge", str(CLEAN), "-o", "-"],
                ["template", "--option", "A", "-o", "-"]):
        refused = runner.invoke(app, cmd)
        assert refused.exit_code == 2 and "standard output" in refused.stderr, cmd
    # -o - and --format json would both print on stdout: refused, in JSON
    both = runner.invoke(app, [*args, "--format", "json"])
    assert both.exit_code == 2 and json.loads(both.stdout)["error"]["kind"] == "usage"


def test_timeline_calendar_to_stdout():
    result = runner.invoke(app, ["timeline", "--notified", "2026-11-23", "-o", "-"])
    assert result.exit_code == 0
    assert result.stdout.startswith("BEGIN:VCALENDAR") and "END:VCALENDAR" in result.stdout


# --------------------------------------------------------------------------- JSON


@pytest.mark.slow
def test_unusable_input_is_a_json_error_document_with_exit_3(tmp_path):
    bad = tmp_path / "lists.xlsx"
    bad.write_bytes(b"\x00\x01\x02 not a workbook \xff\xfe" * 20)
    missing = tmp_path / "nowhere.xlsx"
    for path, kind in ((bad, "workbook-unreadable"), (missing, "file-not-found")):
        result = runner.invoke(app, ["validate", str(path), "--format", "json"])
        assert result.exit_code == 3, result.output
        doc = json.loads(result.stdout)
        check(doc, "error")
        assert doc["error"]["kind"] == kind and doc["error"]["file"] == str(path)
        proc = jtai("validate", str(path), "--format", "json")
        assert proc.returncode == 3 and json.loads(proc.stdout) == doc
        assert proc.stderr == b""  # nothing but the JSON document


@pytest.mark.slow
def test_usage_errors_are_json_too_when_json_was_asked_for():
    for args in (["validate", "x.xlsx", "--bogus", "--format", "json"],
                 ["validate", "x.xlsx", "--as-of", "31/02/2026", "--json"],
                 ["timeline", "--notified", "2026-11-23", "--option", "C", "-f", "json"],
                 ["schemas", "show", "no-such-list", "--format", "json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        doc = json.loads(result.stdout)
        check(doc, "error")
        assert doc["error"]["kind"] == "usage"
    proc = jtai("merge", "x.xlsx", "--format=json")  # -o is missing
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["message"].startswith("Missing option")
    # without JSON asked for, typer's usual message on stderr
    plain = jtai("validate", "--bogus")
    assert plain.returncode == 2 and plain.stdout == b"" and b"No such option" in plain.stderr


def test_wants_json_reads_every_spelling():
    assert wants_json(["validate", "x", "--format", "JSON"])
    assert wants_json(["validate", "x", "-fjson"]) and wants_json(["x", "--format=json"])
    assert wants_json(["x", "--json"]) and not wants_json(["x", "--format", "text"])
    assert not wants_json(["x", "--", "--json"])


@pytest.mark.slow
def test_every_json_document_carries_schema_version(tmp_path):
    assert SCHEMA_VERSION == REPORT_SCHEMA_VERSION
    commands = [
        ["validate", str(CLEAN)], ["schemas", "list"], ["schemas", "show", "yot"],
        ["schemas", "codes"], ["schemas", "codes", "gender"],
        ["timeline", "--notified", "2026-11-23"],
        ["filter", str(CLEAN), "--csa-only", "-o", str(tmp_path / "f.xlsx")],
        ["tracking", str(CLEAN), "--ids", "0799515", "-o", str(tmp_path / "t.xlsx")],
    ]
    for args in commands:
        result = runner.invoke(app, [*args, "--format", "json"])
        assert result.exit_code in (0, 1), (args, result.output)
        assert json.loads(result.stdout)["schema_version"] == SCHEMA_VERSION, args


@pytest.mark.slow
def test_real_reports_match_the_published_json_schema(tmp_path):
    for path, code in ((CLEAN, 0), (MESSY, 1)):
        proc = jtai("validate", str(path), "--format", "json")
        assert proc.returncode == code
        check(json.loads(proc.stdout), "report")
    # several files checked separately, one of them unusable: still the same schema
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    result = runner.invoke(app, ["validate", str(CLEAN), str(bad), "--each", "--workers", "1",
                                 "-f", "json"])
    doc = json.loads(result.stdout)
    check(doc, "report")
    assert result.exit_code == 3 and doc["unusable_files"]


@pytest.mark.slow
def test_the_schema_rejects_a_report_that_drifted():
    doc = json.loads(runner.invoke(app, ["validate", str(MESSY), "-f", "json"]).stdout)
    doc["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        check(doc, "report")


def test_json_schema_command_prints_the_shipped_files():
    for document in ("report", "error"):
        result = runner.invoke(app, ["schemas", "json-schema", document])
        assert result.exit_code == 0
        assert json.loads(result.stdout) == schema(document)
        jsonschema.Draft202012Validator.check_schema(schema(document))
    assert json.loads(runner.invoke(app, ["schemas", "json-schema"]).stdout) == schema("report")


# --------------------------------------------------------------------------- one spelling


def _commands() -> dict[str, object]:
    group = get_command(app)
    out = {}
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(cmd, "commands"):
            for sub, subcmd in cmd.commands.items():
                out[f"{name} {sub}"] = subcmd
        else:
            out[name] = cmd
    return out


def _option(cmd: object, name: str) -> object | None:
    for p in cmd.params:  # type: ignore[attr-defined]
        if name in p.opts:
            return p
    return None


def test_every_command_that_prints_has_quiet_and_output_is_dash_o():
    commands = _commands()
    # json-schema prints the schema and nothing else: -q would print nothing at all
    for name, cmd in commands.items():
        if name != "schemas json-schema":
            assert _option(cmd, "-q") is _option(cmd, "--quiet") is not None, name
    for name in ("validate", "merge", "filter", "export", "template", "tracking", "shortlist",
                 "timeline", "summary"):
        out = _option(commands[name], "-o")
        assert out is not None and "--output" in out.opts, name  # type: ignore[attr-defined]
    # today's spellings stay as aliases
    assert {"--report", "-r"} <= set(_option(commands["validate"], "-o").opts)  # type: ignore
    assert "--ics" in _option(commands["timeline"], "-o").opts  # type: ignore[union-attr]


@pytest.mark.slow
def test_option_a_b_is_one_case_insensitive_choice_everywhere():
    commands = _commands()
    with_option = [n for n, c in commands.items() if _option(c, "--option") is not None]
    assert sorted(with_option) == ["export", "shortlist", "summary", "template", "timeline"]
    for name in with_option:
        help_text = runner.invoke(app, [*name.split(), "--help"]).stdout.lower()
        assert "a|b" in help_text, name
        wrong = runner.invoke(app, [*name.split(), "--option", "C"])
        assert wrong.exit_code == 2 and "'c' is not one of" in wrong.stderr.lower(), name
    for value in ("a", "B"):
        result = runner.invoke(app, ["timeline", "--notified", "2026-11-23", "--option", value,
                                     "-f", "json"])
        assert result.exit_code == 0
        assert json.loads(result.stdout)["option"] == value.upper()


@pytest.mark.slow
def test_quiet_prints_nothing_on_success(tmp_path):
    for args in (["template", "--option", "b", "-o", str(tmp_path / "t.xlsx")],
                 ["schemas", "list"], ["schemas", "codes", "ethnicity"],
                 ["timeline", "--notified", "2026-11-23"], ["validate", str(CLEAN)]):
        result = runner.invoke(app, [*args, "-q"])
        assert result.exit_code == 0 and result.stdout == "", args
    assert (tmp_path / "t.xlsx").exists()


@pytest.mark.slow
def test_ids_takes_a_list_or_a_file_everywhere(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("0799515\n0986035\n", encoding="utf-8")
    before = sha256(ids)
    outs = {}
    for value in ("0799515,0986035", str(ids)):
        out = tmp_path / f"{len(outs)}.csv"
        result = runner.invoke(app, ["filter", str(CLEAN), "-l", "6", "--ids", value, "-o",
                                     str(out), "-f", "json"])
        assert result.exit_code == 0, result.output
        outs[value] = out.read_text("utf-8-sig")
        t = runner.invoke(app, ["tracking", str(CLEAN), "--ids", value, "-o",
                                str(tmp_path / f"t{len(outs)}.xlsx"), "-f", "json"])
        assert t.exit_code == 0 and len(json.loads(t.stdout)["children"]) == 2
    a, b = outs.values()
    assert a == b and a.count("\n") == 3
    assert sha256(ids) == before  # read, never written


@pytest.mark.slow
def test_output_alias_writes_the_highlighted_copy(tmp_path):
    def cells(ws):  # rows as written, without the empty cells a row may end in
        return [list(row[:max((i + 1 for i, v in enumerate(row) if v is not None), default=0)])
                for row in ws.iter_rows(values_only=True)]

    source = openpyxl.load_workbook(CLEAN, read_only=True)
    list6 = cells(source["List_6"])
    for flag in ("-o", "--report"):
        out = tmp_path / f"checked{flag}.xlsx"
        result = runner.invoke(app, ["validate", str(CLEAN), flag, str(out), "-q"])
        assert result.exit_code == 0, flag
        copy = openpyxl.load_workbook(out, read_only=True)
        assert copy.sheetnames == ["Issues", "By rule", "Coerced", *source.sheetnames], flag
        assert cells(copy["List_6"]) == list6 and len(list6) > 2, flag


# --------------------------------------------------------------------------- list names


def test_a_list_is_named_the_same_way_everywhere():
    views = [json.loads(runner.invoke(app, ["schemas", "show", name, "-f", "json"]).stdout)
             for name in ("6", "list-6", "List 6", "children_in_need", "CIN")]
    assert all(v == views[0] for v in views) and views[0]["name"] == "children_in_need"
    eight = runner.invoke(app, ["schemas", "show", "8"])
    assert eight.exit_code == 2 and "children_in_care_reduced" in eight.stderr


@pytest.mark.slow
def test_codes_prints_a_code_list():
    result = runner.invoke(app, ["schemas", "codes", "ethnicity"])
    assert result.exit_code == 0
    assert "a) WBRI" in result.stdout and "White British" in result.stdout
    doc = json.loads(runner.invoke(app, ["schemas", "codes", "Ethnicity", "-f", "json"]).stdout)
    assert doc["name"] == "ethnicity" and doc["codes"][0]["code"] == "WBRI"
    proc = jtai("schemas", "codes", "gender")
    assert proc.returncode == 0 and b"Male" in proc.stdout
    assert runner.invoke(app, ["schemas", "codes", "nope"]).exit_code == 2


# --------------------------------------------------------------------------- completion


@pytest.mark.slow
def test_shell_completion_can_be_shown_and_installed():
    help_text = runner.invoke(app, ["--help"]).stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text
    # --show-completion names the shell it is run from (typer asks shellingham, which looks at
    # the parent processes), so it runs from bash here: run from pytest started by no shell
    # (a detached job), it would find none and say "Shell  not supported".
    # (Not bash's last command, which bash would replace itself with.)
    proc = subprocess.run(["bash", "-c", f"{shlex.quote(str(JTAI))} --show-completion; exit $?"],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0 and b"_jtai_completion" in proc.stdout
    assert b"complete " in proc.stdout


# --------------------------------------------------------------------------- settings file


@pytest.mark.slow
def test_settings_file_gives_defaults_and_the_command_line_wins(tmp_path, monkeypatch):
    src = contacts_with_a_warning(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ["validate", str(src), "-q"]
    assert runner.invoke(app, [*args, "--as-of", "2026-11-23"]).exit_code == 0
    (tmp_path / "jtai.toml").write_text('as-of = "2026-11-23"\n[validate]\nfail-on = "warning"\n',
                                        encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "1 warning (--fail-on warning)" in result.stderr
    assert runner.invoke(app, [*args, "--fail-on", "error"]).exit_code == 0
    doc = json.loads(runner.invoke(app, ["validate", str(src), "-f", "json"]).stdout)
    assert doc["as_of"] == "2026-11-23" and doc["as_of_source"] == "given"
    doc = json.loads(runner.invoke(app, ["validate", str(src), "-f", "json", "--as-of",
                                         "01/11/2026"]).stdout)
    assert doc["as_of"] == "2026-11-01"
    # the same in a real process started in that folder
    proc = jtai("validate", str(src), "-q", cwd=tmp_path)
    assert proc.returncode == 1


def test_settings_in_pyproject_and_mistakes_in_the_file(tmp_path, monkeypatch):
    src = contacts_with_a_warning(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.jtai.validate]\nfail-on = "warning"\n', encoding="utf-8")
    args = ["validate", str(src), "-q", "--as-of", "2026-11-23"]
    assert runner.invoke(app, args).exit_code == 1
    (tmp_path / "jtai.toml").write_text('fail-on = "sometimes"\n', encoding="utf-8")
    assert runner.invoke(app, args).exit_code == 2  # jtai.toml wins, and its value is checked
    (tmp_path / "jtai.toml").write_text('fial-on = "warning"\n', encoding="utf-8")
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 2
    assert "unknown setting 'fial-on'" in json.loads(result.stdout)["error"]["message"]
    (tmp_path / "jtai.toml").write_text("[validate\n", encoding="utf-8")
    assert runner.invoke(app, args).exit_code == 2
    (tmp_path / "jtai.toml").write_text("[timeline]\nfail-on = 'warning'\n", encoding="utf-8")
    assert "not a setting of 'timeline'" in runner.invoke(app, args).stderr


def test_the_checkout_is_not_a_settings_file():
    """The repository's own pyproject.toml has no [tool.jtai]: running tests here is clean."""
    assert "[tool.jtai" not in (ROOT / "pyproject.toml").read_text("utf-8")


@pytest.mark.slow
def test_the_same_spellings_in_a_real_process(tmp_path):
    ics = tmp_path / "jtai.ics"
    proc = jtai("timeline", "--notified", "23/11/2026", "--option", "b", "--ics", str(ics), "-q")
    assert proc.returncode == 0 and proc.stdout == b"" and ics.read_text("utf-8").startswith(
        "BEGIN:VCALENDAR")
    proc = jtai("timeline", "--notified", "2026-11-23", "--option", "B", "-o", "-")
    sealed = re.sub(rb"X-JTAI-SEAL:[^\r]*\r\n", b"", ics.read_bytes())  # the file's seal only
    assert proc.stdout == sealed  # CRLF lines, as RFC 5545 asks
    assert jtai("schemas", "list", "-q").stdout == b""
    ids = tmp_path / "ids.txt"
    ids.write_text("0799515\n", encoding="utf-8")
    proc = jtai("tracking", str(CLEAN), "--ids", str(ids), "-o", str(tmp_path / "t.xlsx"),
                "--format", "json")
    children = json.loads(proc.stdout)["children"]
    assert proc.returncode == 0 and [c["child_id"] for c in children] == ["0799515"]
    schema_text = jtai("schemas", "json-schema", "error").stdout
    assert json.loads(schema_text) == schema("error")


@pytest.mark.slow
def test_summary_page_to_stdout():
    result = runner.invoke(app, ["summary", str(CLEAN), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().lower().startswith("<!doctype html")
    assert result.stdout.rstrip().endswith("</html>")


@pytest.mark.slow
def test_skip_lists_leaves_their_findings_out_from_the_settings_file_and_the_option(
        tmp_path, monkeypatch):
    """issue 17: lists to skip live in jtai.toml; --skip-list on the command line adds to
    nothing else (it wins); the skipped lists are still identified and noted."""
    from jtai_cli import validate_workbook

    messy = ROOT / "examples" / "lists_messy.xlsx"
    full = validate_workbook(messy, as_of="2026-11-23")
    part = validate_workbook(messy, as_of="2026-11-23", skip_lists=["contacts", "3"])
    lists = set(full.findings["list"])
    assert {"contacts", "referrals"} <= lists
    assert not {"contacts", "referrals"} & set(part.findings["list"])
    assert len(part.findings) == len(full.findings[~full.findings["list"].isin(
        ["contacts", "referrals"])])
    noted = {s.list: s.note for s in part.sheets}
    assert "skip_lists" in (noted["contacts"] or "") and "skip_lists" in (noted["referrals"] or "")
    with pytest.raises(JtaiError, match="no list called 'nope'"):
        validate_workbook(messy, skip_lists=["nope"])

    monkeypatch.chdir(tmp_path)
    (tmp_path / "jtai.toml").write_text('[validate]\nskip-lists = ["contacts"]\n', "utf-8")
    res = runner.invoke(app, ["validate", str(messy), "--as-of", "2026-11-23", "--format",
                              "json"])
    doc = json.loads(res.stdout)
    assert "contacts" not in {f["list"] for f in doc["findings"]}
    assert "referrals" in {f["list"] for f in doc["findings"]}
    # the command line wins over the file
    res = runner.invoke(app, ["validate", str(messy), "--as-of", "2026-11-23", "--format",
                              "json", "--skip-list", "referrals"])
    found = {f["list"] for f in json.loads(res.stdout)["findings"]}
    assert "contacts" in found and "referrals" not in found


def test_settings_file_option_key_types_option_a_b_for_the_commands_that_have_it(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jtai.toml").write_text('option = "a"\n', "utf-8")
    res = runner.invoke(app, ["timeline", "--notified", "2026-11-23", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["option"] == "A"
    res = runner.invoke(app, ["timeline", "--notified", "2026-11-23", "--format", "json",
                              "--option", "B"])
    assert json.loads(res.stdout)["option"] == "B"  # the command line wins
    (tmp_path / "jtai.toml").write_text('option = "C"\n', "utf-8")
    res = runner.invoke(app, ["timeline", "--notified", "2026-11-23", "--format", "json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["error"]["kind"] == "usage"


# --------------------------------------------------------------------------- the waiting parent


def test_the_waiting_parent_exits_at_once_with_the_childs_code_and_output():
    """The parent that forked the command exits with ``os._exit`` (no teardown), after
    flushing: every exit code and every line of output still arrives."""
    ok = jtai("validate", str(CLEAN), "--as-of", "2026-11-23", "-q")
    assert ok.returncode == 0 and ok.stdout == b"" and ok.stderr == b""
    bad = jtai("validate", str(ROOT / "examples" / "lists_messy.xlsx"), "--as-of",
               "2026-11-23", "-f", "json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["valid"] is False  # the whole document, flushed
    usage = jtai("validate")
    assert usage.returncode == 2 and b"Missing argument" in usage.stderr


def test_exit_now_is_an_ordinary_exit_where_nothing_was_forked():
    from jtai_cli import _bounded

    assert _bounded._waited is False  # pytest's own process forked no command
    with pytest.raises(SystemExit) as exc:
        _bounded.exit_now(3)
    assert exc.value.code == 3
