#!/usr/bin/env python
"""Generate the synthetic example workbooks in ``examples/``: clean, messy and edge cases.

Everything here is invented. Child IDs are random numbers, teams are "North Team" and the like,
workers come from a short list of made-up names, and one sentinel name ("Zebedee Quuxington")
appears in the messy file so tests can prove child data never reaches a log. The same seed
always gives the same workbooks (cell for cell; the zip bytes carry timestamps).

Every header, code value and column type comes from the list schemas in ``schemas/`` at run
time, so the examples follow the schemas when they change::

    python examples/generate.py                      # writes examples/lists_clean.xlsx,
                                                     # lists_messy.xlsx,
                                                     # lists_messy.expected.json and
                                                     # lists_edge.xlsx
    python examples/generate.py --children 20000 --out /tmp/big   # a benchmark-sized pair

From Python (benchmarks)::

    from examples.generate import build_population, write_clean
    pop = build_population(seed=7, n=20_000, as_of=AS_OF)
    write_clean("big.xlsx", pop)

``lists_messy.expected.json`` lists every finding planted in the messy workbook as
``{"sheet", "row" (Excel row), "column" (header as written, or null), "rule"}``.
``lists_edge.xlsx`` holds only legitimate returns that look wrong (``build_edge``): it must
validate with no error, with ``--as-of`` its extraction day or without it a week later.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import itertools
import json
import random
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.writer.excel import ExcelWriter

from jtai_cli.schemas import Column, CompiledCodes, ListSchema, SchemaSet, load_schemas, normalise
from jtai_cli.writing import sheet_title

#: The inspection date the examples are drawn up for (a Monday).
AS_OF = dt.date(2026, 11, 23)
DEFAULT_SEED = 20261123
DEFAULT_CHILDREN = 300
#: A name no real child has; it sits in an unknown "Child name" column of the messy workbook.
SENTINEL_NAME = "Zebedee Quuxington"
DATE_FORMAT = "DD/MM/YYYY"

TEAMS = ("North Team", "South Team", "East Team", "West Team", "Central Team", "Family Help Team")
WORKERS = (
    "Avery Ashdown", "Blake Birchall", "Casey Cedarwood", "Devon Dogwood", "Ellis Elmsworth",
    "Frankie Firbank", "Harper Hazelmere", "Jordan Junipero", "Lee Larchfield", "Morgan Maplestead",
    "Quinn Oakhurst", "Rowan Rowanby", "Sasha Sprucewell", "Taylor Thornbury", "Wren Willowby",
)
VENUES = ("Civic Centre, Room 2", "Online (Teams)", "Family Hub North", "Family Hub South",
          "Police station, conference room", "School meeting room")
TIMES = ("09:30", "10:00", "11:00", "13:30", "14:00", "15:30")
PROVIDERS = ("Brookside Fostering", "Hillcrest Children's Home", "Meadow View House",
             "Riverside Foster Care", "Own LA foster carers", "Oak Lodge")

ADDITIONAL_ROLES = ("csa_current", "multi_agency", "known_to_yot", "nps_adult",
                    "police_investigation", "csa_support", "sarc_attended")

# Words in a header that say what a column without a role holds. They only pick a more plausible
# value (an ICPC date after the S47 start, a count of referrals); a column they do not recognise
# still gets a valid value for its type and rules. First match wins, so longer phrases go first.
HINTS: tuple[tuple[str, str], ...] = (
    ("nfa", "nfa"),
    ("no further action", "nfa"),
    ("unnecessary", "icpc_unnecessary"),
    ("not required", "icpc_unnecessary"),
    ("result in a child protection plan", "icpc_plan"),
    ("number of icpcs", "n_icpc"),
    ("icpcs", "n_icpc"),
    ("initial child protection conference", "icpc"),
    ("icpc", "icpc"),
    ("review conference", "review_conference"),
    ("initial category", "initial_category"),
    ("seen alone", "seen_alone"),
    ("requiring", "needs_support"),
    ("seen", "seen"),
    ("emergency protection", "epo"),
    ("asylum", "uasc"),
    ("second or subsequent", "second_period"),
    ("offered", "ri_offered"),
    ("accept", "ri_accepted"),
    ("reunited", "reunite"),
    ("reunified", "reunite"),
    ("sibling", "siblings"),
    ("referrals", "n_referrals"),
    ("section 47", "n_s47"),
    ("previous child protection plans", "n_previous_cp"),
    ("placements", "n_placements"),
    ("missing", "n_missing"),
    ("absent", "n_absent"),
    ("time", "time"),
    ("venue", "venue"),
    ("name of provider", "provider_name"),
    ("address", "address"),
    ("postcode", "postcode"),
    ("la of placement", "placement_la"),
    ("urn", "urn"),
)


# --------------------------------------------------------------------------- dates


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def age_on(dob: dt.date, when: dt.date) -> int:
    """Age in whole years at the last birthday on ``when``."""
    return when.year - dob.year - ((when.month, when.day) < (dob.month, dob.day))


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A random day from lo to hi inclusive (lo if hi is earlier)."""
    span = (hi - lo).days
    return lo if span <= 0 else lo + _days(rng.randint(0, span))


def _recent(rng: random.Random, lo: dt.date, hi: dt.date, within: int) -> dt.date:
    """A random day no more than ``within`` days before hi, and not before lo."""
    span = (hi - lo).days
    return hi if span <= 0 else hi - _days(rng.randint(0, min(span, within)))


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# --------------------------------------------------------------------------- code lists


class CodeBook:
    """Code values looked up in the schemas' code lists by a short spelling ("M", "N1", "C2")."""

    def __init__(self, schemas: SchemaSet):
        self.schemas = schemas
        self._cache: dict[tuple[str, str], str] = {}

    def value(self, code_list: str, spelling: str) -> str:
        """The canonical value of ``spelling`` in ``code_list``; fails loudly if it is gone."""
        key = (code_list, spelling)
        if key not in self._cache:
            found = self.schemas.codes[code_list].match(spelling)
            if found is None:
                raise LookupError(f"code list '{code_list}' has no code for '{spelling}'")
            self._cache[key] = found
        return self._cache[key]

    def pick(self, rng: random.Random, code_list: str, weights: Mapping[str, float]) -> str:
        """A canonical value chosen by weight from short spellings."""
        return self.value(code_list, _weighted(rng, weights))

    def answer(self, codes: CompiledCodes, answer: object) -> str | None:
        """Yes/No/Unknown (True/False/"unknown") in the column's own code list."""
        if answer is None:
            return None
        word = {True: "Yes", False: "No"}.get(answer, "Unknown")  # type: ignore[call-overload]
        found = codes.match(word)
        if found is None and word == "Unknown":
            found = codes.match("No")
        return found


# --------------------------------------------------------------------------- population


@dataclass
class Episode:
    """A contact, referral, assessment, S47, CIN episode, CP plan, care period or meeting."""

    start: dt.date
    end: dt.date | None = None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Child:
    """One synthetic child: the same facts on every list they are on."""

    id: str
    gender: str
    ethnicity: str
    dob: dt.date | None
    edd: dt.date | None
    age: int
    disability: str
    team: str
    worker: str
    csa: bool = False
    contacts: list[Episode] = field(default_factory=list)
    referrals: list[Episode] = field(default_factory=list)
    assessments: list[Episode] = field(default_factory=list)
    s47s: list[Episode] = field(default_factory=list)
    cin: Episode | None = None
    cp: Episode | None = None
    cla: Episode | None = None
    additional: dict[str, bool] = field(default_factory=dict)

    @property
    def is_unborn(self) -> bool:
        return self.dob is None

    @property
    def status(self) -> str | None:
        """CLA if on list 8, else CP if on list 7, else CIN if on list 6 (YOT/NPS lists)."""
        if self.cla is not None:
            return "CLA"
        if self.cp is not None:
            return "CP"
        if self.cin is not None:
            return "CIN"
        return None


@dataclass
class Population:
    """Every synthetic child and their journeys, plus the YOT, NPS and meetings lists."""

    seed: int
    as_of: dt.date
    children: list[Child]
    yot: list[Child]
    nps: list[Child]
    meetings: list[tuple[Child, Episode]]
    schemas: SchemaSet
    book: CodeBook

    def window(self, list_name: str) -> dt.date:
        """First day of a list's look-back period."""
        period = self.schemas.lists[list_name].period
        return months_before(self.as_of, period.months if period else 6)


def build_population(
    seed: int = DEFAULT_SEED,
    n: int = DEFAULT_CHILDREN,
    as_of: dt.date = AS_OF,
    schemas: SchemaSet | None = None,
) -> Population:
    """Draw ``n`` synthetic children and their journeys through children's services.

    Args:
        seed: the random seed; the same seed gives the same population.
        n: how many children.
        as_of: the inspection date; ages and look-back periods count from it.
        schemas: the list schemas (the shipped ones by default).
    """
    schemas = schemas or load_schemas()
    book = CodeBook(schemas)
    rng = random.Random(seed)
    windows = {
        name: months_before(as_of, s.period.months if s.period else 6)
        for name, s in schemas.lists.items()
    }
    # 7-digit IDs with leading zeros (longer ones only for national-sized benchmark runs).
    ids = rng.sample(range(10_000, max(1_000_000, 20 * n)), n)
    n_unborn = min(n, max(2, round(n * 0.015))) if n >= 10 else min(n, 1)
    unborn = set(rng.sample(range(n), n_unborn))
    children = []
    seen_unborn = False
    for i in range(n):
        child = _make_child(rng, book, f"{ids[i]:07d}", i in unborn, as_of)
        # The first unborn child is always on a CP plan: pre-birth plans are legitimate.
        _journey(rng, book, child, as_of, windows, child.is_unborn and not seen_unborn)
        seen_unborn = seen_unborn or child.is_unborn
        children.append(child)
    children.sort(key=lambda c: c.id)

    csa_open = [c for c in children if c.csa and c.cin is not None]
    for c in csa_open:
        c.additional = {
            "csa_current": rng.random() < 0.85,
            "multi_agency": rng.random() < 0.85,
            "known_to_yot": False,
            "nps_adult": False,
            "police_investigation": rng.random() < 0.35,
            "csa_support": rng.random() < 0.8,
            "sarc_attended": rng.random() < 0.25,
        }
    # Most CSA-FE children have multi-agency involvement and CSA-FE support, but not all.
    if len(csa_open) >= 4:
        for role in ("multi_agency", "csa_support", "csa_current"):
            if all(c.additional[role] for c in csa_open):
                rng.choice(csa_open).additional[role] = False
    older = [c for c in csa_open if c.age >= 10]
    yot = sorted(rng.sample(older, min(len(older), rng.randint(3, 5))), key=lambda c: c.id)
    rest = [c for c in csa_open if c not in yot]
    nps = sorted(rng.sample(rest, min(len(rest), rng.randint(3, 5))), key=lambda c: c.id)
    for c in yot:
        c.additional["known_to_yot"] = True
    for c in nps:
        c.additional["nps_adult"] = True

    meetings = _meetings(rng, book, csa_open, as_of)
    return Population(seed, as_of, children, yot, nps, meetings, schemas, book)


