"""jtai's policies and the domain words defined once (``jtai_cli/policy.py``)."""

from __future__ import annotations

import re

from conftest import ROOT

from jtai_cli.cli.options import AnnexOption
from jtai_cli.policy import OPTIONS


def test_option_a_or_b_is_defined_once():
    """``Literal["A", "B"]`` is written in policy.py only; every other module imports it."""
    spelled = re.compile(r"""Literal\[\s*["']A["']\s*,\s*["']B["']\s*\]""")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for path in sorted((ROOT / "jtai_cli").rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if spelled.search(line)]
    assert [f.split(":")[0] for f in found] == ["jtai_cli/policy.py"], found


def test_the_command_line_choices_are_the_options():
    assert OPTIONS == ("A", "B")
    assert tuple(o.value for o in AnnexOption) == OPTIONS
