"""Findings: the ``Issue`` record and the catalogue of rules, each with a stable slug.

A finding's ``rule`` is a slug that never changes meaning (scripts branch on it); its
``message`` is plain English for the analyst. ``Issue.__repr__`` deliberately leaves out the
cell's value: findings may be logged, and a value can identify a child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is."""

    ERROR = "error"
    WARNING = "warning"
    COERCED = "coerced"


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue."""

    slug: str
    severity: Severity
    title: str
    description: str


_E, _W, _C = Severity.ERROR, Severity.WARNING, Severity.COERCED

CATALOGUE: dict[str, Rule] = {
    r.slug: r
    for r in [
        # sheets and columns
        Rule("no-lists-found", _E, "No JTAI list in the file",
             "No sheet of the file has headers that match any JTAI list, so nothing could be "
             "checked."),
        Rule("sheet-not-recognised", _W, "Sheet matches no list",
             "The sheet's headers match none of the JTAI lists, so it was not checked."),
        Rule("sheet-not-in-scope", _W, "Sheet is not a JTAI list",
             "The sheet is an ILACS list the JTAI does not ask for (early help, care leavers, "
             "adoption), so it was not checked."),
        Rule("sheet-hidden", _W, "List on a hidden sheet",
             "The list is on a sheet hidden in Excel; it was read and checked like the others."),
        Rule("sheet-empty", _W, "List has no rows",
             "The list's headers were found but no data rows under them."),
        Rule("list-duplicated", _W, "Same list on two sheets",
             "Two sheets hold the same list; both were checked."),
        Rule("file-unusable", _E, "File cannot be used",
             "The file is missing, damaged, encrypted or not a workbook; the other files were "
             "still checked."),
        Rule("file-kind-mismatch", _W, "File name does not match its content",
             "The file's extension says one kind of file but it holds another."),
        Rule("essential-column-missing", _E, "Essential column missing",
             "A column the list cannot be used without (the child's ID, the CSA-FE flag para "
             "19 asks for, the date that says who belongs on the list) was not found among "
             "the headers."),
        Rule("column-missing", _W, "Column not given",
             "A column the guidance asks for \"where possible\" (para 19) was not found among "
             "the headers; the list was checked without it."),
        Rule("column-unknown", _W, "Unknown column",
             "A header that is not part of the list; its values were not checked."),
        Rule("column-duplicate", _E, "Column given twice",
             "Two headers stand for the same column; only the first was checked."),
        Rule("too-many-rows", _E, "More rows than the guidance allows",
             "The YOT and NPS lists hold up to five cases each (guidance para 21)."),
        # values
        Rule("required-missing", _E, "Required value missing",
             "The cell is blank but the column must have a value."),
        Rule("excel-error", _E, "Excel error value",
             "The cell holds an Excel error such as #N/A or #REF! instead of a value."),
        Rule("date-not-recognised", _E, "Not a date",
             "The value could not be read as a date (dates are read day first, dd/mm/yyyy)."),
        Rule("date-impossible", _E, "Impossible date",
             "The value is shaped like a date but no such day exists."),
        Rule("date-coerced", _C, "Date read from text or a number",
             "A date written as text or as an Excel serial number was read as a date."),
        Rule("not-a-whole-number", _E, "Not a whole number",
             "The column holds whole numbers."),
        Rule("number-coerced", _C, "Number read from text",
             "A number stored as text was read as a number, or a decimal age (6.14) as its "
             "whole years."),
        Rule("number-too-small", _E, "Number below the minimum",
             "The number is below the smallest value the column allows."),
        Rule("number-too-large", _E, "Number above the maximum",
             "The number is above the largest value the column allows."),
        Rule("code-not-in-list", _E, "Value not in the code list",
             "The value is not one of the column's codes, nor a known spelling of one."),
        Rule("code-coerced", _C, "Value read as a code",
             "A known spelling of a code (Yes, M, N1 Abuse or neglect, ...) was read as the "
             "template's code."),
        Rule("id-not-recognised", _E, "Not a child ID",
             "The cell holds a date or TRUE/FALSE where the child's ID should be."),
        Rule("id-coerced", _C, "Child ID tidied",
             "A child ID stored as a decimal number or with surrounding spaces was tidied."),
        Rule("id-leading-zeros", _W, "Child ID written two ways",
             "The same child's ID appears with and without leading zeros; they were matched "
             "as one child."),
        # rules on a row
        Rule("end-before-start", _E, "Date before its start",
             "An end, closure, ceased, authorisation or conference date is before the date it "
             "follows."),
        Rule("date-in-future", _E, "Date in the future",
             "Only an (expected) date of birth or a planned meeting may be after the as-of date."),
        Rule("date-booked", _W, "Date booked ahead",
             "A conference date after the as-of date on an open section 47 enquiry (no outcome "
             "yet) is read as the date booked (para 32: the list includes open enquiries)."),
        Rule("age-dob-mismatch", _E, "Age does not match date of birth",
             "Age of child should be the age at the last birthday on the day the lists were "
             "extracted (on some day of the window, when that day was worked out)."),
        Rule("aged-18-or-over", _E, "Child aged 18 or over",
             "The lists are of children under 18 (guidance para 18): at the contact, referral, "
             "assessment or enquiry, at the end of a closed episode, or on the extraction day "
             "while the case is open."),
        Rule("unborn-age-not-minus-one", _E, "Unborn child with an age",
             "An unborn child's age is -1 or blank."),
        Rule("unborn-no-expected-dob", _W, "Unborn child without an expected date of birth",
             "An unborn child (age -1) should have an expected date of birth if one is known."),
        Rule("looked-after-before-birth", _E, "Looked after before birth",
             "A child cannot start to be looked after before they are born (work before birth "
             "is fine on the other lists)."),
        Rule("reason-without-end-date", _W, "Reason without an end date",
             "A reason for closure or ceasing is given but the closure or ceased date is blank."),
        Rule("end-date-without-reason", _W, "End date without a reason",
             "A closure or ceased date is given without its reason."),
        Rule("outside-period", _W, "Row outside the list's period",
             "The row falls outside the look-back period the guidance gives for this list "
             "(paras 20 and 32: e.g. \"subject of a section 47 enquiry in the six months\", "
             "so an enquiry still going then is in)."),
        Rule("duplicate-child", _E, "Child listed twice",
             "Lists 6, 7 and 8 hold one row per child, for their most recent episode."),
        # across lists
        Rule("dob-mismatch", _E, "Date of birth differs across rows",
             "The same child has a different date of birth on another row or list."),
        Rule("gender-mismatch", _E, "Gender differs across rows",
             "The same child has a different gender on another row or list."),
        Rule("not-on-lists-6-8", _E, "YOT/NPS child not on lists 6-8",
             "A child on the YOT or NPS list must be a child in need, on a child protection "
             "plan or looked after, so on list 6, 7 or 8."),
        Rule("status-not-matching", _E, "YOT/NPS status does not match the lists",
             "The status given on the YOT or NPS list (CIN, CP or CLA) should match the list "
             "the child is on."),
        Rule("csa-flag-disagrees", _W, "CSA-FE flag differs across lists",
             "The same child is flagged at risk of CSA-FE on one list and not on another (para "
             "20: Y on list 8, which asks \"has been\", with N on a list that asks \"is\" "
             "agrees)."),
        Rule("formula-cell", _W, "Formula found",
             "The cell holds a formula; its last calculated value was used."),
        # rules the guidance implies (implied_checks.py)
        Rule("postcode-not-recognised", _E, "Not a UK postcode",
             "List 8's placement postcode is a UK postcode (SW1A 1AA) or, where only that is "
             "given, its outward code (SW1A) (guidance para 20; Annex A list 8)."),
        Rule("unborn-due-date-passed", _E, "Unborn child's due date has passed",
             "An unborn child's expected date of birth is before the as-of date: give the date "
             "of birth and age if the child has been born (guidance para 20)."),
        Rule("yot-nps-not-flagged", _W, "YOT/NPS child not flagged CSA-FE",
             "The YOT and NPS lists hold cases with current or significant CSA-FE concerns "
             "(guidance para 21), but lists 6-8 flag this child N."),
        Rule("yot-child-under-10", _W, "YOT child under 10",
             "Youth offending teams work with children aged 10 and over (jtai's check: the age "
             "of criminal responsibility, not a guidance rule)."),
        Rule("answers-missing", _E, "Flagged child without the seven answers",
             "Under option B the seven Y/N answers are given for each child flagged CSA-FE "
             "(guidance para 26)."),
        Rule("too-many-selected", _E, "More than 20 children selected",
             "Under option A the lead inspector selects 20 children for the seven answers "
             "(guidance paras 22-23)."),
        Rule("answers-for-unflagged-child", _W, "Answers for a child not flagged CSA-FE",
             "The seven answers are asked for children flagged CSA-FE (guidance paras 22-23, "
             "26), but no list flags this child Y."),
        Rule("meeting-outside-fieldwork-week", _W, "Meeting outside the fieldwork week",
             "The meetings list is of meetings in the fieldwork week (guidance para 31); "
             "checked only when the sheet's title or most of its meetings show the week."),
    ]
}


@dataclass(frozen=True)
class Issue:
    """One finding, pointing at a cell, a row or a whole sheet.

    ``row`` is the Excel row number the user sees (None for a whole sheet); ``column`` is the
    header exactly as written in the file (None for a whole row). ``message``, ``expected``
    and ``value`` can quote the cell, so they are shown only in the user's own report and are
    left out of ``repr`` (which may end up in a log).
    """

    rule: str
    severity: str
    file: str
    sheet: str
    row: int | None
    column: str | None
    message: str = field(repr=False)
    cell: str | None = None
    expected: str = field(default="", repr=False)
    list: str | None = None
    value: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, in the report's field order."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "expected": self.expected,
            "list": self.list,
            "value": self.value,
        }
