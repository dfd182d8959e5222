"""What the lists say about each child, gathered across every list by the child's key.

One ``ChildRecord`` per child key (leading zeros ignored): the lists the child is on, where they
are flagged CSA-FE, their legal status, open or closed cases, date of birth, gender,
ethnicity, disability, team, need and the seven answers, with the cells that could not be read
and where. ``shortlist`` chooses among these records and ``tracking`` fills its sheets from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .children import age_band, ethnic_groups, status_rank
from .excel_names import column_letter
from .model import Dataset, ParsedList
from .parsing import ERROR, fmt_date
from .schemas import ADDITIONAL_ROLES, SchemaSet

__all__ = ["ChildRecord", "gather_children"]


@dataclass
class ChildRecord:
    """Everything the lists say about one child (by matching key), gathered across lists."""

    key: str
    child_id: str
    lists: list[str] = field(default_factory=list)
    flag_lists: list[str] = field(default_factory=list)
    #: The other agencies whose lists the child is on (YOT, NPS), as the schemas name them.
    agencies: list[str] = field(default_factory=list)
    #: The legal statuses of the lists the child is on (lists 6, 7, 8: CIN, CP, CLA).
    statuses: set[str] = field(default_factory=set)
    yot_nps_status: str | None = None
    open_rows: int = 0
    closed_rows: int = 0
    dob: dt.date | None = None
    expected_dob: dt.date | None = None
    age_col: int | None = None
    gender: str | None = None
    ethnicity: str | None = None
    ethnic_group: str | None = None
    disability: str | None = None
    team: str | None = None
    need: str | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    field_lists: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    has_field_row: bool = False
    problems: list[str] = field(default_factory=list)
    #: The day the child's ages are counted at: the earliest day the lists holding the child
    #: may have been extracted on (``Dataset.age_day``), as ``validate`` judges them.
    extracted: dt.date | None = None

    # ---- derived facts

    @property
    def flagged(self) -> bool:
        return bool(self.flag_lists)

    @property
    def status(self) -> str | None:
        if self.statuses:
            return max(self.statuses, key=status_rank)
        return self.yot_nps_status

    @property
    def open_state(self) -> str | None:
        if self.open_rows:
            return "open"
        if self.closed_rows:
            return "closed"
        return None

    def age(self, as_of: dt.date) -> int | None:
        """Age in years on the day the child's lists were extracted (``extracted``), else
        at ``as_of``; -1 for an unborn child; None when unknown.

        A child who turned 18 after the lists were extracted is 17 here, as on the lists.
        """
        as_of = self.extracted or as_of
        if self.dob is not None:
            if self.dob > as_of:
                return -1
            had = (self.dob.month, self.dob.day) <= (as_of.month, as_of.day)
            return as_of.year - self.dob.year - (0 if had else 1)
        if self.expected_dob is not None:
            return -1
        return self.age_col

    def age_band(self, as_of: dt.date) -> str | None:
        return age_band(self.age(as_of))

    @property
    def has_fields(self) -> bool:
        return any(v is not None for v in self.fields.values())

    def value(self, dim: str, as_of: dt.date) -> object:
        """The child's value on one balancing dimension."""
        if dim == "age_band":
            return self.age_band(as_of)
        if dim == "open":
            return self.open_state
        return getattr(self, dim)

    def facts(self, as_of: dt.date, schemas: SchemaSet) -> dict[str, Any]:
        """JSON-ready facts for a ``Pick``."""
        gender = schemas.codes["gender"].means(self.gender) if self.gender else None
        ethnicity = schemas.codes["ethnicity"].means(self.ethnicity) if self.ethnicity else None
        out: dict[str, Any] = {
            "status": self.status,
            "open": {"open": "open", "closed": "recently closed"}.get(self.open_state or ""),
            "age": self.age(as_of),
            "age_band": self.age_band(as_of),
            "date_of_birth": fmt_date(self.dob) if self.dob else None,
            "gender": gender,
            "ethnicity": ethnicity,
            "ethnic_group": self.ethnic_group,
            "disability": self.disability,
            "team": self.team,
            "need": self.need,
            "csa_flag_lists": list(self.flag_lists),
        }
        if self.has_fields or self.fields:
            out["fields"] = {role: self.fields.get(role) for role in ADDITIONAL_ROLES}
        if self.problems:
            out["unreadable"] = list(self.problems)
        return out


