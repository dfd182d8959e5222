"""Rules on rows and across lists. Every rule adds findings; none raises or changes data.

Each rule is one function registered with ``@rule`` (``jtai_cli/rules.py``): its slug(s),
severity, meaning, message template, guidance paragraph and the columns it reads sit right
above its code. ``check_list`` runs the ``list`` rules on each list in the order they are
defined here, ``run_checks`` then the ``across`` rules (these, then ``implied_checks``').

Rules run on the typed columns ``parsing`` produced, vectorised over whole columns; Python
loops only visit the rows a rule has already flagged. Range checks on numbers are pandera's
(the list schemas compiled by ``schemas.to_pandera``), with checks named by their slugs.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

from .children import STATUS_WORDS, status_lists
from .model import Dataset, ParsedList
from .parsing import BLANK, fmt_date, is_blank, show
from .rules import TEMPLATE, Rule, Severity, functions, rule
from .schemas import (
    PANDERA_SLUGS,
    Condition,
    ListSchema,
    Rules,
    condition_values,
    normalise,
    to_pandera,
)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def age_at(dob: pd.Series, when: pd.Series) -> pd.Series:
    """Age in whole years at the last birthday on each row's own date (vectorised)."""
    had_birthday = (dob.dt.month < when.dt.month) | (
        (dob.dt.month == when.dt.month) & (dob.dt.day <= when.dt.day)
    )
    age: pd.Series = when.dt.year - dob.dt.year - (~had_birthday).astype("int64")
    return age


def _on(first: dt.date, last: dt.date) -> str:
    """"on 23/11/2026", or "on any day from 16/11/2026 to 23/11/2026" for a window."""
    if first == last:
        return f"on {fmt_date(last)}"
    return f"on any day from {fmt_date(first)} to {fmt_date(last)}"


def age_on(dob: pd.Series, when: dt.date) -> pd.Series:
    """Age in whole years at the last birthday on ``when`` (vectorised; NaN where dob is NaT)."""
    had_birthday = (dob.dt.month < when.month) | (
        (dob.dt.month == when.month) & (dob.dt.day <= when.day)
    )
    age: pd.Series = when.year - dob.dt.year - (~had_birthday).astype("int64")
    return age


def _dates(s: pd.Series) -> np.ndarray:
    return np.array([fmt_date(d) if not pd.isna(d) else "" for d in s], dtype=object)


_E, _W = Severity.ERROR, Severity.WARNING

#: One reading of the CSA-FE flag for every rule that reads it (``csa-flag-disagrees``,
#: ``answers-missing``, ``answers-for-unflagged-child``, ``yot-nps-not-flagged``).
FLAG_READING = (
    "jtai's reading of para 20's two flags: list 8 asks whether the child \"has been\" at risk "
    "of or subject to CSA-FE, lists 4-7 whether the child \"is\". A Y on any list, list 8's "
    "included, identifies the child as at risk of or subject to CSA-FE (so option B's seven "
    "answers are due, para 26, whose first question says whether it is current); an N on a "
    "list that asks \"is\" says only that it is not current, so it never contradicts list 8's Y")


class _Emitter:
    def __init__(self, data: Dataset, pl: ParsedList):
        self.data, self.pl = data, pl

    def __call__(
        self,
        rule: str,
        pos: np.ndarray,
        column: str | None,
        messages: Sequence[str] | np.ndarray | str,
        expected: str,
    ) -> None:
        pl = self.pl
        pos = np.asarray(pos, dtype=np.int64)
        if not len(pos):
            return
        if isinstance(messages, str):
            msgs = np.full(len(pos), messages, dtype=object)
        else:
            msgs = np.asarray(messages, dtype=object)
        values = None
        if column is not None and column in pl.raw:
            raw = pl.raw[column][pos]
            values = np.array([None if is_blank(v) else show(v) for v in raw],
                              dtype=object)
        self.data.findings.add_many(
            rules=np.full(len(pos), rule, dtype=object), file=pl.file, sheet=pl.sheet,
            rows=pl.excel_rows[pos],
            column=pl.written.get(column, column) if column else None,
            messages=msgs, expected=expected, list_name=pl.name, values=values,
            order=(*pl.order, pl.column_order(column) if column else -1),
        )


def run_checks(data: Dataset) -> None:
    """Run every list rule on every list, then the rules across lists (``rules.functions``).

    The list rules are skipped where they ran as the lists were read (``lists_checked``).
    """
    if not data.lists_checked:
        for pl in data.lists:
            check_list(data, pl)
    for check in functions("across"):
        check(data)


# --------------------------------------------------------------------------- one list


def check_list(data: Dataset, pl: ParsedList) -> None:
    """Rules that need only one list's rows."""
    emit = _Emitter(data, pl)
    for check in functions("list"):
        check(data, pl, emit)


#: The words of the guidance on missing fields (para 19), quoted by the rules on blanks.
WHERE_POSSIBLE = "Where possible, the list should include the fields stated in the table below"
#: Why a blank cell of an essential column is an error and any other blank a warning.
BLANKS_POLICY = (
    "jtai's reading of para 19 (\"where possible\"): a blank cell is an error only in a column "
    "the list cannot be used without (essential in the list's YAML: the child's ID, the CSA-FE "
    "flag where the list asks it, the date that says who belongs on the list, and the seven "
    "answers on their own sheet, asked \"on each\" child by paras 23 and 26); any other blank "
    "is a warning, and none where the list's YAML says a blank is right (blank_when, "
    "may_be_blank_when)")


