"""jtai against the DfE validators' own rule tests (issue 23 §5).

The DfE's CIN census and SSDA903 validators (data-to-insight/csc-validator-be-cin and
data-to-insight/csc-validator-be-903, MIT) publish each rule with a small table of input rows
and the rows it must flag (``test_validate`` beside each rule). Where a rule checks a field a
JTAI list carries, its table is replayed here: the rows are built as that JTAI list (the
Annex A headers; the other cells valid, from tests/factory.py), jtai's checks run, and the
rows jtai flags (a finding of error or warning severity in the named columns, of any rule
unless the case names the rules that answer the DfE's question) are compared with the rows
the DfE test flags.

Each case is the DfE table, one JTAI row per DfE row kept; ``dfe`` is the rows the DfE test
flags and ``differs`` the rows where jtai's answer is deliberately the other one, each with
the reason beside it. The test asserts jtai flags exactly ``dfe`` with the ``differs`` rows
toggled, so a change of jtai on any row fails here and has to be explained.

The conditional blanks (no placement provider on T0-T4, Z1 and Z11-Z14; no placement
postcode, URN, location or LA of placement on a V3/V4 short break) are declared in the list 8
YAML (``blank_when``); a value given there is a warning, a blank never a finding.

Codes and values are the DfE table's own (the XML codes, e.g. 'PR1', 'T0'); a DfE cell of
pd.NA or '' is a blank cell. Dates are as in the DfE table, checked on the DfE collection's
dates (the case's ``as_of``), so ages and date orders are exactly the DfE's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import AS_OF
from factory import BLANK, dataset, findings

from jtai_cli.checks import run_checks

CIN_REPO = "data-to-insight/csc-validator-be-cin"
LAC_REPO = "data-to-insight/csc-validator-be-903"

# List 8 (children_in_care) headers, and the SSDA903 field each holds.
L8 = "children_in_care"
L8R = "children_in_care_reduced"  # para 20's reduced list 8: the same columns, no postcode
GENDER = "Gender"                                   # SEX / GenderCurrent
ETHNICITY = "Ethnicity"                             # ETHNIC
DOB = "Date of Birth"                               # DOB
AGE = "Age of Child (Years)"
DECOM = "Date Started to be Looked After"           # DECOM of the period's first episode
CIN = "Child's Category of Need"                    # CIN
LS = "Child's Legal Status"                         # LS
DEC = "Date Ceased to be Looked After "             # DEC (the template's trailing space)
REC = "Reason Ceased to be Looked After"            # REC
PLACE_START = "Start Date of Most Recent Placement"
PLACE = "Placement Type"                            # PLACE
PROVIDER = "Placement Provider"                     # PLACE_PROVIDER
POSTCODE = "Placement postcode"                     # PL_POST
URN = "URN of Placement"                            # URN
LOCATION = "Placement Location"                     # PL_LOCATION
PL_LA = "LA of Placement"                           # PL_LA
# Lists 3-7 (referrals, assessments, section_47, children_in_need, child_protection).
L6, L7, L3, L5 = "children_in_need", "child_protection", "referrals", "section_47"
ID, EDD = "Child Unique ID", "If unborn: expected date of birth"  # LAchildID, Expected...
S47_START = "Section 47 enquiry start date"  # S47ActualStartDate
ICPC = "Date of Initial Child Protection Conference"                       # DateOfInitialCPC
L4 = "assessments"
ASSESS_START = "Continuous Assessment Start Date"
AUTHORISED = "Continuous Assessment Date of Authorisation"  # AssessmentAuthorisationDate
NEED = "Primary Need Code"                          # PrimaryNeedCode
CIN_START, CIN_END, CIN_REASON = "CIN Start Date", "CIN Closure Date", "Reason for Closure"
CPP_START, CPP_END = "Child Protection Plan Start Date", "Child Protection Plan End Date"
REVIEW = "Date of latest review conference"         # CPPreviewDate (the latest one)
INITIAL_CAT, LATEST_CAT = "Initial Category of Abuse", "Latest Category of Abuse"
REFERRAL, SOURCE = "Date of the most recent referral", "Referral Source"   # CINreferralDate, ReferralSource



def d(text: str) -> dt.date:
    """A DfE test's dd/mm/yyyy date."""
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def blank(value: Any) -> Any:
    """pd.NA and '' in a DfE table are a blank cell in a workbook."""
    return BLANK if value is None or value == "" else value


@dataclass(frozen=True)
class Case:
    rule: str                       # "903 178" / "CIN 8650": the DfE rule code
    path: str                       # the rule's file (and test) in its repository
    what: str                       # what the rule checks
    list: str                       # the JTAI list the rows are built as
    rows: Sequence[Mapping[str, Any]]
    dfe: frozenset[int]             # rows the DfE test flags (indices into ``rows``)
    columns: tuple[str, ...]        # the JTAI columns the DfE rule's fields map to
    slugs: tuple[str, ...] = ()     # the jtai rules that answer the same question; (): any
    differs: Mapping[int, str] = field(default_factory=dict)  # row -> why jtai differs
    as_of: dt.date = AS_OF

    @property
    def expected(self) -> set[int]:
        return set(self.dfe) ^ set(self.differs)


def flagged(case: Case) -> set[int]:
    """The rows (0-based, as in the DfE table) jtai flags for the case's question."""
    data = dataset({case.list: case.rows}, as_of=case.as_of)
    run_checks(data)
    return {int(f["row"]) - 2 for f in findings(data)
            if f["severity"] in ("error", "warning")
            and (not case.slugs or f["rule"] in case.slugs) and f["column"] in case.columns}


