"""Tracking sheets: one per tracked child, laid out as the inspectors' tool in Annex B.

Each sheet has Annex B's headings in order (inspector, inspectorate, case number, age, the
child's individual needs, the local area's evaluation, the inspector's evaluative summary and
the eight evaluative questions). What the lists say about the child is filled in: the case
number, age, gender, ethnicity and disability, every list the child is on with that list's key
dates, and the seven additional answers where given. The evaluations are left blank for the
inspector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ._files import check_output
from .checked import load_checked, unreadable_cells, unreadable_note
from .child_records import gather_children
from .children import questions
from .errors import UsageError
from .excel_names import safe_sheet_name
from .model import Dataset
from .parsing import fmt_date, id_key
from .schemas import SchemaSet
from .shortlisting import id_files, parse_ids
from .templating import due_text, find_deadline
from .tracking_workbook import GAP, Item, write_tracking_sheets

__all__ = ["ANNEX_B_QUESTIONS", "TrackingResult", "write_tracking_workbook"]

#: The eight evaluative questions of Annex B, in order.
ANNEX_B_QUESTIONS: tuple[str, ...] = (
    "Was referral for action timely for the child?",
    "Is risk identified, understood and prioritised? Does the child appear to be safe?",
    "Has decision-making matched the priority risks and needs?",
    "Where an assessment has been completed, are risks, needs and strengths clear?",
    "Is there a plan? Is it sufficient to address risk and need? Is it making a difference?",
    "Has the child been involved/engaged at all stages? Have family/carers been involved at "
    "all stages?",
    "Have individual needs and circumstances been taken into account?",
    "Do the agencies work together effectively to protect the child?",
)
LOCAL_EVALUATION = ("Does the joint evaluation by the local partnership accurately evaluate the "
                    "experiences of the child? (where an evaluation has taken place)")
INDIVIDUAL_NEEDS = ("Does the child have any individual needs relating to their circumstances? "
                    "(for example, their ethnicity or a disability)")
SUMMARY = "Evaluative summary of child/young person's experience"
# Roles worth showing for each list row, in this order.
_ROW_ROLES = ("status", "start_date", "end_date", "legal_status", "need", "category_of_abuse",
              "team", "worker", "csa_flag")


@dataclass(frozen=True)
class TrackingResult:
    """What ``write_tracking_workbook`` wrote.

    Attributes:
        output: the workbook written.
        children: the child IDs given a sheet, in the order asked.
        sheets: the sheet name of each of those children.
        not_found: IDs asked for that are on none of the lists (no sheet written).
        notes: plain sentences about the lists, e.g. how many cells could not be read (and
            so are blank on the sheets), and where.
    """

    output: Path
    children: tuple[str, ...]
    sheets: tuple[str, ...]
    not_found: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"output": str(self.output),
                "children": [{"child_id": c, "sheet": s}
                             for c, s in zip(self.children, self.sheets, strict=True)],
                "not_found": list(self.not_found), "notes": list(self.notes)}


def _show(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and value != value):
        return "blank"
    if isinstance(value, pd.Timestamp | dt.date):
        return fmt_date(value)
    return str(value)


def _list_rows(data: Dataset, key: str) -> list[str]:
    """One line per list row of this child: the list, then its key dates and codes."""
    order = {name: i for i, name in enumerate(data.schemas.lists)}
    out: list[str] = []
    for pl in sorted(data.lists, key=lambda p: (order.get(p.name, 99), p.order)):
        if pl.schema.kind != "case":  # the answers and the meetings are not about a case
            continue
        hits = (pl.keys == key).to_numpy()
        if not hits.any():
            continue
        for row in pl.typed[hits].to_dict("records"):
            parts = []
            for role in _ROW_ROLES:
                col = pl.schema.by_role(role)
                if col is None or col.header not in pl.positions:
                    continue
                label = "CSA-FE flag" if role == "csa_flag" else col.header.strip()
                parts.append(f"{label}: {_show(row[col.header])}")
            out.append(f"{pl.schema.title}: " + "; ".join(parts))
    return out


def _safe_title(name: str, taken: Sequence[str]) -> str:
    return safe_sheet_name(name, taken, fallback="Child")


def write_tracking_workbook(
    inputs: str | Path | Sequence[str | Path] | Dataset,
    ids: str | Iterable[str],
    output: str | Path,
    *,
    as_of: dt.date | None = None,
    notified: dt.date | None = None,
    inspectorate: str | None = None,
    schemas: SchemaSet | None = None,
) -> TrackingResult:
    """Write one Annex B tracking sheet per child, with the child's facts from the lists.

    Args:
        inputs: the lists (workbooks or CSV files), or a loaded ``Dataset``.
        ids: the tracked children's IDs ("C1,C2", a list, or a file of IDs).
        output: the .xlsx to write (atomically; never one of the inputs).
        as_of: date ages are counted at (default: from the lists' titles, else today).
        notified: the Monday the area was notified, to date the key-documents deadline.
        inspectorate: pre-fill the inspectorate on every sheet (e.g. "Ofsted").
        schemas: list schemas (default: the shipped ones).

    Returns:
        What was written, and any IDs on none of the lists.

    Raises:
        UsageError: no IDs given, or none of them is on the lists.
        JtaiError: an input cannot be used, or the output would overwrite an input.

    Example:
        >>> write_tracking_workbook("lists.xlsx", "C1,C7", "tracking.xlsx")  # doctest: +SKIP
    """
    wanted = parse_ids(ids)
    if not wanted:
        raise UsageError("give the IDs of the children to track (--ids C1,C2 or a file)")
    paths = [] if isinstance(inputs, Dataset) else (
        [inputs] if isinstance(inputs, str | Path) else list(inputs))
    protected = [*paths, *id_files(ids)]  # an IDs file is an input too: never written over
    check_output(output, protected)
    data = inputs if isinstance(inputs, Dataset) else load_checked(
        paths, as_of=as_of, schemas=schemas).dataset
    schemas = data.schemas
    asked = questions(schemas)
    day = as_of or data.as_of
    keys = [id_key(i) for i in wanted]
    children = gather_children(data, day, wanted=set(keys).__contains__)
    found = [(given, k) for given, k in zip(wanted, keys, strict=True)
             if k in children and children[k].lists]
    missing = tuple(given for given, k in zip(wanted, keys, strict=True)
                    if not (k in children and children[k].lists))
    if not found:
        raise UsageError(f"none of the {len(wanted)} child IDs given is on the lists")

    docs = find_deadline("A", 6, "paras 30, 34", notified)
    evals = find_deadline("A", 8, "paras 30, 36", notified)
    dated = notified is not None

    # Collected first, then written with the one xlsx writer (text stays text: a child ID
    # that starts with '=' is never a formula in the inspector's workbook).
    sheets: list[tuple[str, list[Item]]] = []
    index_rows: list[tuple[str, str, str]] = []
    taken = ["Tracked children"]
    for _given, key in found:
        child = children[key]
        title = _safe_title(f"Child {child.child_id}", taken)
        taken.append(title)
        # (label, value, yellow for the inspector, row height, section heading); a None
        # label is a gap row.
        items: list[Item] = []

        def put(label: str, value: object = None, *, fill: bool = False, height: float = 0,
                head: bool = False, items: list[Any] = items) -> None:
            items.append((label, value, fill, height, head))

        put("Inspector", None, fill=True)
        put("Inspectorate", inspectorate, fill=inspectorate is None)
        put("Case number", child.child_id)
        age = child.age(day)
        if age is None:
            age_text = "not known from the lists"
        elif age < 0:
            edd = child.expected_dob or child.dob
            age_text = "unborn" + (f" (expected {fmt_date(edd)})" if edd else "")
        else:
            age_text = f"{age}" + (f" (born {fmt_date(child.dob)})" if child.dob else "")
        put("Age of child/young person", f"{age_text}, as at {fmt_date(day)}")
        facts = [
            "From the lists (add what the case records show):",
            "Ethnicity: " + (f"{schemas.codes['ethnicity'].means(child.ethnicity)} "
                             f"({child.ethnicity})" if child.ethnicity else "not recorded"),
            "Disability: " + {"Y": "yes", "N": "no", "unknown": "unknown"}.get(
                child.disability or "", "not recorded"),
            "Gender: " + (schemas.codes["gender"].means(child.gender) if child.gender
                          else "not recorded"),
        ]
        put(INDIVIDUAL_NEEDS, "\n".join(facts), fill=True, height=90)
        rows = _list_rows(data, key)
        put("Lists the child is on", "\n".join(rows), height=max(30, 30 * len(rows)))
        if child.fields:
            # The questions as the template asks them: what the local authority answered.
            lines = [f"{q.number}. {q.question} {child.fields.get(r) or 'blank'}"
                     for r, q in asked.items()]
            put("Additional information (the seven Y/N questions, paras 23 and 26)",
                "\n".join(lines), height=210)
        items.append(GAP)
        put("Evaluation by the local area", head=True)
        put(LOCAL_EVALUATION, None, fill=True, height=90)
        items.append(GAP)
        put("Inspector's evaluation", head=True)
        put(SUMMARY, None, fill=True, height=150)
        for q in ANNEX_B_QUESTIONS:
            put(q, None, fill=True, height=90)
        sheets.append((title, items))
        index_rows.append((child.child_id, ", ".join(child.lists), title))

    intro = (f"Key documents for these children are due by {due_text(docs, dated=dated)} "
             f"(para 34); joint evaluations by {due_text(evals, dated=dated)} (para 36).")
    write_tracking_sheets(output, protected, intro, index_rows, sheets)
    said = unreadable_note(unreadable_cells(data))
    return TrackingResult(Path(output), tuple(children[k].child_id for _, k in found),
                          tuple(title for title, _ in sheets), missing,
                          (said,) if said else ())
