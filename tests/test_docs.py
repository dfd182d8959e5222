"""The README and --help stay true: every command has help with an example, every command and
option the README names exists, and the README's example commands run as it says."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from jtai_cli.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def command_tree():
    """(path, command) for every command and group, e.g. (("schemas", "show"), cmd)."""
    root = typer.main.get_command(app)

    def walk(cmd, path):
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, (*path, name))

    return list(walk(root, ()))


LEAVES = [(p, c) for p, c in command_tree() if p and not hasattr(c, "commands")]


def options_of(cmd) -> set[str]:
    return {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}


def find(path: tuple[str, ...]):
    return dict(command_tree()).get(path)


def readme_commands() -> list[str]:
    """Every ``jtai ...`` the README shows, from code spans and code blocks."""
    found: list[str] = []
    for block in re.findall(r"```(?:bash|sh|console)?\n(.*?)```", README, re.S):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("jtai "):
                    found.append(part)
    for span in re.findall(r"`(jtai [^`]+)`", README):
        found.extend(s.strip() for s in span.split(" / ") if s.strip().startswith("jtai "))
    return found


def split_command(text: str) -> tuple[tuple[str, ...], list[str]]:
    """The command path and the rest of a README command."""
    words = shlex.split(text.replace("\\|", "|"))[1:]
    path: tuple[str, ...] = ()
    while words and find((*path, words[0])) is not None:
        path = (*path, words.pop(0))
    return path, words


@pytest.mark.slow
@pytest.mark.parametrize(("path", "cmd"), command_tree(), ids=lambda x: " ".join(x)
                         if isinstance(x, tuple) else "")
def test_every_command_has_help(path, cmd):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Usage:" in result.stdout
    assert (cmd.help or "").strip(), f"jtai {' '.join(path)} has no help text"
    assert runner.invoke(app, [*path, "-h"]).stdout == result.stdout


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=lambda x: " ".join(x)
                         if isinstance(x, tuple) else "")
def test_every_command_help_ends_with_a_real_example(path, cmd):
    help_text = " ".join((cmd.help or "").split())
    m = re.search(r"Example: (jtai .+?)$", help_text)
    assert m, f"jtai {' '.join(path)}: its docstring should end with 'Example: jtai ...'"
    example_path, words = split_command(m.group(1))
    assert example_path == path
    for word in words:
        if word.startswith("-"):
            assert word.split("=")[0] in options_of(cmd), (path, word)


@pytest.mark.slow
def test_every_command_the_readme_names_exists_with_its_options():
    commands = readme_commands()
    assert any(c.startswith("jtai validate") for c in commands)
    for text in commands:
        path, words = split_command(text)
        # jtai's own options (--version, --install-completion) stand without a command
        assert path or words[0].startswith("-"), f"README names a command jtai does not have: {text}"
        cmd = find(path)
        for word in words:
            for flag in re.findall(r"(--[a-z][a-z\-]*|(?<![\w-])-[a-zA-Z]\b)", word):
                assert flag in options_of(cmd), f"README: '{text}' uses {flag}"


@pytest.mark.slow
def test_the_readme_lists_every_command():
    named = {split_command(c)[0][:1] for c in readme_commands()}
    missing = [p[0] for p, _ in LEAVES if (p[0],) not in named]
    assert missing == []


@pytest.fixture
def example_dir(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _runnable(text: str) -> bool:
    """A README command whose every file argument is a real example file (no placeholders)."""
    path, words = split_command(text)
    if not path or any(ch in text for ch in "[]|…"):
        return False
    if path[0] == "serve":  # runs until Ctrl-C: tests/test_serve.py starts it itself
        return False
    files = [w for w in words if re.search(r"\.(xlsx|xlsm|csv|ods|xls)$", w)
             and not w.startswith("-")]
    return all(f.startswith("examples/") or f.endswith("-checked.xlsx") for f in files)


@pytest.mark.slow
def test_readme_example_commands_run_as_described(example_dir):
    runnable = [c for c in readme_commands() if _runnable(c)]
    assert "jtai validate examples/lists_messy.xlsx --report lists_messy-checked.xlsx" in runnable
    assert "jtai validate examples/lists_clean.xlsx" in runnable
    for text in runnable:
        result = runner.invoke(app, shlex.split(text)[1:])
        # The README says: the messy example ends with exit code 1, the clean one with 0.
        expected = 1 if "messy" in text else 0
        assert result.exit_code == expected, (text, result.stdout[-2000:], result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
    assert (example_dir / "lists_messy-checked.xlsx").exists()


def _readme_block() -> str:
    m = re.search(r"```text\n(Checked .*?)```", README, re.S)
    assert m, "the README shows a trimmed run of validate"
    return m.group(1)


@pytest.mark.slow
def test_readme_trimmed_run_has_the_shape_of_the_real_one(example_dir):
    block = _readme_block()
    result = runner.invoke(app, ["validate", "examples/lists_messy.xlsx"],
                           env={"COLUMNS": "200"})
    out = result.stdout
    first = block.splitlines()[0]
    # Each list on its own extraction: the untitled sheets get their own window (issue 23).
    assert out.splitlines()[0] == first
    for phrase in ("Lists found", "Errors (", "NOT VALID: fix the errors above before sending"):
        assert phrase in block and phrase in out
    for rule in set(re.findall(r"\b([a-z]+(?:-[a-z0-9]+)+)\s*$", block, re.M)):
        assert rule in out, rule


@pytest.mark.slow
def test_readme_trimmed_run_cells_are_real(example_dir):
    from jtai_cli import validate_workbook

    report = validate_workbook("examples/lists_messy.xlsx")
    real = {(f["sheet"], f["cell"], f["rule"]) for f in report.where()}
    block = _readme_block()
    # The first list's date and why, as the README's "Judged on" line gives them.
    first = report.as_of_source.split("; ")[0]
    assert f"Judged on: {first}; ..." in block
    shown = re.findall(r"^ (\S+(?: \d)?)\s+([A-Z]+\d+)\s.*?\s([a-z]+(?:-[a-z0-9]+)+)\s*$",
                       block, re.M)
    assert len(shown) >= 2
    for sheet, cell, rule in shown:
        assert (sheet, cell, rule) in real, (sheet, cell, rule)


def test_exit_codes_in_the_readme_match_the_tool():
    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", README, re.M))
    assert set(table) == {"0", "1", "2", "3", "4"}
    top = runner.invoke(app, ["--help"]).stdout
    assert "Exit codes: 0 all well, 1 errors in the data, 2 usage error, 3 input unusable, 4 " \
           "internal error." in " ".join(top.split())


def test_data_safety_section_says_what_is_promised_and_where_it_is_tested():
    m = re.search(r"^## Data safety\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert m, "README has a Data safety section"
    section = " ".join(m.group(1).split())
    for promise in ("never changed", "temporary file", "exit code 3", "password-protected",
                    "zip bomb", "formula", "macro", "hidden", "1,048,576", "network",
                    "Zebedee Quuxington", "hypothesis"):
        assert promise in section, promise
    for test_file in re.findall(r"`(tests/[\w/]+\.py)`", section):
        assert (ROOT / test_file).exists(), test_file
