"""policy.MIX_RULE: its prose names lists and age bands; they must stay those jtai knows.

The rule is plain text, not built from the schemas: ``jtai --help`` quotes it, and building it
would load every schema file (pydantic and YAML) on each ``--help``. This test is what keeps
the words true instead.
"""

from __future__ import annotations

import re

from jtai_cli.children import AGE_BANDS
from jtai_cli.policy import MIX_RULE
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
