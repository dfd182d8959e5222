"""Rules the guidance implies beyond the column types: postcodes, due dates, YOT/NPS children,
the seven additional answers and the meetings list.

Each rule is one function taking the ``Dataset`` and adding findings, registered with
``@rule`` like the rules in ``checks``; ``checks.run_checks`` runs them after its own rules
across lists, and ``run_implied_checks`` runs this module's alone. Where the guidance is
silent the choice is jtai's and the docstring says so.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import numpy as np
import pandas as pd

from .checks import FLAG_READING, _Emitter, age_on
from .model import Dataset, ParsedList
from .parsing import BLANK, fmt_date, parse_date, show
from .policy import UNBORN_TOLERANCE, UNBORN_TOLERANCE_DAYS
from .rules import TEMPLATE, Rule, Severity, functions, rule
from .schemas import ADDITIONAL_ROLES, normalise

_E, _W = Severity.ERROR, Severity.WARNING
_ANSWER_ROLES = tuple(f"role: {r}" for r in ADDITIONAL_ROLES)
#: Most children the lead inspector asks additional information about under option A (para 22).
MAX_SELECTED = 20
#: Age of criminal responsibility in England and Wales: a YOT works with children 10 and over.
YOT_MIN_AGE = 10

#: Short names of the seven questions, for messages (guidance order, para 23).
QUESTION_WORDS = {
    "csa_current": "CSA-FE a current or significant factor",
    "multi_agency": "multi-agency involvement",
    "known_to_yot": "known to the YOT",
    "nps_adult": "NPS working with an adult close to the child",
    "police_investigation": "police investigation or criminal proceedings",
    "csa_support": "intervention and support in the last six months",
    "sarc_attended": "SARC or paediatric assessment in the last 12 months",
}

# The shapes of a UK postcode: an outward code (area of one or two letters, a district of one or
# two digits, or a digit and a letter: A9, A99, AA9, AA99, A9A, AA9A) and an inward code (a
# sector digit and two letters, never C, I, K, M, O or V: 9AA). The area must be one of the UK's
# postcode areas, listed as data in schemas/codes/postcode_areas.yaml.
_POSTCODE_SHAPE = re.compile(
    r"^(?P<area>[A-Z]{1,2})(?:[0-9]{1,2}|[0-9][A-Z])(?:\s*[0-9](?:[ABD-HJLNP-UW-Z]{2})?)?$")
#: Placements the template allows without a postcode (its LA of Placement codes CON and NUK).
POSTCODE_WORDS = ("confidential", "abroad")
POSTCODE_POLICY = (
    "jtai's check (the template asks for a UK postcode; para 20 asks for the placement "
    "address): a full postcode, or its outward code (SW1A) or sector (SW1A 1), whose area is one "
    "of the UK's postcode areas (\"WI5 4FJ\" is not a postcode: there is no area WI); "
    "\"Confidential\" and \"Abroad\" are accepted, as the template allows confidential "
    "placements and placements outside the UK. A warning, never an error")
_OPTION = re.compile(r"\boption ([ab])\b")
_WEEK_TITLE = re.compile(
    r"\b(?:week commencing|week beginning|w c|w b|fieldwork week|fieldwork)\b\D{0,12}"
    r"(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4})",
    re.IGNORECASE,
)


def run_implied_checks(data: Dataset) -> None:
    """Run every rule of this module, in the order they are defined."""
    for check in functions("across", __name__):
        check(data)


# --------------------------------------------------------------------------- helpers


def _lists_6_8(data: Dataset) -> list[ParsedList]:
    return [pl for pl in data.lists if pl.schema.list_number in (6, 7, 8)]


def _present(pl: ParsedList, role: str) -> str | None:
    """The header of the column with this role, if the sheet has it."""
    col = pl.schema.by_role(role)
    return col.header if col is not None and col.header in pl.positions else None


def _flags(data: Dataset, keys: set[str]) -> dict[str, list[tuple[ParsedList, int, str]]]:
    """The CSA-FE flags (Y or N) of these children, with where each was given, on every list.

    Only the rows of the children asked about are visited (a national return has millions of
    rows, these rules ask about a few thousand children at most).
    """
    out: dict[str, list[tuple[ParsedList, int, str]]] = {}
    if not keys:
        return out
    wanted = list(keys)
    for pl in data.lists:
        col = _present(pl, "csa_flag")
        if col is None:
            continue
        rows = np.flatnonzero(pl.keys.isin(wanted).to_numpy(dtype=bool))
        values = pl.typed[col].to_numpy(dtype=object)
        for pos in rows:
            key, flag = str(pl.keys.iat[int(pos)]), values[pos]
            if flag in ("Y", "N"):
                out.setdefault(key, []).append((pl, int(pos), str(flag)))
    return out


def _answered(pl: ParsedList) -> dict[str, np.ndarray]:
    """For each of the seven questions on the sheet: which rows answer it."""
    out: dict[str, np.ndarray] = {}
    for role in ADDITIONAL_ROLES:
        col = _present(pl, role)
        if col is not None:
            out[role] = pl.parsed[col].state != BLANK
    return out


def _hint(pl: ParsedList, data: Dataset) -> str:
    title = next((s.title for s in data.sheets if s.file == pl.file and s.sheet == pl.sheet),
                 None)
    return normalise(" ".join(x for x in (pl.sheet, title) if x))


# --------------------------------------------------------------------------- list 8


@rule(Rule("postcode-not-recognised", _W, "Not a UK postcode",
           "List 8's placement postcode is a UK postcode (SW1A 1AA) or, where only that is "
           "given, its outward code (SW1A), in one of the UK's postcode areas; "
           "\"Confidential\" and \"Abroad\" are accepted (jtai's check of the Ofsted template's "
           "field).",
           ("'{value}' is not a UK postcode (jtai's check: {why})",), TEMPLATE,
           ("Placement postcode", "codes"), stage="across",
           policy=POSTCODE_POLICY))
def check_placement_postcode(data: Dataset) -> None:
    """``postcode-not-recognised``: list 8's placement postcode is a UK postcode or its outward
    code (the Ofsted template's "Placement postcode"; para 20 asks for the placement address).

    A full postcode (SW1A 1AA), the outward code alone (SW1A) or outward code and sector
    (SW1A 1) are accepted, in any case, with or without the space, when the area is a real one
    (``schemas/codes/postcode_areas.yaml``); so are "Confidential" and "Abroad". Anything else
    ('nope', an address, 'WI5 4FJ') is a warning: the guidance asks for an address, not a
    postcode, so a postcode jtai cannot read never blocks a return.
    """
    areas = _postcode_areas(data)
    for pl in data.numbered(8):
        col = next((c.header for c in pl.schema.columns
                    if normalise(c.header) == "placement postcode"
                    and c.header in pl.positions), None)
        if col is None:
            continue
        values = pl.typed[col]
        given = values.notna()
        if not given.any():
            continue
        distinct = values[given].unique()
        why = {v: _postcode_problem(str(v), areas) for v in distinct}
        bad = {v for v, w in why.items() if w is not None}
        pos = np.flatnonzero(values.isin(list(bad)).to_numpy())
        _Emitter(data, pl)(
            "postcode-not-recognised", pos, col,
            [f"'{show(v)}' is not a UK postcode (jtai's check: {why[v]})"
             for v in values.iloc[pos]],
            "a UK postcode such as SW1A 1AA, or its outward code (SW1A) where only that is "
            "given; Confidential or Abroad; blank if not known")


def _postcode_areas(data: Dataset) -> frozenset[str]:
    """The UK postcode areas (AB, B, ... ZE), from ``schemas/codes/postcode_areas.yaml``."""
    codes = data.schemas.codes.get("postcode_areas")
    return frozenset(codes.values) if codes is not None else frozenset()


def _postcode_problem(value: str, areas: frozenset[str]) -> str | None:
    """Why ``value`` is not a UK postcode (or outward code), or None when it is one."""
    text = value.strip().upper()
    if normalise(text) in POSTCODE_WORDS:
        return None
    m = _POSTCODE_SHAPE.match(text)
    if m is None:
        return ("not shaped like one: an area of one or two letters, a district (1, 12 or "
                "1A), then a digit and two letters")
    if areas and m.group("area") not in areas:
        return f"there is no postcode area {m.group('area')}"
    return None


# --------------------------------------------------------------------------- unborn


@rule(Rule("unborn-due-date-passed", _W, "Unborn child's due date long past",
           "A child still recorded unborn (age -1 or blank, no date of birth; or age -1 with "
           "the expected date in the date of birth column) whose expected date of birth is "
           "more than six weeks before the extraction day (jtai's tolerance; para 20 asks for "
           "the expected date of birth): give the date of birth and age if the child has been "
           "born.",
           ("the expected date of birth {edd} is more than six weeks before the as-of date "
            "{as_of}: if the child has been born, give the date of birth and age (jtai's "
            "tolerance: a birth may be late or not yet recorded)",), "paras 20 and 32",
           ("role: expected_date_of_birth", "role: date_of_birth", "role: age"),
           stage="across", quote=("If unborn: expected date of birth",),
           policy=UNBORN_TOLERANCE))
def check_unborn_due_date_passed(data: Dataset) -> None:
    """``unborn-due-date-passed``: a child still recorded unborn whose expected date of birth
    is more than ``UNBORN_TOLERANCE_DAYS`` before the first day the list may have been
    extracted on (para 20: "If unborn: expected date of birth").

    The child is recorded unborn when the date of birth is blank and the age is -1 or blank
    (the expected date in its own column), or when the age is -1 and the date of birth column
    holds the expected date. A date a few weeks past is normal (``UNBORN_TOLERANCE``); beyond
    that the row probably needs the date of birth and age: a warning.
    """
    for pl in data.lists:
        edd_col = _present(pl, "expected_date_of_birth")
        dob_col = _present(pl, "date_of_birth")
        age_col = _present(pl, "age")
        if edd_col is None and (dob_col is None or age_col is None):
            continue
        first = data.window(pl)[0]
        limit = pd.Timestamp(first - dt.timedelta(days=UNBORN_TOLERANCE_DAYS))
        t = pl.typed
        none = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
        dob = t[dob_col] if dob_col else none
        age = t[age_col].astype("float64") if age_col else pd.Series(np.nan, index=t.index)
        edd = t[edd_col] if edd_col else none
        unborn = dob.isna() & (age.isna() | (age == -1)) & edd.notna() & (edd < limit)
        in_dob = dob.notna() & (age == -1) & (dob < limit)
        emit = _Emitter(data, pl)
        for mask, col, dates in ((unborn, edd_col, edd), (in_dob, dob_col, dob)):
            pos = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
            if col is None or not len(pos):
                continue
            emit("unborn-due-date-passed", pos, col,
                 [f"the expected date of birth {fmt_date(d)} is more than six weeks before the "
                  f"as-of date {fmt_date(first)}: if the child has been born, give the date of "
                  "birth and age (jtai's tolerance: a birth may be late or not yet recorded)"
                  for d in dates.iloc[pos]],
                 f"an expected date of birth after {fmt_date(limit.date())}, or the date of birth")


# --------------------------------------------------------------------------- YOT and NPS


@rule(Rule("yot-nps-not-flagged", _W, "YOT/NPS child not flagged CSA-FE",
           "The YOT and NPS lists hold cases with current or significant CSA-FE concerns "
           "(guidance para 21), but lists 6-8 flag this child N.",
           ("this child is on the {list} (current or significant CSA-FE concerns, para 21) but "
            "flagged N for CSA-FE on {where}",), "para 21",
           ("role: status", "role: child_id", "role: csa_flag"), stage="across",
           quote=("there are current or significant concerns about children at risk or "
                  "subject to child sexual abuse in the family environment",),
           policy=FLAG_READING))
def check_yot_nps_flag(data: Dataset) -> None:
    """``yot-nps-not-flagged``: a child on the YOT or NPS list is flagged N for CSA-FE on every
    row of lists 6-8 they are on.

    The YOT and NPS lists hold cases with "current or significant concerns" about CSA-FE
    (para 21), so such a child would be flagged Y on lists 6, 7 or 8 (para 19). A warning:
    the flag or the YOT/NPS row may be the one to change.
    """
    listed = {k for pl in data.lists if pl.schema.by_role("status") is not None
              for k in pl.keys if isinstance(k, str)}
    flags = _flags(data, listed)
    for pl in data.lists:
        if pl.schema.by_role("status") is None:
            continue
        id_col = _present(pl, "child_id")
        if id_col is None:
            continue
        pos, msgs = [], []
        for i, key in enumerate(pl.keys):
            given = [(o, p, f) for o, p, f in flags.get(key, []) if o.schema.list_number in
                     (6, 7, 8)] if isinstance(key, str) else []
            if given and all(f == "N" for _, _, f in given):
                pos.append(i)
                msgs.append(f"this child is on the {pl.label} (current or significant CSA-FE "
                            f"concerns, para 21) but flagged N for CSA-FE on "
                            f"{' and '.join(o.where(p) for o, p, _ in given[:3])}")
        _Emitter(data, pl)("yot-nps-not-flagged", np.array(pos, dtype=np.int64), id_col, msgs,
                           "the child flagged Y for CSA-FE on lists 6-8")


@rule(Rule("yot-child-under-10", _W, "YOT child under 10",
           "Youth offending teams work with children aged 10 and over (jtai's check: the age "
           "of criminal responsibility, not a guidance rule).",
           ("the child is {age} on {as_of}; youth offending teams work with children aged 10 "
            "and over (jtai's check, not the guidance's)",), "",
           ("role: date_of_birth", "role: age", "role: child_id"),
           stage="across", policy="jtai's check (not the guidance's): the age of criminal "
           "responsibility in England and Wales is 10"))
def check_yot_under_10(data: Dataset) -> None:
    """``yot-child-under-10``: a child on the YOT list is under 10 on the as-of date.

    Youth offending teams work with children aged 10 to 17 (10 is the age of criminal
    responsibility in England and Wales); the guidance does not say so, so this is jtai's
    warning, not a guidance rule. The age is the YOT list's own (date of birth, else age)
    or, when it has neither, the child's date of birth on another list.
    """
    on_yot = [k for pl in data.lists if pl.schema.agency == "YOT"
              for k in pl.keys if isinstance(k, str)]
    dobs: dict[str, pd.Timestamp] = {}
    for pl in data.lists if on_yot else []:
        col = _present(pl, "date_of_birth")
        if col is None:
            continue
        rows = np.flatnonzero((pl.keys.isin(on_yot) & pl.typed[col].notna()).to_numpy(bool))
        given = pl.typed[col].to_numpy(dtype="datetime64[ns]")
        for at in rows:
            dobs.setdefault(str(pl.keys.iat[int(at)]), pd.Timestamp(given[at]))
    for pl in [p for p in data.lists if p.schema.agency == "YOT"]:
        as_of = data.window(pl)[1]  # the YOT list's own extraction (``Dataset.as_of_for``)
        id_col = _present(pl, "child_id")
        if id_col is None:
            continue
        t = pl.typed
        dob_col, age_col = _present(pl, "date_of_birth"), _present(pl, "age")
        own_dob = t[dob_col] if dob_col else pd.Series(pd.NaT, index=t.index)
        other = pd.Series([dobs.get(k) if isinstance(k, str) else None for k in pl.keys],
                          index=t.index, dtype="datetime64[ns]")
        dob = own_dob.fillna(other) if len(t) else own_dob
        age = age_on(dob, as_of).astype("float64")
        if age_col:
            age = age.fillna(t[age_col].astype("float64"))
        pos = np.flatnonzero((age < YOT_MIN_AGE).fillna(False).to_numpy(dtype=bool))
        _Emitter(data, pl)(
            "yot-child-under-10", pos, dob_col or age_col or id_col,
            [("the child is unborn" if a < 0 else f"the child is {int(a)}")
             + f" on {fmt_date(as_of)}; youth offending teams work with children aged 10 and "
             "over (jtai's check, not the guidance's)" for a in age.iloc[pos]],
            "a child aged 10 or over")


# --------------------------------------------------------------------------- the seven answers


def infer_option(data: Dataset) -> str | None:
    """Option A or B as the workbook shows it, or None when it does not say.

    jtai's reading, as the guidance gives no marker: a sheet name or title saying "option A"
    or "option B" (or the option A sheet names "20 children", "Selected children"), or the
    seven answers given beside the children on lists 6-8, which only option B does (para 26).
    When the signs disagree, nothing is assumed.
    """
    seen: set[str] = set()
    for pl in data.lists:
        hint = _hint(pl, data)
        m = _OPTION.search(hint)
        if m:
            seen.add(m.group(1).upper())
        elif pl.schema.kind == "answers" and re.search(r"\b(20 children|selected children)\b",
                                                       hint):
            seen.add("A")
    for pl in _lists_6_8(data):
        if any(a.any() for a in _answered(pl).values()):
            seen.add("B")
    return seen.pop() if len(seen) == 1 else None


@rule(Rule("answers-missing", _E, "Flagged child without the seven answers",
           "Under option B the seven Y/N answers are given for each child flagged CSA-FE "
           "(guidance para 26).",
           ("flagged CSA-FE, but {what} (option B asks them for every flagged child, para 26)",),
           "para 26", ("role: csa_flag", *_ANSWER_ROLES), stage="across",
           quote=("for each child identified as being at risk or subject to child sexual abuse "
                  "in the family environment",),
           policy=FLAG_READING))
def check_answers_complete(
    data: Dataset, option: str | None | Literal["infer"] = "infer"
) -> None:
    """``answers-missing``: under option B, a child flagged CSA-FE on lists 6-8 lacks some of
    the seven answers ("for each child identified", para 26).

    The answers may sit beside the child on lists 6-8 or on the additional fields sheet. A
    child with a row on that sheet is left to it: its blank cells are already reported there
    (``required-missing``). Only checked when the workbook shows option B (``infer_option``).
    """
    if option == "infer":
        option = infer_option(data)
    if option != "B":
        return
    on_sheet = {k for pl in data.lists if pl.schema.kind == "answers"
                for k in pl.keys if isinstance(k, str)}
    answered: dict[str, set[str]] = {}
    for pl in _lists_6_8(data):
        for role, rows in _answered(pl).items():
            for key in pl.keys[rows].dropna().unique():
                answered.setdefault(key, set()).add(role)
    done: set[str] = set(on_sheet)
    for pl in _lists_6_8(data):
        flag_col = _present(pl, "csa_flag")
        if flag_col is None:
            continue
        flags = pl.typed[flag_col].to_numpy(dtype=object)
        pos, msgs = [], []
        col_for: list[str] = []
        for i in np.flatnonzero(flags == "Y"):
            key = pl.keys.iat[int(i)]
            if not isinstance(key, str) or key in done:
                continue
            done.add(key)  # one finding per child, on the first list that flags them
            missing = [r for r in ADDITIONAL_ROLES if r not in answered.get(key, set())]
            if not missing:
                continue
            pos.append(int(i))
            what = ("none of the seven additional answers is given" if len(missing) == 7 else
                    "no answer to: " + "; ".join(QUESTION_WORDS[r] for r in missing))
            msgs.append(f"flagged CSA-FE, but {what} (option B asks them for every flagged "
                        "child, para 26)")
            col_for.append(_present(pl, missing[0]) or flag_col)
        # One emit per column, so each finding sits on the cell to fill in.
        for col in dict.fromkeys(col_for):
            idx = [j for j, c in enumerate(col_for) if c == col]
            _Emitter(data, pl)("answers-missing", np.array([pos[j] for j in idx]), col,
                               [msgs[j] for j in idx],
                               "the seven Y/N answers for every child flagged CSA-FE, beside "
                               "the child or on the additional fields sheet")


@rule(Rule("too-many-selected", _W, "More than 20 children selected",
           "Under option A the lead inspector selects up to 20 children for the seven answers "
           "(para 22; Annex C: \"up to 20\"); the selection is the lead inspector's, who may "
           "have asked for more.",
           ("{count} children have additional answers, but under option A the lead inspector "
            "provides up to {most} (para 22; Annex C)",), "para 22; Annex C",
           ("role: child_id",), stage="across",
           quote=("the lead inspector will select 20 children", "provides up to 20")))
def check_selected_count(
    data: Dataset, option: str | None | Literal["infer"] = "infer"
) -> None:
    """``too-many-selected``: more than 20 children on option A's additional fields sheet.

    Under option A the lead inspector selects 20 children (para 22) and the LA answers the
    seven questions for those 20 (para 23). Only checked when the workbook shows option A
    (``infer_option``): under option B the sheet holds every flagged child.
    """
    if option == "infer":
        option = infer_option(data)
    if option != "A":
        return
    sheets = [pl for pl in data.lists if pl.schema.kind == "answers"]
    keys = {k for pl in sheets for k in pl.keys if isinstance(k, str)}
    if len(keys) <= MAX_SELECTED or not sheets:
        return
    pl = sheets[0]
    data.findings.add(
        "too-many-selected", file=pl.file, sheet=pl.sheet, row=None, column=None,
        message=f"{len(keys)} children have additional answers, but under option A the lead "
                f"inspector provides up to {MAX_SELECTED} (para 22; Annex C)",
        expected=f"at most {MAX_SELECTED} children", list_name=pl.name, order=(*pl.order, -1))


@rule(Rule("answers-for-unflagged-child", _W, "Answers for a child not flagged CSA-FE",
           "The seven answers are asked for children flagged CSA-FE (guidance paras 22-23, "
           "26), but no list flags this child Y.",
           ("additional answers are given, but the child is flagged N for CSA-FE on {where}",),
           "paras 22-23, 26", (*_ANSWER_ROLES, "role: csa_flag"), stage="across",
           quote=("who are at risk or subject to child sexual abuse in the family environment",
                  "for each child identified as being at risk or subject to"),
           policy=FLAG_READING))
def check_answers_for_unflagged(data: Dataset) -> None:
    """``answers-for-unflagged-child``: the seven answers are given for a child no list flags
    CSA-FE.

    The answers are asked for children at risk of or subject to CSA-FE (paras 22-23, 26). A
    warning, as the flag may be the one to correct. Children on no list with a CSA-FE flag are
    not judged.
    """
    answering: set[str] = set()
    for pl in data.lists:
        answered = _answered(pl)
        if answered:
            rows = np.logical_or.reduce(list(answered.values()))
            answering.update(k for k in pl.keys[rows] if isinstance(k, str))
    flags = _flags(data, answering)

    def unflagged(key: object) -> list[tuple[ParsedList, int, str]]:
        given = flags.get(key, []) if isinstance(key, str) else []
        return given if given and all(f == "N" for _, _, f in given) else []

    for pl in data.lists:
        answered = _answered(pl)
        if not answered:
            continue
        any_answer = np.logical_or.reduce(list(answered.values()))
        pos, msgs, cols = [], [], []
        for i in np.flatnonzero(any_answer):
            given = unflagged(pl.keys.iat[int(i)])
            if not given:
                continue
            pos.append(int(i))
            where = " and ".join("this row" if o is pl and p == i else o.where(p)
                                 for o, p, _ in given[:3])
            msgs.append(f"additional answers are given, but the child is flagged N for "
                        f"CSA-FE on {where}")
            cols.append(next(_present(pl, r) for r in ADDITIONAL_ROLES
                             if r in answered and answered[r][i]))
        for col in dict.fromkeys(cols):
            idx = [j for j, c in enumerate(cols) if c == col]
            _Emitter(data, pl)("answers-for-unflagged-child", np.array([pos[j] for j in idx]),
                               col, [msgs[j] for j in idx],
                               "answers only for children flagged Y for CSA-FE")


# --------------------------------------------------------------------------- meetings


def fieldwork_week(data: Dataset, pl: ParsedList) -> tuple[dt.date, str] | None:
    """The Monday of the fieldwork week and how it was found, or None when nothing says.

    The guidance asks for the meetings "taking place during the fieldwork week" (para 31) but
    gives no date for that week, and the lists do not carry one. jtai's reading: a date after
    "week commencing", "w/c" or "fieldwork week" in the sheet's name or title; else the week
    (Monday to Sunday) in which more than half of at least three dated meetings fall.
    Otherwise the rule is skipped.
    """
    title = next((s.title for s in data.sheets if s.file == pl.file and s.sheet == pl.sheet),
                 None)
    for text in (title, pl.sheet):
        m = _WEEK_TITLE.search(text or "")
        if m:
            p = parse_date(m.group(1))
            if isinstance(p.value, dt.date):
                day = p.value
                return day - dt.timedelta(days=day.weekday()), "the sheet's title"
    col = next((c.header for c in pl.schema.columns if c.type == "date"
                and c.header in pl.positions), None)
    if col is None:
        return None
    dates = pl.typed[col].dropna()
    if len(dates) < 3:
        return None
    mondays = (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.date
    counts = mondays.value_counts()
    if counts.iloc[0] * 2 <= len(dates):
        return None
    return counts.index[0], "the week most of the meetings fall in"


@rule(Rule("meeting-outside-fieldwork-week", _W, "Meeting outside the fieldwork week",
           "The meetings list is of meetings in the fieldwork week (guidance para 31); "
           "checked only when the sheet's title or most of its meetings show the week.",
           ("{date} is outside the fieldwork week {monday} to {sunday} (jtai's reading of the "
            "week, from {how})",),
           "para 31", ("type: date", "title"), stage="across",
           quote=("multi-agency meetings taking place during the fieldwork week",),
           policy="jtai's reading (the guidance gives no date for the fieldwork week): a date "
                  "after \"week commencing\" or \"fieldwork week\" in the sheet's name or "
                  "title, else the week most of at least three meetings fall in"))
def check_meetings_in_fieldwork_week(data: Dataset) -> None:
    """``meeting-outside-fieldwork-week``: a meeting on the multi-agency meetings list falls
    outside the fieldwork week (para 31). Skipped when nothing says which week that is (see
    ``fieldwork_week``). A warning: a meeting moved just before or after the week is useful
    to inspectors too.
    """
    for pl in [p for p in data.lists if p.schema.kind == "meeting"]:
        found = fieldwork_week(data, pl)
        col = next((c.header for c in pl.schema.columns if c.type == "date"
                    and c.header in pl.positions), None)
        if found is None or col is None:
            continue
        monday, how = found
        sunday = monday + dt.timedelta(days=6)
        s = pl.typed[col]
        out = s.notna() & ((s < pd.Timestamp(monday)) | (s > pd.Timestamp(sunday)))
        pos = np.flatnonzero(out.to_numpy(dtype=bool))
        _Emitter(data, pl)(
            "meeting-outside-fieldwork-week", pos, col,
            [f"{fmt_date(d)} is outside the fieldwork week {fmt_date(monday)} to "
             f"{fmt_date(sunday)} (jtai's reading of the week, from {how})"
             for d in s.iloc[pos]],
            f"a date from {fmt_date(monday)} to {fmt_date(sunday)}")
