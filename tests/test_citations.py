"""Every rule's citation is true (issue 23 §3): each guidance paragraph a rule cites exists, and
holds the words the registry quotes for it; a rule from the Ofsted template says so.

The guidance text is shipped in ``tests/data/`` (the inspectorates' published guidance), so the
test runs wherever the checkout is; where the domain folder sits beside the checkout (CI's
``../shared``, a helper's ``../../shared``), the shipped copy must equal it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

from jtai_cli.rules import CATALOGUE, TEMPLATE, Severity
from jtai_cli.schemas import load_schemas

SHIPPED = Path(__file__).parent / "data" / "jtai-csa-family-guidance.txt"
SEED = Path("domain") / "seeds" / "jtai-csa-family-guidance.txt"
#: Where a rule may come from besides guidance paragraphs.
OTHER_SOURCES = {TEMPLATE, "field definitions in the list's YAML", ""}
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().lower()


def _paragraphs(text: str) -> dict[str, str]:
    """Numbered paragraphs ("19" -> its text, up to the next number) and the annexes."""
    out: dict[str, str] = {}
    starts = [(m.group(1), m.start()) for m in re.finditer(r"(?m)^ ?(\d{1,3})\. ", text)]
    # Keep a number only where it follows the one before (footnotes and lists restart).
    kept: list[tuple[str, int]] = []
    for number, at in starts:
        if not kept or int(number) == int(kept[-1][0]) + 1:
            kept.append((number, at))
    for (number, at), nxt in zip(kept, [*kept[1:], ("", len(text))], strict=True):
        out[number] = text[at:nxt[1]]
    for m in re.finditer(r"(?m)^ ?Annex ([A-Z]): ", text):
        end = re.compile(r"(?m)^ ?Annex [A-Z]: ").search(text, m.end())
        out[f"Annex {m.group(1)}"] = text[m.start():end.start() if end else len(text)]
    return out


GUIDANCE = SHIPPED.read_text("utf-8")
PARAS = _paragraphs(GUIDANCE)


def cited(paragraph: str) -> list[str]:
    """The paragraphs a citation names: "paras 20-21, 23, 26 and 32" -> 20, 21, 23, 26, 32."""
    out: list[str] = []
    for part in paragraph.split(";"):
        part = part.strip()
        if part.startswith("Annex "):
            out.append(part)
            continue
        m = re.fullmatch(r"paras? (.+)", part)
        assert m, f"not a citation of the guidance: {part!r}"
        for piece in re.split(r",\s*|\s+and\s+", m.group(1)):
            lo, _, hi = piece.partition("-")
            out.extend(str(n) for n in range(int(lo), int(hi or lo) + 1))
    return out


def test_the_shipped_guidance_is_the_domain_copy_where_there_is_one():
    for shared in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (shared / SEED).is_file():
            assert (shared / SEED).read_text("utf-8") == GUIDANCE
            return
    pytest.skip("no shared domain folder beside the checkout")


def test_the_paragraphs_are_found():
    assert [str(n) for n in range(1, 38)] == [p for p in PARAS if p.isdigit()][:37]
    assert "where possible" in _flat(PARAS["19"]) and "under the age of 18" in PARAS["18"]
    assert "up to 20" in PARAS["Annex C"]


@pytest.mark.parametrize("slug", list(CATALOGUE))
def test_every_cited_paragraph_exists_and_holds_the_quoted_words(slug):
    r = CATALOGUE[slug]
    if r.paragraph in OTHER_SOURCES:
        assert not r.quote, f"{slug}: quotes words but cites no guidance paragraph"
        return
    paras = cited(r.paragraph)
    missing = [p for p in paras if p not in PARAS]
    assert not missing, f"{slug} cites {missing}, not in the guidance"
    assert r.quote, f"{slug} cites {r.paragraph} but quotes none of its words"
    text = " ".join(_flat(PARAS[p]) for p in paras)
    for words in r.quote:
        assert _flat(words) in text, f"{slug}: {words!r} is not in {r.paragraph}"


def test_no_error_rests_on_para_19s_where_possible_and_no_postcode_on_para_20():
    for slug, r in CATALOGUE.items():
        if r.severity is Severity.ERROR and r.paragraph not in OTHER_SOURCES:
            assert "19" not in cited(r.paragraph), slug
    assert CATALOGUE["postcode-not-recognised"].paragraph == TEMPLATE


def test_the_guidance_annex_a_is_never_cited_for_the_templates_rules():
    """The guidance's Annex A (local information) sets no code lists or age rules."""
    for slug, r in CATALOGUE.items():
        assert not re.search(r"(^|; )Annex A\b", r.paragraph), slug


def test_jtais_own_policies_say_so_in_the_rule_and_its_message():
    for slug in ("unborn-due-date-passed", "postcode-not-recognised"):
        r = CATALOGUE[slug]
        assert r.policy.startswith("jtai's") and all("jtai's" in m for m in r.messages), slug
    for slug, r in CATALOGUE.items():
        if r.policy:
            assert "jtai" in r.policy, slug
        for text in (r.description, r.policy, *r.messages):
            assert not re.search(r"\b(we|our|us)\b", text, re.IGNORECASE), slug


def test_the_yaml_conditions_name_their_sources():
    for schema in load_schemas().lists.values():
        for col in schema.columns:
            for cond in (*col.rules.blank_when, *col.rules.may_be_blank_when):
                assert cond.source.strip(), (schema.name, col.header)