def _make_child(
    rng: random.Random, book: CodeBook, child_id: str, unborn: bool, as_of: dt.date
) -> Child:
    if unborn:
        dob, edd, age = None, as_of + _days(rng.randint(14, 150)), -1
        gender = book.value("gender", "Unborn")
    else:
        age = _weighted(rng, {a: (8 if a == 0 else 4 if a >= 16 else 6) for a in range(18)})
        dob = _between(rng, add_years(as_of, -(age + 1)) + _days(1), add_years(as_of, -age))
        edd = None
        gender = book.pick(rng, "gender", {"Male": 49, "Female": 49, "Neither": 1,
                                           "Not stated": 1})
    ethnicity = book.pick(rng, "ethnicity", {
        "WBRI": 60, "WIRI": 1, "WOTH": 6, "WROM": 1, "MWBC": 3, "MWBA": 2, "MWAS": 2,
        "MOTH": 3, "AIND": 3, "APKN": 4, "ABAN": 2, "AOTH": 1, "BCRB": 2, "BAFR": 4, "BOTH": 1,
        "CHNE": 1, "OOTH": 2, "NOBT": 2,
    })
    disability = book.pick(rng, "annex_yes_no_unknown", {"Yes": 8, "No": 88, "Unknown": 4})
    return Child(child_id, gender, ethnicity, dob, edd, age, disability,
                 rng.choice(TEAMS), rng.choice(WORKERS))


def _journey(
    rng: random.Random,
    book: CodeBook,
    c: Child,
    as_of: dt.date,
    win: dict[str, dt.date],
    first_unborn: bool,
) -> None:
    """Contacts, referrals, assessments, S47s and lists 6-8 for one child, all consistent."""
    yesterday = as_of - _days(1)
    born = c.dob
    on6 = c.is_unborn or rng.random() < 0.4
    if on6:
        c.csa = rng.random() < 0.18
        if born is None:
            start = _between(rng, as_of - _days(120), as_of - _days(7))
        else:
            start = _between(rng, max(as_of - _days(730), born - _days(90)), yesterday)
        closed = not c.is_unborn and rng.random() < 0.15
        facts: dict[str, Any] = {
            "need": book.pick(rng, "primary_need", {"N1": 80, "N5": 10, "N4": 10}) if c.csa
            else book.pick(rng, "primary_need", {"N1": 45, "N2": 8, "N3": 6, "N4": 10, "N5": 15,
                                                 "N6": 5, "N7": 2, "N8": 5, "N9": 2, "N0": 2}),
        }
        c.cin = Episode(start, None, facts)
        if closed:
            c.cin.end = _between(rng, max(start, win["children_in_need"]), as_of)
            facts["reason_for_closure"] = book.pick(
                rng, "reason_for_closure", {"RC7": 60, "RC8": 10, "RC5": 10, "RC3": 5, "RC4": 5,
                                            "RC9": 10})
        else:
            on7 = first_unborn or rng.random() < (0.45 if c.csa else 0.3)
            on8 = not c.is_unborn and rng.random() < (0.3 if c.csa else 0.22)
            if on7:
                c.cp = _cp_plan(rng, book, c, as_of, win)
            if on8:
                c.cla = _care_period(rng, book, c, as_of, win)
        if c.cla is not None:
            status = "Looked after child"
        elif c.cp is not None and c.cp.end is None:
            status = "Child Protection plan"
        elif closed:
            status = "Closed episode"
        else:
            status = "Child in need plan"
        facts["case_status"] = book.value("case_status", status)
    else:
        c.csa = rng.random() < 0.03

    # Section 47 enquiries in the last six months.
    w5 = win["section_47"]
    if c.cp is not None and c.cp.start >= w5 + _days(21):
        s_start = c.cp.start - _days(rng.randint(8, 20))
        c.s47s.append(Episode(s_start, None, {
            "icpc_unnecessary": False, "icpc": c.cp.start, "icpc_plan": True}))
    elif (c.cin is not None and rng.random() < (0.45 if c.csa else 0.1)) or rng.random() < 0.03:
        lo = max(w5, c.cin.start) if c.cin is not None else w5
        s_start = _between(rng, lo, yesterday)
        outcome = _weighted(rng, {"not needed": 45, "held": 30, "open": 25})
        if outcome == "held" and s_start + _days(5) <= as_of:
            icpc = _between(rng, s_start + _days(5), min(as_of, s_start + _days(15)))
            c.s47s.append(Episode(s_start, None, {
                "icpc_unnecessary": False, "icpc": icpc, "icpc_plan": False}))
        elif outcome == "not needed":
            c.s47s.append(Episode(s_start, None, {"icpc_unnecessary": True}))
        else:
            c.s47s.append(Episode(s_start, None, {}))

    # Assessments started in the last six months.
    w4 = win["assessments"]
    if c.cin is not None and c.cin.start >= w4:
        a_start = min(c.cin.start + _days(rng.randint(0, 3)), as_of)
        c.assessments.append(_assessment(rng, a_start, as_of, needs_support=True,
                                         unborn=c.is_unborn))
    elif c.cin is None and rng.random() < 0.25:
        c.assessments.append(_assessment(rng, _between(rng, w4, as_of), as_of,
                                         needs_support=False, unborn=c.is_unborn))
    elif c.cin is not None and rng.random() < 0.12:
        lo = max(w4, c.cin.start)
        c.assessments.append(_assessment(rng, _between(rng, lo, as_of), as_of,
                                         needs_support=True, unborn=c.is_unborn))
    for s in c.s47s:
        s.facts["n_s47"] = len(c.s47s) - 1 + (rng.random() < 0.15)
        s.facts["n_icpc"] = sum(1 for x in c.s47s if "icpc" in x.facts) - 1 + (rng.random() < 0.1)
        s.facts["n_icpc"] = max(0, s.facts["n_icpc"])

    # Referrals in the last three months.
    w3 = win["referrals"]
    if c.cin is not None and c.cin.start >= w3:
        c.referrals.append(Episode(c.cin.start, None, {"nfa": False}))
    elif c.assessments and c.assessments[0].start >= w3 + _days(5):
        c.referrals.append(Episode(c.assessments[0].start - _days(rng.randint(0, 5)), None,
                                   {"nfa": False}))
    if c.is_unborn and not c.referrals:
        c.referrals.append(Episode(_between(rng, max(w3, c.cin.start if c.cin else w3), as_of),
                                   None, {"nfa": False}))
    if rng.random() < 0.15:
        c.referrals.append(Episode(_between(rng, w3, as_of), None, {"nfa": True}))
    c.referrals.sort(key=lambda e: e.start)
    count = len(c.referrals) + (rng.random() < 0.25)
    for r in c.referrals:
        r.facts["n_referrals"] = count
        r.facts["contact_source"] = _source(rng, book, c)

    # Contacts in the last three months: one before each referral, and some on their own.
    w1 = win["contacts"]
    for r in c.referrals:
        day = r.start - _days(rng.randint(0, 3))
        if day >= w1:
            c.contacts.append(Episode(day, None, {"contact_source": r.facts["contact_source"]}))
    if rng.random() < 0.35 or not (c.contacts or c.referrals or c.assessments or c.s47s
                                   or c.cin):
        c.contacts.append(Episode(_between(rng, w1, as_of), None,
                                  {"contact_source": _source(rng, book, c)}))
    c.contacts.sort(key=lambda e: e.start)


def _source(rng: random.Random, book: CodeBook, c: Child) -> str:
    if c.is_unborn:
        return book.pick(rng, "contact_source", {"3B": 3, "3D": 5, "3F": 2, "6": 1})
    weights = {"6": 25, "2A": 20, "3A": 5, "3B": 4, "3E": 4, "1A": 10, "1C": 2, "5A": 5,
               "5B": 3, "8": 6, "2B": 3, "4": 2, "9": 3, "7": 2}
    if c.age < 5:
        weights.update({"2A": 3, "3B": 12, "1C": 0})
    return book.pick(rng, "contact_source", weights)


def _assessment(
    rng: random.Random, start: dt.date, as_of: dt.date, *, needs_support: bool, unborn: bool
) -> Episode:
    ep = Episode(start, None, {"seen": False if unborn else rng.random() < 0.93})
    auth = start + _days(rng.randint(10, 45))
    if rng.random() < 0.7 and auth <= as_of:
        ep.end = auth
        ep.facts["needs_support"] = needs_support
    return ep


def _cp_plan(
    rng: random.Random, book: CodeBook, c: Child, as_of: dt.date, win: dict[str, dt.date]
) -> Episode:
    assert c.cin is not None
    start = _between(rng, max(c.cin.start, as_of - _days(540)), as_of - _days(1))
    if c.csa:
        latest = book.pick(rng, "category_of_abuse", {"Sexual abuse": 75, "Neglect": 10,
                                                      "Emotional abuse": 8, "Multiple": 7})
    else:
        latest = book.pick(rng, "category_of_abuse", {"Neglect": 50, "Emotional abuse": 30,
                                                      "Physical abuse": 15, "Multiple": 5})
    initial = latest if rng.random() < 0.8 else book.pick(
        rng, "category_of_abuse", {"Neglect": 50, "Emotional abuse": 30, "Physical abuse": 20})
    ep = Episode(start, None, {
        "category_of_abuse": latest,
        "initial_category": initial,
        "seen_alone": None if c.is_unborn else (rng.random() < 0.8 if c.age >= 4 else "unknown"),
        "epo": rng.random() < 0.06,
        "n_previous_cp": _weighted(rng, {0: 70, 1: 22, 2: 8}),
    })
    if start + _days(90) <= as_of:
        ep.facts["review_conference"] = _between(rng, start + _days(80), as_of)
    w7 = win["child_protection"]
    if not c.is_unborn and rng.random() < 0.2 and max(start + _days(1), w7) <= as_of:
        ep.end = _between(rng, max(start + _days(1), w7), as_of)
    return ep


