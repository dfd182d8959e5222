"""Propose the children inspectors ask about and track (guidance paras 13-16, 22-29).

Option A has two stages. First the lead inspector picks 20 children flagged CSA-FE from all the
lists (para 22) and the local authority answers seven Y/N questions about them (para 23). Then,
from those answers, the inspector picks five to seven children to track (para 24). Under option
B the seven answers come with the lists for every CSA-FE child (para 26) and the inspector goes
straight to the five to seven (para 27). Which stage a run is at is read from the data (the
seven answers present: the tracking stage) unless ``stage`` forces one, and the result says so.

Paras 25 and 28 describe a phone call to confirm that *the selection* includes multi-agency
involvement and current or recent work to address CSA-FE concerns. They rule no child out, and
neither does jtai: every CSA-FE child can be proposed. jtai builds the proposal so that the
selection as a whole meets paras 25 and 28 where the lists allow, reading multi-agency
involvement from field 2 and "work to address concerns" from fields 5, 6 and 7 (a police
investigation or criminal proceedings, intervention and support, a SARC or paediatric
assessment): that reading is jtai's, not the guidance's. Each pick says which fields it relies
on and what the call must confirm.

How jtai mixes the picks (legal status, open or closed, age, gender, ethnicity, disability,
team, need) is jtai's own rule (:data:`MIX_RULE`), adjustable with ``prefer`` and ``require``.

Every choice is explained in words, and the same input and seed always give the same picks:
ties are broken by a ``random.Random(seed)`` shuffle of the child keys, never by chance.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from ._files import check_output
from .checked import load_checked, unreadable_cells, unreadable_note
from .child_records import ChildRecord, gather_children
from .children import (
    AGE_BANDS,
    FIELD_NUMBER,
    UNBORN,
    ethnic_groups,
    questions,
)
from .errors import UsageError
from .model import Dataset
from .parsing import ERROR, id_key
from .policy import MIX_RULE, Option
from .schemas import ADDITIONAL_ROLES, SchemaSet, list_names, load_schemas, normalise
from .shortlist_workbook import write_shortlist_workbook

__all__ = [
    "MIX_RULE",
    "SELECT_COUNT",
    "TRACK_MAX",
    "TRACK_MIN",
    "Pick",
    "Shortlist",
    "parse_ids",
    "shortlist",
]

Stage = Literal["select-20", "track"]
StageChoice = Literal["select", "track"]

#: jtai's own rule for choosing among children the guidance treats alike: shown in --help and
#: in every result, never attributed to the guidance.

#: Children the lead inspector asks additional information about under option A (para 22).
SELECT_COUNT = 20
#: Children tracked: five to seven (paras 24, 27); Annex C says seven for option B.
TRACK_MIN, TRACK_MAX = 5, 7


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
        call_must_confirm: what the phone call of paras 25 and 28 must confirm, in words
            (tracking stage only): the selection as a whole, then child by child.
        stage_note: why this stage, said plainly (e.g. that the 20-children stage was skipped
            and why).
        errors_note: "the lists have 21 errors: see jtai validate ..." when the lists it rests
            on have errors (also the first of the notes), else "".
    """

    option: Option
    stage: Stage
    picks: tuple[Pick, ...]
    not_picked: tuple[tuple[str, tuple[str, ...]], ...]
    notes: tuple[str, ...]
    as_of: dt.date | None = None
    seed: int = 0
    target: int = 0
    call_must_confirm: tuple[str, ...] = ()
    stage_note: str = ""
    errors_note: str = ""

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
            "stage_note": self.stage_note,
            "picks": [p.to_dict() for p in self.picks],
            "not_picked": [{"child_id": cid, "reasons": list(r)} for cid, r in self.not_picked],
            "call_must_confirm": list(self.call_must_confirm),
            "notes": list(self.notes),
            "mix_rule": MIX_RULE,
        }


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

    def add(self, child: ChildRecord) -> dict[str, int]:
        """Count a chosen child; return, per dimension, how many of its kind came before."""
        before = {}
        for d, _ in self.dims:
            v = child.value(d, self.as_of)
            before[d] = self.counts[d][v]
            self.counts[d][v] += 1
        return before

    def score(self, child: ChildRecord) -> float:
        return round(sum(w / (1 + self.counts[d][child.value(d, self.as_of)])
                         for d, w in self.dims), 9)

    def best(self, pool: Sequence[ChildRecord], bonus: Callable[[ChildRecord], float] | None = None
             ) -> tuple[ChildRecord, int]:
        """The child adding most to the mix (plus ``bonus``); ties broken by the seeded order.

        Returns:
            The child and how many others scored the same.
        """
        scored = [(round(self.score(c) + (bonus(c) if bonus else 0.0), 9), c) for c in pool]
        top = max(s for s, _ in scored)
        tied = [c for s, c in scored if s == top]
        return min(tied, key=lambda c: self.rank[c.key]), len(tied) - 1


