"""The blank template asks what the guidance asks, field by field (issue 23 section 4).

The guidance's field tables (para 20: lists 6-8, day 2; para 32: contacts, referrals,
assessments, section 47, day 7) are read from ``tests/guidance/paras_20_32.txt``, a verbatim copy
of those paragraphs of ``jtai-csa-family-guidance.txt`` (the shared domain folder, ``../shared``
beside the checkout in CI). When the full guidance is found there, the copy is checked against it.

For each list: every field the guidance asks for is in the template, in the guidance's order and
words (case, spacing, punctuation and a "(Y/N)" suffix aside), and the template has no other
columns (the ILACS-only ones are left out). The few places where the template keeps another
wording are listed in ``KEPT`` with the reason, and even there the guidance's own words are read
back as the same column.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from jtai_cli.schemas import ADDITIONAL_ROLES, load_schemas, normalise
from jtai_cli.templating import template_lists, write_template
from jtai_cli.writing import sheet_title

HERE = Path(__file__).parent
EXCERPT = HERE / "guidance" / "paras_20_32.txt"
S = load_schemas()

#: The fields of each list as the guidance writes them (para 20 for lists 6-8, para 32 for the
#: others), in its order. Each is checked to be in the guidance text below.
FIELDS: dict[str, tuple[str, list[str]]] = {
    "contacts": ("32", [
        "Child unique ID", "Gender", "Ethnicity", "Date of birth",
        "If unborn: expected date of birth", "Age of child (years)", "Date of contact",
        "Contact source"]),
    "referrals": ("32", [
        "Child unique ID", "Gender", "Ethnicity", "Date of birth",
        "If unborn: expected date of birth", "Age of child (years)",
        "Date of the most recent referral", "Referral source", "Referral NFA? (Y/N)",
        "Number of referrals in last 12 months", "Allocated team", "Allocated worker"]),
    "assessments": ("32", [
        "Child unique ID", "Gender", "Ethnicity", "Date of birth",
        "If unborn: expected date of birth", "Age of child (Years)",
        "Does the child have a disability? (Y/N)", "Continuous assessment start date",
        "Child seen during continuous assessment (Y/N)",
        "Continuous assessment date of authorisation", "Allocated team", "Allocated worker",
        "Whether the child is at risk of or subject to sexual abuse in the family environment "
        "(Y/N)"]),
    "section_47": ("32", [
        "Child unique ID", "Gender", "Ethnicity", "Date of birth",
        "If unborn: expected date of birth", "Age of child (years)",
        "Does the child have a disability? (Y/N)", "Section 47 enquiry start date",
        "Number of section 47 enquiries in the last 12 months",
        "Was an initial child protection conference deemed unnecessary (Y/N)",
        "Date of initial child protection conference",
        "Did the initial child protection conference result in a child protection plan? (Y/N)",
        "Number of ICPCs in the last 12 months", "Allocated team", "Allocated worker",
        "Whether the child is at risk of or subject to sexual abuse in the family environment "
        "(Y/N)"]),
    "children_in_need": ("20", [
        "Child unique ID", "Gender", "Ethnicity", "Date of birth",
        "If unborn: expected date of birth", "Age of child (years)",
        "Does the child have a disability? (Y/N)", "Child In Need start date",
        "Primary need code", "Date child was last seen", "Child in need closure date",
        "Reason for closure", "Allocated team", "Allocated worker",
        "Whether the child is at risk of or subject to child sexual abuse in the family "
        "environment (Y/N)"]),
    "child_protection": ("20", [
        "Child unique ID", "Gender", "Ethnicity", "Date of birth",
        "If unborn expected date of birth", "Age of child (years)",
        "Does the child have a disability (Y/N)", "Child protection plan start date",
        "Initial category of abuse", "Latest category of abuse",
        "Date of the last statutory visit", "Was the child seen alone?",
        "Child protection plan end date",
        "Subject to emergency protection/care/supervision order or protected under police "
        "powers in last six months (Y/N)",
        "Number of previous child protection plans", "Allocated team", "Allocated worker",
        "Whether the child is at risk or subject to child sexual abuse in the family "
        "environment ( Y/N)"]),
    "children_in_care_reduced": ("20", [
        "Child unique ID", "Gender", "Ethnicity", "Date of birth", "Age of child (years)",
        "Does the child have a disability (Y/N)", "Date started to be looked after",
        "Child's category of need",
        "Second or subsequent episode of being a looked after child within the last 12 months "
        "(Y/N)",
        "Child's legal status", "Date of last social worker’s visit",
        "Plan for child to be reunited with their family (Y/N)",
        "Date ceased to be looked after", "Reason ceased to be looked after",
        "Start sate of most recent placement", "Placement type", "Placement provider",
        "Name of provider", "Placement address", "URN of placement", "Placement location",
        "Allocated team", "Allocated worker", "Part of sibling group",
        "Whether the child has been at risk or subject to child sexual abuse in the family "
        "environment (Y/N)"]),
}

_FLAG_6 = ("Whether the child is at risk of or subject to child sexual abuse in the family "
           "environment (Y/N)")

#: Where the template keeps a wording other than the guidance's, and why. The guidance's own
#: words are still read as the column (checked below).
KEPT: dict[tuple[str, str], tuple[str, str]] = {
    ("children_in_need", "Child In Need start date"):
        ("CIN Start Date", "the same words abbreviated: the ILACS header, used throughout jtai"),
    ("children_in_need", "Child in need closure date"):
        ("CIN Closure Date", "the same words abbreviated: the ILACS header, used throughout jtai"),
    ("assessments", FIELDS["assessments"][1][-1]):
        (_FLAG_6, "the guidance words the CSA-FE flag three ways; the template asks it on "
                  "lists 4-7 in para 20's list 6 words"),
    ("section_47", FIELDS["section_47"][1][-1]):
        (_FLAG_6, "as list 4: one wording of the flag on lists 4-7"),
    ("child_protection", FIELDS["child_protection"][1][-1]):
        (_FLAG_6, "as list 4 (para 20's list 7 drops the 'of' of 'at risk of')"),
    ("children_in_care_reduced", "Start sate of most recent placement"):
        ("Start Date of Most Recent Placement", "'sate' is a typing slip in the guidance"),
}


#: Lists whose columns keep the ILACS order rather than the guidance's, and why (each column is
#: still there in the guidance's words; columns are read by header, in any order).
ORDER_KEPT = {
    "section_47": "para 32 puts 'Number of section 47 enquiries in the last 12 months' second; "
                  "the ILACS list 5 puts it after the conference columns, so a list pasted from "
                  "the ILACS extract lines up",
}


def _folded(text: str) -> str:
    """Case, spacing, punctuation and a trailing "(Y/N)" aside."""
    return re.sub(r"( y n)+$", "", normalise(text))


def _guidance_text() -> str:
    return "\n".join(line for line in EXCERPT.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("# "))


def _paragraph(text: str, number: str) -> str:
    """Paragraph ``number`` of the excerpt, whitespace collapsed."""
    start = re.search(rf"^{number}\. ", text, re.M)
    assert start, f"para {number} not in {EXCERPT.name}"
    end = re.search(rf"^{int(number) + 1}\. ", text[start.end():], re.M)
    body = text[start.start(): start.end() + end.start() if end else None]
    return " ".join(body.split())


def _shared_guidance() -> Path | None:
    """The full guidance in the shared domain folder beside the checkout (CI) or above it."""
    for parent in HERE.resolve().parents:
        path = parent / "shared" / "domain" / "seeds" / "jtai-csa-family-guidance.txt"
        if path.is_file():
            return path
    return None


def test_the_excerpt_is_the_guidance_verbatim():
    full = _shared_guidance()
    if full is None:
        pytest.skip("the shared domain folder is not beside the checkout")
    lines = full.read_text(encoding="utf-8").split("\n")
    parts = re.split(r"^# lines (\d+)-(\d+)\n", EXCERPT.read_text(encoding="utf-8"), flags=re.M)
    assert len(parts) == 7  # the note, then (first, last, text) for each of the two parts
    for first, last, text in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        assert text.rstrip("\n").split("\n") == lines[int(first) - 1:int(last)], first


@pytest.mark.parametrize("name", list(FIELDS))
def test_each_field_is_in_the_guidance_paragraph(name):
    para, fields = FIELDS[name]
    text = _paragraph(_guidance_text(), para)
    for f in fields:
        assert " ".join(f.split()) in text, (name, para, f)


def _template_headers(tmp_path: Path, option: str) -> dict[str, list[str]]:
    path = write_template(tmp_path / f"blank_{option}.xlsx", option=option)  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for name in template_lists(S, option):  # type: ignore[arg-type]
        row = next(wb[sheet_title(S.lists[name])].iter_rows(min_row=2, max_row=2,
                                                            values_only=True))
        out[name] = [str(v) for v in row if v is not None]
    wb.close()
    return out


@pytest.mark.parametrize("option", ["A", "B"])
def test_the_template_asks_what_the_guidance_asks_field_by_field(tmp_path, option):
    written = _template_headers(tmp_path, option)
    for name, (para, fields) in FIELDS.items():
        schema = S.lists[name]
        # Option B adds the seven questions of para 26 at the right of lists 6-8: not para 20's.
        extra = {c.header for c in schema.columns if c.role in ADDITIONAL_ROLES}
        headers = [h for h in written[name] if h not in extra]
        assert len(headers) == len(fields), (name, headers)
        if name in ORDER_KEPT:
            headers = sorted(headers, key=lambda h: [S.match_header(name, f)
                                                     for f in fields].index(h))
        for field, header in zip(fields, headers, strict=True):
            kept = KEPT.get((name, field))
            want = kept[0] if kept else field
            assert _folded(header) == _folded(want), (name, para, field, header)
            # The guidance's own words are read back as this column.
            assert S.match_header(name, field) == header, (name, field)


def test_list_7_asks_para_20s_order_question_and_accepts_the_ilacs_one(tmp_path):
    col = S.lists["child_protection"].column(
        "Subject to emergency protection/care/supervision order or protected under police "
        "powers in last six months (Y/N)")
    assert col is not None
    ilacs = ("Subject to Emergency Protection Order or Protected Under Police Powers in Last "
             "Six Months (Y/N)")
    assert ilacs in col.also_accept
    assert S.match_header("child_protection", ilacs) == col.header


def test_ilacs_only_columns_are_left_out_and_said_so(tmp_path):
    left = {(n, c.header) for n, s in S.lists.items() for c in s.columns if c.ilacs_only}
    assert {n for n, _ in left} >= {"assessments", "children_in_need", "child_protection"}
    path = write_template(tmp_path / "blank.xlsx", option="A")
    wb = openpyxl.load_workbook(path, read_only=True)
    text = " ".join(str(v) for row in wb["Instructions"].iter_rows(values_only=True)
                    for v in row if v)
    for name, header in left:
        if S.lists[name].template:
            row = next(wb[sheet_title(S.lists[name])].iter_rows(min_row=2, max_row=2,
                                                                values_only=True))
            assert header not in row
            assert f"'{header}'" in text
    assert "optional" in text
    wb.close()