def on(column: str, values: Sequence[Any], **more: Any) -> list[dict[str, Any]]:
    """One row per value of one column (the other cells valid)."""
    return [{column: blank(v), **more} for v in values]


def cla(dob: str | None, dec: str | None, rec: str | None, as_of: dt.date,
        **more: Any) -> dict[str, Any]:
    """A list 8 row for a child born ``dob`` whose care ended ``dec`` for reason ``rec``; it
    started 30 days before (on the birthday at the earliest) and the age is left blank, so
    only the DfE's dates decide."""
    born = d(dob) if dob else None
    ended = d(dec) if dec else None
    start = (ended or as_of) - dt.timedelta(days=30)
    if born is not None:
        start = max(start, born)
    return {DOB: born or BLANK, AGE: BLANK, DECOM: start, PLACE_START: start,
            DEC: ended or BLANK, REC: blank(rec), **more}


def cases() -> list[Any]:
    out: list[Any] = []

    def case(*args: Any, **kw: Any) -> None:
        c = Case(*args, **kw)
        n = sum(1 for p in out if p.values[0].rule == c.rule)
        out.append(pytest.param(c, id=f"{c.rule.replace(' ', '-')}{'abcdefgh'[n]}"))

    coerced = ("jtai reads a hand-typed spelling of a code (any case, the code's label or a "
               "common alias) as the code and reports the coercion; the DfE's XML return "
               "takes only the exact code")
    required = ("the JTAI list asks for this column on every row (para 20 / Annex A); the "
                "DfE rule checks only a code that is given and leaves a missing one to its "
                "completeness rules")

    # ------------------------------------------------------------- SSDA903: code lists
    case("903 101", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_101.py",
         "sex is 1 or 2", L8, on(GENDER, [1, 2, 3, None]), frozenset({2, 3}), (GENDER,))
    case("903 101", f"{LAC_REPO}: lac_validator/rules/lac2024_25/rule_101.py",
         "sex is M, F or U (from 2024/25)", L8, on(GENDER, ["M", "F", "U", 1, "X", None]),
         frozenset({3, 4, 5}), (GENDER,),
         differs={3: "1 is the CIN census (and pre-2024 SSDA903) code for male, which the "
                     "Annex A gender list accepts: a list 8 may come from either year"})
    case("903 103", f"{LAC_REPO}: lac_validator/rules/lac2024_25/rule_103.py",
         "ethnicity is a CBDS code", L8,
         on(ETHNICITY, ["WBRI", "WIRI", "WOTH", "wbri", "White British", "", None]),
         frozenset({3, 4, 5, 6}), (ETHNICITY,), differs={3: coerced, 4: coerced})
    case("903 144", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_144.py",
         "legal status is a valid code", L8, on(LS, ["C1", "c1", "section 20", "", None]),
         frozenset({1, 2, 3}), (LS,), differs={1: coerced, 2: coerced, 4: required})
    case("903 145", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_145.py",
         "category of need is N1-N8", L8, on(CIN, ["N0", "N1", "N9", "n8", "", None]),
         frozenset({0, 2, 3, 4}), (CIN,), differs={3: coerced, 5: required})
    case("903 146", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_146.py",
         "placement type is a valid code (2022/23)", L8,
         on(PLACE, ["A2", "R4", "Z", "P1", "", "t3", None]),
         frozenset({0, 1, 2, 4, 5}), (PLACE,), differs={5: coerced, 6: required})
    case("903 146", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_146.py",
         "placement type is a valid code (2025/26: Z11-Z14 replace Z1, H5 and P2 go)", L8,
         on(PLACE, ["A2", "R4", "Z", "P1", "", "t3", None, "Z14", "H5"]),
         frozenset({0, 1, 2, 4, 5, 8}), (PLACE,),
         differs={5: coerced, 6: required,
                  8: "H5 was a valid code until 2024/25 and is in the 2019 template: a most "
                     "recent placement that began before April 2025 keeps it, so the JTAI "
                     "list accepts the codes of every SSDA903 year"})
    case("903 149", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_149.py",
         "reason episode ceased is a valid code", L8,
         on(REC, ["E4A", "E4b", "X", "", None], **{DEC: AS_OF - dt.timedelta(days=30)}),
         frozenset({1, 2, 3}), (REC, DEC), (),
         differs={1: coerced,
                  4: "every row here has a ceased date (a reason goes with one on the JTAI "
                     "list), and jtai warns of a ceased date without a reason whether the "
                     "cell holds '' or nothing; the DfE flags only the '' string"})

    # -------------------------------------- SSDA903: placement provider against the type
    case("903 178", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_178.py",
         "placement provider is PR0-PR5 where the placement has one", L8,
         [{PROVIDER: "PR0", PLACE: "U1"},     # DfE row 0
          {PROVIDER: BLANK, PLACE: "U2"},     # DfE row 2: '' is not a code; here a blank
          {PROVIDER: BLANK, PLACE: BLANK},    # DfE row 5
          {PROVIDER: "pr4", PLACE: "U1"}],    # DfE row 6
         frozenset({1, 3}), (PROVIDER,),
         differs={2: "the placement type is blank too, so nothing says this placement has "
                     "no provider: jtai asks for it (and flags the blank type as well)",
                  3: coerced})
    case("903 178", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_178.py",
         "no placement provider on a temporary placement or Z1", L8,
         [{PROVIDER: BLANK, PLACE: "Z1"},     # DfE row 3
          {PROVIDER: BLANK, PLACE: "T1"}],    # DfE row 4: '' on T1
         frozenset({1}), (PROVIDER,),
         differs={1: "the DfE flags '' only because its frame holds an empty string, not "
                     "NA; in a workbook it is a blank cell, which is right on T1"})
    case("903 178", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_178.py",
         "no placement provider on the 2025/26 Z11-Z14 placements", L8,
         [{PROVIDER: BLANK, PLACE: "Z11"}],   # DfE row 8
         frozenset(), (PROVIDER,))
    case("903 178", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_178.py",
         "a provider given where the placement type has none", L8,
         [{PROVIDER: "PR1", PLACE: "T0"},     # DfE row 1
          {PROVIDER: "PR5", PLACE: "Z14"},    # DfE row 7
          {PROVIDER: "PR5", PLACE: "z12"}],   # DfE row 9
         frozenset({0, 1}), (PROVIDER,), (),
         differs={2: "the DfE passes it only because its list of types without a provider "
                     "is compared case-sensitively ('z12' is not 'Z12'); jtai reads z12 as "
                     "Z12"})
    case("903 213", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_213.py",
         "placement provider not required (on T0-T4, Z11-Z14)", L8,
         [{PLACE: "U6", PROVIDER: BLANK},     # DfE row 1
          {PLACE: "U1", PROVIDER: "PR3"},     # DfE row 2
          {PLACE: "U4", PROVIDER: "PR4"},     # DfE row 3
          {PLACE: "P1", PROVIDER: "PR0"},     # DfE row 4
          {PLACE: BLANK, PROVIDER: BLANK},    # DfE row 7
          {PLACE: "Z1", PROVIDER: "notna"},   # DfE row 9
          {PLACE: "Z13", PROVIDER: "value"},  # DfE row 12
          {PLACE: "Z14", PROVIDER: "PR6"}],   # DfE row 13
         frozenset({6, 7}), (PROVIDER,),
         differs={0: "a foster placement has a provider: jtai asks for it (213 checks only "
                     "the other direction)",
                  4: "the placement type is blank too, so nothing says this placement has "
                     "no provider",
                  5: "'notna' is not a provider code (the 2025/26 213 no longer lists Z1, "
                     "so the DfE does not look at it)"})
    case("903 213", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_213.py",
         "no provider needed on T0-T4 or Z1", L8,
         [{PLACE: "T0", PROVIDER: BLANK},     # DfE row 0
          {PLACE: "Z1", PROVIDER: BLANK}],    # DfE row 8
         frozenset(), (PROVIDER,))
    case("903 213", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_213.py",
         "no provider needed on T0-T4 or Z1, on para 20's reduced list 8", L8R,
         [{PLACE: "T0", PROVIDER: BLANK},     # DfE row 0
          {PLACE: "Z1", PROVIDER: BLANK}],    # DfE row 8
         frozenset(), (PROVIDER,))
    case("903 213", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_213.py",
         "no provider needed on Z11-Z14", L8,
         [{PLACE: "Z11", PROVIDER: BLANK},    # DfE row 10
          {PLACE: "Z12", PROVIDER: BLANK}],   # DfE row 11
         frozenset(), (PROVIDER,))
    case("903 213", f"{LAC_REPO}: lac_validator/rules/lac2025_26/rule_213.py",
         "a provider given on a temporary placement", L8,
         [{PLACE: "T2", PROVIDER: "PR2"},     # DfE row 5
          {PLACE: "T3", PROVIDER: "PR1"}],    # DfE row 6
         frozenset({0, 1}), (PROVIDER,), ())

    # ------------------------------------------- SSDA903: short breaks (V3/V4) location
    # The DfE table's non-V3/V4 rows give placement codes (U1, U3, T1, U6) as the legal
    # status, which are not legal statuses; C2 stands in for them.
    case("903 214", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_214.py",
         "placement postcode and URN are blank for a short break (V3/V4)", L8,
         [{LS: "C2", POSTCODE: "M2 3RT", URN: "SC045099"},   # DfE row 1
          {LS: "C2", POSTCODE: BLANK, URN: "SC045099"},      # DfE row 2
          {LS: "C2", POSTCODE: "M2 3RT", URN: "SC045100"},   # DfE row 5
          {LS: "C2", POSTCODE: "M2 3RT", URN: "SC045101"},   # DfE row 6
          {LS: "V3", POSTCODE: BLANK, URN: BLANK}],          # DfE row 7
         frozenset(), (POSTCODE, URN))
    case("903 214", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_214.py",
         "no placement location for a short break (V3/V4)", L8,
         [{LS: "V3", POSTCODE: BLANK, URN: BLANK, LOCATION: BLANK}],  # DfE row 7
         frozenset(), (LOCATION, POSTCODE, URN))
    case("903 214", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_214.py",
         "no placement location for a short break (V3/V4), on para 20's reduced list 8", L8R,
         [{LS: "V3", URN: BLANK, LOCATION: BLANK}],                  # DfE row 7
         frozenset(), (LOCATION, URN))
    case("903 214", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_214.py",
         "a postcode or URN given for a short break (V3/V4)", L8,
         [{LS: "V3", POSTCODE: "M2 3RT", URN: "XXXXXX"},     # DfE row 0
          {LS: "V4", POSTCODE: "M2 3RT", URN: BLANK},        # DfE row 3
          {LS: "V4", POSTCODE: BLANK, URN: "SC045099"}],     # DfE row 4
         frozenset({0, 1, 2}), (POSTCODE, URN),
         ())

    case("903 420", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_420.py",
         "no LA of placement for a short break (V3/V4)", L8,
         [{LS: "C2", PL_LA: BLANK},           # DfE row 0
          {LS: "V3", PL_LA: BLANK},           # DfE row 3
          {LS: "V4", PL_LA: BLANK},           # DfE row 4
          {LS: "C2", PL_LA: "NIR"}],          # DfE row 5
         frozenset(), (PL_LA,), ())
    case("903 420", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_420.py",
         "an LA of placement given for a short break (V3/V4)", L8,
         [{LS: "V3", PL_LA: "E03934134"},     # DfE row 1
          {LS: "V4", PL_LA: "E059635"}],      # DfE row 2
         frozenset({0, 1}), (PL_LA,), ())

    # --------------------------------------------------------------- SSDA903: postcodes
    case("903 392c", f"{LAC_REPO}: validator903 392c (rule_392c, 'Postcode(s) provided are "
         "invalid')", "home and placement postcodes are real postcodes", L8,
         on(POSTCODE, ["AB1 0JD", "AB1 0JD", "invalid", "invalid", "AB1 0JD"]),
         frozenset({1, 2, 3}), (POSTCODE,),
         differs={1: "row 1 fails on HOME_POST, the child's home postcode, which no JTAI "
                     "list carries; its placement postcode is good"})

    # ------------------------------------------------------- SSDA903: ages and reasons
    # One JTAI row per child (list 8 holds each child's latest period of care): the DfE
    # tables' second episodes of the same children are left out.
    end_2021 = d("31/03/2021")
    case("903 386", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_386.py",
         "adopted (E11/E12) only before 18", L8,
         [cla("16/03/2020", "15/03/2021", "E11", end_2021),   # DfE row 0 (child 101)
          cla("23/09/2002", "17/06/2020", "E12", end_2021),   # DfE row 1 (child 102)
          cla("31/12/2000", "23/08/2020", "E11", end_2021),   # DfE row 4 (child 103)
          cla("01/02/2003", None, "E11", end_2021)],          # DfE row 5 (child 104)
         frozenset({2}), (DOB,), ("aged-18-or-over",), as_of=end_2021,
         differs={3: "no ceased date, so jtai reads the period as still open, and the child "
                     "turned 18 on 01/02/2021, before the as-of date: the lists are of "
                     "children under 18 (para 18). 386 skips rows without a DEC"})
    case("903 407", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_407.py",
         "special guardianship (E45-E48) only before 18", L8,
         [cla("01/01/2000", "01/01/2009", "E45", d("31/03/2020")),   # 101
          cla("01/01/2001", "01/01/2001", "A3", d("31/03/2020")),    # 102
          cla("20/12/2001", "20/12/2001", "E15", d("31/03/2020")),   # 103
          cla("01/01/2000", "03/01/2019", "E46", d("31/03/2020")),   # 104: 19
          cla("03/01/2000", "03/04/2008", "E48", d("31/03/2020")),   # 105
          cla("01/01/2002", "01/01/2002", "X2", d("31/03/2020")),    # 106
          cla("10/01/2002", "10/01/2002", "E11", d("31/03/2020")),   # 107
          cla("11/01/2002", "11/02/2020", "E48", d("31/03/2020")),   # 108: 18
          cla("25/01/2002", "25/01/2002", "X1", d("31/03/2020")),    # 109
          cla("25/01/2002", "25/01/2002", "E47", d("31/03/2020")),   # 110
          cla("25/01/2002", None, "E45", d("31/03/2020")),           # 111
          cla(None, "25/01/2002", "E46", d("31/03/2020"))],          # 112
         frozenset({3, 7}), (DOB, AGE), ("aged-18-or-over",), as_of=d("31/03/2020"),
         differs={10: "no ceased date: jtai reads the period as still open on the as-of "
                      "date, when the child is 18 (para 18); 407 skips rows without a DEC"})
    case("903 387", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_387.py",
         "independent living (E5/E6) only from 14", L8,
         [cla("16/03/2005", "16/03/2021", "E5", end_2021),    # DfE row 0
          cla("23/09/2002", "17/06/2020", "E6", end_2021),    # DfE row 1
          cla("31/12/2014", "23/08/2020", "E6", end_2021)],   # DfE row 4: aged 5
         frozenset({2}), (REC, DOB), (),
         as_of=end_2021,
         differs={2: "jtai has no rule on the reason ceased against the child's age: the "
                     "JTAI list is read for who the children are, and the census's "
                     "consistency checks are the LA's return to the DfE"})
    case("903 389", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_389.py",
         "transferred to adult social care (E7) only from 16", L8,
         [cla("16/03/2005", "16/03/2021", "E7", end_2021),    # DfE row 0
          cla("23/09/2002", "17/06/2020", "E7", end_2021),    # DfE row 1
          cla("31/12/2014", "23/08/2020", "E7", end_2021)],   # DfE row 4: aged 5
         frozenset({2}), (REC, DOB), (),
         as_of=end_2021,
         differs={2: "jtai has no rule on the reason ceased against the child's age"})
    # (The DfE table's rows 4 and 5 end before they start, and rows 0-1 are of adults: jtai
    # flags those too, in columns this case does not look at.)
    k3 = [("K3", "01/01/2022", "13/02/2022", "01/01/1998"),
          ("P2", "01/02/2022", "14/03/2022", "01/02/2000"),
          ("P2", "02/03/2022", "14/04/2022", "02/03/2015"),
          ("K3", "15/01/1982", "27/04/2012", "15/01/2010"),
          ("K3", "15/03/2016", "26/04/2006", "15/03/2000"),   # 16th birthday
          ("K3", "14/03/2016", "25/04/2012", "15/03/2000")]   # the day before
    case("903 371", f"{LAC_REPO}: lac_validator/rules/lac2024_25/rule_371.py",
         "supported accommodation (K3) only from 16", L8,
         [{PLACE: p, DECOM: d(a), PLACE_START: d(a), DEC: d(b), REC: "E8", DOB: d(c),
           AGE: BLANK} for p, a, b, c in k3],
         frozenset({3, 5}), (PLACE, PLACE_START, DECOM), (), as_of=d("31/03/2022"),
         differs={5: "jtai has no rule on the placement type against the child's age (row 3 "
                     "it flags too, as care that started before the child was born)"})
    # Legal status against age: the DfE's rows 1 and 6 give 'X', which is no legal status.
    remand = [("01/01/2009", "J3", "01/01/2000"), ("01/01/2001", "X", "01/01/2001"),
              ("20/12/2001", "L2", "20/12/2001"), ("03/01/2018", "J2", "01/01/2000"),
              ("03/04/2008", "J1", "03/01/2000"), ("01/01/2002", "L2", "01/01/2002"),
              ("10/01/2002", "X", "10/01/2002"), ("11/02/2012", "J1", "11/01/2002"),
              ("25/01/2002", "L2", "25/01/2002"), ("25/01/2002", "L2", "25/01/2002"),
              (None, "J2", "25/01/2002"), ("25/01/2002", "J3", None)]
    case("903 358", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_358.py",
         "remand and youth justice legal statuses (J1-J3) only from 10", L8,
         [{LS: ls, DECOM: d(a) if a else BLANK, PLACE_START: d(a) if a else BLANK,
           DOB: d(b) if b else BLANK, AGE: BLANK} for a, ls, b in remand],
         frozenset({0, 4}), (LS,), as_of=d("31/03/2018"),
         differs={0: "jtai has no rule on the legal status against the child's age at the "
                     "start of care (J1-J3 under 10)",
                  4: "the same: no rule on J1-J3 against age",
                  1: "'X' is not a legal status code (the DfE rule looks only at J1-J3)",
                  6: "'X' is not a legal status code"})
    case("903 460", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_460.py",
         "E17 (stayed with carers at 18+) only from 18", L8,
         [cla("16/03/2005", "16/03/2023", "E17", d("31/03/2023")),   # DfE row 0: 18
          cla("23/09/2002", "17/06/2020", "E17", d("31/03/2023")),   # DfE row 1: 17
          cla("31/12/2000", "23/08/2020", "E17", d("31/03/2023")),   # DfE row 4: 19
          cla(None, "23/08/2020", "E17", d("31/03/2023"))],          # DfE row 5
         frozenset({1}), (DOB, REC), as_of=d("31/03/2023"),
         differs={1: "jtai reads E17 only as allowing an 18-year-old on the list (codes "
                     "reached_18); it does not check that the child had reached 18",
                  2: "the child was 19 when care ended: not a child (para 18); E17 allows "
                     "18, not 19"})
    # The JTAI list carries no reason for new episode (RNE 'S'): each period here starts as
    # in the DfE table and ends 10 days later, so the age at the start decides.
    case("903 352", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_352.py",
         "a child starting care is under 18", L8,
         [{DOB: d(b), AGE: BLANK, DECOM: d(a), PLACE_START: d(a),
           DEC: d(a) + dt.timedelta(days=10), REC: "E8"}
          for a, b in (("16/03/2021", "16/03/2005"), ("17/06/2020", "23/09/2002"),
                       ("23/08/2020", "31/12/2000"))],   # DfE rows 0, 1, 4
         frozenset({2}), (DOB, DECOM), ("aged-18-or-over", "looked-after-before-birth"),
         as_of=d("31/03/2021"))
    case("903 445", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_445.py",
         "legal status D1 (freeing order) only for periods starting by 2005", L8,
         [{LS: "D1", DOB: d("01/01/2000"), AGE: BLANK, DECOM: d(s), PLACE_START: d(s)}
          for s in ("01/11/2005", "31/12/2005", "20/01/2006", "01/10/2012")]
         + [{LS: "C1", DOB: d("01/01/2000"), AGE: BLANK, DECOM: d("20/02/2005"),
             PLACE_START: d("20/02/2005")}],   # DfE rows 0, 1, 3, 4, 5 (row 2 has no DECOM)
         frozenset({2, 3}), (LS,), (),
         as_of=d("31/12/2012"),
         differs={2: "jtai keeps the 2019 template's 'D1: Freeing order' and has no rule on "
                     "a legal status against the date care started",
                  3: "the same: no rule on D1 against the start date"})
    case("903 411", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_411.py",
         "placement location IN agrees with the LA of placement", L8,
         [{PL_LA: "auth", LOCATION: "IN"}, {PL_LA: "somewhere else", LOCATION: "OUT"},
          {PL_LA: "auth", LOCATION: BLANK}, {PL_LA: "auth", LOCATION: "OUT"},
          {PL_LA: "somewhere else", LOCATION: "IN"}],
         frozenset({4}), (LOCATION, PL_LA),
         differs={2: required,
                  4: "jtai does not know the LA's own code, so it cannot compare 'LA of "
                     "Placement' with it (the DfE has it from the return's header)"})
    case("903 102", f"{LAC_REPO}: lac_validator/rules/lac2022_23/rule_102.py",
         "date of birth is a valid dd/mm/yyyy date", L8,
         on(DOB, ["01/01/2021", "19/02/2010", "38/04/2019", "01/01/19", None],
            **{AGE: BLANK, DECOM: d("01/03/2021"), PLACE_START: d("01/03/2021")}),
         frozenset({2, 3, 4}), (DOB,),
         (),
         as_of=end_2021,
         differs={3: "jtai reads a two-digit year as a date and reports the coercion "
                     "(UK day-first, 19 -> 2019)",
                  4: "Annex A: the date of birth is blank for an unborn child without an "
                     "expected date, so a blank is not an error on a JTAI list"})

    # ------------------------------------------------------ CIN census: list 6 and 3
    case("CIN 8650", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8650.py",
         "primary need code is N0-N9", L6, on(NEED, ["N1", "N8", "AA", None, "N6", "BB", "N9"]),
         frozenset({2, 5}), (NEED,), differs={3: required})
    case("CIN 4180", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_4180.py",
         "gender is present and 0, 1, 2 or 9", L6,
         on(GENDER, [1, None, 7, "Male", 2, 0, 9, "9"]), frozenset({1, 2, 3}), (GENDER,),
         differs={3: coerced})
    closure = d("30/06/2000")
    six = {CIN_START: d("01/01/2000"), DOB: d("01/01/1995"), AGE: BLANK}
    case("CIN 8805", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8805.py",
         "a CIN closure date has a reason for closure", L6,
         [{CIN_END: d("26/05/2000"), CIN_REASON: "RC8", **six},   # the DfE's 'reasons'
          {CIN_END: BLANK, CIN_REASON: "RC8", **six},             # are dates; RC8 here
          {CIN_END: d("26/05/1999"), CIN_REASON: "RC8", **six, CIN_START: d("01/01/1999")},
          {CIN_END: d("26/05/2000"), CIN_REASON: BLANK, **six},
          {CIN_END: d("25/05/2000"), CIN_REASON: BLANK, **six},
          {CIN_END: BLANK, CIN_REASON: BLANK, **six}],
         frozenset({3, 4}), (CIN_END, CIN_REASON), ("end-date-without-reason",),
         as_of=closure)
    case("CIN 8810", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8810.py",
         "a reason for closure has a CIN closure date", L6,
         [{CIN_END: d("26/05/2000"), CIN_REASON: "RC8", **six},
          {CIN_END: d("26/05/2000"), CIN_REASON: "RC8", **six},
          {CIN_END: BLANK, CIN_REASON: "RC8", **six},
          {CIN_END: BLANK, CIN_REASON: "RC8", **six},
          {CIN_END: d("25/05/2000"), CIN_REASON: BLANK, **six},
          {CIN_END: BLANK, CIN_REASON: BLANK, **six}],
         frozenset({2, 3}), (CIN_END, CIN_REASON), ("reason-without-end-date",),
         as_of=closure)
    case("CIN 8866", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8866.py",
         "referral source is present and a valid code (referrals from 1 April 2013)", L3,
         [{REFERRAL: d("01/01/2020"), SOURCE: "1Z"},
          {REFERRAL: d("01/01/2020"), SOURCE: BLANK},
          {REFERRAL: d("01/01/2000"), SOURCE: "1A"},
          {REFERRAL: d("01/01/2012"), SOURCE: "pd.NA"},
          {REFERRAL: d("01/01/2020"), SOURCE: "1C"}],
         frozenset({0, 1}), (SOURCE,), as_of=d("31/03/2020"),
         differs={3: "the DfE skips referrals before April 2013, when the code became "
                     "required; 'pd.NA' (a string in the DfE table) is not a source code "
                     "whatever the date"})

    case("CIN 8500", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8500.py",
         "the LA child ID is present", L6, on(ID, ["1234", None, None]), frozenset({1, 2}),
         (ID,))
    born = {AGE: BLANK, CIN_START: d("01/06/2000")}
    both = ("the JTAI column is 'If unborn: expected date of birth': a child born since may "
            "keep the expected date recorded before the birth, and jtai reads it only where "
            "there is no date of birth")
    case("CIN 8525", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8525.py",
         "a date of birth or an expected date of birth, not both", L6,
         [{DOB: d("26/05/2000"), EDD: d("26/05/2000"), **born},
          {DOB: d("26/05/2000"), EDD: d("26/05/2001"), **born},
          {DOB: BLANK, EDD: d("26/05/1999"), **born},   # DfE's child4 (twice): two rows
          {DOB: d("26/05/2000"), EDD: BLANK, **born},
          {DOB: d("26/05/2000"), EDD: d("25/05/2000"), **born},
          {DOB: BLANK, EDD: BLANK, **born}],
         frozenset({0, 1, 4, 5}), (DOB, EDD), (), as_of=d("31/03/2001"),
         differs={0: both, 1: both, 4: both,
                  2: "the expected date is 22 months before the as-of date: the child has "
                     "surely been born, and jtai asks for the date of birth "
                     "(unborn-due-date-passed); the DfE rule checks only which column is "
                     "filled",
                  5: "Annex A leaves the date of birth blank for an unborn child without an "
                     "expected date (or one not known); the JTAI lists do not require it"})

    unborn = ("Annex A lets the date of birth hold an unborn child's expected date, so a "
              "date after the as-of date with no age (or -1) is read as an unborn child's; "
              "the CIN census has a column of its own for that")
    case("CIN 8520", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8520.py",
         "the date of birth is on or before the end of the census period", L6,
         [{DOB: d(x) if x else BLANK, AGE: BLANK, CIN_START: d("01/01/2022")}
          for x in ("01/06/2021", "01/06/2022", "31/08/2021", "31/12/2022", None)],
         frozenset({1, 3}), (DOB,), (), as_of=d("31/03/2022"),
         differs={1: unborn, 3: unborn})
    pre_birth = ("jtai has no rule on a referral long before the (expected) birth: a "
                 "pre-birth referral is legitimate on a JTAI list, and the 40-week limit is "
                 "the census's own plausibility check")
    case("CIN 8606", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8606.py",
         "a referral is at most 40 weeks before the (expected) date of birth", L3,
         [{REFERRAL: d(r), DOB: d(b) if b else BLANK, EDD: d(e) if e else BLANK, AGE: BLANK}
          for r, b, e in (("26/04/2000", "26/05/2000", None),
                          ("27/06/1998", "26/05/2000", None),
                          ("07/04/2000", None, "26/05/2000"),
                          ("07/02/1998", None, "26/05/2000"))],
         frozenset({1, 3}), (DOB, EDD), (),
         as_of=d("30/04/2000"), differs={1: pre_birth, 3: pre_birth})

    # ------------------------------------------------------------ CIN census: list 4
    # The DfE's published test does not test its own rule text ("if present ... on or
    # between the start of the census year and the reference date"): its code returns the
    # wrong index, so the test expects the blank row and misses the date after the census.
    case("CIN 8696", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8696.py",
         "an assessment's authorisation date falls within the census year", L4,
         [{AUTHORISED: d(x) if x else BLANK, ASSESS_START: d("01/01/2019")}
          for x in ("01/03/2019", None, "01/10/2022")],
         frozenset({0, 1}), (AUTHORISED,), (), as_of=d("31/03/2022"),
         differs={1: "the rule text checks the date only 'if present': a blank authorisation "
                     "is an open assessment, which jtai accepts",
                  2: "a date after the census end fails the rule text; jtai flags it "
                     "(date-in-future). The published test misses it (see above)"})

    # ------------------------------------------------------------ CIN census: list 5
    s47 = [("01/01/2020", "01/01/2020"), ("01/02/2020", "01/01/2020"),
           ("01/03/2020", "01/03/2020"), ("15/01/2020", "17/01/2020"), (None, None),
           ("01/07/2020", "01/01/2020"), ("15/01/2020", "15/01/2020"), (None, "01/01/2020")]
    case("CIN 8615", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8615.py",
         "the S47 enquiry started, and on or before the initial child protection conference",
         L5, [{S47_START: d(a) if a else BLANK, ICPC: d(b) if b else BLANK} for a, b in s47],
         frozenset({1, 5, 7}), (S47_START, ICPC), ("end-before-start", "required-missing"),
         as_of=d("31/07/2020"),
         differs={4: "the strategy discussion's date defines list 5 (para 20): jtai asks for "
                     "it on every row; 8615 asks for it only where a conference is dated"})

    # ------------------------------------------------------------ CIN census: list 7
    seven = {DOB: d("01/01/1985"), AGE: BLANK}
    case("CIN 8905", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8905.py",
         "initial category of abuse is present and NEG, PHY, SAB, EMO or MUL", L7,
         on(INITIAL_CAT, ["NEG", "AAA", "PHY", None, "BBB", "EMO", "MUL"]),
         frozenset({1, 3, 4}), (INITIAL_CAT,))
    case("CIN 8910", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8910.py",
         "latest category of abuse is present and NEG, PHY, SAB, EMO or MUL", L7,
         on(LATEST_CAT, ["NEG", "AAA", "BBB", None, "PHY", "EMO", "MUL"]),
         frozenset({1, 2, 3}), (LATEST_CAT,))
    same_day = ("jtai checks only that a date is not before the one it follows (the "
                "column's not_before); a plan that starts and ends, or is reviewed, on one "
                "day is left alone")
    case("CIN 8840", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8840.py",
         "a child protection plan does not start and end on the same day", L7,
         [{CPP_START: d("08/10/1989"), CPP_END: d("08/10/1989"), **seven},
          {CPP_START: d("05/12/1993"), CPP_END: d("05/12/1993"), **seven},
          {CPP_START: d("05/12/1993"), CPP_END: d("12/09/2022"), **seven},
          {CPP_START: d("05/12/1997"), CPP_END: d("05/12/1997"), **seven},
          {CPP_START: BLANK, CPP_END: BLANK, **seven}],
         frozenset({0, 1, 3}), (CPP_START, CPP_END), ("end-before-start",),
         as_of=d("30/09/2022"), differs={0: same_day, 1: same_day, 3: same_day})
    # One plan per row, each its own child (list 7 is one row per child; the DfE's child1
    # and child3 have several plans). The DfE's row 5 (a review of a plan with no start) is
    # kept: neither flags it.
    case("CIN 8841", f"{CIN_REPO}: cin_validator/rules/cin2022_23/rule_8841.py",
         "a review is after the child protection plan started", L7,
         [{CPP_START: d("26/05/2000"), REVIEW: d("26/05/2000"), **seven},
          {CPP_START: d("27/06/2002"), REVIEW: d("26/05/2000"), **seven},
          {CPP_START: d("07/02/2001"), REVIEW: d("26/05/2000"), **seven},
          {CPP_START: d("26/05/2000"), REVIEW: d("30/05/2000"), **seven},
          {CPP_START: d("26/05/2000"), REVIEW: d("27/05/2000"), **seven},
          {CPP_START: BLANK, REVIEW: d("26/05/2000"), **seven},
          {CPP_START: d("14/03/2001"), REVIEW: BLANK, **seven}],
         frozenset({0, 1, 2}), (REVIEW,), ("end-before-start",), as_of=d("30/09/2002"),
         differs={0: same_day})
    return out