def _words(dim: str, child: ChildRecord, as_of: dt.date, schemas: SchemaSet) -> str:
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
        return "unborn child" if v == UNBORN else f"child aged {v}"
    if dim == "gender":
        label = schemas.codes["gender"].means(str(v)) if v else "unrecorded gender"
        return (f"{label.lower()} child" if label in ("Male", "Female")
                else f"child recorded as gender: {label}")
    if dim == "ethnic_group":
        return (f"child of {v} ethnicity" if v and v != ethnic_groups(schemas).blank
                else "child whose ethnicity is not recorded")
    if dim == "disability":
        return {"Y": "disabled child", "N": "child without a disability"}.get(
            str(v), "child whose disability is not known")
    if dim == "team":
        return f"child from {v}" if v else "child with no allocated team"
    if dim == "need":
        return f"child with {v}" if v else "child with no need recorded"
    return str(v)


def _mix_reason(before: dict[str, int], tied: int, child: ChildRecord, chooser: _Chooser,
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


def _closest(child: ChildRecord, chosen: Sequence[ChildRecord], chooser: _Chooser,
             schemas: SchemaSet) -> tuple[ChildRecord, list[str]] | None:
    """The pick most like ``child`` (most groups in common; the earlier pick on a tie), and
    the groups they share, in words."""
    if not chosen:
        return None
    as_of = chooser.as_of
    mine = {d: child.value(d, as_of) for d, _ in chooser.dims}
    alike = [[d for d, v in mine.items() if other.value(d, as_of) == v] for other in chosen]
    i = max(range(len(chosen)), key=lambda k: (len(alike[k]), -k))
    return chosen[i], [_words(d, child, as_of, schemas) for d in alike[i]]


def _not_among(child: ChildRecord, chosen: Sequence[ChildRecord], chooser: _Chooser,
               schemas: SchemaSet, places: int) -> str:
    """Why this flagged child is not among the places: the groups it would have added, or the
    groups already in the selection and the pick most like it."""
    as_of = chooser.as_of
    new = [_words(d, child, as_of, schemas) for d, _ in chooser.dims
           if chooser.counts[d][child.value(d, as_of)] == 0]
    if new:
        text = (f"not among the {places}: it would have been the first {'; first '.join(new)} "
                "in the selection, but the places filled first with children who each added "
                "more groups to jtai's mix")
    else:
        fewest = min(chooser.dims, key=lambda dw: chooser.counts[dw[0]][child.value(dw[0],
                                                                                  as_of)])[0]
        text = (f"not among the {places}: each of its groups is already in the selection, the "
                f"least represented being {_words(fewest, child, as_of, schemas)} "
                f"({chooser.counts[fewest][child.value(fewest, as_of)]} picked)")
    near = _closest(child, chosen, chooser, schemas)
    if near is not None:
        rival, same = near
        text += (f"; the pick most like it is child '{rival.child_id}'"
                 + (f" (alike in {len(same)} of {len(chooser.dims)}: {', '.join(same)})"
                    if same else ""))
    return text


def _y_answers(child: ChildRecord) -> int:
    return sum(1 for r in _FIELD_WEIGHT if child.fields.get(r) == "Y")


def _field_text(role: str, value: str | None) -> str:
    n = FIELD_NUMBER[role]
    if value is None:
        return f"field {n} blank"
    return f"field {n} is {value}"


# --------------------------------------------------------------------------- preferences

@dataclass(frozen=True)
class _Want:
    """One --prefer or --require value: a child, a list or an age band."""

    kind: Literal["id", "list", "age_band"]
    #: The child's key, the list's label as in ``Pick.lists`` ("List 7") or the age band.
    value: str
    written: str

    def matches(self, child: ChildRecord, as_of: dt.date) -> bool:
        if self.kind == "id":
            return child.key == self.value
        if self.kind == "age_band":
            return child.age_band(as_of) == self.value
        return self.value in child.lists

    @property
    def words(self) -> str:
        if self.kind == "id":
            return f"child '{self.written}'"
        if self.kind == "age_band":
            return "an unborn child" if self.value == UNBORN else f"a child aged {self.value}"
        return f"a child on {self.value}"


def _list_words(schemas: SchemaSet) -> dict[str, str]:
    """Every way a list of children can be named (list-7, cp, yot, child_protection) -> its
    label; bare numbers are left to mean child IDs."""
    out: dict[str, str] = {}
    for spelling, names in list_names(schemas).items():
        cases = [schemas.lists[n] for n in names if schemas.lists[n].kind == "case"]
        if cases and not spelling.isdigit():
            first = cases[0]
            out[spelling] = (f"List {first.list_number}" if first.list_number is not None
                             else first.title.split(":")[0])
    return out


def parse_wants(value: str | Iterable[str] | None,
                schemas: SchemaSet | None = None) -> tuple[_Want, ...]:
    """Read --prefer / --require values: child IDs, lists (list-7, yot) or age bands (10-15).

    Lists are named as on the command line (``list-7``, ``7`` is a child ID though, ``cp``,
    ``yot``, ``child_protection``); ``schemas`` are the shipped ones by default.

    Example:
        >>> [(w.kind, w.value) for w in parse_wants("list-7, 10-15, 0799515")]
        [('list', 'List 7'), ('age_band', '10-15'), ('id', '799515')]
    """
    bands = {band.casefold(): band for band in AGE_BANDS}
    lists = _list_words(schemas or load_schemas())
    out: list[_Want] = []
    for item in parse_ids(value):
        norm = normalise(item)
        if item.strip().casefold() in bands:
            out.append(_Want("age_band", bands[item.strip().casefold()], item))
        elif norm in lists:
            out.append(_Want("list", lists[norm], item))
        else:
            out.append(_Want("id", id_key(item), item))
    return tuple(out)


# --------------------------------------------------------------------------- evidence


def _evidence(child: ChildRecord) -> tuple[list[str], list[str]]:
    """The fields showing multi-agency involvement and work to address concerns (jtai's reading).

    Multi-agency involvement is field 2. Work to address CSA-FE concerns is read from fields 5
    (police investigation or criminal proceedings), 6 (intervention and support) and 7 (SARC
    or paediatric assessment): that reading is jtai's.
    """
    ma = ["field 2"] if child.fields.get("multi_agency") == "Y" else []
    work = [f"field {FIELD_NUMBER[r]}" for r in ("police_investigation", "csa_support",
                                                 "sarc_attended") if child.fields.get(r) == "Y"]
    return ma, work


def _tier(child: ChildRecord) -> int:
    """0: answers show both multi-agency involvement and work; 1: one of them; 2: neither."""
    ma, work = _evidence(child)
    return 2 - bool(ma) - bool(work)


#: jtai's weights for the Y answers when choosing among children of one tier (field 1 double).
_FIELD_WEIGHT = {"csa_current": 2.0, "multi_agency": 1.0, "known_to_yot": 1.0, "nps_adult": 1.0,
                 "police_investigation": 1.0, "csa_support": 1.0, "sarc_attended": 1.0}


def _field_score(child: ChildRecord) -> float:
    return sum(w for r, w in _FIELD_WEIGHT.items() if child.fields.get(r) == "Y")


def _relies_on(child: ChildRecord, schemas: SchemaSet) -> list[str]:
    """Which fields this pick relies on, in words."""
    ma, work = _evidence(child)
    asked = questions(schemas)

    def says(role: str) -> str:
        return asked[role].words if role in asked else f"field {FIELD_NUMBER[role]}"

    out = []
    if ma:
        out.append(f"relies on field 2 for {says('multi_agency')} (field 2 is Y)")
    if work:
        said = ", ".join(f"{w} ({says(r)})" for w, r in (
            (f"field {FIELD_NUMBER[r]} is Y", r) for r in ("police_investigation", "csa_support",
                                                           "sarc_attended"))
            if child.fields.get(r) == "Y")
        out.append(f"relies on {' and '.join(work)} for work to address CSA-FE concerns: {said}")
    if child.fields.get("csa_current") == "Y":
        out.append(f"{says('csa_current')} (field 1 is Y)")
    for role in ("known_to_yot", "nps_adult"):
        if child.fields.get(role) == "Y":
            out.append(f"{says(role)} (field {FIELD_NUMBER[role]} is Y)")
    return out


def _to_confirm(child: ChildRecord) -> list[str]:
    """What the phone call must confirm about this child (paras 25, 28)."""
    if not child.has_fields:
        return ["the seven answers are blank: confirm multi-agency involvement and current or "
                "recent work to address CSA-FE concerns"]
    ma, work = _evidence(child)
    out = []
    if not ma:
        out.append(f"multi-agency involvement ({_field_text('multi_agency', child.fields.get('multi_agency'))}"  # noqa: E501
                   ": at least two agencies supporting the child, footnote 4)")
    if not work:
        out.append("current or recent work to address CSA-FE concerns (fields 5, 6 and 7 are "
                   "not Y)")
    elif child.fields.get("csa_support") != "Y":
        out.append(f"current or recent work to address CSA-FE concerns: "
                   f"{_field_text('csa_support', child.fields.get('csa_support'))}, so the pick "
                   f"relies on {' and '.join(work)}; confirm intervention and support is under "
                   "way or was in the last six months")
    return out


# --------------------------------------------------------------------------- entry point


def shortlist(
    inputs: str | Path | Sequence[str | Path] | Dataset,
    *,
    option: Option,
    seed: int = 0,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    prefer: str | Iterable[str] = (),
    require: str | Iterable[str] = (),
    stage: StageChoice | None = None,
    as_of: dt.date | None = None,
    schemas: SchemaSet | None = None,
    output: str | Path | None = None,
    notified: dt.date | None = None,
) -> Shortlist:
    """Propose the children to ask about (option A, 20) or to track (five to seven).

    The stage is read from the data unless ``stage`` forces it: option A without any of the
    seven answers is at its first stage (para 22: 20 children from all the lists provided, or
    every one when fewer); otherwise five to seven are proposed for tracking (paras 24, 27).
    No child is ruled out for a field: the selection as a whole is built to include
    multi-agency involvement and current or recent work to address CSA-FE concerns (paras 25,
    28) where the lists allow, and the result says what the phone call must confirm.

    Args:
        inputs: the lists (workbooks or CSV files; for option A's second stage the returned
            workbook, alone or with the original lists), or an already loaded ``Dataset``.
        option: "A" or "B" (Annex C).
        seed: tie-break seed; the same input and seed give the same picks.
        include: child IDs to pick whatever the rules say (the inspector's judgement, para 16).
        exclude: child IDs never to pick.
        prefer: child IDs, lists (list-7, yot) or age bands (10-15) to move up jtai's
            mix rule.
        require: the same kinds of value; the selection includes a matching child (a child
            ID is picked as with ``include``).
        stage: "select" (the 20) or "track" (five to seven) to force a stage; default: read
            from the data.
        as_of: date ages are counted at; default as ``load_checked``.
        schemas: list schemas (default: the shipped ones).
        output: also write the workbook for this stage: for the 20, the workbook the local
            authority fills in and returns; for tracking, the selection with its reasons.
        notified: the Monday the area was notified, to date the deadlines in ``output``.

    Returns:
        The ``Shortlist``; ``complete`` is False when fewer than five children can be proposed
        for tracking.

    Raises:
        UsageError: option is not A or B, stage is not select or track, or the same child is
            both wanted and excluded.
        JtaiError: an input cannot be used at all.

    Example:
        >>> result = shortlist("lists.xlsx", option="B", seed=1)  # doctest: +SKIP
        >>> [(p.child_id, p.reasons[0]) for p in result.picks]  # doctest: +SKIP
    """
    if option not in ("A", "B"):
        raise UsageError(f"option must be A or B (Annex C), not {option!r}")
    if stage not in (None, "select", "track"):
        raise UsageError(f"stage must be select or track, not {stage!r}")
    if output is not None:  # never write over a list or an IDs file, and fail before working
        given = [] if isinstance(inputs, Dataset) else (
            [inputs] if isinstance(inputs, str | Path) else list(inputs))
        check_output(output, [*given, *id_files(include), *id_files(exclude),
                              *id_files(prefer), *id_files(require)])
    checked = None if isinstance(inputs, Dataset) else load_checked(
        inputs, as_of=as_of, schemas=schemas)
    data: Dataset = checked.dataset if checked is not None else cast(Dataset, inputs)
    schemas = data.schemas
    day = as_of or data.as_of
    include_ids, exclude_ids = parse_ids(include), parse_ids(exclude)
    prefers, requires = parse_wants(prefer, schemas), parse_wants(require, schemas)
    inc = {id_key(i): i for i in include_ids}
    inc.update({w.value: w.written for w in requires if w.kind == "id"})
    exc = {id_key(i): i for i in exclude_ids}
    if set(inc) & set(exc):
        raise UsageError("a child ID is given to both --include (or --require) and --exclude: "
                         "give it to one")

    # Which children matter: flagged, on YOT/NPS, with answers, or named by the inspector.
    everyone: set[str] = set()
    interesting: set[str] = set(inc) | set(exc) | {w.value for w in prefers if w.kind == "id"}
    unreadable_flag: set[str] = set()
    for pl in data.lists:
        keys = set(pl.keys.dropna())
        if pl.schema.kind == "case":
            everyone |= keys
        if pl.schema.agency is not None or pl.schema.kind == "answers":
            interesting |= keys
        flag = pl.schema.by_role("csa_flag")
        if flag is not None:
            interesting |= set(pl.keys[(pl.typed[flag.header] == "Y").to_numpy()].dropna())
            if flag.header in pl.parsed:
                bad = pl.parsed[flag.header].state == ERROR
                unreadable_flag |= set(pl.keys[bad].dropna())
        for role in ADDITIONAL_ROLES:
            c = pl.schema.by_role(role)
            if c is not None and c.header in pl.positions:
                interesting |= set(pl.keys[pl.typed[c.header].notna().to_numpy()].dropna())
    children = gather_children(data, day, wanted=(interesting | unreadable_flag).__contains__)

    notes: list[str] = []
    # The lists' errors, first: export refuses them; the shortlist rests on them as they are.
    errors_said = checked.errors_note() if checked is not None else None
    if errors_said:
        notes.append(errors_said)
    for key, written in inc.items():
        if key not in children or not children[key].lists and not children[key].has_field_row:
            notes.append(f"--include: child '{written}' is on none of the lists, so cannot be "
                         "picked")
    for key, written in exc.items():
        if key not in children:
            notes.append(f"--exclude: child '{written}' is on none of the lists")
    inc = {k: v for k, v in inc.items() if k in children}
    candidates = {k: c for k, c in children.items()
                  if c.flagged or c.agencies or c.has_fields or c.has_field_row
                  or k in inc}
    for key in sorted(unreadable_flag - set(candidates)):
        child = children[key]
        where = "; ".join(p for p in child.problems if p.startswith("CSA-FE flag"))
        notes.append(f"child '{child.child_id}': {where}; not counted as flagged, so not "
                     "considered: check the cell")
    ignored = len(everyone - set(candidates) - unreadable_flag)
    fields_given = any(c.has_fields for c in candidates.values())
    answered = sum(1 for c in candidates.values() if c.has_fields)
    if stage == "select":
        chosen: Stage = "select-20"
        stage_note = ("the 20-children stage (para 22) was asked for (--stage select)"
                      + (f", although {answered} children already have the seven answers"
                         if fields_given else ""))
    elif stage == "track":
        chosen = "track"
        stage_note = ("the 20-children stage was skipped because --stage track was given"
                      if option == "A" else "option B has no 20-children stage (paras 15, 26)")
        if not fields_given:
            stage_note += ("; none of the children has the seven answers, so every pick "
                           "rests on the CSA-FE flag and the call must confirm everything")
    elif option == "B":
        chosen = "track"
        stage_note = ("option B has no 20-children stage: the seven answers come with the "
                      "lists (paras 15, 26), so five to seven are proposed straight away")
    elif fields_given:
        chosen = "track"
        stage_note = (f"the 20-children stage (para 22) was skipped: the workbook already holds "
                      f"the seven answers for {answered} child{'ren' if answered != 1 else ''}, "
                      "so this is option A's second stage (para 24). Use --stage select to "
                      "propose the 20 again")
    else:
        chosen = "select-20"
        stage_note = ("option A, first stage: none of the children has the seven answers yet, "
                      "so 20 are proposed for the local authority to answer about (paras 22-23)")

    ctx = _Context(data, schemas, day, seed, option, candidates, set(inc), set(exc), notes,
                   prefers, tuple(w for w in requires if w.kind != "id"))
    if chosen == "select-20":
        result = ctx.select_20()
        confirm: list[str] = []
    else:
        result = ctx.track(fields_given, stage_forced=stage == "track")
        confirm = ctx.confirm
    said = unreadable_note(unreadable_cells(data))
    if said:  # the picks cannot rest on these cells: say so, and where
        notes.append(said)
    if ignored:
        notes.append(f"{ignored} other child{'ren' if ignored != 1 else ''} on the lists "
                     f"{'are' if ignored != 1 else 'is'} not flagged CSA-FE and "
                     f"{'were' if ignored != 1 else 'was'} not considered")
    shortlisted = Shortlist(option, chosen, tuple(result[0]), tuple(result[1]), tuple(notes),
                            day, seed, result[2], tuple(confirm), stage_note,
                            errors_note=errors_said or "")
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
    candidates: dict[str, ChildRecord]
    include: set[str]
    exclude: set[str]
    notes: list[str]
    prefers: tuple[_Want, ...] = ()
    requires: tuple[_Want, ...] = ()
    confirm: list[str] = field(default_factory=list)

    def _pick(self, child: ChildRecord, reasons: list[str]) -> Pick:
        extra = [f"preferred (--prefer {w.written})" for w in self.prefers
                 if w.matches(child, self.as_of)]
        extra += [f"warning: {p}" for p in child.problems]
        return Pick(child.child_id, tuple(child.lists), (*reasons, *extra),
                    child.facts(self.as_of, self.schemas))

    def _sorted(self, children: Iterable[ChildRecord]) -> list[ChildRecord]:
        return sorted(children, key=lambda c: (c.child_id, c.key))

    def _too_old(self, child: ChildRecord) -> bool:
        age = child.age(self.as_of)
        return age is not None and age >= 18

    def _preferred(self, child: ChildRecord) -> int:
        return sum(1 for w in self.prefers if w.matches(child, self.as_of))

    def _where_flagged(self, child: ChildRecord) -> str:
        if child.flag_lists:
            return f"flagged CSA-FE on {' and '.join(child.flag_lists)}"
        if child.agencies:
            return "on the " + " and ".join(f"{agency} list" for agency in child.agencies)
        return "not flagged CSA-FE on any list"

    def _required(self, chosen: list[ChildRecord], pool: list[ChildRecord],
                  take: Callable[[list[ChildRecord], list[str]], None]) -> None:
        """Make the selection include a child matching each --require list or age band."""
        for want in self.requires:
            if any(want.matches(c, self.as_of) for c in chosen):
                continue
            matching = [c for c in pool if want.matches(c, self.as_of)]
            if matching:
                take(matching, [f"required: the selection includes {want.words} "
                                f"(--require {want.written})"])
            else:
                self.notes.append(f"--require {want.written}: no child that could be proposed "
                                  f"is {want.words.removeprefix('a child ')}")

    # ---- option A, first stage

    def select_20(self) -> tuple[list[Pick], list[tuple[str, tuple[str, ...]]], int]:
        """Propose 20 CSA-FE children from all the lists (para 22), by jtai's mix rule."""
        picks: list[Pick] = []
        not_picked: list[tuple[str, tuple[str, ...]]] = []
        chooser = _Chooser(_SELECT_DIMS, self.as_of, self.seed, self.candidates)
        pool: list[ChildRecord] = []
        chosen: list[ChildRecord] = []
        for child in self._sorted(self.candidates.values()):
            if child.key in self.exclude:
                not_picked.append((child.child_id, (
                    "excluded by the inspector (--exclude)", self._where_flagged(child))))
            elif child.key in self.include:
                chooser.add(child)
                chosen.append(child)
                reasons = ["included by the inspector (--include or --require)",
                           self._where_flagged(child)]
                if self._too_old(child):
                    reasons.append("note: aged 18 or over; the lists are of children under 18 "
                                   "(para 18)")
                picks.append(self._pick(child, reasons))
            elif self._too_old(child):
                not_picked.append((child.child_id, (
                    "aged 18 or over: the lists are of children under 18 (para 18)",)))
            elif child.agencies:
                chooser.add(child)
                chosen.append(child)
                which = " and ".join(child.agencies)
                picks.append(self._pick(child, [
                    f"on the {which} list: {which} and children's services are both involved "
                    "and there are current or significant CSA-FE concerns (para 21); jtai's "
                    "mix rule proposes every YOT and NPS list child first"]
                    + ([self._where_flagged(child)] if child.flag_lists else [])))
            elif child.flagged:
                pool.append(child)
            else:
                not_picked.append((child.child_id, ("not flagged CSA-FE on any list",)))
        if len(picks) > SELECT_COUNT:
            self.notes.append(f"{len(picks)} children are on the YOT or NPS lists or were "
                              f"included: all are proposed, more than the {SELECT_COUNT} of "
                              "para 22")

        def take(sub: list[ChildRecord], why: list[str]) -> None:
            ranked = max(self._preferred(c) for c in sub)
            child, tied = chooser.best([c for c in sub if self._preferred(c) == ranked])
            pool.remove(child)
            new = chooser.add(child)
            chosen.append(child)
            picks.append(self._pick(child, [*why, *_mix_reason(new, tied, child, chooser,
                                                                self.schemas),
                                            self._where_flagged(child)]))

        self._required(chosen, pool, take)
        # Every list with flagged children is represented (jtai's reading of "from all the
        # lists provided", para 22), before the mix fills the rest.
        for label in sorted({lab for c in pool for lab in c.flag_lists}):
            if len(picks) >= SELECT_COUNT or any(label in c.flag_lists for c in chosen):
                continue
            take([c for c in pool if label in c.flag_lists],
                 [f"jtai's mix rule: the first child flagged on {label}"])
        while pool and len(picks) < SELECT_COUNT:
            take(pool, [])
        # Flagged children not chosen first: they are the ones an inspector may swap in.
        not_picked[:0] = [(child.child_id, (
            _not_among(child, chosen, chooser, self.schemas, SELECT_COUNT),
            self._where_flagged(child))) for child in self._sorted(pool)]
        total = len(picks) + len(pool)
        lists = sorted({lab for c in self.candidates.values() for lab in c.lists})
        if len(picks) < SELECT_COUNT:
            self.notes.append(
                f"only {len(picks)} child{'ren are' if len(picks) != 1 else ' is'} flagged "
                f"CSA-FE or on the YOT/NPS lists (and not excluded) on the lists provided "
                f"({', '.join(lists)}): all are proposed, fewer than the {SELECT_COUNT} of "
                "para 22")
        else:
            self.notes.append(f"proposed {len(picks)} of {total} CSA-FE children, from all the "
                              f"lists provided ({', '.join(lists)}), for the local authority "
                              "to answer the seven additional questions about (paras 22-23)")
        return picks, not_picked, SELECT_COUNT

    # ---- option A second stage, option B

    def _conflicts(self, child: ChildRecord) -> None:
        for role, seen in child.field_lists.items():
            values = {v for _, v in seen}
            if len(values) > 1:
                where = ", ".join(f"{lab} says {v}" for lab, v in seen)
                self.notes.append(
                    f"child '{child.child_id}': field {FIELD_NUMBER[role]} differs ({where}); "
                    f"used {child.fields.get(role)}")

    def track(self, fields_given: bool, *, stage_forced: bool = False
              ) -> tuple[list[Pick], list[tuple[str, tuple[str, ...]]], int]:
        """Propose five to seven children to track; no child is ruled out for a field."""
        picks: list[Pick] = []
        not_picked: list[tuple[str, tuple[str, ...]]] = []
        chooser = _Chooser(_TRACK_DIMS, self.as_of, self.seed, self.candidates)
        pool: list[ChildRecord] = []
        chosen: list[ChildRecord] = []
        outside: list[tuple[str, tuple[str, ...]]] = []
        if not fields_given:
            self.notes.append("none of the children has any of the seven additional answers"
                              + (": under option B they come with the lists for every CSA-FE "
                                 "child (para 26)" if self.option == "B" else "")
                              + "; the picks rest on the CSA-FE flag and jtai's mix rule, and "
                              "the call must confirm everything about them")
        for child in self._sorted(self.candidates.values()):
            self._conflicts(child)
            if child.key in self.exclude:
                not_picked.append((child.child_id, ("excluded by the inspector (--exclude)",)))
            elif child.key in self.include:
                chooser.add(child)
                chosen.append(child)
                picks.append(self._pick(child, ["included by the inspector (--include or "
                                                "--require)", *_relies_on(child, self.schemas)]))
            elif self._too_old(child):
                not_picked.append((child.child_id, (
                    "aged 18 or over: the lists are of children under 18 (para 18)",)))
            elif (self.option == "A" and fields_given and not stage_forced
                  and not child.has_fields and not child.has_field_row):
                outside.append((child.child_id, (
                    "not among the children the local authority answered the seven questions "
                    "about: option A asks them only for the 20 selected (para 23), and the "
                    "five to seven come from those (para 24)",)))
            else:
                pool.append(child)
        target = TRACK_MAX

        def covered(part: str) -> bool:
            return any(_evidence(c)[0 if part == "ma" else 1] for c in chosen)

        def gain(c: ChildRecord) -> int:
            ma, work = _evidence(c)
            return int(bool(ma) and not covered("ma")) + int(bool(work) and not covered("work"))

        def rank(c: ChildRecord) -> tuple[int, int, int]:
            return (_tier(c), -gain(c), -self._preferred(c))

        def take(sub: list[ChildRecord], why: list[str]) -> None:
            best = min(rank(c) for c in sub)
            child, tied = chooser.best([c for c in sub if rank(c) == best], bonus=_field_score)
            pool.remove(child)
            new = chooser.add(child)
            chosen.append(child)
            picks.append(self._pick(child, [*why, *_mix_reason(new, tied, child, chooser,
                                                                self.schemas),
                                            *_relies_on(child, self.schemas),
                                            *_tier_words(child)]))

        self._required(chosen, pool, take)
        # jtai's mix rule: a YOT-known child and an NPS one, from the best tier available.
        for role, text in (("known_to_yot", "jtai's mix rule: the selection includes a child "
                            "known to the YOT (field 3 is Y)"),
                           ("nps_adult", "jtai's mix rule: the selection includes a child "
                            "where the NPS works with a parent or close adult (field 4 is Y)")):
            if len(chosen) >= target or not pool or any(c.fields.get(role) == "Y"
                                                        for c in chosen):
                continue
            best = min(_tier(c) for c in pool)
            sub = [c for c in pool if c.fields.get(role) == "Y" and _tier(c) == best]
            if sub:
                take(sub, [text])
        while pool and len(chosen) < target:
            take(pool, [])
        best_tier = max((_tier(c) for c in chosen), default=0)
        for child in self._sorted(pool):
            near = _closest(child, chosen, chooser, self.schemas)
            if _tier(child) > best_tier:
                why = (f"not picked: its answers show {_tier_text(child)}, and {len(chosen)} "
                       "children whose answers show more were proposed (jtai's mix rule)")
                if near is not None:
                    why += (f"; the pick most like it, child '{near[0].child_id}', shows "
                            f"{_tier_text(near[0])}")
            elif near is None:
                why = f"not picked: its answers show {_tier_text(child)}"
            else:
                rival, same = near
                also = (f" (alike in {len(same)} of {len(chooser.dims)}: {', '.join(same)})"
                        if same else "")
                mine, theirs = _y_answers(child), _y_answers(rival)
                if theirs > mine:
                    edge = f"has more Y answers ({theirs} to this child's {mine})"
                else:
                    edge = (f"has as many Y answers ({theirs}) and added more to the mix of "
                            "statuses and needs when it was picked")
                why = (f"not picked: its answers show {_tier_text(child)}, like those picked; "
                       f"the pick most like it, child '{rival.child_id}'{also}, {edge} "
                       "(jtai's mix rule)")
            not_picked.append((child.child_id, (why, *[f"warning: {p}" for p in
                                                       child.problems])))
        # Children who could be swapped in first, then the rest.
        not_picked = not_picked + outside

        if len(chosen) > TRACK_MAX:
            self.notes.append(f"{len(chosen)} children were included: more than the seven the "
                              "guidance asks for (paras 24, 27)")
        if len(chosen) < TRACK_MIN:
            self.notes.append(
                f"only {len(chosen)} child{'ren' if len(chosen) != 1 else ''} could be proposed: "
                "fewer than the five paras 24 and 27 ask for")
        else:
            self.notes.append(
                f"proposed {len(chosen)} children to track"
                + ("; Annex C asks for seven under option B" if self.option == "B" else ""))
        self.confirm = self._call(chosen)
        return picks, not_picked, target

    def _call(self, chosen: list[ChildRecord]) -> list[str]:
        """What the paras 25/28 phone call must confirm: the selection, then child by child."""
        out = ["the call (paras 25, 28) confirms that the selection includes multi-agency "
               "involvement and current or recent work to address CSA-FE concerns; the local "
               "authority may be asked to review the cases on its recording system"]
        with_ma = [c.child_id for c in chosen if _evidence(c)[0]]
        with_work = [c.child_id for c in chosen if _evidence(c)[1]]
        out.append("multi-agency involvement (field 2 is Y): "
                   + (", ".join(with_ma) if with_ma else "no child picked: the lists show none, "
                      "so the call must find it"))
        out.append("work to address CSA-FE concerns (jtai reads fields 5, 6 and 7): "
                   + (", ".join(with_work) if with_work else "no child picked: the lists show "
                      "none, so the call must find it"))
        for c in chosen:
            out += [f"child '{c.child_id}': {x}" for x in _to_confirm(c)]
            out += [f"child '{c.child_id}': {p}" for p in c.problems]
        return out


def _tier_text(child: ChildRecord) -> str:
    ma, work = _evidence(child)
    if not child.has_fields:
        return "nothing (the seven answers are blank)"
    if ma and work:
        return "both multi-agency involvement and work to address concerns"
    if ma:
        return "multi-agency involvement but no work to address concerns (fields 5, 6, 7)"
    if work:
        return "work to address concerns but not multi-agency involvement (field 2)"
    return "neither multi-agency involvement (field 2) nor work to address concerns (5, 6, 7)"


def _tier_words(child: ChildRecord) -> list[str]:
    if _tier(child) == 0:
        return []
    return [f"the call must confirm: {x}" for x in _to_confirm(child)]
