"""Workbooks the local authority fills in or sends: the blank template and the day-2 return.

``write_template`` writes every list's sheet with the exact template headers, drop-downs on
every code and Y/N column, dates shown dd/mm/yyyy and an instructions sheet saying what goes
where and when (Annex C). ``export_lists`` writes the lists due on day 2 (lists 6-8 with the
CSA-FE flag, the YOT and NPS lists, and under option B the seven additional answers beside every
CSA-FE child) in the same standard layout, and refuses while the lists have errors.

The deadline wording for all of jtai's workbooks comes from ``timetable``: one source of truth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import checks
from ._files import check_output
from .errors import SheetMissing, UsageError
from .extraction import combine
from .parsing import ERROR, fmt_date, show
from .policy import OPTIONS, Option
from .reporting import ValidationReport
from .schemas import ADDITIONAL_ROLES, ListSchema, SchemaSet, load_schemas
from .timetable import deadline_lines, due_text, find_deadline
from .validation import load_dataset
from .writing import ExtraSheet, sheet_title, write_lists_workbook

__all__ = [
    "ExportResult",
    "day_2_lists",
    "export_lists",
    "template_lists",
    "write_template",
]

#: The day the lists of the day-2 return are due (paras 17-21): day 2 of the timetable.
_DAY_2 = 2


def template_lists(schemas: SchemaSet, option: Option) -> list[str]:
    """The lists in the blank template under ``option``, in the schemas' order.

    A list is in it when its schema says ``template: true`` (the default) and its ``option``,
    if it has one, is this option.
    """
    return [n for n, s in schemas.lists.items()
            if s.template and s.option in (None, option)]


def day_2_lists(schemas: SchemaSet) -> list[str]:
    """The lists the day-2 return holds, each on its own sheet: those due on day 2.

    A list of ``answers`` due then (option B's additional fields) is not among them: its
    answers are written beside each child on the case lists instead.
    """
    return [n for n, s in schemas.lists.items()
            if s.due is not None and s.due.day == _DAY_2 and s.kind != "answers"]


def _asks_beside(schema: ListSchema) -> bool:
    """Does a case list carry the seven additional questions beside each child (option B)?"""
    return schema.kind == "case" and any(c.role in ADDITIONAL_ROLES for c in schema.columns)


def _day_2_groups(schemas: SchemaSet, names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The day-2 lists as the local authority sends them: a list's forms count as one.

    Keyed by a label for messages: the list's title, or for a list with several forms its
    number and name ("List 8 (children in care)").
    """
    out: dict[str, tuple[str, ...]] = {}
    for name in names:
        forms = tuple(n for n in schemas.forms_of(name) if n in names)
        if forms[0] != name:
            continue
        title = schemas.lists[name].title
        if len(forms) > 1:
            head, _, rest = title.partition(":")
            title = f"{head} ({rest.strip().lower()})" if rest else head
        out[title] = forms
    return out


def _lists_in_words(schemas: SchemaSet, names: Sequence[str]) -> str:
    """"lists 6, 7, 8, the YOT list or the NPS list": numbered lists by number, others by name."""
    numbers: list[str] = []
    others: list[str] = []
    for forms in _day_2_groups(schemas, names).values():
        number = schemas.lists[forms[0]].list_number
        if number is None:
            others.append(f"the {schemas.lists[forms[0]].label}")
        elif str(number) not in numbers:
            numbers.append(str(number))
    said = ([f"list{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"] if numbers
            else [])
    return _and([*said, *others], "or")


def _flag_wording(schemas: SchemaSet, names: Sequence[str]) -> str:
    """Where the CSA-FE flag is asked, in each list's own wording (list 8 asks "has been")."""
    places: dict[str, list[str]] = {}
    numbers: dict[str, list[str]] = {}
    for name in names:
        schema = schemas.lists[name]
        col = schema.by_role("csa_flag")
        if col is None:
            continue
        if schema.list_number is None:
            places.setdefault(col.header, []).append(f"the {sheet_title(schema)} sheet")
        else:
            numbers.setdefault(col.header, []).append(str(schema.list_number))
    said = []
    for header in dict.fromkeys([*numbers, *places]):
        nums = numbers.get(header, [])
        where = [f"list{'s' if len(nums) > 1 else ''} {_and(nums)}"] if nums else []
        said.append(f"on {_and([*where, *places.get(header, [])])} the column '{header}'")
    return (f"The CSA-FE flag (para 19), to answer for every child: {'; '.join(said)}."
            if said else "")


def _and(items: Sequence[str], word: str = "and") -> str:
    """"a, b and c" (or another ``word``)."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _due_text(schema: ListSchema, option: Option, notified: dt.date | None) -> str:
    if schema.due is None:
        return ""
    deadline = find_deadline(option, schema.due.day, schema.due.source, notified)
    return due_text(deadline, dated=notified is not None)


# --------------------------------------------------------------------------- blank template


def _columns_for(option: Option, names: Sequence[str], schemas: SchemaSet, *,
                 blank: bool = False) -> dict[str, list[str]]:
    """Option A leaves the seven questions off the case lists (6-8); option B keeps them.

    The blank template (``blank``) also leaves out the ILACS columns the JTAI guidance does not
    ask for (``ilacs_only``); a list that has them is still read and checked.
    """
    out: dict[str, list[str]] = {}
    for name in names:
        schema = schemas.lists[name]
        out[name] = [c.header for c in schema.columns
                     if (option == "B" or not _asks_beside(schema)
                         or c.role not in ADDITIONAL_ROLES)
                     and not (blank and c.ilacs_only)]
    return out


def _rows_per_child(schemas: SchemaSet, names: Sequence[str]) -> str:
    """Which lists take one row per child: lists 6-8, and list 3 as para 32 asks."""
    per_child = [str(schemas.lists[n].list_number) for n in names
                 if schemas.lists[n].list_number is not None
                 and (schemas.lists[n].one_row_per_child or schemas.lists[n].layouts)]
    per_child = list(dict.fromkeys(per_child))
    said = (f"one row per child on list{'s' if len(per_child) > 1 else ''} {_and(per_child)}"
            if per_child else "")
    both = [str(schemas.lists[n].list_number) for n in names if schemas.lists[n].layouts]
    if both:
        said += (f" (list {_and(both)}: the child's most recent referral and the number of "
                 "referrals in the last 12 months, para 32; one row per referral, as ILACS "
                 "asks, is also accepted)")
    return f"{said}, one row per event on the others" if said else "one row per event"


def _ilacs_only_line(schemas: SchemaSet, names: Sequence[str]) -> str:
    """The Instructions' sentence on the ILACS columns the template leaves out."""
    left = [f"{schemas.lists[n].title.partition(':')[0]} '{c.header}'"
            for n in names for c in schemas.lists[n].columns if c.ilacs_only]
    if not left:
        return ""
    return ("The columns are those the JTAI guidance asks for (paras 20 and 32), in its words. "
            "Columns of the ILACS lists that a JTAI does not ask for are left out: "
            f"{_and(left)}. They are optional: a list that has them is accepted as it is.")


def _instructions(option: Option, names: Sequence[str], schemas: SchemaSet,
                  notified: dt.date | None) -> ExtraSheet:
    dated = notified is not None
    rows: list[list[object]] = [
        [f"JTAI deep dive on child sexual abuse in the family environment (CSA-FE): blank case "
         f"lists, option {option}"],
        ["Inspection notified on " + f"{notified:%A} {fmt_date(notified)}" if notified else
         "Deadlines are given by inspection day: day 0 is the Monday the area is notified; "
         "weekends are not counted (day 4 is Friday, day 5 the next Monday)."],
        [],
        ["How to fill this workbook"],
        ["One sheet per list. Keep the headers in row 2 exactly as written; put the data from "
         f"row 3 down, {_rows_per_child(schemas, names)}."],
        ["Code and Y/N columns have drop-downs: choose from them. Dates are day first "
         "(dd/mm/yyyy). Child IDs are text: keep leading zeros. Children must be under 18 "
         "(para 18)."],
        [_flag_wording(schemas, names)],
        [_ilacs_only_line(schemas, names)],
    ]
    if option == "A":
        rows.append(["Option A: the seven additional questions are not asked now. By "
                     f"{due_text(find_deadline('A', 3, 'para 22', notified), dated=dated)} the "
                     "lead inspector selects 20 CSA-FE children and sends a workbook for the "
                     "seven answers about them (paras 22-23)."])
    else:
        rows.append(["Option B: answer the seven additional Y/N questions for every child "
                     "flagged CSA-FE (para 26), either in the seven columns at the right of "
                     "lists 6, 7 and 8 beside the child, or on the 'Additional fields' sheet "
                     "(one row per child, by Child Unique ID): one or the other, not both."])
    rows.append(["List 8: this is the JTAI's reduced list (para 20). The full ILACS list 8 is "
                 "accepted instead."])
    rows += [[], ["Sheet", "What goes on it", "Due"]]
    for name in names:
        schema = schemas.lists[name]
        what = schema.instructions or schema.description
        rows.append([sheet_title(schema), f"{schema.title}. {what}",
                     _due_text(schema, option, notified)])
    rows += [[], ["Timetable (Annex C and the guidance's paragraphs)"],
             ["When", "Who", "What", "Guidance", "Note"]]
    rows += deadline_lines(option, notified=notified)
    return ExtraSheet("Instructions", rows, widths=(34, 60, 60, 22, 50))


def write_template(
    output: str | Path,
    *,
    option: Option,
    notified: dt.date | None = None,
    schemas: SchemaSet | None = None,
) -> Path:
    """Write a blank workbook for the local authority: every list, headers, drop-downs.

    Args:
        output: the .xlsx to write.
        option: "A" or "B"; option B adds the seven additional Y/N columns to lists 6-8 and an
            additional fields sheet (para 26).
        notified: the Monday the area was notified, to date the deadlines; by day number
            otherwise.
        schemas: list schemas (default: the shipped ones).

    Returns:
        The path written.

    Raises:
        UsageError: option is not A or B, or ``notified`` is not a Monday.

    Example:
        >>> write_template("blank.xlsx", option="B")  # doctest: +SKIP
    """
    if option not in OPTIONS:
        raise UsageError(f"option must be A or B (Annex C), not {option!r}")
    schemas = schemas or load_schemas()
    names = template_lists(schemas, option)
    return write_lists_workbook(
        output, {n: pd.DataFrame() for n in names}, schemas=schemas,
        columns=_columns_for(option, names, schemas, blank=True),
        sheets_before=[_instructions(option, names, schemas, notified)], dropdowns=True,
        ask_date=True)  # each list's title asks for the day that list was extracted


# --------------------------------------------------------------------------- day-2 export


@dataclass(frozen=True)
class ExportResult:
    """What ``export_lists`` did.

    Attributes:
        report: the validation of the input lists.
        output: the workbook written, or None when refused.
        rows: rows written per list (schema name).
        notes: plain sentences: lists left out, CSA-FE children missing answers, ...
    """

    report: ValidationReport
    output: Path | None
    rows: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def written(self) -> bool:
        """Whether the workbook was written."""
        return self.output is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the validation report under ``report``."""
        return {"written": self.written, "output": str(self.output) if self.output else None,
                "rows": self.rows, "notes": list(self.notes), "report": self.report.to_dict()}


def _as_written(pl: Any) -> tuple[pd.DataFrame, int, int]:
    """A list's typed rows, with values that could not be read put back as they were typed.

    The writer takes only numbers in number columns, so an unreadable number is left blank.

    Returns:
        (frame, cells kept as typed, cells left blank).
    """
    frame = pl.typed.copy()
    kept = blank = 0
    for header, parsed in pl.parsed.items():
        bad = np.flatnonzero(parsed.state == ERROR)
        if not len(bad):
            continue
        if pl.schema.column(header).type == "integer":
            blank += len(bad)
            continue
        out = frame[header].astype(object).where(frame[header].notna(), None)
        out.iloc[bad] = [show(v) for v in pl.raw[header][bad]]
        frame[header] = out
        kept += len(bad)
    return frame, kept, blank


def _fill_answers(frame: pd.DataFrame, keys: pd.Series, answers: dict[str, dict[str, str]],
                  schemas: SchemaSet, name: str) -> pd.DataFrame:
    """Put the additional-fields sheet's answers beside each child where the list is blank."""
    schema = schemas.lists[name]
    frame = frame.copy()
    for role in ADDITIONAL_ROLES:
        col = schema.by_role(role)
        if col is None:
            continue
        from_sheet = keys.map(lambda k, r=role: answers.get(k, {}).get(r) if k else None)
        frame[col.header] = frame[col.header].where(frame[col.header].notna(),
                                                    from_sheet.to_numpy())
    return frame


def export_lists(
    inputs: str | Path | Sequence[str | Path],
    output: str | Path,
    *,
    option: Option,
    as_of: dt.date | None = None,
    allow_errors: bool = False,
    notified: dt.date | None = None,
    schemas: SchemaSet | None = None,
) -> ExportResult:
    """Write the workbook the local authority sends by 3pm on day 2.

    Lists 6, 7 and 8 with the CSA-FE flag and the YOT and NPS lists (paras 17-21); under option
    B also the seven additional answers beside every CSA-FE child on lists 6-8 (para 26), taken
    from the lists' own columns or from an additional fields sheet. Laid out by
    ``write_lists_workbook``.

    Args:
        inputs: the checked lists (one or more workbooks or CSV files).
        output: the .xlsx to write.
        option: "A" or "B".
        as_of: the date the lists are as at (default: from the titles, else today).
        allow_errors: write even when validation finds errors.
        notified: the Monday the area was notified, to date the deadline on the cover sheet.
        schemas: list schemas (default: the shipped ones).

    Returns:
        The result; ``written`` is False (nothing written) while the lists have errors, unless
        ``allow_errors``.

    Raises:
        SheetMissing: none of lists 6-8, YOT or NPS is in the input.
        UsageError: option is not A or B.
        JtaiError: an input cannot be used, or the output would overwrite an input.

    Example:
        >>> result = export_lists("lists.xlsx", "day2.xlsx", option="B")  # doctest: +SKIP
        >>> result.written, result.report.valid  # doctest: +SKIP
    """
    if option not in OPTIONS:
        raise UsageError(f"option must be A or B (Annex C), not {option!r}")
    paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    check_output(output, paths)
    data = load_dataset(paths, as_of=as_of, schemas=schemas)
    checks.run_checks(data)
    report = ValidationReport(data.files, data.as_of, data.sheets, data.findings.frame(),
                              data.as_of_source, as_of_first=data.as_of_window[0])
    schemas = data.schemas
    day_2 = day_2_lists(schemas)
    found = [n for n in day_2 if data.of(n)]
    if not found:
        raise SheetMissing(f"none of {_lists_in_words(schemas, day_2)} was found: nothing to "
                           "send for day 2", file=", ".join(data.files))
    notes: list[str] = []
    if not report.valid and not allow_errors:
        return ExportResult(report, None, {}, ())

    # Answers from an additional fields sheet, by child key (option B only).
    answers: dict[str, dict[str, str]] = {}
    if option == "B":
        for pl in (pl for pl in data.lists if pl.schema.kind == "answers"):
            for key, row in zip(pl.keys, pl.typed.to_dict("records"), strict=True):
                if key is None:
                    continue
                for role in ADDITIONAL_ROLES:
                    col = pl.schema.by_role(role)
                    v = row[col.header] if col else None
                    if isinstance(v, str):
                        answers.setdefault(key, {})[role] = v

    frames: dict[str, pd.DataFrame] = {}
    missing_answers: set[str] = set()
    kept_as_typed = left_blank = 0
    for name in found:
        parts = data.of(name)
        written = [_as_written(pl) for pl in parts]
        kept_as_typed += sum(k for _, k, _ in written)
        left_blank += sum(b for _, _, b in written)
        frame = pd.concat([f for f, _, _ in written], ignore_index=True)
        keys = pd.concat([pl.keys for pl in parts], ignore_index=True)
        if option == "B" and _asks_beside(schemas.lists[name]):
            frame = _fill_answers(frame, keys, answers, schemas, name)
            flag = schemas.lists[name].by_role("csa_flag")
            heads = [c.header for c in schemas.lists[name].columns if c.role in ADDITIONAL_ROLES]
            if flag is not None:
                gap = (frame[flag.header] == "Y") & frame[heads].isna().any(axis=1)
                missing_answers |= set(keys[gap.to_numpy()].dropna())
        frames[name] = frame
    if option == "A":
        had = any(
            c.role in ADDITIONAL_ROLES and bool(pl.typed[c.header].notna().any())
            for pl in data.lists for c in pl.schema.columns)
        if had:
            notes.append("the seven additional answers were left out: under option A they are "
                         "asked on day 3 for the 20 children the lead inspector selects")
    if missing_answers:
        n = len(missing_answers)
        notes.append(f"{n} CSA-FE child{'ren' if n != 1 else ''} on lists 6-8 "
                     f"{'have' if n != 1 else 'has'} one or more of the seven additional "
                     "answers blank: option B asks for all seven (para 26)")
    left_out = sorted({pl.schema.title for pl in data.lists if pl.name not in day_2
                       and not (option == "B" and pl.schema.kind == "answers")})
    if left_out:
        notes.append("not part of the day-2 return, left out: " + "; ".join(left_out))
    if not report.valid:
        notes.append("written although the lists have errors (--allow-errors)")
    if kept_as_typed:
        notes.append(f"{kept_as_typed} value(s) that could not be read were written as typed")
    if left_blank:
        notes.append(f"{left_blank} number(s) that could not be read were left blank")
    for label, forms in _day_2_groups(schemas, day_2).items():
        if not set(frames) & set(forms):
            notes.append(f"{label} was not in the input")

    due = schemas.lists[found[0]].due
    assert due is not None  # found holds lists due on day 2 only
    deadline = find_deadline(option, due.day, due.source, notified)
    # Each list's own date (or window) goes into its title; the cover gives the day-2 lists'.
    dates = data.dates_of(frames)
    day_2_date = combine(dates.values())
    cover = ExtraSheet("About", [
        [f"JTAI case lists for day 2, option {option}"
         + (f" ({day_2_date.title()})" if day_2_date else "")],
        [f"Due by {due_text(deadline, dated=notified is not None)} ({due.source}"
         + (", 26" if option == "B" else "") + ")."],
        ["Lists 6, 7 and 8 with the CSA-FE flag, and the YOT and NPS lists (up to five cases "
         "each)" + (", with the seven additional Y/N answers beside every CSA-FE child."
                    if option == "B" else ".")],
        ["Prepared with jtai from: " + ", ".join(Path(f).name for f in data.files)],
    ], widths=(110,))
    path = write_lists_workbook(
        output, frames, schemas=schemas, as_of=dates,
        columns=_columns_for(option, list(frames), schemas), sheets_before=[cover],
        inputs=paths)
    return ExportResult(report, path, {n: len(f) for n, f in frames.items()}, tuple(notes))