def _care_period(
    rng: random.Random, book: CodeBook, c: Child, as_of: dt.date, win: dict[str, dt.date]
) -> Episode:
    assert c.cin is not None and c.dob is not None
    lo = max(c.cin.start, c.dob, as_of - _days(3 * 365))
    start = _between(rng, lo, as_of - _days(1))
    legal = book.pick(rng, "legal_status", {"C2": 40, "C1": 25, "V2": 20, "E1": 8 if c.age < 6
                                            else 0, "L2": 2, "J1": 2 if c.age >= 12 else 0})
    need = book.pick(rng, "category_of_need", {"N1": 70 if c.csa else 50, "N4": 10, "N5": 15,
                                               "N8": 10, "N2": 5})
    if c.age >= 16:
        ptype = {"U4": 10, "U6": 10, "K2": 20, "K3": 25, "H5": 10}
    elif c.age >= 11:
        ptype = {"U4": 25, "U6": 25, "U3": 10, "K2": 25, "K1": 2}
    else:
        ptype = {"U1": 10, "U3": 15, "U4": 30, "U6": 35, "P1": 5, "A5": 5 if c.age < 5 else 0}
    placement = book.pick(rng, "placement_type", ptype)
    in_area = rng.random() < 0.7
    ep = Episode(start, None, {
        "legal_status": legal,
        "need": need,
        "placement_type": placement,
        "placement_provider": book.pick(rng, "placement_provider", {"PR1": 55, "PR4": 35,
                                                                    "PR5": 5, "PR2": 5}),
        "placement_location": book.value("placement_location", "In" if in_area else "Out"),
        "permanence_plan": book.pick(rng, "permanence_plan", {
            "Return to family": 20, "Long-term fostering": 45, "Adoption": 10 if c.age < 6 else 0,
            "SGO/CAO": 15, "Long-term residential placement": 10}),
        "uasc": False,
        "second_period": rng.random() < 0.08,
        "reunite": rng.random() < 0.25,
        "siblings": rng.random() < 0.4,
        "n_placements": _weighted(rng, {1: 70, 2: 22, 3: 8}),
        "n_missing": _weighted(rng, {0: 85, 1: 10, 3: 5}) if c.age >= 10 else 0,
        "n_absent": _weighted(rng, {0: 90, 1: 10}) if c.age >= 10 else 0,
        "provider_name": rng.choice(PROVIDERS),
        "address": f"{rng.randint(1, 99)} {rng.choice(('Elm', 'Ash', 'Lime', 'Yew'))} Road",
        "postcode": f"LS9{rng.randint(1, 9)} {rng.randint(1, 9)}ZZ",  # shaped, not an address
        "urn": f"SC{rng.randint(100000, 999999)}",
        "placement_la": "This LA" if in_area else "Neighbouring LA",
    })
    if ep.facts["n_missing"]:
        ep.facts["ri_offered"] = rng.random() < 0.9
        if ep.facts["ri_offered"]:
            ep.facts["ri_accepted"] = rng.random() < 0.6
    if rng.random() < 0.15:
        ep.end = _between(rng, max(start, win["children_in_care"]), as_of)
        reasons = {"E4A": 40, "E4B": 10, "E45": 15, "E8": 15, "E3": 10}
        if c.age >= 16:
            reasons.update({"E5": 20, "E6": 5})
        ep.facts["reason_ceased"] = book.pick(rng, "reason_ceased", reasons)
    return ep


def _meetings(
    rng: random.Random, book: CodeBook, csa_open: list[Child], as_of: dt.date
) -> list[tuple[Child, Episode]]:
    """About eight meetings for CSA-FE children in the fieldwork week after the as-of date."""
    weekdays = [as_of + _days(d) for d in range(1, 15) if (as_of + _days(d)).weekday() < 5]
    # All in the fieldwork week (para 31): the week after the as-of Monday. The same ten
    # weekdays are drawn from as before (so the seeded draws do not change) and folded into it.
    fieldwork = as_of + _days(7 - as_of.weekday())
    weekdays = [fieldwork + _days(d.weekday()) for d in weekdays]
    chosen = rng.sample(csa_open, min(len(csa_open), 8))
    out = []
    for c in chosen:
        if c.cla is not None:
            kind = "Children in care review"
        elif c.cp is not None:
            kind = "Review child protection conference"
        elif c.s47s and "icpc" not in c.s47s[-1].facts:
            kind = "Initial child protection conference"
        else:
            kind = _weighted(rng, {"Strategy discussion": 1, "Other planning or review meeting": 2})
        out.append((c, Episode(rng.choice(weekdays), None, {
            "meeting_type": book.value("meeting_type", kind),
            "time": rng.choice(TIMES),
            "venue": rng.choice(VENUES),
        })))
    out.sort(key=lambda m: (m[1].start, m[0].id))
    return out


# --------------------------------------------------------------------------- rows


def _hint(col: Column) -> str | None:
    text = normalise(col.header)
    for words, topic in HINTS:
        if re.search(rf"\b{re.escape(words)}\b", text):
            return topic
    return None


Filler = Callable[[Child, Episode, list[Any]], Any]


class ListPlan:
    """How to fill every column of one list from a child and one of their episodes."""

    def __init__(self, schema: ListSchema, pop: Population, rng: random.Random):
        self.schema = schema
        self.pop = pop
        self.rng = rng
        self.headers = [c.header for c in schema.columns]
        self.index = {h: j for j, h in enumerate(self.headers)}
        fillers = [self._filler(c) for c in schema.columns]
        depth = {c.header: self._depth(c) for c in schema.columns}
        self.order = sorted(range(len(fillers)), key=lambda j: depth[self.headers[j]])
        self.fillers = fillers
        # Row rules from the schema, applied after filling so a clean row always keeps them.
        self.fixes: list[tuple[str, int, int]] = []
        for j, c in enumerate(schema.columns):
            r = c.rules
            if r.not_before:
                self.fixes.append(("not_before", j, self.index[r.not_before]))
            if r.only_with:
                self.fixes.append(("only_with", j, self.index[r.only_with]))
            if r.expected_with:
                self.fixes.append(("expected_with", j, self.index[r.expected_with]))
        self.fixes.sort(key=lambda f: depth[self.headers[f[1]]])
        self._fallback = {j: self._generic(c, must=True) for j, c in enumerate(schema.columns)
                          if c.rules.expected_with}
        self.future_ok = [c.type != "date" or c.rules.allow_future for c in schema.columns]

    def _depth(self, col: Column, seen: frozenset[str] = frozenset()) -> int:
        r = col.rules
        others = [h for h in (r.not_before, r.only_with, r.expected_with) if h and h not in seen]
        if not others:
            return 0
        return 1 + max(self._depth(self.schema.column(h), seen | {col.header}) for h in others)

    def row(self, child: Child, ep: Episode) -> list[Any]:
        """One row of the list, in the schema's column order."""
        out: list[Any] = [None] * len(self.headers)
        for j in self.order:
            out[j] = self.fillers[j](child, ep, out)
        as_of = self.pop.as_of
        for kind, j, k in self.fixes:
            v, other = out[j], out[k]
            if kind == "not_before":
                if isinstance(v, dt.date) and isinstance(other, dt.date) and v < other:
                    out[j] = other
            elif kind == "only_with":
                if other is None:
                    out[j] = None
            elif other is not None and out[j] is None:
                out[j] = self._fallback[j](child, ep, out)
        for j, ok in enumerate(self.future_ok):
            if not ok and isinstance(out[j], dt.date) and out[j] > as_of:
                out[j] = as_of
        return out

    # -- one filler per column -------------------------------------------------------------

    def _filler(self, col: Column) -> Filler:
        role = col.role
        book = self.pop.book
        codes = self.pop.schemas.codes_for(col)
        if role == "child_id":
            return lambda c, e, r: c.id
        if role in ("gender", "ethnicity", "disability", "team", "worker"):
            return lambda c, e, r: getattr(c, role)
        if role == "date_of_birth":
            if self.schema.by_role("expected_date_of_birth") is None:
                # No expected-date column (YOT, NPS): the template puts it in Date of Birth.
                return lambda c, e, r: c.dob or c.edd
            return lambda c, e, r: c.dob
        if role == "expected_date_of_birth":
            return lambda c, e, r: c.edd
        if role == "age":
            return lambda c, e, r: c.age
        if role == "csa_flag":
            assert codes is not None
            yes, no = book.answer(codes, True), book.answer(codes, False)
            return lambda c, e, r: yes if c.csa else no
        if role in ADDITIONAL_ROLES:
            assert codes is not None
            yes, no = book.answer(codes, True), book.answer(codes, False)

            def additional(c: Child, e: Episode, r: list[Any]) -> Any:
                if not c.csa or not c.additional:
                    return None
                return yes if c.additional.get(role) else no
            return additional
        if role == "status":
            assert codes is not None
            return lambda c, e, r: codes.match(c.status) if c.status else None
        if role == "start_date":
            return lambda c, e, r: e.start
        if role == "end_date":
            return lambda c, e, r: e.end
        if role in ("legal_status", "need", "category_of_abuse"):
            return lambda c, e, r: e.facts.get(role)
        return self._generic(col)

    def _generic(self, col: Column, must: bool = False) -> Filler:
        """A column without a role: its hint, else a valid value for its type.

        ``must``: always give a value (the column is expected because another one is filled).
        """
        topic = _hint(col)
        required = col.required or must
        rng = self.rng
        book = self.pop.book
        codes = self.pop.schemas.codes_for(col)
        as_of = self.pop.as_of
        if col.type == "code":
            assert codes is not None and col.codes is not None
            key = topic if topic == "initial_category" else col.codes
            choices = [v for v in codes.values if "error" not in v.lower()]

            def code(c: Child, e: Episode, r: list[Any]) -> Any:
                v = e.facts.get(key)
                if v is None and required:
                    v = rng.choice(choices)
                return v
            return code
        if col.type == "yes_no":
            assert codes is not None

            def yes_no(c: Child, e: Episode, r: list[Any]) -> Any:
                answer = e.facts.get(topic) if topic else None
                if answer is None and required:
                    answer = False
                return book.answer(codes, answer)
            return yes_no
        if col.type == "integer":
            least = col.rules.at_least if col.rules.at_least is not None else 0
            most = col.rules.at_most

            def integer(c: Child, e: Episode, r: list[Any]) -> Any:
                v = e.facts.get(topic) if topic else None
                if v is None:
                    if not required:
                        return None
                    v = least
                v = max(int(v), least)
                return min(v, most) if most is not None else v
            return integer
        if col.type == "date":
            if topic in ("icpc", "review_conference"):
                return lambda c, e, r: e.facts.get(topic)
            if self.schema.by_role("start_date") is None:
                # A list of events with no start column (meetings): the event's own date.
                return lambda c, e, r: e.start
            after = self.index.get(col.rules.not_before) if col.rules.not_before else None

            def activity(c: Child, e: Episode, r: list[Any]) -> Any:
                # "Last seen", "last visit", "placement start": a recent day in the episode.
                if c.is_unborn and not required:
                    return None
                lo = (r[after] if after is not None else None) or e.start or as_of - _days(180)
                if c.dob is not None and c.dob > lo:
                    lo = c.dob
                return _recent(rng, lo, e.end or as_of, 120 if required else 60)
            return activity
        if col.type == "text":
            return lambda c, e, r: e.facts.get(topic) if topic else None
        return lambda c, e, r: None


Pairs = list[tuple[Child, Episode]]


def _events(pick: Callable[[Child], list[Episode]]) -> Callable[[Population], Pairs]:
    """Every child's events of one kind, in date order (a list that may repeat a child)."""
    def pairs(pop: Population) -> Pairs:
        out = [(c, e) for c in pop.children for e in pick(c)]
        out.sort(key=lambda p: (p[1].start, p[0].id))
        return out
    return pairs


def _episode(pick: Callable[[Child], Episode | None]) -> Callable[[Population], Pairs]:
    """The children with an episode of one kind (one row per child)."""
    return lambda pop: [(c, e) for c in pop.children if (e := pick(c)) is not None]


#: What the population knows of each list: the (child, episode) pairs that make its rows, in
#: the order they are listed. The lists themselves, their order and sheets come from the schemas;
#: a list the population does not simulate (the para 33 list, the additional fields) is left out.
EPISODES: dict[str, Callable[[Population], Pairs]] = {
    "contacts": _events(lambda c: c.contacts),
    "referrals": _events(lambda c: c.referrals),
    "assessments": _events(lambda c: c.assessments),
    "section_47": _events(lambda c: c.s47s),
    "children_in_need": _episode(lambda c: c.cin),
    "child_protection": _episode(lambda c: c.cp),
    "children_in_care": _episode(lambda c: c.cla),
    "children_in_care_reduced": _episode(lambda c: c.cla),
    "yot": lambda pop: [(c, Episode(pop.as_of)) for c in pop.yot],
    "nps": lambda pop: [(c, Episode(pop.as_of)) for c in pop.nps],
    "multi_agency_meetings": lambda pop: list(pop.meetings),
}


