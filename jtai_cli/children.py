"""One definition of each idea about a child that the commands share.

A child's legal status (CIN, CP, CLA), age band, ethnic group and the seven additional
questions are each defined here once, for ``summary``, ``shortlist``, ``tracking`` and the
checks. What the schema files can say, they say, and this module reads it from them:

- which list gives which legal status is each list's ``legal_status`` (lists 6, 7 and 8);
- the ethnic group of each ethnicity code is its ``group`` in ``codes/ethnicity.yaml``, and
  ``blank_group`` is where a blank counts;
- the seven questions' short wording is each column's ``label`` on the list whose ``kind`` is
  ``answers`` (``additional_fields.yaml``).

The age bands and the words for each status are defined below. No pandas here: the module is
imported where pandas is not wanted (``--help``), and the vectorised code that needs bands
builds them from :data:`AGE_BAND_TOPS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schemas import ADDITIONAL_ROLES, ListSchema, SchemaSet

__all__ = [
    "ADULT",
    "AGE_BANDS",
    "AGE_BAND_TOPS",
    "FIELD_NUMBER",
    "NOT_RECORDED",
    "STATUSES",
    "STATUS_WORDS",
    "UNBORN",
    "EthnicGroups",
    "Question",
    "age_band",
    "answers_list",
    "ethnic_groups",
    "questions",
    "status_lists",
    "status_rank",
]

#: How a value the lists do not give is shown in tables.
NOT_RECORDED = "Not recorded"

# --------------------------------------------------------------------------- legal status

#: The legal statuses of lists 6, 7 and 8, from the least to the most intensive involvement:
#: a child on several of these lists has the most intensive one's status.
STATUSES: tuple[str, ...] = ("CIN", "CP", "CLA")
#: Each status in words.
STATUS_WORDS = {"CIN": "child in need", "CP": "child protection plan", "CLA": "looked after"}


def status_rank(status: object) -> int:
    """1 for CIN, 2 for CP, 3 for CLA (more intensive is higher); 0 for anything else.

    Example:
        >>> status_rank("CP") > status_rank("CIN") > status_rank(None)
        True
    """
    return STATUSES.index(status) + 1 if status in STATUSES else 0


def status_lists(schemas: SchemaSet) -> dict[str, int]:
    """Each legal status -> the number of the list that gives it (CIN -> 6, CP -> 7, CLA -> 8).

    Read from each list's ``legal_status`` key.
    """
    return {s.legal_status: s.list_number for s in schemas.lists.values()
            if s.legal_status is not None and s.list_number is not None}


# --------------------------------------------------------------------------- age bands

UNBORN = "Unborn"
#: Beyond the bands: the lists are of children under 18 (guidance para 18).
ADULT = "18 or over"
#: (oldest age in the band, band): the age bands DfE publishes children's statistics in.
AGE_BAND_TOPS: tuple[tuple[int, str], ...] = ((4, "0-4"), (9, "5-9"), (15, "10-15"),
                                              (17, "16-17"))
#: The bands of children, youngest first.
AGE_BANDS: tuple[str, ...] = (UNBORN, *(band for _, band in AGE_BAND_TOPS))


def age_band(years: int | None) -> str | None:
    """The age band of an age in whole years; a negative age (-1) is an unborn child.

    Example:
        >>> [age_band(a) for a in (-1, 0, 4, 5, 15, 16, 17, 18, None)]
        ['Unborn', '0-4', '0-4', '5-9', '10-15', '16-17', '16-17', '18 or over', None]
    """
    if years is None:
        return None
    if years < 0:
        return UNBORN
    for top, band in AGE_BAND_TOPS:
        if years <= top:
            return band
    return ADULT


# --------------------------------------------------------------------------- ethnic groups


@dataclass(frozen=True)
class EthnicGroups:
    """The ethnic groups of a code list, in order, and the group of each value."""

    names: tuple[str, ...]
    by_value: dict[str, str]
    blank: str

    def of(self, value: object) -> str:
        """The group of a canonical ethnicity value; blank (or a value with no group) counts
        with refused and not obtained."""
        if not isinstance(value, str) or not value.strip():
            return self.blank
        return self.by_value.get(value, self.blank)


def ethnic_groups(schemas: SchemaSet, code_list: str = "ethnicity") -> EthnicGroups:
    """The groups of the ethnicity codes, as ``codes/ethnicity.yaml`` gives them.

    Example:
        >>> from jtai_cli.schemas import load_schemas
        >>> groups = ethnic_groups(load_schemas())
        >>> groups.names
        ('White', 'Mixed', 'Asian', 'Black', 'Chinese', 'Other', 'Refused/Not obtained')
        >>> groups.of("q) CHNE"), groups.of(None)
        ('Chinese', 'Refused/Not obtained')
    """
    codes = schemas.code_lists.get(code_list)
    entries = codes.codes if codes is not None else []
    blank = (codes.blank_group if codes is not None else None) or NOT_RECORDED
    by_value = {c.value: c.group for c in entries if c.group}
    names = list(dict.fromkeys(by_value.values()))
    if blank not in names:
        names.append(blank)
    else:  # the blank group last, whatever the file's order
        names.append(names.pop(names.index(blank)))
    return EthnicGroups(tuple(names), by_value, blank)


# --------------------------------------------------------------------------- the seven questions

#: Field number (as the guidance lists them, 1-7) of each additional Y/N question.
FIELD_NUMBER: dict[str, int] = {role: i + 1 for i, role in enumerate(ADDITIONAL_ROLES)}


@dataclass(frozen=True)
class Question:
    """One of the seven additional Y/N questions (paras 23, 26)."""

    role: str
    #: 1 to 7, as the guidance lists them.
    number: int
    #: A few words for tables and tracking sheets: "Multi-agency involvement".
    label: str
    #: The question as the template asks it.
    header: str

    @property
    def question(self) -> str:
        """The question as the template asks it, without its "(Y/N)"."""
        return self.header.removesuffix("(Y/N)").strip()

    @property
    def words(self) -> str:
        """The label inside a sentence: "multi-agency involvement", "CSA-FE is ..."."""
        first = self.label.split(" ", 1)[0]
        if first[1:2].islower():  # an ordinary word, not an initialism such as NPS or SARC
            return self.label[:1].lower() + self.label[1:]
        return self.label


def answers_list(schemas: SchemaSet) -> ListSchema | None:
    """The list of the seven answers (``kind: answers``), if the schemas have one."""
    return next((s for s in schemas.lists.values() if s.kind == "answers"), None)


def questions(schemas: SchemaSet) -> dict[str, Question]:
    """The seven questions by role, in guidance order, worded as the answers list labels them.

    A question the answers list does not label is worded by its header without "(Y/N)".
    """
    source = answers_list(schemas)
    lists = ([source] if source is not None else []) + list(schemas.lists.values())
    out: dict[str, Question] = {}
    for role in ADDITIONAL_ROLES:
        col = next((c for s in lists if (c := s.by_role(role)) is not None), None)
        if col is None:
            continue
        label = col.label or col.header.removesuffix("(Y/N)").strip()  # as ``question``
        out[role] = Question(role, FIELD_NUMBER[role], label, col.header)
    return out