CASES = cases()


@pytest.mark.parametrize("case", CASES)
def test_jtai_flags_the_rows_the_dfe_rule_flags_or_says_why_not(case: Case):
    assert flagged(case) == case.expected, (case.rule, case.path, case.what)


def test_every_case_cites_its_rule_and_explains_each_difference():
    """The cases are honest: each cites a DfE rule file, indexes real rows, and every row
    where jtai differs has its reason written (a sentence, not a flag)."""
    rules = set()
    for param in CASES:
        case = param.values[0]
        assert case.path.startswith((CIN_REPO, LAC_REPO)), case.rule
        assert case.rule.split()[0] in ("903", "CIN"), case.rule
        n = len(case.rows)
        assert all(0 <= i < n for i in case.dfe), case.rule
        for i, why in case.differs.items():
            assert 0 <= i < n and len(why.split()) >= 5, (case.rule, i)
        rules.add(case.rule)
    assert len(rules) >= 20


# --------------------------------------------------------------------------- code lists
# The DfE validators' code lists, rule by rule, for the columns a JTAI list codes the same
# way. jtai's list must read each DfE code as itself, and hold no code the DfE never had
# (a stale or made-up code). Placement types are the union of the years, as a JTAI list
# spans them (see 903 146 above).
_PLACE_2022 = ("A3 A4 A5 A6 H5 K1 K2 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 "
               "U6 Z1").split()