def _episodes(pop: Population, list_name: str) -> Pairs:
    """The (child, episode) pairs that make the rows of a list, in the order they are listed."""
    found = EPISODES.get(list_name)
    return found(pop) if found is not None else []


def sheet_name(schemas: SchemaSet, list_name: str) -> str:
    """The official template's sheet name for a list: either form of list 8 is on "List_8"."""
    return sheet_title(schemas.lists[schemas.forms_of(list_name)[0]])


def clean_sheets(schemas: SchemaSet) -> dict[str, str]:
    """The list each sheet of the clean workbook holds, in the schemas' order: every list the
    population simulates, one form each, on the official template's sheet names."""
    return {name: sheet_name(schemas, name) for name in schemas.lists
            if name in EPISODES and schemas.forms_of(name)[0] == name}


# --------------------------------------------------------------------------- sheets


@dataclass
class Sheet:
    """One sheet to write: title rows, a header row and records, with its layout."""

    name: str
    schema: ListSchema
    columns: list[str]
    records: list[list[Any]]
    titles: list[str] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)
    blank_after: set[int] = field(default_factory=set)
    pairs: list[tuple[Child, Episode]] = field(default_factory=list)

    def col(self, header: str) -> int:
        return self.columns.index(header)

    def header_cells(self) -> list[str]:
        return [self.written.get(h, h) for h in self.columns]

    def excel_row(self, record: list[Any]) -> int:
        """The Excel row a record lands on (title rows, header and blank rows counted)."""
        i = next(k for k, r in enumerate(self.records) if r is record)
        blanks = sum(1 for b in self.blank_after if b < i)
        return len(self.titles) + 2 + i + blanks

    @property
    def header_row(self) -> int:
        return len(self.titles) + 1


def title_for(schema: ListSchema, as_of: dt.date) -> str:
    """Row-1 title in the Ofsted layout, carrying the as-at date the validator reads."""
    return f"{schema.title} (data as at {as_of:%d/%m/%Y})"


def build_sheets(pop: Population, *, list8: str = "children_in_care") -> list[Sheet]:
    """Every list of the population as a sheet in the official layout (title row 1, headers 2)."""
    sheets = []
    for k, (list_name, sheet) in enumerate(clean_sheets(pop.schemas).items()):
        if list_name in pop.schemas.forms_of(list8):
            list_name = list8
        schema = pop.schemas.lists[list_name]
        plan = ListPlan(schema, pop, random.Random(pop.seed * 1000 + k))
        pairs = _episodes(pop, list_name)
        records = [plan.row(c, e) for c, e in pairs]
        sheets.append(Sheet(sheet, schema, list(plan.headers), records,
                            [title_for(schema, pop.as_of)], pairs=pairs))
    return sheets