def _py(value: object) -> object:
    """A typed cell as a plain Python value; None for blanks."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _disability(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return {"a) Yes": "Y", "b) No": "N", "c) Unknown": "unknown", "Y": "Y", "N": "N"}.get(value)


def gather_children(data: Dataset, as_of: dt.date,
            wanted: Callable[[str], bool] | None = None) -> dict[str, ChildRecord]:
    """Build one record per child key from every list, in guidance order."""
    order = {name: i for i, name in enumerate(data.schemas.lists)}
    lists = sorted(data.lists, key=lambda pl: (order.get(pl.name, 99), pl.order))
    children: dict[str, ChildRecord] = {}
    for pl in lists:
        keys = pl.keys
        mask = keys.notna()
        if wanted is not None:
            mask &= keys.map(lambda k: isinstance(k, str) and wanted(k)).astype(bool)
        if not mask.any():
            continue
        # Each list on its own extraction (``Dataset.as_of_for``): open on its last day,
        # ages counted on its first.
        _gather_list(pl, keys[mask], pl.typed[mask.to_numpy()], data.window(pl)[1], children,
                     [int(i) for i in np.flatnonzero(mask.to_numpy())], data.age_day(pl))
    groups = ethnic_groups(data.schemas)
    for child in children.values():
        child.ethnic_group = groups.of(child.ethnicity)
    return children


def _gather_list(pl: ParsedList, keys: pd.Series, typed: pd.DataFrame, as_of: dt.date,
                 children: dict[str, ChildRecord], positions: list[int],
                 age_day: dt.date) -> None:
    schema = pl.schema
    header = {c.role: c.header for c in schema.columns if c.role}
    present = set(pl.positions)
    is_list = schema.kind == "case"
    answers = schema.kind == "answers"
    # List 7 gives a category of abuse where lists 6 and 8 give a need code.
    by_category = "category_of_abuse" in header
    label = pl.label
    id_header = header["child_id"]
    unreadable = _unreadable_cells(pl, positions)
    for pos, key, row in zip(positions, keys, typed.to_dict("records"), strict=True):
        child_id = str(row[id_header])
        child = children.get(key)
        if child is None:
            child = children[key] = ChildRecord(key, child_id)
        elif len(child_id) > len(child.child_id):
            child.child_id = child_id  # keep the form with leading zeros
        if child.extracted is None or age_day < child.extracted:
            child.extracted = age_day
        def get(role: str, row: dict[Hashable, Any] = row) -> object:
            return _py(row[header[role]]) if role in header else None

        for problem in unreadable.get(pos, ()):
            if problem not in child.problems:
                child.problems.append(problem)
        if is_list and label not in child.lists:
            child.lists.append(label)
        if get("csa_flag") == "Y" and label not in child.flag_lists:
            child.flag_lists.append(label)
        if schema.agency is not None and schema.agency not in child.agencies:
            child.agencies.append(schema.agency)
        status = get("status")
        if isinstance(status, str) and (child.yot_nps_status is None or status_rank(
                status) > status_rank(child.yot_nps_status)):
            child.yot_nps_status = status
        if schema.legal_status is not None:
            child.statuses.add(schema.legal_status)
            end = get("end_date")
            if end is None or (isinstance(end, dt.date) and end > as_of):
                child.open_rows += 1
            else:
                child.closed_rows += 1
        # Facts: the first value met, in guidance order, wins.
        for attr, role in (("dob", "date_of_birth"), ("expected_dob", "expected_date_of_birth"),
                           ("gender", "gender"), ("ethnicity", "ethnicity"), ("team", "team")):
            v = get(role)
            if v is not None and getattr(child, attr) is None:
                setattr(child, attr, v)
        age = get("age")
        if age is not None and child.age_col is None:
            child.age_col = int(age)  # type: ignore[call-overload]
        dis = _disability(get("disability"))
        if dis is not None and (child.disability in (None, "unknown") or dis == "Y"):
            child.disability = dis
        need = get("category_of_abuse") if by_category else get("need")
        if isinstance(need, str) and (child.need is None or schema.legal_status is not None):
            # Lists are read in order 6, 7, 8: the highest status's need wins.
            child.need = (f"CP category {need.split(') ', 1)[-1].lower()}" if by_category
                          else f"need {need}")
        # The seven answers: an additional-information sheet wins over the list columns.
        if answers:
            child.has_field_row = True
        for role in ADDITIONAL_ROLES:
            if role not in header or header[role] not in present:
                continue
            v = get(role)
            if v is None:
                continue
            child.field_lists.setdefault(role, []).append((label, str(v)))
            if answers or child.fields.get(role) is None:
                child.fields[role] = str(v)


_PROBLEM_WORDS = {"date_of_birth": "date of birth", "csa_flag": "CSA-FE flag",
                  **{role: f"field {i + 1}" for i, role in enumerate(ADDITIONAL_ROLES)}}


def _unreadable_cells(pl: ParsedList, rows: Iterable[int]) -> dict[int, list[str]]:
    """Row position -> "<what> could not be read (<list> sheet '<s>' cell <X12>)"."""
    out: dict[int, list[str]] = {}
    wanted = {int(r) for r in rows}
    for role, words in _PROBLEM_WORDS.items():
        col = pl.schema.by_role(role)
        if col is None or col.header not in pl.parsed or col.header not in pl.positions:
            continue
        letter = column_letter(pl.positions[col.header])
        for pos in pl.parsed[col.header].problem_rows():
            pos = int(pos)
            if pos in wanted and pl.parsed[col.header].state[pos] == ERROR:
                out.setdefault(pos, []).append(
                    f"{words} could not be read ({pl.label}, sheet '{pl.sheet}' cell "
                    f"{letter}{int(pl.excel_rows[pos])})")
    return out