DFE_CODE_LISTS: dict[str, tuple[str, list[str]]] = {
    "ethnicity": ("903 103, lac2024_25/rule_103.py",
                  "WBRI WIRI WOTH WIRT WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR "
                  "BOTH CHNE OOTH REFU NOBT".split()),
    "legal_status": ("903 144, lac2022_23/rule_144.py",
                     "C1 C2 D1 E1 V2 V3 V4 J1 J2 J3 L1 L2 L3".split()),
    "category_of_need": ("903 145, lac2022_23/rule_145.py", "N1 N2 N3 N4 N5 N6 N7 N8".split()),
    "placement_type": ("903 146, lac2022_23, lac2024_25 (K3) and lac2025_26 (Z11-Z14)",
                       [*_PLACE_2022, "K3", "Z11", "Z12", "Z13", "Z14"]),
    "reason_ceased": ("903 149, lac2022_23/rule_149.py",
                      "E11 E12 E2 E3 E4A E4B E13 E41 E45 E46 E47 E48 E5 E6 E7 E8 E9 E14 E15 "
                      "E16 E17 X1".split()),
    "placement_provider": ("903 178, lac2025_26/rule_178.py", "PR0 PR1 PR2 PR3 PR4 PR5".split()),
    "primary_need": ("CIN 8650, cin2022_23/rule_8650.py",
                     "N0 N1 N2 N3 N4 N5 N6 N7 N8 N9".split()),
    "contact_source": ("CIN 8866, cin2022_23/rule_8866.py",
                       "1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E 3F 4 5A 5B 5C 5D 6 7 8 9 10".split()),
    "category_of_abuse": ("CIN 8905/8910, cin2022_23/rule_8905.py",
                          "NEG PHY SAB EMO MUL".split()),
}


