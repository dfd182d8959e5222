"""Propose the children inspectors ask about and track (guidance paras 13-16, 22-29).

Option A has two stages. First the lead inspector picks 20 children flagged CSA-FE from all the
lists (para 22) and the local authority answers seven Y/N questions about them (para 23). Then,
from those answers, the inspector picks five to seven children to track (para 24). Under option
B the seven answers come with the lists for every CSA-FE child (para 26) and the inspector goes
straight to the five to seven (para 27). Which stage a run is at is read from the data: if the
seven answers are present for the CSA-FE children, it is the tracking stage.

Every choice is explained in words, and the same input and seed always give the same picks:
ties are broken by a ``random.Random(seed)`` shuffle of the child keys, never by chance.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ._files import check_output
from .errors import UsageError
from .parsing import fmt_date, id_key
from .schemas import ADDITIONAL_ROLES, SchemaSet
from .validation import Dataset, ParsedList, load_dataset

__all__ = [
    "SELECT_COUNT",
    "TRACK_MAX",
    "TRACK_MIN",
    "Pick",
    "Shortlist",
    "parse_ids",
    "shortlist",
]

Option = Literal["A", "B"]
Stage = Literal["select-20", "track"]

#: Children the lead inspector asks additional information about under option A (para 22).
SELECT_COUNT = 20
#: Children tracked: five to seven (paras 24, 27); Annex C says seven for option B.
TRACK_MIN, TRACK_MAX = 5, 7

#: Field number (as the guidance lists them, 1-7) of each additional Y/N question.
FIELD_NUMBER = {role: i + 1 for i, role in enumerate(ADDITIONAL_ROLES)}
FIELD_WORDS = {
    "csa_current": "CSA-FE is a current or significant factor",
    "multi_agency": "multi-agency involvement",
    "known_to_yot": "known to the YOT",
    "nps_adult": "the NPS works with a parent or adult close to the child",
    "police_investigation": "a current police investigation or criminal proceedings",
    "csa_support": "current or recent (last six months) intervention and support on CSA-FE",
    "sarc_attended": "attended a SARC or paediatric assessment in the last 12 months",
}
_NOT_LISTS = frozenset({"additional_fields", "multi_agency_meetings"})
_STATUS_OF_LIST = {6: "CIN", 7: "CP", 8: "CLA"}
_STATUS_RANK = {"CIN": 1, "CP": 2, "CLA": 3}
_ETHNIC_GROUPS = {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black", "C": "Chinese or other",
                  "O": "Chinese or other", "R": "not recorded", "N": "not recorded"}

# Dimensions the selection keeps mixed, with their weights. Legal status comes first in the
# issue and in para 22's spirit ("from all the lists"), so it weighs most.
_SELECT_DIMS: tuple[tuple[str, int], ...] = (
    ("status", 3), ("open", 2), ("age_band", 2), ("gender", 1), ("ethnic_group", 1),
    ("disability", 1), ("team", 1),
)
# At the tracking stage the guidance's words are "statuses and needs".
_TRACK_DIMS: tuple[tuple[str, int], ...] = (
    ("status", 3), ("need", 2), ("disability", 2), ("age_band", 1), ("gender", 1),
    ("ethnic_group", 1), ("open", 1), ("team", 1),
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Pick:
    """One child proposed, with the reasons in words.

    Attributes:
        child_id: the child's ID as written on the lists.
        lists: the lists the child is on ("List 6", "YOT list", ...), in guidance order.
        reasons: why this child was picked, one plain sentence each.
        facts: what the choice was based on (status, age band, the seven answers, ...),
            JSON-ready.
    """

    child_id: str
    lists: tuple[str, ...]
    reasons: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"child_id": self.child_id, "lists": list(self.lists),
                "reasons": list(self.reasons), "facts": self.facts}


@dataclass(frozen=True)
class Shortlist:
    """The proposed children, the others considered and why they were not picked.

    Attributes:
        option: "A" or "B" (Annex C).
        stage: "select-20" (option A, before the seven answers) or "track" (five to seven).
        picks: the children proposed, in the order chosen.
        not_picked: (child_id, reasons) for every other child considered.
        notes: plain sentences about the selection as a whole (counts, shortfalls, IDs given
            that are on no list).
        as_of: the date ages were counted at.
        seed: the tie-break seed used.
        target: how many picks were aimed for.
    """

    option: Option
    stage: Stage
    picks: tuple[Pick, ...]
    not_picked: tuple[tuple[str, tuple[str, ...]], ...]
    notes: tuple[str, ...]
    as_of: dt.date | None = None
    seed: int = 0
    target: int = 0

    @property
    def complete(self) -> bool:
        """Whether the selection meets the guidance.

        The 20-children stage is complete when it proposes 20, or every child there is to
        propose; the tracking stage needs at least five (paras 24, 27).
        """
        if self.stage == "select-20":
            return len(self.picks) > 0
        return len(self.picks) >= TRACK_MIN

    @property
    def ids(self) -> tuple[str, ...]:
        """The picked children's IDs, in order."""
        return tuple(p.child_id for p in self.picks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: what ``jtai shortlist --format json`` prints."""
        return {
            "option": self.option,
            "stage": self.stage,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "seed": self.seed,
            "target": self.target,
            "complete": self.complete,
            "picks": [p.to_dict() for p in self.picks],
            "not_picked": [{"child_id": cid, "reasons": list(r)} for cid, r in self.not_picked],
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- children


@dataclass
class _Child:
    """Everything the lists say about one child (by matching key), gathered across lists."""

    key: str
    child_id: str
    lists: list[str] = field(default_factory=list)
    flag_lists: list[str] = field(default_factory=list)
    on_yot: bool = False
    on_nps: bool = False
    status_lists: set[int] = field(default_factory=set)
    yot_nps_status: str | None = None
    open_rows: int = 0
    closed_rows: int = 0
    dob: dt.date | None = None
    expected_dob: dt.date | None = None
    age_col: int | None = None
    gender: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    team: str | None = None
    need: str | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    field_lists: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    has_field_row: bool = False

    # ---- derived facts

    @property
    def flagged(self) -> bool:
        return bool(self.flag_lists)

    @property
    def status(self) -> str | None:
        if self.status_lists:
            return _STATUS_OF_LIST[max(self.status_lists)]
        return self.yot_nps_status

    @property
    def open_state(self) -> str | None:
        if self.open_rows:
            return "open"
        if self.closed_rows:
            return "closed"
        return None

    def age(self, as_of: dt.date) -> int | None:
        """Age in years at ``as_of``; -1 for an unborn child; None when unknown."""
        if self.dob is not None:
            if self.dob > as_of:
                return -1
            had = (self.dob.month, self.dob.day) <= (as_of.month, as_of.day)
            return as_of.year - self.dob.year - (0 if had else 1)
        if self.expected_dob is not None:
            return -1
        return self.age_col

    def age_band(self, as_of: dt.date) -> str | None:
        age = self.age(as_of)
        if age is None:
            return None
        if age < 0:
            return "unborn"
        for top, band in ((4, "0-4"), (9, "5-9"), (15, "10-15"), (17, "16-17")):
            if age <= top:
                return band
        return "18+"

    @property
    def ethnic_group(self) -> str | None:
        if not self.ethnicity:
            return None
        code = self.ethnicity.split(")", 1)[-1].strip()
        return _ETHNIC_GROUPS.get(code[:1].upper(), "Chinese or other")

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


def _gather(data: Dataset, as_of: dt.date,
            wanted: Callable[[str], bool] | None = None) -> dict[str, _Child]:
    """Build one record per child key from every list, in guidance order."""
    order = {name: i for i, name in enumerate(data.schemas.lists)}
    lists = sorted(data.lists, key=lambda pl: (order.get(pl.name, 99), pl.order))
    children: dict[str, _Child] = {}
    for pl in lists:
        keys = pl.keys
        mask = keys.notna()
        if wanted is not None:
            mask &= keys.map(lambda k: isinstance(k, str) and wanted(k)).astype(bool)
        if not mask.any():
            continue
        _gather_list(pl, keys[mask], pl.typed[mask.to_numpy()], as_of, children)
    return children


def _gather_list(pl: ParsedList, keys: pd.Series, typed: pd.DataFrame, as_of: dt.date,
                 children: dict[str, _Child]) -> None:
    schema = pl.schema
    header = {c.role: c.header for c in schema.columns if c.role}
    present = set(pl.positions)
    number = schema.list_number
    is_list = schema.name not in _NOT_LISTS
    label = pl.label
    id_header = header["child_id"]
    for key, row in zip(keys, typed.to_dict("records"), strict=True):
        child_id = str(row[id_header])
        child = children.get(key)
        if child is None:
            child = children[key] = _Child(key, child_id)
        elif len(child_id) > len(child.child_id):
            child.child_id = child_id  # keep the form with leading zeros
        def get(role: str, row: dict[Hashable, Any] = row) -> object:
            return _py(row[header[role]]) if role in header else None

        if is_list and label not in child.lists:
            child.lists.append(label)
        if get("csa_flag") == "Y" and label not in child.flag_lists:
            child.flag_lists.append(label)
        if schema.name == "yot":
            child.on_yot = True
        if schema.name == "nps":
            child.on_nps = True
        status = get("status")
        if isinstance(status, str) and (child.yot_nps_status is None or _STATUS_RANK.get(
                status, 0) > _STATUS_RANK.get(child.yot_nps_status, 0)):
            child.yot_nps_status = status
        if number in _STATUS_OF_LIST:
            child.status_lists.add(number)
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
        need = get("category_of_abuse") if number == 7 else get("need")
        if isinstance(need, str) and (child.need is None or number in _STATUS_OF_LIST):
            # Lists are read in order 6, 7, 8: the highest status's need wins.
            child.need = (f"CP category {need.split(') ', 1)[-1].lower()}" if number == 7
                          else f"need {need}")
        # The seven answers: an additional-information sheet wins over the list columns.
        if schema.name == "additional_fields":
            child.has_field_row = True
        for role in ADDITIONAL_ROLES:
            if role not in header or header[role] not in present:
                continue
            v = get(role)
            if v is None:
                continue
            child.field_lists.setdefault(role, []).append((label, str(v)))
            if schema.name == "additional_fields" or child.fields.get(role) is None:
                child.fields[role] = str(v)


# --------------------------------------------------------------------------- IDs


def id_files(value: str | Iterable[str] | None) -> list[Path]:
    """The files among IDs given as "C1,C2" or as file names (they are inputs too)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [Path(i) for i in items if i and "," not in i and Path(i).is_file()]


def parse_ids(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Read child IDs given as "C1,C2", as several such strings, or as a file of IDs.

    A value naming an existing file is read as IDs separated by commas, semicolons or new lines.

    Example:
        >>> parse_ids("C1, C2,,C3")
        ('C1', 'C2', 'C3')
    """
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        text = item
        path = Path(item)
        if item and ("," not in item) and path.is_file():
            text = path.read_text(encoding="utf-8-sig")
        for part in text.replace(";", ",").replace("\n", ",").split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return tuple(out)


# --------------------------------------------------------------------------- choosing


class _Chooser:
    """Greedy, deterministic balancing over the dimensions the guidance cares about."""

    def __init__(self, dims: Sequence[tuple[str, int]], as_of: dt.date, seed: int,
                 keys: Iterable[str]):
        self.dims = dims
        self.as_of = as_of
        self.seed = seed
        order = sorted(keys)
        random.Random(seed).shuffle(order)
        self.rank = {k: i for i, k in enumerate(order)}
        self.counts: dict[str, Counter[object]] = {d: Counter() for d, _ in dims}

    def add(self, child: _Child) -> dict[str, int]:
        """Count a chosen child; return, per dimension, how many of its kind came before."""
        before = {}
        for d, _ in self.dims:
            v = child.value(d, self.as_of)
            before[d] = self.counts[d][v]
            self.counts[d][v] += 1
        return before

    def score(self, child: _Child) -> float:
        return round(sum(w / (1 + self.counts[d][child.value(d, self.as_of)])
                         for d, w in self.dims), 9)

    def best(self, pool: Sequence[_Child]) -> tuple[_Child, int]:
        """The child adding most to the mix; ties broken by the seeded order.

        Returns:
            The child and how many others scored the same.
        """
        scored = [(self.score(c), c) for c in pool]
        top = max(s for s, _ in scored)
        tied = [c for s, c in scored if s == top]
        return min(tied, key=lambda c: self.rank[c.key]), len(tied) - 1


def _words(dim: str, child: _Child, as_of: dt.date, schemas: SchemaSet) -> str:
    v = child.value(dim, as_of)
    if dim == "status":
        return {"CIN": "child in need", "CP": "child on a child protection plan",
                "CLA": "looked-after child"}.get(str(v), "child not on lists 6-8")
    if dim == "open":
        return {"open": "open case", "closed": "recently closed case"}.get(
            str(v), "case with no open or closed record")
    if dim == "age_band":
        if v is None:
            return "child of unknown age"
        return "unborn child" if v == "unborn" else f"child aged {v}"
    if dim == "gender":
        label = schemas.codes["gender"].means(str(v)) if v else "unrecorded gender"
        return f"{label.lower()} child" if label in ("Male", "Female") else f"child ({label})"
    if dim == "ethnic_group":
        return (f"child of {v} ethnicity" if v and v != "not recorded"
                else "child whose ethnicity is not recorded")
    if dim == "disability":
        return {"Y": "disabled child", "N": "child without a disability"}.get(
            str(v), "child whose disability is not known")
    if dim == "team":
        return f"child from {v}" if v else "child with no allocated team"
    if dim == "need":
        return f"child with {v}" if v else "child with no need recorded"
    return str(v)


def _mix_reason(before: dict[str, int], tied: int, child: _Child, chooser: _Chooser,
                schemas: SchemaSet) -> list[str]:
    as_of = chooser.as_of
    def words(dim: str) -> str:
        return _words(dim, child, as_of, schemas)

    first = [d for d, n in before.items() if n == 0]
    second = [d for d, n in before.items() if n == 1]
    if len(first) == len(chooser.dims) and sum(chooser.counts[chooser.dims[0][0]].values()) == 1:
        # The first child of an empty selection: everything is "first", so say so plainly.
        out = ["starts the mix: " + ", ".join(words(d) for d in ("status", "age_band", "gender"))]
    elif first:
        out = ["keeps the mix: " + "; ".join(f"first {words(d)}" for d in first)]
    elif second:
        out = ["keeps the mix: " + "; ".join(f"second {words(d)}" for d in second)]
    else:
        out = ["keeps the mix: every group this child belongs to is already represented "
               "twice or more, and it adds to the least represented of them"]
    if tied:
        out.append(f"chosen over {tied} other child{'ren' if tied > 1 else ''} adding equally "
                   f"to the mix by the seeded tie-break (seed {chooser.seed})")
    return out


def _field_text(role: str, value: str | None) -> str:
    n = FIELD_NUMBER[role]
    if value is None:
        return f"field {n} blank"
    return f"field {n} is {value}"


# --------------------------------------------------------------------------- entry point


def shortlist(
    inputs: str | Path | Sequence[str | Path] | Dataset,
    *,
    option: Option,
    seed: int = 0,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    as_of: dt.date | None = None,
    schemas: SchemaSet | None = None,
    output: str | Path | None = None,
    notified: dt.date | None = None,
) -> Shortlist:
    """Propose the children to ask about (option A, 20) or to track (five to seven).

    The stage is read from the data: when none of the CSA-FE children has any of the seven
    additional answers, option A is at its first stage and 20 children are proposed (para 22);
    otherwise five to seven are proposed for tracking (paras 24, 27), each with multi-agency
    involvement (field 2) and current or recent work on CSA-FE (field 6) as paras 25 and 28
    require.

    Args:
        inputs: the lists (workbooks or CSV files; for option A's second stage the returned
            workbook, alone or with the original lists), or an already loaded ``Dataset``.
        option: "A" or "B" (Annex C).
        seed: tie-break seed; the same input and seed give the same picks.
        include: child IDs to pick whatever the rules say (the inspector's judgement, para 16).
        exclude: child IDs never to pick.
        as_of: date ages are counted at; default as ``load_dataset``.
        schemas: list schemas (default: the shipped ones).
        output: also write the workbook for this stage: for the 20, the workbook the local
            authority fills in and returns; for tracking, the selection with its reasons.
        notified: the Monday the area was notified, to date the deadlines in ``output``.

    Returns:
        The ``Shortlist``; ``complete`` is False when fewer than five children can be tracked.

    Raises:
        UsageError: option is not A or B, or the same child is both included and excluded.
        JtaiError: an input cannot be used at all.

    Example:
        >>> result = shortlist("lists.xlsx", option="B", seed=1)  # doctest: +SKIP
        >>> [(p.child_id, p.reasons[0]) for p in result.picks]  # doctest: +SKIP
    """
    if option not in ("A", "B"):
        raise UsageError(f"option must be A or B (Annex C), not {option!r}")
    if output is not None:  # never write over a list or an IDs file, and fail before working
        given = [] if isinstance(inputs, Dataset) else (
            [inputs] if isinstance(inputs, str | Path) else list(inputs))
        check_output(output, [*given, *id_files(include), *id_files(exclude)])
    data = inputs if isinstance(inputs, Dataset) else load_dataset(
        inputs, as_of=as_of, schemas=schemas)
    schemas = data.schemas
    day = as_of or data.as_of
    include_ids, exclude_ids = parse_ids(include), parse_ids(exclude)
    inc = {id_key(i): i for i in include_ids}
    exc = {id_key(i): i for i in exclude_ids}
    if set(inc) & set(exc):
        raise UsageError("a child ID is given to both --include and --exclude: give it to one")

    # Which children matter: flagged, on YOT/NPS, with answers, or named by the inspector.
    everyone: set[str] = set()
    interesting: set[str] = set(inc) | set(exc)
    for pl in data.lists:
        keys = set(pl.keys.dropna())
        if pl.name not in _NOT_LISTS:
            everyone |= keys
        if pl.name in ("yot", "nps", "additional_fields"):
            interesting |= keys
        flag = pl.schema.by_role("csa_flag")
        if flag is not None:
            interesting |= set(pl.keys[(pl.typed[flag.header] == "Y").to_numpy()].dropna())
        for role in ADDITIONAL_ROLES:
            c = pl.schema.by_role(role)
            if c is not None and c.header in pl.positions:
                interesting |= set(pl.keys[pl.typed[c.header].notna().to_numpy()].dropna())
    children = _gather(data, day, wanted=interesting.__contains__)

    notes: list[str] = []
    for key, written in inc.items():
        if key not in children or not children[key].lists and not children[key].has_field_row:
            notes.append(f"--include: child '{written}' is on none of the lists, so cannot be "
                         "picked")
    for key, written in exc.items():
        if key not in children:
            notes.append(f"--exclude: child '{written}' is on none of the lists")
    inc = {k: v for k, v in inc.items() if k in children}
    candidates = {k: c for k, c in children.items()
                  if c.flagged or c.on_yot or c.on_nps or c.has_fields or c.has_field_row
                  or k in inc}
    ignored = len(everyone - set(candidates))
    fields_given = any(c.has_fields for c in candidates.values())
    stage: Stage = "track" if option == "B" or fields_given else "select-20"

    ctx = _Context(data, schemas, day, seed, option, candidates, set(inc), set(exc), notes)
    result = ctx.select_20() if stage == "select-20" else ctx.track(fields_given)
    if ignored:
        notes.append(f"{ignored} other child{'ren' if ignored != 1 else ''} on the lists "
                     f"{'are' if ignored != 1 else 'is'} not flagged CSA-FE and "
                     f"{'were' if ignored != 1 else 'was'} not considered")
    shortlisted = Shortlist(option, stage, tuple(result[0]), tuple(result[1]), tuple(notes),
                            day, seed, result[2])
    if output is not None:
        write_shortlist_workbook(shortlisted, data, output, notified=notified)
    return shortlisted


@dataclass
class _Context:
    data: Dataset
    schemas: SchemaSet
    as_of: dt.date
    seed: int
    option: Option
    candidates: dict[str, _Child]
    include: set[str]
    exclude: set[str]
    notes: list[str]

    def _pick(self, child: _Child, reasons: list[str]) -> Pick:
        return Pick(child.child_id, tuple(child.lists), tuple(reasons),
                    child.facts(self.as_of, self.schemas))

    def _sorted(self, children: Iterable[_Child]) -> list[_Child]:
        return sorted(children, key=lambda c: (c.child_id, c.key))

    def _too_old(self, child: _Child) -> bool:
        age = child.age(self.as_of)
        return age is not None and age >= 18

    def _where_flagged(self, child: _Child) -> str:
        if child.flag_lists:
            return f"flagged CSA-FE on {' and '.join(child.flag_lists)}"
        if child.on_yot or child.on_nps:
            return "on the " + " and ".join(
                n for n, on in (("YOT list", child.on_yot), ("NPS list", child.on_nps)) if on)
        return "not flagged CSA-FE on any list"

    # ---- option A, first stage

    def select_20(self) -> tuple[list[Pick], list[tuple[str, tuple[str, ...]]], int]:
        """Propose 20 CSA-FE children: YOT/NPS children first, then a balanced mix."""
        picks: list[Pick] = []
        not_picked: list[tuple[str, tuple[str, ...]]] = []
        chooser = _Chooser(_SELECT_DIMS, self.as_of, self.seed, self.candidates)
        pool: list[_Child] = []
        for child in self._sorted(self.candidates.values()):
            if child.key in self.exclude:
                not_picked.append((child.child_id, (
                    "excluded by the inspector (--exclude)", self._where_flagged(child))))
            elif child.key in self.include:
                chooser.add(child)
                reasons = ["included by the inspector (--include)", self._where_flagged(child)]
                if self._too_old(child):
                    reasons.append("note: aged 18 or over; the lists are of children under 18 "
                                   "(para 18)")
                picks.append(self._pick(child, reasons))
            elif self._too_old(child):
                not_picked.append((child.child_id, (
                    "aged 18 or over: the lists are of children under 18 (para 18)",)))
            elif child.on_yot or child.on_nps:
                chooser.add(child)
                which = " and ".join(n for n, on in (("YOT", child.on_yot),
                                                     ("NPS", child.on_nps)) if on)
                picks.append(self._pick(child, [
                    f"on the {which} list: {which} and children's services are both involved "
                    "and there are current or significant CSA-FE concerns (para 21), so always "
                    "proposed"] + ([self._where_flagged(child)] if child.flag_lists else [])))
            elif child.flagged:
                pool.append(child)
            else:
                not_picked.append((child.child_id, ("not flagged CSA-FE on any list",)))
        if len(picks) > SELECT_COUNT:
            self.notes.append(f"{len(picks)} children are on the YOT or NPS lists or were "
                              f"included: all are proposed, more than the {SELECT_COUNT} of "
                              "para 22")
        while pool and len(picks) < SELECT_COUNT:
            child, tied = chooser.best(pool)
            pool.remove(child)
            new = chooser.add(child)
            picks.append(self._pick(child, [self._where_flagged(child),
                                            *_mix_reason(new, tied, child, chooser,
                                                         self.schemas)]))
        # Flagged children not chosen first: they are the ones an inspector may swap in.
        not_picked[:0] = [(child.child_id, (
            f"{self._where_flagged(child)}, but not among the {SELECT_COUNT}: the places went "
            "to children who added more to the mix of legal status, open or closed, age, "
            "gender, ethnicity, disability and team",)) for child in self._sorted(pool)]
        total = len(picks) + len(pool)
        if len(picks) < SELECT_COUNT:
            self.notes.append(
                f"only {len(picks)} child{'ren are' if len(picks) != 1 else ' is'} flagged "
                f"CSA-FE or on the YOT/NPS lists (and not excluded): all are proposed, fewer "
                f"than the {SELECT_COUNT} of para 22")
        else:
            self.notes.append(f"proposed {len(picks)} of {total} CSA-FE children for the "
                              "local authority to answer the seven additional questions about "
                              "(paras 22-23)")
        return picks, not_picked, SELECT_COUNT

    # ---- option A second stage, option B

    def _ineligible(self, child: _Child, fields_given: bool) -> list[str]:
        """Why a child cannot be tracked (paras 25, 28); empty when it can."""
        if not child.has_fields:
            if self.option == "A":
                return ["no additional information: the seven questions were not answered for "
                        "this child (option A asks them only for the 20 selected, para 23)"]
            return ["the seven additional fields are blank for this child (option B asks for "
                    "them for every CSA-FE child, para 26)"]
        out = []
        ma, sup = child.fields.get("multi_agency"), child.fields.get("csa_support")
        if ma == "N":
            out.append("no multi-agency involvement (field 2 is N)")
        elif ma is None:
            out.append("field 2 blank: multi-agency involvement not known")
        if sup == "N":
            out.append("no current or recent work on CSA-FE concerns (field 6 is N)")
        elif sup is None:
            out.append("field 6 blank: current or recent work on CSA-FE not known")
        return out

    def _eligible_reasons(self, child: _Child, filling: bool = True) -> list[str]:
        out = [f"{FIELD_WORDS['multi_agency']} (field 2 is Y)",
               f"{FIELD_WORDS['csa_support']} (field 6 is Y)"]
        cur = child.fields.get("csa_current")
        if cur == "Y":
            out.append(f"{FIELD_WORDS['csa_current']} (field 1 is Y)")
        else:
            out.append(f"CSA-FE is not recorded as a current or significant factor "
                       f"({_field_text('csa_current', cur)})"
                       + (": picked because too few eligible children have field 1 Y"
                          if filling else ""))
        return out

    def _conflicts(self, child: _Child) -> None:
        for role, seen in child.field_lists.items():
            values = {v for _, v in seen}
            if len(values) > 1:
                where = ", ".join(f"{lab} says {v}" for lab, v in seen)
                self.notes.append(
                    f"child '{child.child_id}': field {FIELD_NUMBER[role]} differs ({where}); "
                    f"used {child.fields.get(role)}")

    def track(self, fields_given: bool
              ) -> tuple[list[Pick], list[tuple[str, tuple[str, ...]]], int]:
        """Propose five to seven children to track, each eligible under paras 25 and 28."""
        picks: list[Pick] = []
        not_picked: list[tuple[str, tuple[str, ...]]] = []
        chooser = _Chooser(_TRACK_DIMS, self.as_of, self.seed, self.candidates)
        eligible: list[_Child] = []
        chosen: list[_Child] = []
        cannot: list[tuple[str, tuple[str, ...]]] = []
        passed_over: list[tuple[str, tuple[str, ...]]] = []
        if not fields_given:
            self.notes.append("none of the children has any of the seven additional answers: "
                              + ("under option B they come with the lists for every CSA-FE "
                                 "child (para 26)" if self.option == "B" else
                                 "they are needed to choose the children to track"))
        for child in self._sorted(self.candidates.values()):
            self._conflicts(child)
            why_not = self._ineligible(child, fields_given)
            if child.key in self.exclude:
                not_picked.append((child.child_id, ("excluded by the inspector (--exclude)",
                                                    *why_not)))
            elif child.key in self.include:
                chooser.add(child)
                chosen.append(child)
                reasons = ["included by the inspector (--include)"]
                if why_not:
                    reasons += [f"warning: {r}" for r in why_not]
                else:
                    reasons += self._eligible_reasons(child)
                picks.append(self._pick(child, reasons))
            elif self._too_old(child):
                not_picked.append((child.child_id, (
                    "aged 18 or over: the lists are of children under 18 (para 18)",)))
            elif why_not:
                cannot.append((child.child_id, tuple(why_not)))
            else:
                eligible.append(child)
        available = len(eligible) + len(chosen)
        if any(self._ineligible(c, fields_given) for c in self.candidates.values()):
            self.notes.append("children without multi-agency involvement (field 2) or current "
                              "or recent work on CSA-FE concerns (field 6) cannot be tracked "
                              "(paras 25, 28)")
        target = TRACK_MAX
        # Field 1 first: a current or significant factor is preferred (para 23's first question).
        def tier(c: _Child) -> int:
            return 0 if c.fields.get("csa_current") == "Y" else 1


        def take(pool: list[_Child], why: list[str]) -> None:
            best_tier = min(tier(c) for c in pool)
            child, tied = chooser.best([c for c in pool if tier(c) == best_tier])
            eligible.remove(child)
            new = chooser.add(child)
            chosen.append(child)
            picks.append(self._pick(child, [*self._eligible_reasons(child, not why), *why,
                                            *_mix_reason(new, tied, child, chooser,
                                                         self.schemas)]))

        # A YOT-known child and a child whose family adult works with the NPS, when eligible.
        for role, text in (("known_to_yot", "the selection includes a child known to the YOT "
                            "(field 3 is Y)"),
                           ("nps_adult", "the selection includes a child where the NPS works "
                            "with a parent or close adult (field 4 is Y)")):
            if len(chosen) >= target or any(c.fields.get(role) == "Y" for c in chosen):
                continue
            pool = [c for c in eligible if c.fields.get(role) == "Y"]
            if pool:
                take(pool, [text])
        while eligible and len(chosen) < target:
            take(eligible, [])
        for child in self._sorted(eligible):
            if tier(child) == 1 and all(tier(c) == 0 for c in chosen):
                why = (f"eligible (fields 2 and 6 are Y), but CSA-FE is not recorded as a "
                       f"current or significant factor ({_field_text('csa_current', child.fields.get('csa_current'))}) "  # noqa: E501
                       f"and {len(chosen)} eligible children where it is were preferred")
            else:
                why = (f"eligible (fields 2 and 6 are Y), but the {len(chosen)} places went to "
                       "children who kept a wider mix of statuses and needs")
            passed_over.append((child.child_id, (why,)))
        # Eligible children not chosen first: they are the ones an inspector may swap in.
        not_picked = passed_over + not_picked + cannot

        if len(chosen) > TRACK_MAX:
            self.notes.append(f"{len(chosen)} children were included: more than the seven the "
                              "guidance asks for (paras 24, 27)")
        if available < TRACK_MIN:
            self.notes.append(
                f"only {available} child{'ren' if available != 1 else ''} can be tracked: fewer "
                f"than the five paras 24 and 27 ask for. Each other child's reason is listed; "
                "ask the local authority to review those cases on its recording system "
                "(paras 25, 28)")
        else:
            n_el = len([c for c in chosen if not self._ineligible(c, fields_given)])
            self.notes.append(
                f"proposed {len(chosen)} children to track, {n_el} of them with multi-agency "
                "involvement and current or recent work on CSA-FE concerns (paras 25, 28)"
                + ("; Annex C asks for seven under option B" if self.option == "B" else ""))
        return picks, not_picked, target


# --------------------------------------------------------------------------- workbook


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
        >>> data = load_dataset("lists.xlsx")  # doctest: +SKIP
        >>> write_shortlist_workbook(shortlist(data, option="A"), data, "20.xlsx")  # doctest: +SKIP
    """
    from .templating import due_text, find_deadline
    from .writing import ExtraSheet, write_lists_workbook

    schemas = data.schemas
    order = {id_key(p.child_id): i for i, p in enumerate(result.picks)}
    parts: dict[str, list[pd.DataFrame]] = {}
    for pl in data.lists:
        if pl.name in _NOT_LISTS:
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
    extra = schemas.lists["additional_fields"]
    id_header = extra.by_role("child_id").header  # type: ignore[union-attr]
    answers: dict[str, list[str | None]] = {id_header: [p.child_id for p in result.picks]}
    for role in ADDITIONAL_ROLES:
        col = extra.by_role(role)
        assert col is not None
        answers[col.header] = [
            (p.facts.get("fields") or {}).get(role) if result.stage == "track" else None
            for p in result.picks]
    frames["additional_fields"] = pd.DataFrame(answers)
    columns = {name: [c.header for c in schemas.lists[name].columns
                      if name == "additional_fields" or c.role not in ADDITIONAL_ROLES]
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
            ["2. The other sheets show each child's rows from the lists sent on day 2, for "
             "reference: they need no changes."],
            [f"3. The lead inspector then selects five to seven children to track by "
             f"{due_text(select, dated=dated)} (para 24) and phones by "
             f"{due_text(call, dated=dated)} to confirm they have multi-agency involvement "
             "and current or recent work on CSA-FE concerns (para 25)."],
            [],
            [f"Children selected ({len(result.picks)})", "On lists"],
        ]
        rows += [[p.child_id, ", ".join(p.lists)] for p in result.picks]
        sheet = ExtraSheet("Instructions", rows, widths=(24, 40))
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
        rows += [[], [f"Not proposed ({len(result.not_picked)})", "", "Why"]]
        rows += [[cid, "", "; ".join(why)] for cid, why in result.not_picked]
        if result.notes:
            rows += [[], ["Notes"]]
            rows += [[n] for n in result.notes]
        sheet = ExtraSheet("Selected for tracking", rows, widths=(24, 30, 120))
    return write_lists_workbook(output, frames, schemas=schemas, as_of=result.as_of,
                                columns=columns, sheets_before=[sheet], inputs=data.files)