def condition_rows(data: Dataset, pl: ParsedList, cond: Condition) -> np.ndarray:
    """Rows where a YAML condition holds (all False when its column is not on the sheet)."""
    if cond.column not in pl.positions:
        return np.zeros(len(pl.typed), dtype=bool)
    values = pl.typed[cond.column]
    if cond.given:
        return np.asarray(values.notna().to_numpy(), dtype=bool)
    wanted = condition_values(cond, data.schemas, pl.schema)
    return np.asarray(values.isin(wanted).to_numpy(), dtype=bool)


def _any_condition(data: Dataset, pl: ParsedList, conds: Sequence[Condition]) -> np.ndarray:
    out = np.zeros(len(pl.typed), dtype=bool)
    for cond in conds:
        out |= condition_rows(data, pl, cond)
    return out


@rule(Rule("required-missing", _E, "Essential value missing",
           "The cell is blank in a column the list cannot be used without: the child's ID, "
           "the CSA-FE flag where the list asks it, the date that says who belongs on the "
           "list, or one of the seven answers on their own sheet.",
           ("'{header}' is blank, and {title} cannot be used without it",),
           "paras 20-21, 23, 26 and 32", ("essential",),
           quote=("Child unique ID", "The list should include the child's ID number",
                  "should provide the following information on each of the 20 children",
                  "for each child identified as being at risk"),
           policy=BLANKS_POLICY),
      Rule("value-missing", _W, "Value not given",
           "The cell is blank in a column the guidance asks for \"where possible\" (para 19); "
           "the list's YAML may say a blank is right on some rows (a referral closed with no "
           "further action has no worker).",
           ("'{header}' is blank; the guidance asks for it \"where possible\" (para 19)",),
           "para 19", ("required", "rules.blank_when", "rules.may_be_blank_when"),
           quote=(WHERE_POSSIBLE,), policy=BLANKS_POLICY),
      Rule("value-where-blank-expected", _W, "Value where the field is blank",
           "The field's definition says it is blank on this row (no placement provider on a "
           "temporary placement; no placement postcode or location for a short break), as the "
           "list's YAML declares with its source.",
           ("'{header}' is given, but the field is blank {when}",),
           "field definitions in the list's YAML", ("rules.blank_when",)))