@pytest.mark.parametrize("name", sorted(DFE_CODE_LISTS))
def test_jtai_code_lists_hold_exactly_the_dfe_codes(name: str):
    from jtai_cli.schemas import load_schemas

    codes = load_schemas().codes[name]
    source, dfe = DFE_CODE_LISTS[name]
    read = {c: codes.match(c) for c in dfe}
    assert [c for c, v in read.items() if v is None] == [], source
    assert {c: codes.short.get(v) for c, v in read.items() if v} == {c: c for c in dfe}, source
    assert sorted(set(codes.short.values()) - set(dfe)) == [], source


@pytest.mark.parametrize(("source", "codes"), [
    ("903 101, lac2022_23/rule_101.py", {"1": "Male", "2": "Female"}),
    ("903 101, lac2024_25/rule_101.py", {"M": "Male", "F": "Female", "U": "Not stated/recorded"}),
    ("CIN 4180, cin2022_23/rule_4180.py",
     {"1": "Male", "2": "Female", "0": "Not stated/recorded", "9": "Neither"}),
])
def test_jtai_gender_reads_every_dfe_sex_and_gender_code(source: str, codes: dict[str, str]):
    from jtai_cli.schemas import load_schemas

    gender = load_schemas().codes["gender"]
    assert {c: gender.means(gender.match(c) or "?") for c in codes} == codes, source
