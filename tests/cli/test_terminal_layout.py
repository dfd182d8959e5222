"""The terminal output at 80, 100 and 120 columns: nothing cut, no slug or cell reference broken.

An analyst copies a rule's slug into ``jtai rules SLUG`` and a cell reference into Excel's Name
Box, so both must appear whole on one line whatever the width; and no line may be wider than
the terminal (rich crops it, and the Rule column was lost at 80 columns).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jtai_cli.cli import app

MESSY = Path(__file__).resolve().parents[2] / "examples" / "lists_messy.xlsx"
AS_OF = "23/11/2026"


def _run(*args: str, columns: int | None = None) -> str:
    env = {"COLUMNS": str(columns)} if columns else {}
    result = CliRunner(env=env).invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture(scope="module")
def findings() -> list[dict[str, object]]:
    out = _run("validate", str(MESSY), "--as-of", AS_OF, "--format", "json")
    found = json.loads(out)["findings"]
    return [f for f in found if f["severity"] in ("error", "warning")]


def _whole(token: str, text: str) -> bool:
    """True when the token stands on a line whole, not inside a longer word."""
    return re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", text) is not None


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_every_slug_and_cell_appears_whole(findings: list[dict[str, object]],
                                           columns: int) -> None:
    out = _run("validate", str(MESSY), "--as-of", AS_OF, columns=columns)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert all(line == line.rstrip() for line in lines), "no trailing spaces in piped output"
    assert findings, "the messy example has errors and warnings"
    for slug in {str(f["rule"]) for f in findings}:
        assert any(_whole(slug, line) for line in lines), (slug, columns)
    # a rule firing on 3 or more cells of one column is one line naming its first cell
    groups = Counter((f["file"], f["sheet"], f["column"], f["rule"]) for f in findings)
    for f in findings:
        if f["cell"] and groups[(f["file"], f["sheet"], f["column"], f["rule"])] < 3:
            assert any(_whole(str(f["cell"]), line) for line in lines), (f["cell"], columns)


def test_narrow_terminal_stacks_findings_under_their_cell() -> None:
    out = _run("validate", str(MESSY), "--as-of", AS_OF, columns=80)
    lines = out.splitlines()
    # the age error on List 1: "List 1 D146 · DOB · aged-18-or-over", the message indented
    at = next(i for i, line in enumerate(lines) if line.startswith("List 1 D146 "))
    assert lines[at].endswith("aged-18-or-over")
    assert lines[at + 1].startswith("    ") and "18" in lines[at + 1]
    assert "┃" not in "\n".join(lines[at - 3:at + 3]), "no table at 80 columns"


def test_wide_terminal_keeps_the_table() -> None:
    out = _run("validate", str(MESSY), "--as-of", AS_OF, columns=160)
    errors = out[out.index("Errors ("):]
    assert "┃ Rule" in errors and "What is wrong" in errors


def test_errors_come_before_the_header_mapping_which_is_one_line() -> None:
    out = _run("validate", str(MESSY), "--as-of", AS_OF, columns=120)
    assert out.index("Errors (") < out.index("Headers:")
    line = next(line for line in out.splitlines() if line.startswith("Headers:"))
    assert "'DOB' as 'Date of Birth'" in " ".join(out[out.index("Headers:"):].split())
    assert "only in case, spaces or quote marks" in " ".join(out.split())
    assert "Header in the file" not in out, line
    verbose = _run("validate", str(MESSY), "--as-of", AS_OF, "--verbose", columns=120)
    assert "Header in the file" in verbose
    assert "CHILD PROTECTION PLAN END DATE" in verbose  # a case-only change, listed with -v


def test_piped_output_follows_columns() -> None:
    narrow = _run("validate", str(MESSY), "--as-of", AS_OF, columns=60)
    assert max(len(line) for line in narrow.splitlines()) <= 60
    default = _run("validate", str(MESSY), "--as-of", AS_OF)
    assert max(len(line) for line in default.splitlines()) <= 120


def test_grammar_of_counts() -> None:
    out = _run("validate", str(MESSY), "--as-of", AS_OF, columns=120)
    assert not re.search(r"\b1 lines\b", out)


@pytest.mark.parametrize("command", ["validate", "summary", "merge", "shortlist", "filter",
                                     "export", "tracking", "rules", "timeline", "template",
                                     "serve"])
def test_help_names_values_plainly(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    text = result.stdout
    for internal in ("{files}", "<list[", "<str>", "<int range>", "<int>", "<path>"):
        assert internal not in text, (command, internal)


def test_usage_line_and_errors_in_plain_words() -> None:
    result = CliRunner().invoke(app, ["validate", "--help"])
    assert "Usage: jtai validate [OPTIONS] FILE..." in result.stdout
    assert "--as-of DATE" in result.stdout
    bad = CliRunner().invoke(app, ["validate", "x.xlsx", "--format", "yaml"])
    assert bad.exit_code == 2
    assert "Value error" not in bad.output and "'yaml' is not one of" in bad.output
    missing = CliRunner().invoke(app, ["shortlist", str(MESSY)])
    assert missing.exit_code == 2
    assert "\t" not in missing.output
    assert "Missing option '--option': choose from a, b." in missing.output
    low = CliRunner().invoke(app, ["validate", str(MESSY), "--workers", "0"])
    assert low.exit_code == 2 and "give 1 or more" in low.output


def test_schemas_show_says_rules_in_words() -> None:
    out = CliRunner(env={"COLUMNS": "400"}).invoke(app, ["schemas", "show",
                                                         "child_protection"]).stdout
    flat = " ".join(out.split())
    for internal in ("allow_future", "at_least", "not_before", "only_with", "True"):
        assert internal not in flat, internal
    assert "may be after the as-of date" in flat and "-1 or more" in flat
    as_json = CliRunner().invoke(app, ["schemas", "show", "child_protection", "--json"]).stdout
    assert "allow_future" in as_json  # the internals stay for scripts