def check_required(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """Blank cells (``required-missing``, ``value-missing``) and values where the field's
    definition says blank (``value-where-blank-expected``).

    A blank is an error only in an ``essential`` column; in any other ``required`` column it
    is a warning (para 19: "where possible"), except on the rows where the column's
    ``blank_when`` or ``may_be_blank_when`` conditions hold, where a blank is right.
    """
    for col in pl.schema.columns:
        if col.header not in pl.positions:
            continue
        blank = pl.parsed[col.header].state == BLANK
        r = col.rules
        if r.blank_when:
            for cond in r.blank_when:
                pos = np.flatnonzero(~blank & condition_rows(data, pl, cond))
                emit("value-where-blank-expected", pos, col.header,
                     f"'{col.header}' is given, but the field is blank {cond.text()}",
                     f"blank {cond.text()}")
        if not col.required:
            continue
        if col.essential:
            pos = np.flatnonzero(blank)
            emit("required-missing", pos, col.header,
                 f"'{col.header}' is blank, and {pl.schema.title} cannot be used without it",
                 col.description or "a value")
            continue
        blank &= ~_any_condition(data, pl, [*r.blank_when, *r.may_be_blank_when])
        pos = np.flatnonzero(blank)
        emit("value-missing", pos, col.header,
             f"'{col.header}' is blank; the guidance asks for it \"where possible\" (para 19)",
             col.description or "a value")


def _booked(pl: ParsedList, header: str, last: dt.date) -> np.ndarray:
    """Rows whose ``header`` date, after the as-of date, is a booking: its outcome is blank.

    Guidance para 32: the section 47 list "includes open enquiries ... yet to reach decision";
    an open enquiry may carry the date its initial conference is booked for. The outcome
    columns are those the schema expects with the date (``expected_with``): while all are
    blank the conference has not been held, so a later date is a booking.
    """
    s = pl.typed[header]
    future = np.array((s > pd.Timestamp(last)).to_numpy(dtype=bool, na_value=False))
    for col in pl.schema.columns:
        if col.rules.expected_with == header and col.header in pl.positions:
            future &= pl.parsed[col.header].state == BLANK
    return future


@rule(Rule("date-booked", _W, "Date booked ahead",
           "A conference date after the as-of date on an open section 47 enquiry (no outcome "
           "yet) is read as the date booked (para 32: the list includes open enquiries).",
           ("{date} is after the as-of date {as_of}: read as the date booked, as the outcome is "
            "still blank",), "para 32", ("type: date", "rules.may_be_booked",
                                         "rules.expected_with"),
           quote=("This includes open enquiries under section 47, yet to reach decision",)),
      Rule("date-in-future", _E, "Date in the future",
           "Only an (expected) date of birth or a planned meeting may be after the as-of date.",
           ("{date} is after the as-of date {as_of}",), "", ("type: date",
                                                            "rules.allow_future")))
def check_future_dates(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """Dates after the extraction day.

    A date after the last day the lists may have been extracted on is a mistake, except a
    date the schema allows in the future (an expected date of birth, a meeting in the
    fieldwork week) and a booking (``may_be_booked``: a warning, see ``_booked``).
    """
    last = data.window(pl)[1]
    as_of = pd.Timestamp(last)
    for col in pl.schema.columns:
        if col.type != "date" or col.header not in pl.positions or col.rules.allow_future:
            continue
        s = pl.typed[col.header]
        future = np.array((s > as_of).to_numpy(dtype=bool, na_value=False))
        if col.rules.may_be_booked:
            booked = _booked(pl, col.header, last)
            pos = np.flatnonzero(booked)
            emit("date-booked", pos, col.header,
                 [f"{d} is after the as-of date {fmt_date(last)}: read as the date booked, as "
                  "the outcome is still blank" for d in _dates(s.iloc[pos])],
                 f"a date on or before {fmt_date(last)}, or a booking on an open enquiry")
            future &= ~booked
        pos = np.flatnonzero(future)
        emit("date-in-future", pos, col.header,
             [f"{d} is after the as-of date {fmt_date(last)}" for d in _dates(s.iloc[pos])],
             f"a date on or before {fmt_date(last)}")


@rule(Rule("looked-after-before-birth", _E, "Looked after before birth",
           "A child cannot start to be looked after before they are born (work before birth "
           "is fine on the other lists).",
           ("started to be looked after on {start}, before the date of birth {dob}",),
           "", ("role: start_date", "role: date_of_birth")))
def check_looked_after_before_birth(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """List 8: a period of care that starts before the child's date of birth."""
    dob_col = pl.schema.by_role("date_of_birth")
    if pl.schema.list_number == 8 and dob_col is not None:
        start = pl.schema.by_role("start_date")
        if start is not None and start.header in pl.positions:
            s, dob = pl.typed[start.header], pl.typed[dob_col.header]
            pos = np.flatnonzero((s < dob).to_numpy())
            emit("looked-after-before-birth", pos, start.header,
                 [f"started to be looked after on {a}, before the date of birth {b}"
                  for a, b in zip(_dates(s.iloc[pos]), _dates(dob.iloc[pos]), strict=True)],
                 "a date on or after the date of birth")


@rule(Rule("age-dob-mismatch", _E, "Age does not match date of birth",
           "Age of child should be the age at the last birthday on the day the lists were "
           "extracted (on some day of the window, when that day was worked out).",
           ("age {age} does not match the date of birth {dob}: {on} the child is {years}",),
           TEMPLATE, ("role: age", "role: date_of_birth")),
      Rule("unborn-age-not-minus-one", _E, "Unborn child with an age",
           "An unborn child's age is -1 or blank.",
           ("the date of birth {dob} is after {as_of}, so the child is unborn, but the age is "
            "{age}",), TEMPLATE, ("role: age", "role: date_of_birth")))
def check_age(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """The age column against the date of birth, on the extraction day (or window).

    "Age of child (years)" is the age at the last birthday on the day the lists were
    extracted. When that day is only known to lie in a window (see ``extraction``), an age
    right on some day of the window is right: a birthday that fell between the extraction
    and the check is not a mistake.
    """
    first, last = data.window(pl)
    schema, t = pl.schema, pl.typed
    dob_c, age_c = schema.by_role("date_of_birth"), schema.by_role("age")
    if age_c is None or age_c.header not in pl.positions:
        return
    dob = t[dob_c.header] if dob_c else pd.Series(pd.NaT, index=t.index)
    age = t[age_c.header]
    born = dob.notna() & (dob <= pd.Timestamp(last))
    unborn_dob = dob.notna() & ~born
    youngest = age_on(dob, first).where(dob <= pd.Timestamp(first), -1)
    oldest = age_on(dob, last)
    age_f = age.astype("float64")
    on = _on(first, last)
    # Age -1 with a date of birth already past: the date is the expected one of a child still
    # recorded unborn, which ``unborn-due-date-passed`` judges (a warning, with its tolerance).
    mismatch = born & age.notna() & (age_f != -1) & ((age_f < youngest) | (age_f > oldest))
    pos = np.flatnonzero(mismatch.to_numpy(dtype=bool, na_value=False))
    emit("age-dob-mismatch", pos, age_c.header,
         [f"age {int(a)} does not match the date of birth {d}: {on} the child is "
          + (f"{int(y)}" if y == o else f"{int(y)} or {int(o)}")
          for a, d, y, o in zip(age_f.iloc[pos], _dates(dob.iloc[pos]), youngest.iloc[pos],
                                oldest.iloc[pos], strict=True)],
         f"the age at the last birthday {on}")
    bad_unborn = unborn_dob & age.notna() & (age_f != -1)
    pos = np.flatnonzero(bad_unborn.to_numpy(dtype=bool, na_value=False))
    emit("unborn-age-not-minus-one", pos, age_c.header,
         [f"the date of birth {d} is after {fmt_date(last)}, so the child is unborn, but "
          f"the age is {int(a)}" for d, a in zip(_dates(dob.iloc[pos]), age_f.iloc[pos],
                                                 strict=True)],
         "-1 or blank for an unborn child")


@rule(Rule("unborn-no-expected-dob", _W, "Unborn child without an expected date of birth",
           "An unborn child (age -1) should have an expected date of birth if one is known.",
           ("unborn child (age -1) with no expected date of birth",), "paras 20 and 32",
           ("role: age", "role: date_of_birth", "role: expected_date_of_birth"),
           quote=("If unborn: expected date of birth",)))
def check_unborn_expected_dob(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """Age -1 (unborn) with neither a date of birth nor an expected one."""
    schema, t = pl.schema, pl.typed
    dob_c, age_c = schema.by_role("date_of_birth"), schema.by_role("age")
    edd_c = schema.by_role("expected_date_of_birth")
    dob = t[dob_c.header] if dob_c else pd.Series(pd.NaT, index=t.index)
    edd = t[edd_c.header] if edd_c else pd.Series(pd.NaT, index=t.index)
    if age_c:
        age_f = t[age_c.header].astype("float64")
        no_edd = (age_f == -1) & dob.isna() & edd.isna()
        pos = np.flatnonzero(no_edd.fillna(False).to_numpy(dtype=bool))
        # On the sheet's own column: the expected or actual date of birth where the list has
        # one, else the age that says -1 (the YOT and NPS lists have no dates of birth).
        here = next((c.header for c in (edd_c, dob_c) if c and c.header in pl.positions),
                    age_c.header)
        emit("unborn-no-expected-dob", pos, here,
             "unborn child (age -1) with no expected date of birth",
             "the expected date of birth, if known")


@rule(Rule("aged-18-or-over", _E, "Child aged 18 or over",
           "The lists are of children under 18 (guidance para 18): at the contact, referral, "
           "assessment or enquiry, at the end of a closed episode, or on the extraction day "
           "while the case is open.",
           ("the child is {age} {on} and the case is still open; the lists are of children "
            "under 18",
            "the child was already {age} before the {column} ({date}); the lists are of "
            "children under 18",
            "the child was {age} on the {column} ({date}); the lists are of children under 18"),
           "para 18", ("under_18_at", "role: date_of_birth", "role: age", "codes.reached_18"),
           quote=("These should be children under the age of 18",),
           policy="jtai's reading of para 18: under 18 at the event the row records (the "
                  "contact, the end of a closed episode), or on the extraction day while the "
                  "case is open; 18 at the end of care is right for E17 and RC6"))
def check_under_18(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """Guidance para 18, "These should be children under the age of 18", at the right moment.

    The list's ``under_18_at`` column says when: a contact, referral, assessment or enquiry at
    its own date; a CIN episode, plan or period of care that has ended at its end date (and
    one that ended on the 18th birthday was a child's); one still open on the extraction day
    (the window's first day, when that day is a window). A young person who ceased care aged
    18 ("E17 aged 18+ and remained with current carers") or whose case was transferred to
    adult services (RC6), reasons marked ``reached_18`` in the code lists, is legitimate at 18
    (not 19). Without a date of birth the age column is used, less the birthdays that may
    have fallen since the event.
    """
    first, last = data.window(pl)
    schema, t = pl.schema, pl.typed
    dob_c, age_c = schema.by_role("date_of_birth"), schema.by_role("age")
    dob = t[dob_c.header] if dob_c else pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    age = (t[age_c.header] if age_c else pd.Series(pd.NA, index=t.index, dtype="Int64")
           ).astype("float64")
    at = schema.under_18_at
    first_ts = pd.Timestamp(first)
    event = (t[at] if at and at in pl.positions
             else pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]"))
    # Dates centuries away (reported by other rules) are clipped so the arithmetic below
    # cannot overflow; nobody is under 18 on them either way.
    last_ts = pd.Timestamp(last)
    low, high = last_ts - pd.Timedelta(days=200 * 366), last_ts + pd.Timedelta(days=200 * 366)
    event = event.where((event >= low) | event.isna(), low).where(
        (event <= high) | event.isna(), high)
    when = event.fillna(first_ts)
    ends = at is not None and schema.column(at).role == "end_date"
    limit = pd.Series(17, index=t.index, dtype="int64")
    if ends:
        # The last day of the episode is the day before it ended (care ends on the birthday).
        when = when.where(event.isna(), event - pd.Timedelta(days=1))
        reason = next((c for c in schema.columns if c.rules.only_with == at
                       and c.header in pl.positions), None)
        codes = data.schemas.codes_for(reason) if reason is not None else None
        if reason is not None and codes is not None and codes.reached_18:
            adult = t[reason.header].isin(list(codes.reached_18)) & event.notna()
            limit = limit.where(~adult.to_numpy(), 18)
    born = dob.notna() & (dob <= when)
    by_dob = age_at(dob, when).where(born)
    # Age column only: it is the age on the extraction day, so at an earlier event the child
    # may have been younger by the birthdays since (at most one a year, rounded up).
    gap = (last_ts - when).dt.days.clip(lower=0).where(event.notna(), 0)
    by_age = age - np.ceil(gap / 365.0)
    at_event = by_dob.where(dob.notna(), by_age)
    over = (at_event > limit).to_numpy(dtype=bool, na_value=False)
    pos = np.flatnonzero(over)
    col = dob_c.header if dob_c and dob_c.header in pl.positions else (
        age_c.header if age_c else None)
    msgs = []
    for a, d, has_dob in zip(at_event.iloc[pos], _dates(event.iloc[pos]),
                             dob.iloc[pos].notna(), strict=True):
        years = f"{'' if has_dob else 'at least '}{int(a)}"
        if not d:
            msgs.append(f"the child is {years} {_on(first, last)} and the case is still open; "
                        "the lists are of children under 18")
        elif ends:
            msgs.append(f"the child was already {years} before the {str(at).strip()} ({d}); "
                        "the lists are of children under 18")
        else:
            msgs.append(f"the child was {years} on the {at} ({d}); the lists are of children "
                        "under 18")
    emit("aged-18-or-over", pos, col, msgs,
         "a child under 18 at the event, or while the case is open (guidance para 18)")


@rule(Rule("end-before-start", _E, "Date before its start",
           "An end, closure, ceased, authorisation or conference date is before the date it "
           "follows.",
           ("{column} {date} is before {other} {other_date}",), TEMPLATE,
           ("rules.not_before",)))
def check_end_before_start(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """A date before the date it follows (``not_before``)."""
    t, present = pl.typed, set(pl.positions)
    for col in pl.schema.columns:
        r = col.rules
        if col.header in present and r.not_before and r.not_before in present:
            s, other = t[col.header], t[r.not_before]
            pos = np.flatnonzero((s < other).to_numpy(dtype=bool, na_value=False))
            emit("end-before-start", pos, col.header,
                 [f"{col.header} {a} is before {r.not_before} {b}"
                  for a, b in zip(_dates(s.iloc[pos]), _dates(other.iloc[pos]), strict=True)],
                 f"on or after {r.not_before}")


@rule(Rule("reason-without-end-date", _W, "Reason without an end date",
           "A reason for closure or ceasing is given but the closure or ceased date is blank.",
           ("'{column}' is given but '{date_column}' is blank",), TEMPLATE,
           ("rules.only_with",)))
def check_reason_without_end_date(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """A value given while the column it goes with (``only_with``) is blank."""
    t, present = pl.typed, set(pl.positions)
    for col in pl.schema.columns:
        r = col.rules
        if col.header in present and r.only_with and r.only_with in present:
            pos = np.flatnonzero((t[col.header].notna() & t[r.only_with].isna()).to_numpy())
            emit("reason-without-end-date", pos, col.header,
                 f"'{col.header}' is given but '{r.only_with}' is blank",
                 f"blank while {r.only_with} is blank")


@rule(Rule("end-date-without-reason", _W, "End date without a reason",
           "A closure or ceased date is given without its reason.",
           ("'{date_column}' is given but '{column}' is blank",), TEMPLATE,
           ("rules.expected_with", "rules.may_be_booked")))
def check_end_date_without_reason(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """A blank cell while the date it goes with (``expected_with``) is given (not booked)."""
    t, present = pl.typed, set(pl.positions)
    last = data.window(pl)[1]
    for col in pl.schema.columns:
        r = col.rules
        if col.header in present and r.expected_with and r.expected_with in present:
            blank = pl.parsed[col.header].state == BLANK
            given = np.array(t[r.expected_with].notna().to_numpy())
            if pl.schema.column(r.expected_with).rules.may_be_booked:
                given &= ~_booked(pl, r.expected_with, last)  # no outcome yet: not held
            pos = np.flatnonzero(blank & given)
            emit("end-date-without-reason", pos, col.header,
                 f"'{r.expected_with}' is given but '{col.header}' is blank",
                 f"a {col.header.lower()} when {r.expected_with} is given")


def _outside(values: pd.Series, rules: Rules) -> bool:
    """Does any number fall outside the column's range (the pandera checks' quick test)?"""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        low = rules.at_least is not None and bool((numbers < rules.at_least).any())
        high = rules.at_most is not None and bool((numbers > rules.at_most).any())
    return low or high


@rule(Rule("number-too-small", _E, "Number below the minimum",
           "The number is below the smallest value the column allows.",
           ("{value} is less than {minimum}",), TEMPLATE, ("rules.at_least",)),
      Rule("number-too-large", _E, "Number above the maximum",
           "The number is above the largest value the column allows.",
           ("{value} is more than {maximum}",), TEMPLATE, ("rules.at_most",)))
def check_ranges(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """Numbers outside their column's range: pandera's checks, named by these rules' slugs.

    pandera validates the typed columns lazily, so every failing cell comes back in
    ``failure_cases``, whose ``check`` is the slug. Only the columns with a range are given
    to pandera: parsing has already made every typed value the column's type and one of its
    codes (``benchmarks/pandera_cost.py`` measures what checking those again would cost).
    """
    ranged = [c for c in pl.schema.columns if c.header in pl.positions
              and (c.rules.at_least is not None or c.rules.at_most is not None)]
    # A column whose every number is within its range cannot fail: pandera (about 0.4 s to
    # import, a quarter of a small file's whole run) is only consulted when one is not.
    headers = [c.header for c in ranged if _outside(pl.typed[c.header], c.rules)]
    if not headers:
        return
    # lazy: pandera takes seconds to import, and only a range that fails needs it
    import pandera.pandas as pa

    schema = to_pandera(pl.schema, data.schemas.codes, headers)
    try:
        schema.validate(pl.typed[headers], lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        # Never log or print exc: its failure cases hold the cells' values.
        cases = exc.failure_cases
    for (column, slug), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        col = pl.schema.column(str(column))
        pos = group["index"].dropna().astype("int64").to_numpy()
        values = pl.typed[col.header].iloc[pos]
        if slug == "number-too-small":
            emit("number-too-small", pos, col.header,
                 [f"{int(v)} is less than {col.rules.at_least}" for v in values],
                 f"{col.rules.at_least} or more")
        elif slug == "number-too-large":
            emit("number-too-large", pos, col.header,
                 [f"{int(v)} is more than {col.rules.at_most}" for v in values],
                 f"{col.rules.at_most} or less")
        else:  # a typed column breaking its own contract is a bug in parsing, not in the data
            assert slug in PANDERA_SLUGS, slug
            raise AssertionError(f"pandera check {slug} failed on column {col.header}")


@rule(Rule("outside-period", _W, "Row outside the list's period",
           "The row falls outside the look-back period the guidance gives for this list "
           "(paras 20 and 32: e.g. \"subject of a section 47 enquiry in the six months\", "
           "so an enquiry still going then is in).",
           ("{column} {date} is before {start}, the start of the {months}-month period for "
            "{list}",), "paras 20 and 32", ("period",),
           quote=("in the three months before inspection", "in the six months before inspection",
                  "in the three months prior to inspection",
                  "in the six months prior to inspection")))
def check_period(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """Rows outside the list's look-back period, in the guidance's words (paras 20 and 32).

    "In the three months before" (contacts, referrals) reads a ``starts`` date; "at the point
    of inspection and those who ceased ... in the three months before" (lists 6-8) and
    "assessments that have started but are not yet completed" read an ``ends`` date, blank
    meaning still open. "Subject of a section 47 enquiry in the six months ... includes open
    enquiries" puts in scope an enquiry that started earlier but was still going in the six
    months: nothing in ``ended_by`` says it had ended, or it ended within them. The period is
    counted back from the first day the lists may have been extracted on (the lenient end).
    """
    first = data.window(pl)[0]
    period = pl.schema.period
    if period is None:
        return
    anchor = period.starts or period.ends
    assert anchor is not None
    if anchor not in pl.positions:
        return
    start = months_before(first, period.months)
    s = pl.typed[anchor]
    before = np.array((s < pd.Timestamp(start)).to_numpy(dtype=bool, na_value=False))
    ended_by = [h for h in period.ended_by if h in pl.positions]
    if ended_by and before.any():
        ended = np.zeros(len(s), dtype=bool)
        ended_in = np.zeros(len(s), dtype=bool)
        for header in ended_by:
            col, v = pl.schema.column(header), pl.typed[header]
            if col.type == "date":
                ended |= v.notna().to_numpy()
                ended_in |= (v >= pd.Timestamp(start)).to_numpy(dtype=bool, na_value=False)
            else:
                codes = data.schemas.codes_for(col)
                yes = {c for c in (codes.values if codes else ())
                       if normalise(codes.means(c) if codes else c) in ("yes", "y")}
                ended |= v.isin(list(yes)).to_numpy()
        before &= ended & ~ended_in
    pos = np.flatnonzero(before)
    what = "on or after" if period.starts else "blank (still open) or on or after"
    if ended_by:
        what = "still going on or ended after, or started on or after"
    emit("outside-period", pos, anchor,
         [f"{anchor} {d} is before {fmt_date(start)}, the start of the {period.months}-month "
          f"period for {pl.label}" + (" and the enquiry had ended before it" if ended_by else "")
          for d in _dates(s.iloc[pos])],
         f"{what} {fmt_date(start)}")


@rule(Rule("too-many-rows", _E, "More rows than the guidance allows",
           "The YOT and NPS lists hold up to five cases each (guidance para 21).",
           ("{rows} rows, but the {list} holds up to {most} cases",), "para 21", ("max_rows",),
           quote=("Up to five cases where YOTs", "Up to five cases where NPS")))
def check_max_rows(data: Dataset, pl: ParsedList, emit: _Emitter) -> None:
    """More rows than the list's ``max_rows`` (YOT and NPS: five cases)."""
    most = pl.schema.max_rows
    if most is not None and len(pl.typed) > most:
        data.findings.add(
            "too-many-rows", file=pl.file, sheet=pl.sheet, row=None, column=None,
            message=f"{len(pl.typed)} rows, but the {pl.label} holds up to {most} cases",
            expected=f"at most {most} rows", list_name=pl.name, order=(*pl.order, -1),
        )


# --------------------------------------------------------------------------- across lists


@rule(Rule("duplicate-child", _E, "Child listed twice",
           "Lists 6, 7 and 8 hold one row per child, for their most recent episode.",
           ("the same child is also on {where}",), TEMPLATE,
           ("one_row_per_child", "role: child_id"), stage="across"))
def check_one_row_per_child(data: Dataset) -> None:
    """Lists 6, 7 and 8 hold one row per child, even when a list runs over several sheets.

    The two forms of list 8 (full ILACS and reduced JTAI; para 20: "the local area can choose
    to provide either") are checked each on its own: a child on both is the same period of
    care given twice, not two rows of one list (``merge`` notes such children, and the
    cross-list rules still compare their details).
    """
    groups: dict[object, list[int]] = {}
    for li, pl in enumerate(data.lists):
        if pl.schema.one_row_per_child:
            groups.setdefault(pl.name, []).append(li)
    for members in groups.values():
        df = pd.concat([pd.DataFrame({"li": li, "pos": np.arange(len(data.lists[li].keys)),
                                      "key": data.lists[li].keys}) for li in members],
                       ignore_index=True)
        df = df[df["key"].notna()]
        df = df[df["key"].duplicated(keep=False)]
        if df.empty:
            continue
        places: dict[str, list[tuple[int, int]]] = {}
        for at_li, pos, key in zip(df["li"], df["pos"], df["key"], strict=True):
            places.setdefault(key, []).append((int(at_li), int(pos)))
        for li_value, rows in df.groupby("li", sort=False):
            li = int(cast(int, li_value))
            pl = data.lists[li]
            msgs = []
            for pos, key in zip(rows["pos"], rows["key"], strict=True):
                others = [(o_li, o_pos) for o_li, o_pos in places[key]
                          if (o_li, o_pos) != (li, pos)]
                same = [str(int(data.lists[o_li].excel_rows[o_pos])) for o_li, o_pos in others
                        if o_li == li]
                elsewhere = [data.lists[o_li].where(o_pos) for o_li, o_pos in others
                             if o_li != li]
                parts = []
                if same:
                    parts.append(f"row{'s' if len(same) > 1 else ''} {', '.join(same)} of this "
                                 "sheet")
                parts.extend(elsewhere)
                msgs.append("the same child is also on " + " and ".join(parts))
            id_col = pl.schema.by_role("child_id")
            assert id_col is not None
            _Emitter(data, pl)("duplicate-child", rows["pos"].to_numpy(), id_col.header, msgs,
                               f"one row per child on {pl.label}, for the most recent episode")


def _frame(data: Dataset) -> pd.DataFrame:
    parts = []
    for li, pl in enumerate(data.lists):
        s = pl.schema

        def col(role: str, pl: ParsedList = pl, s: ListSchema = s) -> pd.Series:
            c = s.by_role(role)
            if c is None or c.header not in pl.positions:
                if role == "date_of_birth":
                    return pd.Series(pd.NaT, index=pl.typed.index, dtype="datetime64[ns]")
                return pd.Series(None, index=pl.typed.index, dtype=object)
            return pl.typed[c.header]

        id_col = s.by_role("child_id")
        assert id_col is not None
        parts.append(pd.DataFrame({
            "li": li, "pos": np.arange(len(pl.typed)), "key": pl.keys,
            "id": pl.typed[id_col.header].astype(object),
            "dob": col("date_of_birth"), "gender": col("gender"), "csa": col("csa_flag"),
            "status": col("status"),
            "has_been": _has_been(s),
        }))
    if not parts:
        return pd.DataFrame(columns=["li", "pos", "key", "id", "dob", "gender", "csa", "status",
                                     "has_been"])
    df = pd.concat(parts, ignore_index=True)
    return df[df["key"].notna()]


def _has_been(schema: ListSchema) -> bool:
    flag = schema.by_role("csa_flag")
    return flag is not None and flag.rules.has_been


@rule(Rule("dob-mismatch", _E, "Date of birth differs across rows",
           "The same child has a different date of birth on another row or list.",
           ("date of birth {here} here but {there} for the same child on {where}",),
           "", ("role: child_id", "role: date_of_birth"), stage="across"),
      Rule("gender-mismatch", _E, "Gender differs across rows",
           "The same child has a different gender on another row or list.",
           ("gender '{here}' here but '{there}' for the same child on {where}",),
           "", ("role: child_id", "role: gender"), stage="across"),
      Rule("csa-flag-disagrees", _W, "CSA-FE flag differs across lists",
           "The same child is flagged at risk of CSA-FE on one list and not on another (para "
           "20: Y on list 8, which asks \"has been\", with N on a list that asks \"is\" "
           "agrees).",
           ("CSA-FE flag '{here}' here but '{there}' for the same child on {where}",),
           "para 20", ("role: child_id", "role: csa_flag", "rules.has_been"),
           stage="across",
           quote=("Whether the child has been at risk or subject to",
                  "Whether the child is at risk of or subject to"),
           policy=FLAG_READING),
      Rule("id-leading-zeros", _W, "Child ID written two ways",
           "The same child's ID appears with and without leading zeros; they were matched "
           "as one child.",
           ("child ID '{here}' here but '{there}' on {where}: read as the same child (leading "
            "zeros are lost when IDs are stored as numbers)",), "",
           ("role: child_id",), stage="across"))
def check_across_lists(data: Dataset) -> None:
    """Same child, same facts everywhere."""
    df = _frame(data)
    if df.empty:
        return
    keys = pd.factorize(df["key"].to_numpy(dtype=object))[0]
    _conflicts(data, df, keys, "dob", "dob-mismatch", "date_of_birth")
    _conflicts(data, df, keys, "gender", "gender-mismatch", "gender")
    # List 8 asks whether the child "has been" at risk, lists 4-7 whether the child "is": a Y
    # on list 8 agrees with anything (N now, Y once), so only its N is compared.
    ever_y = (df["has_been"].astype(bool) & (df["csa"] == "Y")).to_numpy()
    _conflicts(data, df.assign(csa=df["csa"].where(~ever_y, None)), keys, "csa",
               "csa-flag-disagrees", "csa_flag")
    _conflicts(data, df, keys, "id", "id-leading-zeros", "child_id")


_CONFLICT_TEXT = {
    "dob-mismatch": ("date of birth {here} here but {there} for the same child on {where}",
                     "the same date of birth on every row for this child"),
    "gender-mismatch": ("gender '{here}' here but '{there}' for the same child on {where}",
                        "the same gender on every row for this child"),
    "csa-flag-disagrees": ("CSA-FE flag '{here}' here but '{there}' for the same child on {where}",
                           "the same CSA-FE flag on every list for this child"),
    "id-leading-zeros": ("child ID '{here}' here but '{there}' on {where}: read as the same child "
                         "(leading zeros are lost when IDs are stored as numbers)",
                         "the child's ID written the same way on every list"),
}


def _conflicts(
    data: Dataset, df: pd.DataFrame, keys: np.ndarray, field: str, rule: str, role: str
) -> None:
    """Flag rows whose value differs from the child's usual value, naming a row that has it.

    The usual value is the most common one for the child (ties: the first seen); for IDs, the
    longest spelling (the one that kept its leading zeros). Vectorised over all children:
    ``keys`` numbers each row's child (``df["key"]`` factorized).
    """
    given = df[field].notna().to_numpy()
    if not given.any():
        return
    # Children with more than one distinct value: count distinct (child, value) pairs.
    values = pd.factorize(df[field].to_numpy()[given])[0].astype(np.int64)
    child = keys[given].astype(np.int64)
    pairs = _distinct(child * (int(values.max()) + 1) + values)
    per_child = np.bincount(pairs // (int(values.max()) + 1), minlength=int(keys.max()) + 1)
    differs = np.zeros(len(df), dtype=bool)
    differs[given] = per_child[child] > 1
    if not differs.any():
        return
    sub = df[differs]
    sub = sub.assign(_order=np.arange(len(sub)), _v=sub[field].map(show))
    stats = sub.groupby(["key", "_v"], sort=False).agg(
        n=("_order", "size"), first=("_order", "min"))
    stats = stats.reset_index()
    if rule == "id-leading-zeros":
        stats["n"] = stats["_v"].str.len()
    elif rule == "csa-flag-disagrees":
        # A tie between Y and N: the N is the row to look at (a child at risk left unflagged
        # is missed by the inspectors; one flagged in error costs a look).
        stats["n"] = stats["n"] + 0.5 * (stats["_v"] == "Y")
    stats = stats.sort_values(["key", "n", "first"], ascending=[True, False, True])
    usual = stats.drop_duplicates("key").set_index("key")
    ref = sub.set_index("_order").loc[usual["first"].to_numpy(), ["li", "pos"]]
    ref.index = usual.index
    flagged = sub[sub["_v"].to_numpy() != usual.loc[sub["key"], "_v"].to_numpy()]
    template, expected = _CONFLICT_TEXT[rule]
    for li, rows in flagged.groupby("li", sort=False):
        pl = data.lists[int(li)]
        col = pl.schema.by_role(role)
        assert col is not None
        there = usual.loc[rows["key"], "_v"].to_numpy()
        ref_li = ref.loc[rows["key"], "li"].to_numpy()
        ref_pos = ref.loc[rows["key"], "pos"].to_numpy()
        msgs = []
        for here, th, rl, rp in zip(rows["_v"], there, ref_li, ref_pos, strict=True):
            msg = template.format(here=here, there=th, where=data.lists[int(rl)].where(int(rp)))
            if rule == "dob-mismatch" and _swapped(here, th):
                msg += ": the day and month look swapped"
            msgs.append(msg)
        _Emitter(data, pl)(rule, rows["pos"].to_numpy(), col.header, msgs, expected)


def _distinct(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for integers, by sorting: numpy 2.4's hashing ``unique`` took 18 s on
    1.3 million (child, value) pairs that sort in 0.3 s, and grew faster than the rows."""
    s = np.sort(a)
    return s[np.concatenate(([True], s[1:] != s[:-1]))] if len(s) else s


def _swapped(a: str, b: str) -> bool:
    """True when two dd/mm/yyyy dates are each other with day and month swapped."""
    da, ma, ya = a.split("/")
    db, mb, yb = b.split("/")
    return ya == yb and da == mb and ma == db and da != ma


@rule(Rule("not-on-lists-6-8", _E, "YOT/NPS child not on lists 6-8",
           "A child on the YOT or NPS list must be a child in need, on a child protection "
           "plan or looked after, so on list 6, 7 or 8.",
           ("this child is on the {list} but on none of lists 6, 7 and 8",), "para 21",
           ("role: status", "role: child_id"), stage="across",
           quote=("whether they are a child in need, on a child protection plan or looked after",)),
      Rule("status-not-matching", _E, "YOT/NPS status does not match the lists",
           "The status given on the YOT or NPS list (CIN, CP or CLA) should match the list "
           "the child is on.",
           ("the {list} says {status} ({words}) but the child is not on List {number}",),
           "para 21", ("role: status", "role: child_id"), stage="across",
           quote=("whether they are a child in need, on a child protection plan or looked after",)))
def check_yot_nps_on_lists(data: Dataset) -> None:
    """YOT/NPS children are on lists 6-8, on the list their status names."""
    status_list = status_lists(data.schemas)  # CIN -> 6, CP -> 7, CLA -> 8
    on_list: dict[int, set[str]] = {}
    for number in (6, 7, 8):
        lists = data.numbered(number)
        if lists:
            on_list[number] = {k for pl in lists for k in pl.keys.dropna()}
    if not on_list:
        return  # lists 6-8 were not given: nothing to check against
    for pl in data.lists:
        status_col = pl.schema.by_role("status")
        if status_col is None:
            continue
        id_col = pl.schema.by_role("child_id")
        assert id_col is not None
        emit = _Emitter(data, pl)
        any_list = set().union(*on_list.values())
        for i, key in enumerate(pl.keys):
            if key is None:
                continue
            if len(on_list) == 3 and key not in any_list:
                emit("not-on-lists-6-8", np.array([i]), id_col.header,
                     f"this child is on the {pl.label} but on none of lists 6, 7 and 8",
                     "a child on list 6, 7 or 8")
                continue
            status = pl.typed[status_col.header].iat[i]
            if not isinstance(status, str) or status_list.get(status) is None:
                continue
            listed = status_list[status]
            if listed not in on_list or key in on_list[listed]:
                continue
            found = [f"List {n}" for n in sorted(on_list) if key in on_list[n]]
            emit("status-not-matching", np.array([i]), status_col.header,
                 f"the {pl.label} says {status} ({STATUS_WORDS[status]}) but the child is not "
                 f"on List {listed}" + (f"; they are on {' and '.join(found)}" if found else ""),
                 f"the child on List {listed}, or the status of the list they are on")
