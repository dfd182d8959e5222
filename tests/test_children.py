"""children: one definition each of legal status, age band, ethnic group and the seven questions."""

from __future__ import annotations

import pytest

from jtai_cli.children import (
    AGE_BANDS,
    STATUS_WORDS,
    STATUSES,
    age_band,
    answers_list,
    ethnic_groups,
    questions,
    status_lists,
    status_rank,
)
from jtai_cli.schemas import ADDITIONAL_ROLES, load_schemas

S = load_schemas()


@pytest.mark.parametrize(("years", "band"), [
    (-1, "Unborn"), (0, "0-4"), (4, "0-4"), (5, "5-9"), (9, "5-9"), (10, "10-15"),
    (15, "10-15"), (16, "16-17"), (17, "16-17"), (18, "18 or over"), (None, None)])
def test_age_bands(years, band):
    assert age_band(years) == band


def test_bands_in_order():
    assert AGE_BANDS == ("Unborn", "0-4", "5-9", "10-15", "16-17")


def test_status_lists_come_from_the_schemas_legal_status():
    assert status_lists(S) == {"CIN": 6, "CP": 7, "CLA": 8}
    assert set(STATUS_WORDS) == set(STATUSES)
    assert status_rank("CLA") > status_rank("CP") > status_rank("CIN") > status_rank("YOT") == 0


def test_every_ethnicity_code_has_a_dfe_major_group():
    groups = ethnic_groups(S)
    assert groups.names == ("White", "Mixed", "Asian", "Black", "Chinese", "Other",
                            "Refused/Not obtained")
    assert all(c.group for c in S.code_lists["ethnicity"].codes)
    assert groups.of("a) WBRI") == "White" and groups.of("k) APKN") == "Asian"
    assert groups.of("s) REFU") == groups.of("s) NOBT") == groups.of(None) == groups.of(" ")
    assert groups.blank == "Refused/Not obtained"


def test_the_seven_questions_are_worded_once_on_the_answers_list():
    answers = answers_list(S)
    assert answers is not None and answers.kind == "answers"
    asked = questions(S)
    assert list(asked) == list(ADDITIONAL_ROLES)
    assert [q.number for q in asked.values()] == [1, 2, 3, 4, 5, 6, 7]
    for q in asked.values():
        col = answers.by_role(q.role)
        assert col is not None and q.label == col.label != ""
        assert q.question == col.header.removesuffix("(Y/N)").strip()
    assert asked["multi_agency"].words == "multi-agency involvement"
    assert asked["nps_adult"].words.startswith("NPS ")
    assert asked["csa_current"].words.startswith("CSA-FE ")
