"""The workbook for a shortlist's stage: for the local authority to answer, or the selection.

For the 20 children of option A (para 22) it is the workbook the local authority fills in and
returns by day 3; for tracking it is the proposed children with their reasons. ``shortlist``
chooses; this module only writes what it chose.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .children import answers_list
from .extraction import AsOf
from .model import Dataset
from .parsing import id_key
from .policy import MIX_RULE
from .schemas import ADDITIONAL_ROLES
from .timetable import Deadline, due_text, find_deadline
from .writing import ExtraSheet, sheet_title, write_lists_workbook

if TYPE_CHECKING:  # shortlisting imports this module to write its result
    from .shortlisting import Shortlist

__all__ = ["write_shortlist_workbook"]


def _due_rows(frames: dict[str, pd.DataFrame], data: Dataset, back: Deadline, dated: bool,
              notified: dt.date | None) -> list[list[object]]:
    """One row per sheet of the option A workbook: what it holds and when it is due.

    The answers are due back on day 3 (para 23); each list's day is its schema's ``due``
    (lists 6-8, YOT and NPS on day 2, paras 17-21; lists 1, 3, 4 and 5 on day 7, para 32).
    """
    schemas = data.schemas
    rows: list[list[object]] = []
    for name in (n for n in schemas.lists if n in frames):  # in the workbook's order
        schema = schemas.lists[name]
        if schema.kind == "answers":
            rows.append([sheet_title(schema), "The seven additional Y/N answers for each "
                         "selected child: to fill in", f"{due_text(back, dated=dated)} (para 23)"])
            continue
        due = schema.due
        when = ""
        if due is not None:
            try:
                deadline = find_deadline("A", due.day, due.source, notified)
            except KeyError:  # a deadline of option B only: not this workbook's
                deadline = None
            if deadline is not None:
                when = f"{due_text(deadline, dated=dated)} ({due.source})"
        rows.append([sheet_title(schema), f"{schema.title}: the selected children's rows, for "
                     "reference", when])
    return rows


def write_shortlist_workbook(
    result: Shortlist,
    data: Dataset,
    output: str | Path,
    *,
    notified: dt.date | None = None,
) -> Path:
    """Write the workbook for a shortlist's stage.

    For the 20 (option A, para 22): the workbook the local authority fills in and returns by
    day 3, an instructions sheet with the deadline, an additional fields sheet with one row per
    selected child and the seven Y/N columns blank (each with a Y/N drop-down), and each child's
    rows from the lists. Read back by ``shortlist`` once filled in.

    For tracking: the proposed children with their reasons, the children not proposed with
    theirs, the seven answers and each child's rows from the lists.

    Args:
        result: what ``shortlist`` returned for ``data``.
        data: the lists the shortlist was made from.
        output: the .xlsx to write (never one of the inputs).
        notified: the Monday the area was notified, to date the deadlines.

    Returns:
        The path written.

    Example:
        >>> from jtai_cli.checked import load_checked
        >>> data = load_checked("lists.xlsx").dataset  # doctest: +SKIP
        >>> write_shortlist_workbook(shortlist(data, option="A"), data, "20.xlsx")  # doctest: +SKIP
    """
    schemas = data.schemas
    order = {id_key(p.child_id): i for i, p in enumerate(result.picks)}
    parts: dict[str, list[pd.DataFrame]] = {}
    for pl in data.lists:
        if pl.schema.kind != "case":
            continue
        mask = pl.keys.isin(list(order)).to_numpy()
        if mask.any():
            part = pl.typed[mask].copy()
            part["__order"] = pl.keys[mask].map(order).to_numpy()
            parts.setdefault(pl.name, []).append(part)
    frames: dict[str, pd.DataFrame] = {}
    for name, frs in parts.items():
        frame = pd.concat(frs, ignore_index=True).astype(object)
        frame = frame.where(frame.notna(), None).drop_duplicates()
        frames[name] = frame.sort_values("__order", kind="stable").drop(columns="__order")
        frames[name] = frames[name].reset_index(drop=True).astype(
            {c.header: "datetime64[ns]" for c in schemas.lists[name].columns
             if c.type == "date"})
    # The seven answers go on the answers list's sheet (additional fields), not beside the
    # rows of lists 6-8, so the local authority fills them in one place.
    extra = answers_list(schemas)
    if extra is not None:
        id_col = extra.by_role("child_id")
        assert id_col is not None  # every list has one (schemas are checked when loaded)
        answers: dict[str, list[str | None]] = {id_col.header: [p.child_id
                                                                for p in result.picks]}
        for role in ADDITIONAL_ROLES:
            col = extra.by_role(role)
            if col is None:
                continue
            answers[col.header] = [
                (p.facts.get("fields") or {}).get(role) if result.stage == "track" else None
                for p in result.picks]
        frames[extra.name] = pd.DataFrame(answers)
    columns = {name: [c.header for c in schemas.lists[name].columns
                      if schemas.lists[name].kind == "answers"
                      or c.role not in ADDITIONAL_ROLES]
               for name in frames}

    dated = notified is not None
    opt = result.option
    select = find_deadline(opt, 4, "paras 24", notified)
    call = find_deadline(opt, 4, "paras 25", notified)
    docs = find_deadline(opt, 6, "paras 30, 34", notified)
    if result.stage == "select-20":
        back = find_deadline("A", 3, "para 23", notified)
        rows: list[list[object]] = [
            ["JTAI option A: additional information about the children the lead inspector "
             "selected (paras 22-23)"],
            [f"Please return this workbook by {due_text(back, dated=dated)}."
             + (f" ({back.note}.)" if back.note else "")],
            [],
            ["What to do"],
            ["1. On the sheet 'Additional fields', answer the seven questions Y or N for every "
             "child listed, using the drop-downs. Please leave no answer blank."],
            ["2. The other sheets show each child's rows from the lists provided so far, for "
             "reference: they need no changes. Which list is due on which day is below."],
            [f"3. The lead inspector then selects five to seven children to track by "
             f"{due_text(select, dated=dated)} (para 24) and phones by "
             f"{due_text(call, dated=dated)} to confirm they have multi-agency involvement "
             "and current or recent work on CSA-FE concerns (para 25)."],
            [],
            ["Sheet", "What it holds", "Due"],
            *_due_rows(frames, data, back, dated, notified),
            [],
            [f"Children selected ({len(result.picks)})", "On lists"],
        ]
        rows += [[p.child_id, ", ".join(p.lists)] for p in result.picks]
        sheet = ExtraSheet("Instructions", rows, widths=(24, 60, 60))
    else:
        rows = [
            [f"JTAI option {opt}: children proposed for tracking (paras 24-29)"],
            [f"Selection due by {due_text(select, dated=dated)}; phone call with the local "
             f"authority by {due_text(call, dated=dated)} to confirm multi-agency involvement "
             "and current or recent work on CSA-FE concerns (paras 25, 28)."],
            [f"Key documents for the tracked children are due by {due_text(docs, dated=dated)} "
             "(para 34)."],
            [],
            [f"Proposed ({len(result.picks)})", "On lists", "Why"],
        ]
        rows += [[p.child_id, ", ".join(p.lists), "; ".join(p.reasons)] for p in result.picks]
        if result.call_must_confirm:
            rows += [[], ["What the phone call must confirm (paras 25, 28)"]]
            rows += [[line] for line in result.call_must_confirm]
        rows += [[], [f"Not proposed ({len(result.not_picked)})", "", "Why"]]
        rows += [[cid, "", "; ".join(why)] for cid, why in result.not_picked]
        rows += [[], ["Notes"], [result.stage_note]]
        rows += [[n] for n in result.notes]
        rows += [[MIX_RULE]]
        sheet = ExtraSheet("Selected for tracking", rows, widths=(24, 30, 120))
    # Each list's rows under its own date (as the lists were judged); a sheet no list was
    # read for (the answers to fill in) under the shortlist's date.
    dates: dict[str, dt.date | AsOf | None] = dict.fromkeys(frames, result.as_of)
    dates.update(data.dates_of(frames))
    return write_lists_workbook(output, frames, schemas=schemas, as_of=dates,
                                columns=columns, sheets_before=[sheet], inputs=data.files)
