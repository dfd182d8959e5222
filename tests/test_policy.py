"""policy: jtai's own rules in words, and the domain words defined once there.

MIX_RULE's prose names lists and age bands; they must stay those jtai knows. The rule is plain
text, not built from the schemas: ``jtai --help`` quotes it, and building it would load every
schema file (pydantic and YAML) on each ``--help``. This test is what keeps the words true
instead. Option A/B is defined once, in policy.py.
"""

from __future__ import annotations

import re

from conftest import ROOT

from jtai_cli.children import AGE_BANDS
from jtai_cli.cli.options import AnnexOption
from jtai_cli.policy import MIX_RULE, OPTIONS
from jtai_cli.schemas import load_schemas
from jtai_cli.shortlisting import parse_wants


def _named(label: str) -> list[str]:
    m = re.search(rf"{label} \(([^)]*)\)", MIX_RULE)
    assert m, f"MIX_RULE no longer names {label!r} in brackets"
    return [w.strip() for w in m.group(1).split(",")]


def test_the_lists_the_mix_rule_names_are_the_lists_with_flagged_children_and_agencies():
    words = _named("a list")
    wants = parse_wants(words)
    assert [w.kind for w in wants] == ["list"] * len(words), wants
    schemas = load_schemas()
    meant = {name for name, s in schemas.lists.items()
             if s.kind == "case" and (s.by_role("csa_flag") is not None or s.agency)}
    # parse_wants answers with labels ("List 8", "YOT list"); the schema names they stand for:
    assert {w.value for w in parse_wants(sorted(meant))} == {w.value for w in wants}


def test_the_age_bands_the_mix_rule_names_are_the_age_bands():
    assert tuple(_named("an age band")) == tuple(b.casefold() for b in AGE_BANDS)


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