def write_sheets(path: str | Path, sheets: Sequence[Sheet]) -> Path:
    """Write sheets with openpyxl's write-only mode; dates get the DD/MM/YYYY format."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    stamp = dt.datetime(2026, 11, 23, 9, 0, 0)
    wb.properties.creator = "jtai examples/generate.py (synthetic data)"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    for sheet in sheets:
        # A list longer than one Excel sheet continues on "Name (2)", "Name (3)", ... with the
        # same title and header rows, as a national extract of contacts has to.
        room = EXCEL_MAX_ROWS - len(sheet.titles) - 1 - len(sheet.blank_after)
        for part, start in enumerate(range(0, max(len(sheet.records), 1), room)):
            name = sheet.name if part == 0 else f"{sheet.name} ({part + 1})"
            _write_part(wb, sheet, name, start, min(start + room, len(sheet.records)))
    # Workbook.save stamps "last saved" with the time of generation, which jtai reads as the
    # end of the extraction window: the examples would judge differently each time they are
    # made. The writer keeps the stamp above.
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return path


EXCEL_MAX_ROWS = 1_048_576


def _write_part(wb: Workbook, sheet: Sheet, name: str, start: int, stop: int) -> None:
    """Write records ``start:stop`` of a sheet to a new sheet called ``name``."""
    ws = wb.create_sheet(name)
    for t in sheet.titles:
        ws.append([t])
    ws.append(sheet.header_cells())
    date_cols = [j for j, h in enumerate(sheet.columns)
                 if h in _date_headers(sheet.schema)]
    for i in range(start, stop):
        rec = sheet.records[i]
        out = list(rec)
        for j in date_cols:
            v = out[j]
            if isinstance(v, dt.date):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = DATE_FORMAT
                out[j] = cell
        for j, v in enumerate(out):
            if isinstance(v, str) and v.startswith("#"):
                # openpyxl would store "#N/A" as an error cell; keep it as the text an
                # export pastes in.
                cell = WriteOnlyCell(ws, value=v)
                cell.data_type = "s"
                out[j] = cell
        ws.append(out)
        if i in sheet.blank_after:
            ws.append([None])


def _date_headers(schema: ListSchema) -> set[str]:
    return {c.header for c in schema.columns if c.type == "date"}


def row_counts(sheets: Iterable[Sheet]) -> dict[str, int]:
    """Data rows per sheet."""
    return {s.name: len(s.records) for s in sheets}


def write_clean(
    path: str | Path,
    population: Population | None = None,
    *,
    seed: int = DEFAULT_SEED,
    children: int = DEFAULT_CHILDREN,
    as_of: dt.date = AS_OF,
) -> dict[str, int]:
    """Write the clean workbook: every list valid, in the official Ofsted layout.

    Returns:
        Data rows per sheet.
    """
    pop = population or build_population(seed, children, as_of)
    sheets = build_sheets(pop)
    write_sheets(path, sheets)
    return row_counts(sheets)


# --------------------------------------------------------------------------- the messy workbook


@dataclass
class Planted:
    """One finding planted in the messy workbook."""

    sheet: Sheet
    record: list[Any] | None
    column: str | None
    rule: str
    header_level: bool = False
    canonical_column: bool = False

    def resolve(self) -> dict[str, Any]:
        if self.header_level:
            row: int | None = self.sheet.header_row
        elif self.record is None:
            row = None
        else:
            row = self.sheet.excel_row(self.record)
        if self.column is None or self.canonical_column:
            col = self.column
        else:
            col = self.sheet.written.get(self.column, self.column)
        return {"sheet": self.sheet.name, "row": row, "column": col, "rule": self.rule}


class Mess:
    """Plants the real-world export problems of the domain brief at known cells."""

    def __init__(self, pop: Population, sheets: list[Sheet]):
        self.pop = pop
        self.book = pop.book
        self.as_of = pop.as_of
        self.sheets = {s.schema.name: s for s in sheets}
        self.order = sheets
        self.planted: list[Planted] = []
        self.used: set[str] = set()
        self.rng = random.Random(pop.seed + 99)
        # Rows per child per list, as generated (the problems below only touch used children).
        self._rows: dict[str, dict[str, int]] = {}
        for s in sheets:
            for c, _ in s.pairs:
                per = self._rows.setdefault(c.id, {})
                per[s.schema.name] = per.get(s.schema.name, 0) + 1

    # -- helpers ---------------------------------------------------------------------------

    def sheet(self, list_name: str) -> Sheet:
        return self.sheets[list_name]

    def plant(self, sheet: Sheet, record: list[Any] | None, column: str | None, rule: str,
              **kw: bool) -> None:
        self.planted.append(Planted(sheet, record, column, rule, **kw))

    def header(self, sheet: Sheet, *, role: str | None = None, pred: Callable[[Column], bool]
               | None = None) -> str:
        for col in sheet.schema.columns:
            if (role is not None and col.role == role) or (pred is not None and pred(col)):
                if col.header in sheet.columns:
                    return col.header
        raise LookupError(f"{sheet.schema.name}: no column for role={role}")

    def pairs(self, sheet: Sheet) -> list[tuple[Child, Episode, list[Any]]]:
        return [(c, e, r) for (c, e), r in zip(sheet.pairs, sheet.records, strict=True)]

    def find(self, sheet: Sheet, pred: Callable[[Child, Episode, list[Any]], bool],
             what: str, *, plain: bool = True,
             order: Callable[[Child], Any] | None = None) -> tuple[Child, Episode, list[Any]]:
        """A row fitting ``pred`` for a child no other problem was planted on.

        Rows are tried in a seeded random order (or by ``order``), so the problems spread down
        the sheet. ``plain`` leaves the scarce children (unborn, CSA-FE) for the problems that
        need them.
        """
        candidates = self.pairs(sheet)
        self.rng.shuffle(candidates)
        if order is not None:
            candidates.sort(key=lambda t: order(t[0]))
        for c, e, r in candidates:
            if plain and (c.is_unborn or c.csa):
                continue
            if c.id not in self.used and pred(c, e, r):
                self.used.add(c.id)
                return c, e, r
        raise LookupError(f"no child fits '{what}' on {sheet.name}: generate more children")

    def set(self, sheet: Sheet, record: list[Any], header: str, value: Any) -> None:
        record[sheet.col(header)] = value

    def get(self, sheet: Sheet, record: list[Any], header: str) -> Any:
        return record[sheet.col(header)]

    def rows_of(self, child: Child) -> dict[str, int]:
        """How many rows the child has on each list."""
        return self._rows.get(child.id, {})

    def rows_with(self, child: Child, role: str, exclude: str) -> int:
        """Rows of the child on lists (other than ``exclude``) that carry a column of ``role``."""
        n = 0
        for name, k in self.rows_of(child).items():
            if name != exclude and self.sheets[name].schema.by_role(role) is not None:
                n += k
        return n

    def spell(self, sheet: Sheet, header: str, written: str) -> None:
        """Write a header another way; it must still be read as the same column."""
        got = self.pop.schemas.match_header(sheet.schema.name, written)
        if got != header:
            raise AssertionError(f"'{written}' is not read as '{header}' (got {got!r})")
        sheet.written[header] = written

    def alias(self, sheet: Sheet, header: str, contains: str) -> None:
        """Use the schema's also_accept spelling that contains ``contains``, else the first."""
        col = sheet.schema.column(header)
        options = [a for a in col.also_accept if contains.lower() in a.lower()] or col.also_accept
        self.spell(sheet, header, options[0])

    def coerce(self, sheet: Sheet, record: list[Any], header: str, raw: Any) -> None:
        """Replace a clean value with a spelling the validator reads back to the same value."""
        col = sheet.schema.column(header)
        clean = self.get(sheet, record, header)
        codes = self.pop.schemas.codes_for(col)
        if codes is not None:
            assert codes.match(raw if not isinstance(raw, bool) else str(raw)) == clean, raw
            rule = "code-coerced"
        elif col.type == "date":
            rule = "date-coerced"
        elif col.type == "integer":
            rule = "number-coerced"
        else:
            rule = "id-coerced"
        self.set(sheet, record, header, raw)
        self.plant(sheet, record, header, rule)

    # -- the plan ----------------------------------------------------------------------------

    def run(self) -> None:
        # The problems that need scarce children (CSA-FE, unborn, in care) are planted first.
        self.csa_flag_disagrees()
        self.dob_mismatch()
        self.child_protection()
        self.children_in_need()
        self.children_in_care()
        self.contacts()
        self.referrals()
        self.assessments()
        self.section_47()
        self.yot()
        self.nps()
        self.meetings()
        self.implied()

    def csa_flag_disagrees(self) -> None:
        """CSA-FE flag N on one row of a child flagged Y on at least two others."""
        order = ["assessments", "section_47", "child_protection", "children_in_need"]
        for name in order:
            s = self.sheets[name]
            csa = self.header(s, role="csa_flag")

            def flagged(c: Child, e: Episode, r: list[Any], name: str = name) -> bool:
                return (c.csa and self.rows_with(c, "csa_flag", name) >= 2
                        and self.rows_of(c).get(name) == 1)
            try:
                _, _, r = self.find(s, flagged, "a CSA-FE child on three lists", plain=False)
            except LookupError:
                continue
            codes = self.pop.schemas.codes_for(s.schema.column(csa))
            assert codes is not None
            self.set(s, r, csa, self.book.answer(codes, False))
            self.plant(s, r, csa, "csa-flag-disagrees")
            return
        raise LookupError("no CSA-FE child is on three lists: generate more children")

    def dob_mismatch(self) -> None:
        """Day and month swapped on list 7 (or 6) against the child's other rows."""
        def swappable(c: Child, e: Episode, r: list[Any], name: str) -> bool:
            d = c.dob
            if d is None or d.day > 12 or d.day == d.month:
                return False
            swapped = dt.date(d.year, d.day, d.month)
            return (swapped <= self.as_of and age_on(swapped, self.as_of) < 18
                    and self.rows_with(c, "date_of_birth", name) >= 2
                    and self.rows_of(c).get(name) == 1)
        for name in ("child_protection", "children_in_need"):
            s = self.sheets[name]
            try:
                c, _, r = self.find(s, partial(swappable, name=name),
                                    "a date of birth that can be swapped", plain=False)
            except LookupError:
                continue
            assert c.dob is not None
            swapped = dt.date(c.dob.year, c.dob.day, c.dob.month)
            dob_h, age_h = self.header(s, role="date_of_birth"), self.header(s, role="age")
            self.set(s, r, dob_h, swapped)
            self.set(s, r, age_h, age_on(swapped, self.as_of))  # worked out from the wrong date
            self.plant(s, r, dob_h, "dob-mismatch")
            return
        raise LookupError("no date of birth can be swapped: generate more children")

    def contacts(self) -> None:
        s = self.sheet("contacts")
        s.name = "List 1"
        s.titles.append("SYNTHETIC EXAMPLE - not real children's data")
        self.alias(s, self.header(s, role="child_id"), "Child ID")
        self.alias(s, self.header(s, role="date_of_birth"), "DOB")
        date = self.header(s, role="start_date")
        source = self.header(s, pred=lambda c: c.type == "code" and c.role is None)
        gender, eth = self.header(s, role="gender"), self.header(s, role="ethnicity")
        age = self.header(s, role="age")
        male, female = self.book.value("gender", "Male"), self.book.value("gender", "Female")
        wbri = self.book.value("ethnicity", "WBRI")

        _, _, r = self.find(s, lambda c, e, r: c.gender == male, "a boy")
        self.coerce(s, r, gender, "M")
        _, _, r = self.find(s, lambda c, e, r: c.gender == female, "a girl")
        self.coerce(s, r, gender, "F")
        _, _, r = self.find(s, lambda c, e, r: c.ethnicity == wbri, "a WBRI child")
        self.coerce(s, r, eth, "WBRI")
        _, e, r = self.find(s, lambda c, e, r: True, "a contact")
        self.coerce(s, r, date, e.start.strftime("%d/%m/%Y"))
        _, e, r = self.find(s, lambda c, e, r: True, "a contact")
        self.coerce(s, r, date, (e.start - dt.date(1899, 12, 30)).days)
        _, e, r = self.find(s, lambda c, e, r: True, "a contact")
        self.coerce(s, r, date, e.start.isoformat())
        c, _, r = self.find(s, lambda c, e, r: c.age >= 2, "a child of 2 or more")
        self.coerce(s, r, age, str(c.age))

        # A contact five months back: outside the three-month period.
        five = months_before(self.as_of, 5)
        _, _, r = self.find(s, lambda c, e, r: c.dob is not None and c.dob < five - _days(60),
                            "a child born before the old contact")
        self.set(s, r, date, five)
        self.plant(s, r, date, "outside-period")
        # A source the code list does not know (an unmapped case-management system code).
        _, _, r = self.find(s, lambda c, e, r: True, "a contact")
        self.set(s, r, source, "Code 'POLICE' is not mapped")
        assert self.pop.schemas.codes_for(s.schema.column(source)).match(  # type: ignore[union-attr]
            "Code 'POLICE' is not mapped") is None
        self.plant(s, r, source, "code-not-in-list")
        # A young person who turned 18 before the list was drawn up.
        dob = add_years(self.as_of, -18) - _days(40)
        taken = {c.id for c in self.pop.children}
        new_id = next(f"{k:07d}" for k in itertools.count(990_001) if f"{k:07d}" not in taken)
        adult = Child(new_id, male, wbri, dob, None, 18,
                      self.book.value("annex_yes_no_unknown", "No"), TEAMS[0], WORKERS[0])
        plan = ListPlan(s.schema, self.pop, random.Random(1))
        ep = Episode(self.as_of - _days(9), None,
                     {"contact_source": self.book.value("contact_source", "6")})
        rec = plan.row(adult, ep)
        at = len(s.records) // 2
        s.records.insert(at, rec)
        s.pairs.insert(at, (adult, ep))
        self.plant(s, rec, self.header(s, role="date_of_birth"), "aged-18-or-over")
        # Blank rows between data rows, as left by a filtered export.
        n = len(s.records)
        s.blank_after = {n // 5, n // 5 + 1, (3 * n) // 5}

    def referrals(self) -> None:
        s = self.sheet("referrals")
        s.name = "Referrals"
        s.titles = []  # header in row 1
        self.alias(s, self.header(s, role="child_id"), "Child ID")
        self.alias(s, self.header(s, role="date_of_birth"), "DOB")
        self.spell(s, self.header(s, role="age"), "Age")
        start = self.header(s, role="start_date")
        self.spell(s, start, start.title().replace(" Of ", " of "))
        worker = self.header(s, role="worker")

        # The source column dropped from the export: a required column missing.
        source = self.header(s, pred=lambda c: c.type == "code" and c.required
                             and c.role is None)
        j = s.col(source)
        s.columns.pop(j)
        for rec in s.records:
            rec.pop(j)
        self.plant(s, None, source, "column-missing", canonical_column=True)
        # An extra column the list does not have, holding the sentinel name on one row.
        k = s.col(self.header(s, role="child_id")) + 1
        s.columns.insert(k, "Child name")
        for rec in s.records:
            rec.insert(k, None)
        _, _, r = self.find(s, lambda c, e, r: True, "a referral")
        r[k] = SENTINEL_NAME
        self.plant(s, None, "Child name", "column-unknown", header_level=True)

        # A blank worker on a referral that was not closed with no further action: para 19
        # asks for it "where possible" (a warning; an NFA referral may have none at all).
        nfa = self.header(s, pred=lambda c: normalise(c.header) == "referral nfa")

        def allocated(c: Child, e: Episode, r: list[Any]) -> bool:
            return normalise(str(self.get(s, r, nfa))) not in ("a yes", "yes", "y")

        _, _, r = self.find(s, allocated, "a referral not closed with no further action")
        self.set(s, r, worker, None)
        self.plant(s, r, worker, "value-missing")
        _, _, r = self.find(s, lambda c, e, r: True, "a referral")
        self.set(s, r, start, "12/25/2025")
        self.plant(s, r, start, "date-impossible")
        # A blank child ID: the list cannot be used without it (an error).
        ident = self.header(s, role="child_id")
        _, _, r = self.find(s, lambda c, e, r: True, "a referral")
        self.set(s, r, ident, None)
        self.plant(s, r, ident, "required-missing")

    def assessments(self) -> None:
        s = self.sheet("assessments")
        s.name = "Sheet3"
        id_h = self.header(s, role="child_id")
        self.spell(s, id_h, id_h.upper())
        self.alias(s, self.header(s, role="disability"), "Disability")
        for col in s.schema.columns:
            if "’" in col.header:
                self.spell(s, col.header, col.header.replace("’", "'"))
        gender = self.header(s, role="gender")
        end = self.header(s, role="end_date")

        # Y/N written every which way: each must read back as the clean value.
        yes_no = [c.header for c in s.schema.columns if c.type == "yes_no"]
        variants = [(True, "Yes"), (False, "No"), (True, "y"), (True, True), (True, 1),
                    (False, "n")]
        for k, (answer, raw) in enumerate(variants):
            # Each spelling in the next column along (the CSA-FE flag among them).
            cols = yes_no[-k % len(yes_no):] + yes_no[:-k % len(yes_no)]

            def fits(c: Child, e: Episode, r: list[Any], answer: bool = answer,
                     cols: list[str] = cols) -> bool:
                return any(self._is(s, r, h, answer) for h in cols)
            _, _, r = self.find(s, fits, f"a {answer} answer")
            self.coerce(s, r, next(h for h in cols if self._is(s, r, h, answer)), raw)

        # Gender differs from the child's other rows.
        male, female = self.book.value("gender", "Male"), self.book.value("gender", "Female")
        c, _, r = self.find(s, lambda c, e, r: c.gender in (male, female)
                            and self.rows_with(c, "gender", "assessments") >= 2
                            and self.rows_of(c).get("assessments") == 1, "a child on 3 lists")
        self.set(s, r, gender, female if c.gender == male else male)
        self.plant(s, r, gender, "gender-mismatch")
        # An authorisation date after the as-of date.
        _, _, r = self.find(s, lambda c, e, r: e.end is not None, "an authorised assessment")
        self.set(s, r, end, self.as_of + _days(9))
        self.plant(s, r, end, "date-in-future")

    def _is(self, s: Sheet, r: list[Any], header: str, answer: bool) -> bool:
        codes = self.pop.schemas.codes_for(s.schema.column(header))
        v = self.get(s, r, header)
        return v is not None and codes is not None and v == self.book.answer(codes, answer)

    def section_47(self) -> None:
        s = self.sheet("section_47")
        s.name = "S47"
        start = self.header(s, role="start_date")
        icpc = self.header(s, pred=lambda c: c.rules.not_before == start)
        self.alias(s, start, "Section 47 Enquiry Start Date")
        self.alias(s, icpc, "Date of ICPC")
        id_h, age = self.header(s, role="child_id"), self.header(s, role="age")
        count = self.header(s, pred=lambda c: c.type == "integer" and c.role is None
                            and (c.rules.at_least or 0) >= 0)

        c, _, r = self.find(s, lambda c, e, r: True, "an S47")
        self.coerce(s, r, id_h, f" {c.id} ")
        c, _, r = self.find(s, lambda c, e, r: 0 <= c.age <= 14, "a child under 15")
        self.set(s, r, age, c.age + 2)
        self.plant(s, r, age, "age-dob-mismatch")
        _, e, r = self.find(s, lambda c, e, r: e.facts.get("icpc") is not None, "an ICPC",
                            plain=False)
        self.set(s, r, icpc, e.start - _days(3))
        self.plant(s, r, icpc, "end-before-start")
        _, _, r = self.find(s, lambda c, e, r: True, "an S47")
        self.set(s, r, count, -1)
        self.plant(s, r, count, "number-too-small")

    def children_in_need(self) -> None:
        s = self.sheet("children_in_need")
        s.name = "List 6"
        s.titles.append("Produced from the case management system - SYNTHETIC EXAMPLE")
        self.alias(s, self.header(s, role="child_id"), "Child ID")
        self.alias(s, self.header(s, role="date_of_birth"), "DOB")
        self.spell(s, self.header(s, role="age"), "Age")
        start, end = self.header(s, role="start_date"), self.header(s, role="end_date")
        self.spell(s, start, start.lower())
        team = self.header(s, role="team")
        self.spell(s, team, team.replace(" ", "  "))
        need = self.header(s, role="need")
        edd = self.header(s, role="expected_date_of_birth")
        reason = self.header(s, pred=lambda c: c.rules.only_with == end)
        seen = self.header(s, pred=lambda c: c.type == "date" and c.role is None
                           and not c.rules.not_before)
        status = self.header(s, pred=lambda c: c.codes == "case_status")
        n1 = self.book.value("primary_need", "N1")
        rc7 = self.book.value("reason_for_closure", "RC7")
        only6 = lambda c: c.cp is None and c.cla is None  # noqa: E731

        _, _, r = self.find(s, lambda c, e, r: e.facts.get("need") == n1, "an N1 child")
        self.coerce(s, r, need, "N1 Abuse or neglect")
        _, _, r = self.find(s, lambda c, e, r: c.is_unborn, "an unborn child", plain=False)
        self.set(s, r, edd, None)
        self.plant(s, r, edd, "unborn-no-expected-dob")
        _, _, r = self.find(s, lambda c, e, r: not c.is_unborn and only6(c) and e.end is None,
                            "an open CIN")
        self.set(s, r, start, self.as_of - _days(20))
        self.set(s, r, end, self.as_of - _days(27))
        self.set(s, r, reason, rc7)
        self.set(s, r, status, self.book.value("case_status", "Closed episode"))
        self.set(s, r, seen, self.as_of - _days(30))
        self.plant(s, r, end, "end-before-start")
        _, _, r = self.find(s, lambda c, e, r: only6(c) and e.end is None, "an open CIN")
        self.set(s, r, reason, rc7)
        self.plant(s, r, reason, "reason-without-end-date")
        _, _, r = self.find(s, lambda c, e, r: self.get(s, r, seen) is not None, "a last-seen")
        self.set(s, r, seen, "31/02/2025")
        self.plant(s, r, seen, "date-impossible")
        _, _, r = self.find(s, lambda c, e, r: True, "a CIN")
        self.set(s, r, team, "#N/A")
        self.plant(s, r, team, "excel-error")
        n = len(s.records)
        s.blank_after = {n // 3, (2 * n) // 3}

    def child_protection(self) -> None:
        s = self.sheet("child_protection")
        s.name = "CP"
        s.titles = []
        self.alias(s, self.header(s, role="child_id"), "Child ID")
        dob_h = self.header(s, role="date_of_birth")
        self.alias(s, dob_h, "DOB")
        start, end = self.header(s, role="start_date"), self.header(s, role="end_date")
        self.spell(s, end, end.upper())
        csa = self.header(s, role="csa_flag")
        worker = self.header(s, role="worker")
        visit = self.header(s, pred=lambda c: c.type == "date" and c.role is None
                            and not c.rules.not_before)
        extra = [c.header for c in s.schema.columns if c.role in ADDITIONAL_ROLES]

        # Y/N written out in words, on a CSA-FE child's row (flag and an additional question).
        _, _, r = self.find(s, lambda c, e, r: c.csa and bool(c.additional), "a CSA-FE child",
                            plain=False)
        self.coerce(s, r, csa, "Yes")
        h = extra[self.rng.randrange(len(extra))]
        self.coerce(s, r, h, "Yes" if self._is(s, r, h, True) else "No")
        _, _, r = self.find(s, lambda c, e, r: self.get(s, r, visit) is not None, "a visit")
        self.set(s, r, visit, "TBC")
        self.plant(s, r, visit, "date-not-recognised")

        # A plan that ended before it started.
        _, _, r = self.find(s, lambda c, e, r: e.end is None and c.cla is None, "an open plan")
        self.set(s, r, start, self.as_of - _days(25))
        self.set(s, r, end, self.as_of - _days(32))
        for col in s.schema.columns:
            if col.rules.not_before == start and col.header != end:
                v = self.get(s, r, col.header)
                if isinstance(v, dt.date) and v < self.as_of - _days(25):
                    self.set(s, r, col.header, None)
        self.plant(s, r, end, "end-before-start")

        # The same child twice (a join on worker history): both rows are reported.
        _, _, r = self.find(s, lambda c, e, r: True, "a plan")
        twin = list(r)
        others = [w for w in WORKERS if w != self.get(s, r, worker)]
        twin[s.col(worker)] = others[0]
        at = next(k for k, x in enumerate(s.records) if x is r) + 1
        s.records.insert(at, twin)
        s.pairs.insert(at, s.pairs[at - 1])
        id_h = self.header(s, role="child_id")
        self.plant(s, r, id_h, "duplicate-child")
        self.plant(s, twin, id_h, "duplicate-child")

    def children_in_care(self) -> None:
        s = next(x for x in self.order if x.schema.list_number == 8)  # full or reduced form
        s.name = "List_8"
        for col in s.schema.columns:
            if "'" in col.header:
                self.spell(s, col.header, col.header.replace("'", "’"))
        start = self.header(s, role="start_date")
        c, _, r = self.find(s, lambda c, e, r: True, "a child in care", plain=False,
                            order=lambda c: c.age)  # the youngest
        assert c.dob is not None
        self.set(s, r, start, c.dob - _days(21))
        self.plant(s, r, start, "looked-after-before-birth")

    def yot(self) -> None:
        s = self.sheet("yot")
        status = self.header(s, role="status")
        id_h = self.header(s, role="child_id")
        codes = self.pop.schemas.codes_for(s.schema.column(status))
        assert codes is not None
        keep = min(3, len(s.records))
        del s.records[keep:]
        del s.pairs[keep:]
        plan = ListPlan(s.schema, self.pop, random.Random(2))
        kids = self.pop.children

        def add(child: Child, state: str) -> list[Any]:
            rec = plan.row(child, Episode(self.as_of))
            rec[s.col(status)] = codes.match(state)
            s.records.append(rec)
            s.pairs.append((child, Episode(self.as_of)))
            self.used.add(child.id)
            return rec

        ghost = next(c for c in kids if c.status is None and c.age >= 12 and c.id not in self.used)
        self.plant(s, add(ghost, "CIN"), id_h, "not-on-lists-6-8")
        # A CSA-FE child: a YOT child flagged N would also (rightly) be yot-nps-not-flagged.
        fits = [c for c in kids if c.status == "CIN" and c.age >= 10
                and c.id not in self.used and c not in self.pop.yot]
        only6 = next((c for c in fits if c.csa), fits[0])
        self.plant(s, add(only6, "CP"), status, "status-not-matching")

    def nps(self) -> None:
        s = self.sheet("nps")
        s.titles = []
        plan = ListPlan(s.schema, self.pop, random.Random(3))
        listed = {c.id for c, _ in s.pairs}
        extra = [c for c in self.pop.children if c.csa and c.status and c.id not in listed
                 and c.id not in self.used]
        extra += [c for c in self.pop.children if c.status and not c.csa and c.id not in listed
                  and c.id not in self.used]
        for c in extra[: max(0, 6 - len(s.records))]:
            s.records.append(plan.row(c, Episode(self.as_of)))
            s.pairs.append((c, Episode(self.as_of)))
        order = sorted(range(len(s.records)), key=lambda k: s.pairs[k][0].id)
        s.records = [s.records[k] for k in order]
        s.pairs = [s.pairs[k] for k in order]
        self.plant(s, None, None, "too-many-rows")
        # IDs stored as numbers here lose their leading zeros; they are text on the other lists.
        id_h = self.header(s, role="child_id")
        for rec in s.records:
            rec[s.col(id_h)] = int(rec[s.col(id_h)])
            self.plant(s, rec, id_h, "id-leading-zeros")

    def meetings(self) -> None:
        s = self.sheet("multi_agency_meetings")
        kind = self.header(s, pred=lambda c: c.type == "code")
        date = self.header(s, pred=lambda c: c.type == "date")
        _, e, r = self.find(s, lambda c, e, r: True, "a meeting", plain=False)
        self.set(s, r, date, dt.datetime.combine(e.start, dt.time(14, 0)))
        cin_review = self.book.value("meeting_type", "Children in care review")
        hit = next(((c, e, r) for c, e, r in self.pairs(s)
                    if self.get(s, r, kind) == cin_review), None)
        if hit is not None:
            self.coerce(s, hit[2], kind, "LAC review")


    def implied(self) -> None:
        """Problems the guidance implies (jtai_cli/implied_checks.py); planted last so the
        seeded choices above stay as they were."""
        s = next(x for x in self.order if x.schema.list_number == 8)
        postcode = next((c.header for c in s.schema.columns
                         if normalise(c.header) == "placement postcode"), None)
        if postcode is not None and postcode in s.columns:
            _, _, r = self.find(s, lambda c, e, r: True, "a placement", plain=False)
            self.set(s, r, postcode, "nope")  # as in a real third-party sample
            self.plant(s, r, postcode, "postcode-not-recognised")
        s = self.sheet("multi_agency_meetings")
        date = self.header(s, pred=lambda c: c.type == "date")
        _, e, r = self.find(s, lambda c, e, r: True, "a meeting", plain=False)
        self.set(s, r, date, e.start + _days(21))
        self.plant(s, r, date, "meeting-outside-fieldwork-week")


def write_messy(
    path: str | Path,
    population: Population | None = None,
    *,
    seed: int = DEFAULT_SEED,
    children: int = DEFAULT_CHILDREN,
    as_of: dt.date = AS_OF,
    manifest_path: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Write the messy workbook: the same kind of lists with every known export problem planted.

    Args:
        path: the .xlsx to write.
        population: the children (drawn from ``seed``, ``children`` and ``as_of`` if not given).
        manifest_path: also write the planted findings here as JSON.

    Returns:
        The planted findings: ``{"sheet", "row", "column", "rule"}`` each, in sheet order.
    """
    pop = population or build_population(seed, children, as_of)
    sheets = build_sheets(pop, list8="children_in_care_reduced")
    mess = Mess(pop, sheets)
    mess.run()
    write_sheets(path, sheets)
    position = {s.name: k for k, s in enumerate(sheets)}
    manifest = [p.resolve() for p in mess.planted]
    manifest.sort(key=lambda m: (position[m["sheet"]], m["row"] or 0, m["column"] or "",
                                 m["rule"]))
    if manifest_path is not None:
        Path(manifest_path).write_text(dump_manifest(manifest), encoding="utf-8")
    return manifest


def dump_manifest(manifest: Sequence[dict[str, Any]]) -> str:
    """The manifest as JSON, one finding per line so a diff reads well."""
    lines = ",\n".join("  " + json.dumps(m, ensure_ascii=False) for m in manifest)
    return "[\n" + lines + "\n]\n"


# --------------------------------------------------------------------------- the edge workbook


@dataclass(frozen=True)
class EdgeCase:
    """One legitimate return that looks wrong, planted in ``lists_edge.xlsx``.

    ``name`` is how the tests refer to it; ``paragraph`` the guidance paragraph that makes it
    right; ``sheet`` and ``child`` where it is (``child`` None: the case is the sheet's layout).
    """

    name: str
    paragraph: str
    sheet: str
    child: str | None
    why: str


#: The edge workbook was extracted on this day and saved the same evening; it has no "as at"
#: title (the official template has none), so a check a week later must work the day out.
EDGE_EXTRACTED = AS_OF
EDGE_SAVED = dt.datetime(2026, 11, 23, 17, 30, 0)


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` years earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _default_value(col: Column, schemas: SchemaSet, day: dt.date) -> Any:
    """A valid value for a required column the edge case does not care about."""
    if col.type in ("code", "yes_no"):
        codes = schemas.codes_for(col)
        assert codes is not None
        if col.type == "yes_no":
            return next(v for v in codes.values if normalise(codes.means(v)) in ("no", "n"))
        return codes.values[0]
    if col.type == "date":
        return day - dt.timedelta(days=3)
    if col.type == "integer":
        return max(col.rules.at_least or 0, 0)
    if col.role == "worker":
        return WORKERS[0]
    return TEAMS[0]


def _edge_record(schema: ListSchema, schemas: SchemaSet, columns: Sequence[str], day: dt.date,
                 values: Mapping[str, Any]) -> list[Any]:
    """One row: the values given (by header or role), valid defaults for other required ones."""
    out: list[Any] = []
    for header in columns:
        col = schema.column(header)
        if header in values:
            out.append(values[header])
        elif col.role is not None and col.role in values:
            out.append(values[col.role])
        elif col.required:
            out.append(_default_value(col, schemas, day))
        else:
            out.append(None)
    return out


def build_edge(as_of: dt.date = EDGE_EXTRACTED,
               schemas: SchemaSet | None = None) -> tuple[list[Sheet], list[EdgeCase]]:
    """The legitimate-but-odd returns of the domain brief, one named child each.

    Every row is right; a validator that reports an error here raises a false alarm. The
    lists have no title rows (as the official template), so no "as at" date.
    """
    schemas = schemas or load_schemas()
    e = as_of

    def day(n: int) -> dt.date:
        return e + dt.timedelta(days=n)

    def born(years: int, days_later: int = 0) -> dt.date:
        return _years_before(e, years) + dt.timedelta(days=days_later)

    cases: list[EdgeCase] = []
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in (
        "contacts", "referrals", "section_47", "children_in_need", "child_protection",
        "children_in_care_reduced", "children_in_care", "referrals_csa_fe")}
    sheet_of = {name: sheet_name(schemas, name) for name in rows}
    # Both forms of list 8 would go on "List_8": the full form (which has the placement
    # postcode) goes on a sheet of its own.
    sheet_of["children_in_care"] = "List_8 ILACS"

    def child(name: str, paragraph: str, list_name: str, cid: str, why: str,
              **values: Any) -> None:
        rows[list_name].append({"child_id": cid, **values})
        cases.append(EdgeCase(name, paragraph, sheet_of[list_name], cid, why))

    def age(dob: dt.date) -> int:
        return age_on(dob, e)

    # Para 18 at the event: a contact made at 17 by a young person 18 today.
    dob = _years_before(day(-20), 18)
    child("contact_made_at_17", "18", "contacts", "E101",
          "contact 60 days ago, aged 17; 18 since 20 days ago",
          date_of_birth=dob, age=age(dob), start_date=day(-60))
    # Decimal ages exported by the case system (6.14): read as 6 and still checked.
    dob = born(6, -50)
    child("decimal_age", "20", "contacts", "E102", "age exported as 6.14 years",
          date_of_birth=dob, age=6.14, start_date=day(-5))
    # A birthday in the week after extraction: the age is right on the extraction day.
    dob = born(10, 3)
    child("birthday_after_extraction", "20", "contacts", "E103",
          "age 9 on the extraction day; 10 three days later, before the check",
          date_of_birth=dob, age=age(dob), start_date=day(-10))
    # The latest event in the lists: the day before extraction.
    dob = born(12, -100)
    child("latest_event_day_before_extraction", "20", "contacts", "E104",
          "a contact the day before extraction bounds the extraction day from below",
          date_of_birth=dob, age=age(dob), start_date=day(-1))
    # Work before birth: contacts, referrals, CIN and CP for an unborn baby.
    edd = day(90)
    child("pre_birth_contact", "20", "contacts", "E105", "unborn: no date of birth, age -1",
          expected_date_of_birth=edd, age=-1, start_date=day(-40))
    child("pre_birth_referral", "20", "referrals", "E105", "referral before birth",
          expected_date_of_birth=edd, age=-1, start_date=day(-38))
    child("pre_birth_cin", "20", "children_in_need", "E105", "CIN episode before birth",
          expected_date_of_birth=edd, age=-1, start_date=day(-37))
    child("pre_birth_cp_plan", "20", "child_protection", "E105", "CP plan before birth",
          expected_date_of_birth=edd, age=-1, start_date=day(-20))
    # Para 32: a conference booked after the extraction day on an open enquiry.
    dob = born(8, -30)
    child("icpc_booked_on_open_enquiry", "32", "section_47", "E106",
          "ICPC dated 5 days after extraction, no outcome yet",
          date_of_birth=dob, age=age(dob), start_date=day(-10),
          **{"Date of Initial Child Protection Conference": day(5),
             "Was an Initial Child Protection Conference deemed unnecessary?": "b) No"})
    # Para 32: "subject of a section 47 enquiry in the six months": started 8 months ago,
    # still open.
    dob = born(14, -200)
    child("s47_started_8_months_ago_still_open", "32", "section_47", "E107",
          "enquiry started 8 months ago, no conference and none deemed unnecessary yet",
          date_of_birth=dob, age=age(dob), start_date=months_before(e, 8))
    # Para 18 at the event: CIN case transferred to adult services (RC6) last month.
    dob = _years_before(day(-25), 18) - dt.timedelta(days=10)
    child("rc6_transfer_to_adult_services", "18", "children_in_need", "E108",
          "CIN closed 25 days ago, RC6, 10 days after the 18th birthday",
          date_of_birth=dob, age=age(dob), start_date=day(-400), end_date=day(-25),
          **{"Reason for Closure": "RC6 - Transferred to adult social care services"})
    # Para 18 at the event: ceased care aged 18 and stayed with carers (E17) last month.
    dob = _years_before(day(-30), 18) - dt.timedelta(days=14)
    child("e17_ceased_care_at_18", "18", "children_in_care_reduced", "E109",
          "ceased care 30 days ago, E17, two weeks after the 18th birthday",
          date_of_birth=dob, age=age(dob), start_date=day(-900), end_date=day(-30),
          **{"Reason Ceased to be Looked After":
             "v) E17: Aged 18+ and remained with current carers"})
    # List 8 asks "has been" at risk, list 6 "is": Y on 8 with N on 6 is consistent.
    dob = born(11, -60)
    child("list8_has_been_y_list6_is_n", "20", "children_in_need", "E110",
          "CSA-FE N on list 6 (is at risk)", date_of_birth=dob, age=age(dob),
          start_date=day(-300), csa_flag="N")
    child("list8_has_been_y_list6_is_n", "20", "children_in_care_reduced", "E110",
          "CSA-FE Y on list 8 (has been at risk)", date_of_birth=dob, age=age(dob),
          start_date=day(-200), csa_flag="Y")

    # Para 19 ("where possible") with para 32's "Referral NFA?": a referral closed with no
    # further action and never allocated has no team and no worker.
    dob = born(9, -40)
    child("nfa_referral_never_allocated", "19", "referrals", "E111",
          "referral NFA, never allocated: team and worker blank", date_of_birth=dob,
          age=age(dob), start_date=day(-30), team=None, worker=None,
          **{"Referral NFA?": "a) Yes"})
    # Para 19: a closed CIN episode whose worker has been released.
    dob = born(13, -75)
    child("closed_cin_worker_released", "19", "children_in_need", "E112",
          "CIN closed 20 days ago (RC7), worker released: worker blank", date_of_birth=dob,
          age=age(dob), start_date=day(-300), end_date=day(-20), worker=None,
          **{"Reason for Closure": "RC7 - Services ceased for any other reason, including "
                                    "child no longer in need"})
    # Para 20 ("If unborn: expected date of birth"): due three weeks ago, birth not recorded.
    child("unborn_due_date_three_weeks_ago", "20", "children_in_need", "E113",
          "unborn, expected date of birth 21 days before extraction (within six weeks)",
          expected_date_of_birth=day(-21), age=-1, start_date=day(-120))
    # Para 20: the expected date written in the date of birth column, age -1, ten days past.
    child("unborn_expected_date_in_dob_column", "20", "child_protection", "E114",
          "age -1 with the expected date 10 days before extraction as the date of birth",
          date_of_birth=day(-10), age=-1, start_date=day(-60))
    # Para 20 asks for the placement address; the template allows confidential placements
    # and placements abroad (LA of Placement CON and NUK), so the postcode says so.
    for cid, word in (("E115", "Confidential"), ("E116", "Abroad")):
        dob = born(10, -5 * int(cid[-1]))
        child(f"placement_postcode_{word.lower()}", "20", "children_in_care", cid,
              f"placement postcode '{word}'", date_of_birth=dob, age=age(dob),
              start_date=day(-400), **{"Placement postcode": word})
    # The DfE SSDA903 return: no placement provider on a temporary placement (T0-T4, Z1).
    dob = born(15, -10)
    child("temporary_placement_no_provider", "20", "children_in_care_reduced", "E117",
          "placement type T0, placement provider blank", date_of_birth=dob, age=age(dob),
          start_date=day(-50), **{"Placement Type": "w) T0: Temporary placement",
                                  "Placement Provider": None})
    # The DfE SSDA903 return: no placement location or address for a short break (V3/V4).
    dob = born(12, -120)
    child("short_break_no_location", "20", "children_in_care_reduced", "E118",
          "legal status V3, placement location and address blank", date_of_birth=dob,
          age=age(dob), start_date=day(-70), legal_status="V3: Short term breaks, episodes "
          "recorded", **{"Placement Location": None, "Placement address": None})
    # Para 33: the list 3 columns alone, on a sheet named for para 33 (jtai's optional "why"
    # column left out): read as the para 33 list, not as a second list 3.
    dob = born(7, -15)
    child("para33_without_why_column", "33", "referrals_csa_fe", "E119",
          "a para 33 sheet with only the list 3 columns", date_of_birth=dob, age=age(dob),
          start_date=day(-25), **{"Referral NFA?": "b) No"})

    sheets: list[Sheet] = []
    for list_name, recs in rows.items():
        schema = schemas.lists[list_name]
        columns = [c.header for c in schema.columns]
        if list_name == "referrals":
            # Para 19: the fields "where possible": a column not given is not an error.
            columns.remove("Referral Source")
        if list_name == "referrals_csa_fe":
            columns.remove("Why this referral relates to CSA-FE")
        records = []
        for values in recs:
            by_header = {k: v for k, v in values.items() if k in columns}
            by_role = {k: v for k, v in values.items() if k not in columns}
            if "csa_flag" not in by_role:
                by_role["csa_flag"] = "N"
            records.append(_edge_record(schema, schemas, columns, e, {**by_role, **by_header}))
        sheets.append(Sheet(sheet_of[list_name], schema, columns, records, []))
    cases.append(EdgeCase("missing_non_essential_column", "19", "List_3", None,
                          "the referrals list has no Referral Source column"))
    cases.append(EdgeCase("no_as_at_title_checked_a_week_later", "20", "List_1", None,
                          "no title rows; saved on the extraction day"))
    return sheets, cases


def write_edge(path: str | Path, as_of: dt.date = EDGE_EXTRACTED) -> list[EdgeCase]:
    """Write ``lists_edge.xlsx``: legitimate edge cases only, so ``jtai validate`` exits 0.

    The file's saved date (``docProps/core.xml``) is fixed at the extraction day, as an LA's
    export would carry it; openpyxl's own ``save`` would stamp the time of writing instead.
    """
    sheets, cases = build_edge(as_of)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    stamp = dt.datetime.combine(as_of, EDGE_SAVED.time())
    wb.properties.creator = "jtai examples/generate.py (synthetic data)"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    for sheet in sheets:
        _write_part(wb, sheet, sheet.name, 0, len(sheet.records))
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return cases


# --------------------------------------------------------------------------- extractions


#: The edge extractions: the day-2 lists (paras 17-21) taken on Wednesday 25/11/2026, the
#: day-7 lists (para 32) on Wednesday 02/12/2026, the para 33 list on Thursday 03/12/2026;
#: the file saved that evening and checked the week after.
EXTRACTED_DAY_2 = dt.date(2026, 11, 25)
EXTRACTED_DAY_7 = dt.date(2026, 12, 2)
EXTRACTED_DAY_8 = dt.date(2026, 12, 3)
EXTRACTIONS_SAVED = dt.datetime(2026, 12, 3, 17, 30, 0)


def _extraction_sheet(schemas: SchemaSet, list_name: str, day: dt.date,
                      records: Sequence[Mapping[str, Any]], *, titled: bool) -> Sheet:
    """A list extracted on ``day``: its records (by header or role), valid defaults for the
    other required columns, and a "data as at" title when ``titled``."""
    schema = schemas.lists[list_name]
    columns = [c.header for c in schema.columns]
    rows = []
    for values in records:
        values = {"csa_flag": "N", **values}
        status = schema.by_role("status")
        if status is not None and "status" not in values:
            codes = schemas.codes_for(status)
            assert codes is not None
            values["status"] = codes.values[0]
        rows.append(_edge_record(schema, schemas, columns, day, values))
    return Sheet(sheet_name(schemas, list_name), schema, columns, rows,
                 [title_for(schema, day)] if titled else [])


def build_edge_extractions(
    schemas: SchemaSet | None = None,
) -> tuple[dict[str, list[Sheet]], list[EdgeCase]]:
    """Legitimate returns whose lists were extracted on different days (issue 23 section 1).

    Returns three workbooks' sheets, by file name, and the cases, each named with its
    paragraph: ``lists_edge_extractions.xlsx`` holds the day-2, day-7 and para 33 lists in
    one file, titles on some lists only, each with its own date; ``lists_edge_day2.xlsx``
    and ``lists_edge_day7.xlsx`` are the two extractions as separate files, to merge. Every
    row is right on its own list's extraction day and wrong on another's, so a validator
    that spreads one list's date to the others, or judges the file on one window, reports
    false errors here.
    """
    schemas = schemas or load_schemas()
    d2, d7, d8 = EXTRACTED_DAY_2, EXTRACTED_DAY_7, EXTRACTED_DAY_8
    cases: list[EdgeCase] = []

    def case(name: str, paragraph: str, sheet: Sheet, child: str | None, why: str) -> None:
        cases.append(EdgeCase(name, paragraph, sheet.name, child, why))

    # One workbook, three extractions. E201 turns 12 on 28/11, between day 2 and day 7.
    dob_e201 = dt.date(2014, 11, 28)
    # E202 turns 14 on 27/11; E203 turns 16 on 01/12; E204 is 9 throughout.
    dob_e202, dob_e203, dob_e204 = (dt.date(2012, 11, 27), dt.date(2010, 12, 1),
                                    dt.date(2017, 6, 14))
    list6 = _extraction_sheet(schemas, "children_in_need", d2, [
        {"child_id": "E201", "date_of_birth": dob_e201, "age": age_on(dob_e201, d2),
         "start_date": d2 - dt.timedelta(days=1)}], titled=True)
    list7 = _extraction_sheet(schemas, "child_protection", d2, [
        {"child_id": "E202", "date_of_birth": dob_e202, "age": age_on(dob_e202, d2),
         "start_date": d2 - dt.timedelta(days=1), "csa_flag": "Y"}], titled=False)
    yot = _extraction_sheet(schemas, "yot", d2, [
        {"child_id": "E202", "date_of_birth": dob_e202, "age": age_on(dob_e202, d2),
         "status": "CP"}], titled=False)
    list1 = _extraction_sheet(schemas, "contacts", d7, [
        {"child_id": "E201", "date_of_birth": dob_e201, "age": age_on(dob_e201, d7),
         "start_date": d7 - dt.timedelta(days=1)}], titled=True)
    list3 = _extraction_sheet(schemas, "referrals", d7, [
        {"child_id": "E203", "date_of_birth": dob_e203, "age": age_on(dob_e203, d7),
         "start_date": d7}], titled=False)
    para33 = _extraction_sheet(schemas, "referrals_csa_fe", d8, [
        {"child_id": "E204", "date_of_birth": dob_e204, "age": age_on(dob_e204, d8),
         "start_date": d8,
         "Why this referral relates to CSA-FE": "disclosure to a teacher about a relative"}],
        titled=True)
    case("day2_list_titled_with_its_own_date", "17", list6, "E201",
         "List 6 'data as at 25/11/2026': age 11, 12 from 28/11 (before the day-7 lists)")
    case("day7_list_titled_with_its_own_date", "32", list1, "E201",
         "List 1 'data as at 02/12/2026': age 12 and a contact on 01/12, after list 6's date")
    case("para33_list_titled_with_its_own_date", "33", para33, "E204",
         "para 33 list 'data as at 03/12/2026': a referral on 03/12, after the day-7 date")
    case("untitled_day2_list_beside_titled_ones", "17", list7, "E202",
         "List 7 has no title: judged on the day-2 lists' own window (latest event 24/11), "
         "not on list 6's title nor the day-7 events; age 13, 14 from 27/11")
    case("untitled_yot_list", "21", yot, "E202", "YOT list untitled, due on day 2 with list 7")
    case("untitled_day7_list_beside_a_titled_one", "32", list3, "E203",
         "List 3 has no title: judged on the day-7 lists' window (a referral on 02/12); age "
         "16 since 01/12, 15 on the day-2 date")
    one_file = [list6, list7, list1, list3, para33, yot]
    sheets = {"lists_edge_extractions.xlsx": sorted(
        one_file, key=lambda s: list(schemas.lists).index(s.schema.name))}

    # Two files, one per extraction, to merge: E301 turns 12 on 28/11.
    dob = dt.date(2014, 11, 28)
    day2 = [
        _extraction_sheet(schemas, "children_in_need", d2, [
            {"child_id": "E301", "date_of_birth": dob, "age": age_on(dob, d2),
             "start_date": d2 - dt.timedelta(days=2)}], titled=False),
        _extraction_sheet(schemas, "child_protection", d2, [
            {"child_id": "E301", "date_of_birth": dob, "age": age_on(dob, d2),
             "start_date": d2 - dt.timedelta(days=1)}], titled=False),
    ]
    day7 = [
        _extraction_sheet(schemas, "contacts", d7, [
            {"child_id": "E301", "date_of_birth": dob, "age": age_on(dob, d7),
             "start_date": d7 - dt.timedelta(days=1)}], titled=False),
        _extraction_sheet(schemas, "referrals", d7, [
            {"child_id": "E301", "date_of_birth": dob, "age": age_on(dob, d7),
             "start_date": d7 - dt.timedelta(days=1)}], titled=False),
    ]
    sheets["lists_edge_day2.xlsx"] = day2
    sheets["lists_edge_day7.xlsx"] = day7
    cases.append(EdgeCase("day2_file_merged_with_day7_file", "17, 32", "List_6", "E301",
                          "lists_edge_day2.xlsx (saved 25/11) and lists_edge_day7.xlsx (saved "
                          "02/12), untitled: age 11 on the day-2 lists, 12 on the day-7 ones; "
                          "right in each file and in their merge"))
    return sheets, cases


def _write_saved(path: Path, sheets: Sequence[Sheet], saved: dt.datetime) -> None:
    """Write the sheets with a fixed saved date (``docProps/core.xml``), as an LA's export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    wb.properties.creator = "jtai examples/generate.py (synthetic data)"
    wb.properties.created = saved
    wb.properties.modified = saved
    for sheet in sheets:
        _write_part(wb, sheet, sheet.name, 0, len(sheet.records))
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()


def write_edge_extractions(folder: str | Path) -> list[EdgeCase]:
    """Write ``lists_edge_extractions.xlsx``, ``lists_edge_day2.xlsx`` and
    ``lists_edge_day7.xlsx`` (see ``build_edge_extractions``): ``jtai validate`` exits 0 on
    each without ``--as-of``, and on the merge of the last two."""
    sheets, cases = build_edge_extractions()
    saved = {"lists_edge_extractions.xlsx": EXTRACTIONS_SAVED,
             "lists_edge_day2.xlsx": dt.datetime.combine(EXTRACTED_DAY_2, EDGE_SAVED.time()),
             "lists_edge_day7.xlsx": dt.datetime.combine(EXTRACTED_DAY_7, EDGE_SAVED.time())}
    for name, file_sheets in sheets.items():
        _write_saved(Path(folder) / name, file_sheets, saved[name])
    return cases


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Write lists_clean.xlsx, lists_messy.xlsx, lists_messy.expected.json, lists_edge.xlsx,
    and the edge extractions (lists_edge_extractions.xlsx, lists_edge_day2.xlsx and
    lists_edge_day7.xlsx)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder to write the workbooks to (default: examples/)")
    parser.add_argument("--children", type=int, default=DEFAULT_CHILDREN,
                        help=f"how many synthetic children (default {DEFAULT_CHILDREN})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pop = build_population(args.seed, args.children, AS_OF)
    clean = args.out / "lists_clean.xlsx"
    counts = write_clean(clean, pop)
    messy = args.out / "lists_messy.xlsx"
    try:
        manifest = write_messy(messy, pop, manifest_path=args.out / "lists_messy.expected.json")
    except LookupError as exc:
        print(f"{clean}: written. The messy workbook was not: {exc} "
              "(about 150 children or more are needed)", file=sys.stderr)
        return 2
    edge = args.out / "lists_edge.xlsx"
    cases = write_edge(edge)
    extractions = write_edge_extractions(args.out)
    print(f"{clean}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"{edge}: {len(cases)} legitimate edge cases")
    print(f"{args.out / 'lists_edge_extractions.xlsx'}, lists_edge_day2.xlsx, "
          f"lists_edge_day7.xlsx: {len(extractions)} lists extracted on their own days")
    print(f"{messy}: {len(manifest)} planted findings "
          f"(manifest {args.out / 'lists_messy.expected.json'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
