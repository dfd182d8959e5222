"""What leaders need to know: the children the lists flag, counted and broken down.

The guidance asks whether leaders "know and understand the experiences of children at risk of or
subject to sexual abuse in the family environment, and the prevalence of these issues in their
area" (ESN 35) and asks for management information reports (Annex A 1.2). ``summarise`` reads the
lists and counts *children*, not rows: a child is one child ID (leading zeros ignored) however
many lists and rows they appear on, and is flagged CSA-FE when any list flags them Y. A flag
count is not a prevalence: only one in eight sexually abused children come to the attention of
statutory authorities (para 3), and recording may not identify all cases (para 13).

Which lists are counted, and how, is each list's ``summary:`` block (``schemas/*.yaml``); the
lists that ask the CSA-FE question are those with a ``csa_flag`` column. Small numbers are then
hidden (``disclosure``) and the tables drawn (``html``) or written (``xlsx``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jtai_cli.checked import UnreadableCells, load_checked, unreadable_note
from jtai_cli.checks import age_at
from jtai_cli.children import (
    ADULT,
    AGE_BAND_TOPS,
    AGE_BANDS,
    NOT_RECORDED,
    UNBORN,
    ethnic_groups,
    questions,
)
from jtai_cli.errors import SheetMissing, UsageError
from jtai_cli.model import Dataset, ParsedList
from jtai_cli.parsing import fmt_date
from jtai_cli.schemas import ADDITIONAL_ROLES, ListSchema, SchemaSet, load_schemas

from .disclosure import (
    ANY_LIST,
    HIDDEN,
    PRIMARY,
    PUBLISHED,
    SECONDARY,
    SMALL,
    THRESHOLD,
    hidden_ranges,
    suppress_table,
)
from .results import Snapshot, Summary, SummaryTable

#: The group of the additional fields sheet (the seven answers, ``kind: answers``): not a
#: ``summary:`` group, as its children are counted on the lists they are on.
_ANSWERS = "@answers"
#: The words of the key figure for flagged children of each legal status shown (page top).
_KEY_STATUS = {"CP": "on a CP plan", "CLA": "looked after"}


# --------------------------------------------------------------------------- count tables


@dataclass
class _Counts:
    """A count table before suppression: inner cells, optional totals, rates, chart column."""

    name: str
    title: str
    description: str
    index_name: str
    rows: list[str]
    columns: list[str]
    cells: np.ndarray
    row_total: str | None = None  # name of the totals column
    col_total: str | None = None  # label of the totals row
    rates: list[tuple[str, str, str]] = field(default_factory=list)  # (name, numerator, den)
    chart: str | None = None
    shared: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    #: (name, numerator column): a rate per 10,000 of the area's 0-17 population, if given.
    per_10k: list[tuple[str, str]] = field(default_factory=list)

    def full(self) -> tuple[np.ndarray, list[str], list[str]]:
        """The table with its totals in place, and its row and column labels."""
        full = np.asarray(self.cells, dtype=np.int64).reshape(len(self.rows), len(self.columns))
        rows, cols = list(self.rows), list(self.columns)
        if self.row_total:
            full = np.column_stack([full, full.sum(axis=1)])
            cols.append(self.row_total)
        if self.col_total:
            full = np.vstack([full, full.sum(axis=0)])
            rows.append(self.col_total)
        return full, rows, cols


def _published(counts: _Counts, status: np.ndarray | None,
               ranges: Mapping[tuple[int, int], tuple[int, int]] | None = None,
               population: int | None = None) -> pd.DataFrame:
    full, rows, cols = counts.full()
    if status is None:
        status = np.zeros(full.shape, dtype=np.int8)
    ranges = ranges or {}

    def shown(i: int, j: int) -> object:
        if status[i, j] == PUBLISHED:
            return int(full[i, j])
        if status[i, j] == PRIMARY:
            return SMALL
        r = ranges.get((i, j))
        # A range of large numbers, so that it does not read as a small count.
        return f"{r[0]}-{r[1]}" if r is not None and r[0] >= THRESHOLD else HIDDEN

    data: dict[str, list[object]] = {}
    for j, col in enumerate(cols):
        data[col] = [shown(i, j) for i in range(len(rows))]
    for name, num, den in counts.rates:
        jn = cols.index(num)
        out: list[object] = []
        for i in range(len(rows)):
            if den == "@total":
                dens = [(len(rows) - 1, jn)]
            else:  # one column, or "Yes+No": the sum of several
                dens = [(i, cols.index(d)) for d in den.split("+")]
            base = sum(int(full[c]) for c in dens)
            if status[i, jn] or any(status[c] for c in dens):
                out.append(HIDDEN)
            elif base == 0:
                out.append(None)
            else:
                out.append(round(100 * float(full[i, jn]) / float(base), 1))
        data[name] = out
    if population:
        for name, num in counts.per_10k:
            jn = cols.index(num)
            data[name] = [HIDDEN if status[i, jn] else
                          round(10_000 * float(full[i, jn]) / population, 1)
                          for i in range(len(rows))]
    frame = pd.DataFrame(data, index=pd.Index(rows, name=counts.index_name), dtype=object)
    return frame


def _suppress_all(tables: Sequence[_Counts]) -> list[np.ndarray]:
    """Suppress each table; a total hidden in one table is hidden in every table that shows it."""
    forced: set[tuple[str, ...]] = set()
    while True:
        statuses = []
        for t in tables:
            full, _, _ = t.full()
            force = np.zeros(full.shape, dtype=bool)
            avoid = np.zeros(full.shape, dtype=bool)
            for cell, key in t.shared.items():
                avoid[cell] = True
                force[cell] = key in forced
            statuses.append(suppress_table(full, row_totals=bool(t.row_total),
                                           col_totals=bool(t.col_total), force=force,
                                           avoid=avoid))
        hidden = {key for t, st in zip(tables, statuses, strict=True)
                  for cell, key in t.shared.items() if st[cell]}
        if hidden <= forced:
            return statuses
        forced |= hidden


def _ranges_all(tables: Sequence[_Counts], statuses: Sequence[np.ndarray | None]
                ) -> list[dict[tuple[int, int], tuple[int, int]]]:
    """Each table's hidden ranges; a total shown in several tables gets one range in all.

    Each table's range is what a reader can work out from that table, so their intersection
    is too: showing it everywhere discloses nothing more and keeps the tables agreeing.
    """
    out: list[dict[tuple[int, int], tuple[int, int]]] = []
    by_key: dict[tuple[str, ...], tuple[int, int]] = {}
    for t, st in zip(tables, statuses, strict=True):
        if st is None:
            out.append({})
            continue
        full, _, _ = t.full()
        rg = hidden_ranges(full, st, row_totals=bool(t.row_total), col_totals=bool(t.col_total))
        out.append(rg)
        for cell, key in t.shared.items():
            if st[cell] == SECONDARY:
                lo, hi = rg.get(cell, (0, 10**12))
                old = by_key.get(key, (0, 10**12))
                by_key[key] = (max(lo, old[0]), min(hi, old[1]))
    for t, st, rg in zip(tables, statuses, out, strict=True):
        if st is None:
            continue
        for cell, key in t.shared.items():
            if st[cell] == SECONDARY:
                lo, hi = by_key[key]
                if hi < 10**12 and lo < hi:
                    rg[cell] = (lo, hi)
                else:
                    rg.pop(cell, None)
    return out


# --------------------------------------------------------------------------- reading snapshots


@dataclass(frozen=True)
class _Group:
    """Lists counted as one in the summary, as their schemas' ``summary:`` blocks say."""

    key: str
    names: tuple[str, ...]
    label: str
    journey: str
    rank: int
    #: ``journey`` (children's social care) or ``status`` (another agency's cases).
    kind: str
    #: Whether its lists ask the CSA-FE question (a column with the ``csa_flag`` role).
    flag: bool
    legal_status: str | None
    list_number: int | None


def _groups(schemas: SchemaSet) -> dict[str, _Group]:
    """Every summary group of the schemas: journey groups in list order, then status groups."""
    found: dict[str, list[ListSchema]] = {}
    for schema in schemas.lists.values():  # already in list order
        if schema.summary is not None:
            found.setdefault(schema.summary.group, []).append(schema)
    out: list[_Group] = []
    for key, members in found.items():
        first = members[0].summary
        assert first is not None
        out.append(_Group(
            key, tuple(m.name for m in members), first.label, first.journey, first.rank,
            first.kind, any(m.by_role("csa_flag") is not None for m in members),
            next((m.legal_status for m in members if m.legal_status), None),
            next((m.list_number for m in members if m.list_number is not None), None)))
    out.sort(key=lambda g: g.kind != "journey")  # stable: list order within each kind
    return {g.key: g for g in out}


def _group_of(schema: ListSchema) -> str | None:
    """The summary group a list is counted in; the answers sheet is a group of its own."""
    if schema.summary is not None:
        return schema.summary.group
    return _ANSWERS if schema.kind == "answers" else None


def _by_status(groups: Mapping[str, _Group], status: str) -> _Group | None:
    """The group of the lists that give this legal status (CIN, CP, CLA)."""
    return next((g for g in groups.values() if g.legal_status == status), None)


def _numbers_words(numbers: Sequence[int]) -> str:
    """ "4 to 8" for a run of list numbers, else "4, 6 and 8"."""
    nums = sorted(set(numbers))
    if len(nums) > 2 and nums == list(range(nums[0], nums[-1] + 1)):
        return f"{nums[0]} to {nums[-1]}"
    head = ", ".join(str(n) for n in nums[:-1])
    return f"{head} and {nums[-1]}" if head else (str(nums[0]) if nums else "")


def _flag_lists(groups: Mapping[str, _Group]) -> str:
    """The lists that ask the CSA-FE question, in words: "lists 4 to 8"."""
    flagged = [g for g in groups.values() if g.flag]
    numbers = [g.list_number for g in flagged if g.list_number is not None]
    if numbers and len(numbers) == len(flagged):
        return ("list " if len(set(numbers)) == 1 else "lists ") + _numbers_words(numbers)
    return "the lists that ask the CSA-FE question"


def _flag_row(groups: Mapping[str, _Group]) -> str:
    """The row of the table by list counting each child on those lists once."""
    words = _flag_lists(groups)
    return f"{words[:1].upper()}{words[1:]}, each child once"


@dataclass
class _Snap:
    snapshot: Snapshot
    groups: dict[str, list[ParsedList]]
    children: pd.DataFrame  # one row per child key
    schemas: SchemaSet
    meta: dict[str, _Group]


def _series(pl: ParsedList, role: str) -> pd.Series:
    col = pl.schema.by_role(role)
    if col is None or col.header not in pl.positions:
        return pd.Series([None] * len(pl.typed), dtype=object)
    s = pl.typed[col.header]
    if s.dtype == object:
        return s.where(s.notna(), None)
    return s.reset_index(drop=True)


def _children(groups: dict[str, list[ParsedList]], meta: Mapping[str, _Group],
              days: Mapping[tuple[str, str], dt.date] | None = None) -> pd.DataFrame:
    """One row per child: flagged?, on which lists, and their details from their main list.

    ``days``: the day each list's ages are counted at (``Dataset.age_day``, by file and
    sheet), so a child's age band is counted on the extraction of the list it comes from.
    """
    days = days or {}
    parts = []
    answers = []
    sampled: set[object] = set()
    for group, lists in groups.items():
        for pl in lists:
            keys = pl.keys
            frame = pd.DataFrame({
                "key": keys.to_numpy(dtype=object),
                "rank": meta[group].rank if group in meta else 99,
                "group": group,
                "start": pd.to_datetime(_series(pl, "start_date"), errors="coerce").to_numpy(),
                "gender": _series(pl, "gender").to_numpy(dtype=object),
                "ethnicity": _series(pl, "ethnicity").to_numpy(dtype=object),
                "dob": pd.to_datetime(_series(pl, "date_of_birth"), errors="coerce").to_numpy(),
                "edd": pd.to_datetime(_series(pl, "expected_date_of_birth"),
                                      errors="coerce").to_numpy(),
                "age": _series(pl, "age").astype("Int64").array,
                "disability": _series(pl, "disability").to_numpy(dtype=object),
                "team": _series(pl, "team").to_numpy(dtype=object),
                "flag": _series(pl, "csa_flag").to_numpy(dtype=object),
                "day": pd.Timestamp(days[(pl.file, pl.sheet)]) if (pl.file, pl.sheet) in days
                else pd.NaT,
            })
            parts.append(frame)
            extra = {role: _series(pl, role).to_numpy(dtype=object) for role in ADDITIONAL_ROLES
                     if (c := pl.schema.by_role(role)) is not None and c.header in pl.positions}
            if extra:
                answers.append(pd.DataFrame({"key": keys.to_numpy(dtype=object), **extra}))
            if group == _ANSWERS:
                sampled.update(k for k in keys.dropna())
    if not parts:
        return pd.DataFrame()
    long = pd.concat(parts, ignore_index=True)
    long = long[long["key"].notna()]
    long = long.sort_values(["rank", "start"], ascending=[True, False], kind="stable",
                            na_position="last")
    attrs = ["gender", "ethnicity", "dob", "edd", "age", "disability", "team", "day"]
    out = long.groupby("key", sort=True)[attrs].first()
    out["flagged"] = False
    out.loc[list(set(long.loc[long["flag"] == "Y", "key"])), "flagged"] = True
    for group in groups:
        out["on_" + group] = out.index.isin(set(long.loc[long["group"] == group, "key"]))
    for role in ADDITIONAL_ROLES:
        got = pd.concat([a[["key", role]] for a in answers if role in a], ignore_index=True) \
            if any(role in a for a in answers) else None
        if got is None:
            continue
        got = got[got["key"].notna()]
        yes = set(got.loc[got[role] == "Y", "key"])
        no = set(got.loc[got[role] == "N", "key"])
        out["q_" + role] = np.where(out.index.isin(yes), "Yes",
                                    np.where(out.index.isin(no), "No", NOT_RECORDED))
    # Option A: the children on the additional fields sheet, the inspector's sample; without
    # such a sheet, the children with any of the seven answers (only the sample is asked).
    answered = pd.Series(False, index=out.index)
    for role in ADDITIONAL_ROLES:
        if "q_" + role in out:
            answered |= out["q_" + role] != NOT_RECORDED
    out["sampled"] = out.index.isin(sampled) if sampled else answered
    return out


def _load_snapshots(
    inputs: Sequence[str | Path], as_of: dt.date | None, schemas: SchemaSet
) -> tuple[list[_Snap], list[str]]:
    notes: list[str] = []
    by_day: dict[dt.date, list[Dataset]] = {}
    unreadable: list[UnreadableCells] = []
    for path in inputs:
        # Each file on its own: it is a snapshot, dated by its own titles.
        checked = load_checked(path, as_of=as_of, schemas=schemas)
        data = checked.dataset
        unreadable += checked.unreadable
        said = checked.errors_note(str(path) if len(inputs) > 1 else "")
        if said:
            notes.append(said)
        if as_of is None and data.list_as_of and not data.as_of_exact:
            notes.append(f"{path}: the lists were extracted on different days, so each child's "
                         "age is counted on the extraction of the list it comes from "
                         f"({data.as_of_source}); use --as-of to set one date")
        elif as_of is None and not data.as_of_exact:
            notes.append(f"{path}: no 'data as at' date in the sheet titles, so counted as at "
                         f"{fmt_date(data.as_of)} ({data.as_of_source}); use --as-of to set it")
        if not data.lists:
            raise SheetMissing("no sheet holds a JTAI list (contacts, referrals, assessments, "
                               "section 47, lists 6-8, YOT, NPS): nothing to summarise",
                               file=path)
        by_day.setdefault(data.as_of, []).append(data)
    said = unreadable_note(unreadable)
    if said:
        notes.append(said)
    meta = _groups(schemas)
    snaps = []
    for day in sorted(by_day):
        datasets = by_day[day]
        groups: dict[str, list[ParsedList]] = {}
        unsummarised: set[str] = set()
        for data in datasets:
            for pl in data.lists:
                group = _group_of(pl.schema)
                if group is not None:
                    groups.setdefault(group, []).append(pl)
                elif pl.schema.kind == "case":
                    unsummarised.add(pl.schema.title)
        files = tuple(f for d in datasets for f in d.files)
        if unsummarised:
            notes.append(f"{', '.join(sorted(unsummarised))}: read but not counted, as "
                         f"{'its schema has' if len(unsummarised) == 1 else 'their schemas have'}"
                         " no summary: block (schemas/README.md)")
        if len(datasets) > 1:
            twice = sorted({_label(g, meta) for g, lists in groups.items()
                            if len({pl.file for pl in lists}) > 1})
            if twice:
                notes.append(f"{', '.join(files)} are all dated {fmt_date(day)} and more than one "
                             f"holds {', '.join(twice)}: they were counted as one snapshot "
                             "(each child once). To compare snapshots, give each file its own "
                             "'data as at' date in its titles.")
        sources = {d.as_of_source for d in datasets}
        source = sources.pop() if len(sources) == 1 else "several"
        groups = {g: groups[g] for g in [*meta, _ANSWERS] if g in groups}
        days = {(pl.file, pl.sheet): d.age_day(pl) for d in datasets for pl in d.lists}
        snaps.append(_Snap(Snapshot(day, source, files), groups, _children(groups, meta, days),
                           schemas, meta))
    return snaps, notes


def _label(group: str, meta: Mapping[str, _Group]) -> str:
    return meta[group].label if group in meta else "additional fields"


# --------------------------------------------------------------------------- the tables


def _age_band(children: pd.DataFrame, as_of: dt.date) -> pd.Series:
    dob = pd.to_datetime(children["dob"])
    age = children["age"].astype("Float64")
    edd = pd.to_datetime(children["edd"])
    # Each child's age on the day its list was extracted (``Dataset.age_day``), else as_of.
    day = (pd.to_datetime(children["day"]) if "day" in children
           else pd.Series(pd.NaT, index=children.index, dtype="datetime64[ns]")
           ).fillna(pd.Timestamp(as_of))
    born = dob.notna() & (dob <= day)
    unborn = (dob.notna() & (dob > day)) | (
        dob.isna() & ((age == -1).fillna(False) | (age.isna() & edd.notna())))
    years = age_at(dob, day).astype("Float64").where(born, age)
    years = years.where(~unborn)
    y = years.to_numpy(dtype="float64", na_value=np.nan)
    # The bands of ``children.age_band``, vectorised; a negative age that is not an unborn
    # child's -1 is not a recorded age.
    band = np.select(
        [unborn.to_numpy(dtype=bool), np.isnan(y), y < 0,
         *(y < top + 1 for top, _ in AGE_BAND_TOPS)],
        [UNBORN, NOT_RECORDED, NOT_RECORDED, *(name for _, name in AGE_BAND_TOPS)],
        default=ADULT)
    return pd.Series(band, index=children.index)


def _code_label(schemas: SchemaSet, code_list: str) -> Callable[[object], str]:
    codes = schemas.codes.get(code_list)

    def label(value: object) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return NOT_RECORDED
        text = str(value)
        if codes is None:
            return text
        name = codes.means(text)
        m = re.match(r"^([A-Z]\d{1,2})\b", text)
        return f"{name} ({m.group(1)})" if m and m.group(1) not in name else name
    return label


def _breakdown(
    name: str, title: str, description: str, index_name: str, category: pd.Series,
    flagged: pd.Series, order: Sequence[str], *, population: str, total_label: str,
    keep_empty: bool = True,
) -> _Counts:
    cats = category.astype(object)
    seen = [c for c in pd.unique(cats) if c not in order]
    rows = [c for c in order if keep_empty or (cats == c).any()]
    rows += sorted((c for c in seen if c != NOT_RECORDED), key=str.casefold)
    if NOT_RECORDED in seen and NOT_RECORDED not in rows:
        rows.append(NOT_RECORDED)
    cells = np.array([[int(((cats == r) & flagged).sum()), int(((cats == r) & ~flagged).sum())]
                      for r in rows], dtype=np.int64).reshape(len(rows), 2)
    n = len(rows)
    return _Counts(
        name, title, description, index_name, [str(r) for r in rows], ["Flagged", "Not flagged"],
        cells, row_total="Children", col_total=total_label,
        rates=[("% flagged", "Flagged", "Children")], chart="Flagged",
        shared={(n, 0): (population, "flagged"), (n, 1): (population, "not"),
                (n, 2): (population, "all")},
    )


def _tables(snap: _Snap, option: str | None = None, population: int | None = None
            ) -> tuple[list[_Counts], list[str]]:
    ch, as_of, schemas = snap.children, snap.snapshot.as_of, snap.schemas
    notes: list[str] = []
    tables: list[_Counts] = []
    if ch.empty:
        return tables, ["no child IDs were found on the lists"]
    flagged = ch["flagged"]
    meta = snap.meta
    journey = [g for g in meta.values() if g.kind == "journey"]
    present = [g for g in meta.values() if g.key in snap.groups]
    missing = [g.label for g in journey if g.key not in snap.groups]
    flag_words = _flag_lists(meta)
    unasked = [g.list_number for g in journey if not g.flag and g.list_number is not None]
    if missing:
        notes.append(f"Not in the input as at {fmt_date(as_of)}: {', '.join(missing)}; "
                     "their rows are left out of the tables")
    flag_groups = [g.key for g in meta.values() if g.flag and g.key in snap.groups]
    on_flag_lists = ch[[f"on_{g}" for g in flag_groups]].any(axis=1) if flag_groups \
        else pd.Series(False, index=ch.index)
    on_journey = [f"on_{g.key}" for g in journey if g.key in snap.groups]
    any_list = ch[on_journey].any(axis=1) if on_journey else pd.Series(False, index=ch.index)

    # Per list: children on it, flagged or not.
    rows: list[str] = []
    cells: list[list[int]] = []
    shared: dict[tuple[int, int], tuple[str, ...]] = {}
    for group in journey:
        g = group.key
        if g not in snap.groups:
            continue
        on = ch[f"on_{g}"]
        i = len(rows)
        rows.append(group.label)
        cells.append([int((on & flagged).sum()), int((on & ~flagged).sum())])
        shared.update({(i, 0): (g, "flagged"), (i, 1): (g, "not"), (i, 2): (g, "all")})
    if flag_groups:
        i = len(rows)
        rows.append(_flag_row(meta))
        cells.append([int((on_flag_lists & flagged).sum()), int((on_flag_lists & ~flagged).sum())])
        shared.update({(i, 0): ("flag_lists", "flagged"), (i, 1): ("flag_lists", "not"),
                       (i, 2): ("flag_lists", "all")})
    if rows:
        i = len(rows)
        rows.append(ANY_LIST)
        cells.append([int((any_list & flagged).sum()), int((any_list & ~flagged).sum())])
        shared.update({(i, 0): ("flag_lists", "flagged")})
        tables.append(_Counts(
            "by_list", "Children flagged at risk of or subject to CSA-FE, by list",
            "Children, not rows: a child on a list several times counts once. A child is flagged "
            "when any list flags them Y"
            + (f" ({'list' if len(unasked) == 1 else 'lists'} {_numbers_words(unasked)} "
               f"{'does' if len(unasked) == 1 else 'do'} not ask the question, so their "
               "children count as flagged when another list flags them)." if unasked else "."),
            "List", rows, ["Flagged", "Not flagged"], np.array(cells, dtype=np.int64),
            row_total="Children", rates=[("% flagged", "Flagged", "Children")], chart="Flagged",
            shared=shared,
            per_10k=[("Flagged per 10,000 children", "Flagged"),
                     ("Children per 10,000 children", "Children")]))
        if population:
            tables[-1].description += (
                f" Rates per 10,000 children divide by the area's 0-17 population given: "
                f"{population:,}.")

    # Breakdowns of the children on the lists that ask the CSA-FE question (4 to 8).
    if flag_groups:
        pop = ch[on_flag_lists]
        fl = pop["flagged"]
        total = f"All children on {flag_words}"
        where = (f"Children on {flag_words} (the lists that ask the CSA-FE question), each "
                 "counted once; ")
        tables.append(_breakdown(
            "by_age", "By age band", where + "age at " + fmt_date(as_of) + " from the date of "
            "birth (or the age column when there is none).", "Age band", _age_band(pop, as_of),
            fl, AGE_BANDS, population="flag_lists", total_label=total))
        gender = _code_label(schemas, "gender")
        tables.append(_breakdown(
            "by_gender", "By gender", where + "as recorded on the child's main list.", "Gender",
            pop["gender"].map(gender), fl,
            [gender(v) for v in schemas.codes["gender"].values] if "gender" in schemas.codes
            else [], population="flag_lists", total_label=total))
        ethnic = ethnic_groups(schemas)
        tables.append(_breakdown(
            "by_ethnicity", "By ethnicity group", where + "the template's grouped categories "
            "(refused, not obtained and blank are counted together).", "Ethnicity group",
            pop["ethnicity"].map(ethnic.of), fl, ethnic.names,
            population="flag_lists", total_label=total))
        disability = _code_label(schemas, "annex_yes_no_unknown")
        tables.append(_breakdown(
            "by_disability", "By disability", where + "'Does the child have a disability'.",
            "Disability", pop["disability"].map(disability), fl,
            ["Yes", "No", "Unknown"], population="flag_lists", total_label=total))
        tables.append(_breakdown(
            "by_team", "By allocated team", where + "the team on the child's main list (looked "
            "after, then CP plan, then child in need, then S47, then assessment).",
            "Allocated team", pop["team"].map(lambda v: v.strip() if isinstance(v, str) and
                                               v.strip() else NOT_RECORDED), fl, [],
            population="flag_lists", total_label=total))
    else:
        notes.append(f"None of {flag_words} is in the input, so no list asks the CSA-FE "
                     "question: no child can be counted as flagged")

    tables += _list_tables(snap)

    # Journey: of the flagged children, how many on each list.
    if flag_groups:
        n_flagged = int(flagged.sum())
        rows, cells, shared = [], [], {}
        for group in present:
            g = group.key
            i = len(rows)
            yes = int((ch[f"on_{g}"] & flagged).sum())
            rows.append(group.journey)
            cells.append([yes, n_flagged - yes])
            shared.update({(i, 0): (g, "flagged"), (i, 2): ("flag_lists", "flagged")})
        tables.append(_Counts(
            "journey", "Journey of flagged children across the lists",
            "Of the children flagged at risk of or subject to CSA-FE, how many are on each "
            "list. A child can be on several lists, so the rows overlap and do not add up.",
            "Of the flagged children", rows, ["Yes", "No"], np.array(cells, dtype=np.int64),
            row_total="Flagged children", rates=[("% of flagged children", "Yes",
                                                  "Flagged children")],
            chart="Yes", shared=shared))

        asked_roles = [r for r in ADDITIONAL_ROLES if f"q_{r}" in ch]
        if asked_roles:
            if option is None:
                option, said = _read_option(ch, snap)
                notes.append(said)
            sample = option == "A"
            asked = flagged & (ch["sampled"] if sample else True)
            fch = ch[asked]
            wording = questions(schemas)
            rows = [wording[r].label for r in asked_roles]
            cells = [[int((fch[f"q_{r}"] == a).sum()) for a in ("Yes", "No", NOT_RECORDED)]
                     for r in asked_roles]
            if sample:
                base = ("Option A: the children asked are the inspector's sample of 20 (para "
                        "22), chosen for a mix of cases, not at random. These figures describe "
                        "that sample, not how common these answers are among the area's CSA-FE "
                        "children.")
                shared = {}
            else:
                base = ("Option B: every child flagged CSA-FE is asked (para 26).")
                shared = {(i, 3): ("flag_lists", "flagged") for i in range(len(rows))}
            tables.append(_Counts(
                "additional", "What the seven additional fields say",
                base + " '% yes' is of the children who were asked and answered that question "
                "(Y or N); 'Not recorded' (asked, but no answer) is shown and is not counted "
                "as no.",
                "Question", rows, ["Yes", "No", NOT_RECORDED], np.array(cells, dtype=np.int64),
                row_total="Children asked",
                rates=[("% yes of those answering", "Yes", "Yes+No")], chart="Yes",
                shared=shared))
            if sample and not len(fch):
                notes.append("Option A: no flagged child is on an additional fields sheet, so "
                             "no child counts as asked the seven questions")
    return tables, notes


#: Annex C: under option A the lead inspector asks about "up to 20" children (para 22: 20).
_SAMPLE = 20


def _read_option(ch: pd.DataFrame, snap: _Snap) -> tuple[str, str]:
    """Option A or B, read from whom the seven answers cover, with the sentence that says so.

    Option A asks the seven questions about the lead inspector's sample of up to 20 flagged
    children (para 22, Annex C); option B about every flagged child (para 26), on the lists or on
    jtai's option B additional fields sheet. The answers are read as option A only when at most
    20 children have them and some flagged child has none; otherwise as option B.
    """
    flagged = ch["flagged"]
    asked = ch["sampled"]
    n_asked = int((asked & flagged).sum())
    left = int((flagged & ~asked).sum())
    where = ("an additional fields sheet" if _ANSWERS in snap.groups
             else "the lists, beside each child")
    if int(asked.sum()) <= _SAMPLE and left:
        return "A", (f"Read as option A: the seven answers, on {where}, cover {n_asked} of the "
                     f"{int(flagged.sum())} flagged children (up to 20 are asked, para 22). "
                     "Give --option B if every flagged child was asked.")
    return "B", (f"Read as option B: the seven answers, on {where}, cover {n_asked} of the "
                 f"{int(flagged.sum())} flagged children (para 26 asks about every one). "
                 "Give --option A if they are the lead inspector's sample.")


def _list_rows(snap: _Snap, group: str) -> pd.DataFrame:
    """The rows of one list group, one per child (their latest episode), with their keys."""
    frames = []
    for pl in snap.groups.get(group, []):
        t = pl.typed.reset_index(drop=True).copy()
        t["__key"] = pl.keys.to_numpy(dtype=object)
        start = pl.schema.by_role("start_date")
        t["__start"] = t[start.header] if start else pd.NaT
        t["__schema"] = pl.schema.name
        frames.append(t)
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["__key"].notna()].sort_values("__start", ascending=False,
                                                  na_position="last", kind="stable")
    return rows


def _role_value(snap: _Snap, group: str, role: str, rows: pd.DataFrame) -> pd.Series:
    values = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    for pl in snap.groups.get(group, []):
        col = pl.schema.by_role(role)
        if col is None:
            continue
        mask = rows["__schema"] == pl.schema.name
        values[mask] = rows.loc[mask, col.header].astype(object)
    return values.where(values.notna(), None)


def _list_tables(snap: _Snap) -> list[_Counts]:
    """Tables of one list each: list 8 by legal status, list 6 by need, list 7 by category.

    The lists are found by the legal status their schemas give (CLA, CIN, CP).
    """
    ch, schemas = snap.children, snap.schemas
    out: list[_Counts] = []
    cla, cin, cp = (_by_status(snap.meta, status) for status in ("CLA", "CIN", "CP"))

    def number(group: _Group) -> str:
        return f"list {group.list_number}" if group.list_number is not None else group.label

    rows = _list_rows(snap, cla.key) if cla is not None else pd.DataFrame()
    if cla is not None and len(rows):
        rows["__legal"] = _role_value(snap, cla.key, "legal_status", rows)
        per_child = rows.groupby("__key", sort=False).first()
        out.append(_breakdown(
            "legal_status", f"Children in care by legal status ({number(cla)})",
            f"Children on {number(cla)}, by their legal status (latest period of care).",
            "Legal status", per_child["__legal"].map(_code_label(schemas, "legal_status")),
            ch.loc[per_child.index, "flagged"], [], population=cla.key,
            total_label=f"All children on {number(cla)}", keep_empty=False))

    rows = _list_rows(snap, cin.key) if cin is not None else pd.DataFrame()
    if cin is not None and len(rows):
        rows["__need"] = _role_value(snap, cin.key, "need", rows)
        per_child = rows.groupby("__key", sort=False).first()
        label = _code_label(schemas, "primary_need")
        order = [label(v) for v in schemas.codes["primary_need"].values] \
            if "primary_need" in schemas.codes else []
        out.append(_breakdown(
            "primary_need", f"Children in need by primary need ({number(cin)})",
            f"Children on {number(cin)}, by primary need code (latest CIN episode).",
            "Primary need", per_child["__need"].map(label), ch.loc[per_child.index, "flagged"],
            order, population=cin.key, total_label=f"All children on {number(cin)}",
            keep_empty=False))

    rows = _list_rows(snap, cp.key) if cp is not None else pd.DataFrame()
    if cp is not None and len(rows):
        latest = _role_value(snap, cp.key, "category_of_abuse", rows)
        initial = pd.Series([None] * len(rows), index=rows.index, dtype=object)
        for pl in snap.groups[cp.key]:
            cols = [c for c in pl.schema.columns if c.code_list_name == "category_of_abuse"
                    and c.role != "category_of_abuse"]
            if cols:
                mask = rows["__schema"] == pl.schema.name
                initial[mask] = rows.loc[mask, cols[0].header].astype(object)
        sexual = "c) Sexual abuse"
        if "category_of_abuse" in schemas.codes:
            sexual = next((v for v in schemas.codes["category_of_abuse"].values
                           if "sexual" in v.lower()), sexual)
        rows["__latest"] = latest
        rows["__sa_latest"] = latest == sexual
        rows["__sa_initial"] = initial.where(initial.notna(), None) == sexual
        rows["__recorded"] = latest.notna() | initial.notna()
        per = rows.groupby("__key", sort=False).agg(
            latest=("__latest", "first"), sa_latest=("__sa_latest", "any"),
            sa_initial=("__sa_initial", "any"), recorded=("__recorded", "any"))
        label = _code_label(schemas, "category_of_abuse")
        order = [label(v) for v in schemas.codes["category_of_abuse"].values] \
            if "category_of_abuse" in schemas.codes else []
        fl = ch.loc[per.index, "flagged"]
        out.append(_breakdown(
            "category_of_abuse",
            f"Child protection plans by latest category of abuse ({number(cp)})",
            f"Children on {number(cp)}, by the latest category of abuse of their plan.",
            "Latest category of abuse", per["latest"].map(label), fl, order,
            population=cp.key, total_label=f"All children on {number(cp)}"))
        f = per[fl.to_numpy(dtype=bool)]
        kinds = [
            ("Sexual abuse is the latest category", f["sa_latest"]),
            ("Sexual abuse was the initial category only", ~f["sa_latest"] & f["sa_initial"]),
            ("Neither the initial nor the latest category is sexual abuse",
             ~f["sa_latest"] & ~f["sa_initial"] & f["recorded"]),
            ("Category not recorded", ~f["recorded"]),
        ]
        kinds = [(k, m) for k, m in kinds if k != "Category not recorded" or m.any()]
        out.append(_Counts(
            "sexual_abuse_category", "Do the CP plans of flagged children say sexual abuse?",
            f"Flagged children on a child protection plan ({number(cp)}): how many plans carry the "
            "sexual abuse category, as latest or initial category, and how many do not. List 7 "
            "gives only a plan's initial and latest categories, so a plan may have carried "
            "sexual abuse in between; the lists do not say why a plan carries another category.",
            "Category of abuse", [k for k, _ in kinds], ["Flagged children"],
            np.array([[int(m.sum())] for _, m in kinds], dtype=np.int64).reshape(len(kinds), 1),
            col_total="All flagged children on a CP plan",
            rates=[("% of them", "Flagged children", "@total")], chart="Flagged children",
            shared={(len(kinds), 0): (cp.key, "flagged")}))
    return out


def _trend(snaps: Sequence[_Snap], published: Sequence[dict[str, SummaryTable]]) -> SummaryTable:
    """Each snapshot's published per-list figures side by side, oldest first."""
    columns = [fmt_date(s.snapshot.as_of) for s in snaps]
    # The lists of other agencies' cases (YOT, NPS) are in the journey table only.
    others = {g.journey for g in snaps[-1].meta.values() if g.kind == "status"}
    measures: dict[str, list[object]] = {}

    def put(label: str, k: int, value: object) -> None:
        measures.setdefault(label, [None] * len(snaps))[k] = value

    for k, tables in enumerate(published):
        by_list = tables.get("by_list")
        if by_list is not None:
            for label, row in by_list.frame.iterrows():
                put(f"Flagged children: {label}", k, row["Flagged"])
        journey = tables.get("journey")
        if journey is not None:
            for label, row in journey.frame.iterrows():
                if label in others:
                    put(f"Flagged children: {label}", k, row["Yes"])
        if by_list is not None:
            for label, row in by_list.frame.iterrows():
                put(f"% flagged: {label}", k, row["% flagged"])
    frame = pd.DataFrame.from_dict(measures, orient="index", columns=columns, dtype=object)
    frame.index.name = "Measure"
    return SummaryTable(
        "trend", "Trend across snapshots",
        "The same published figures for each snapshot, oldest first, dated by each file's 'data "
        "as at' title. A blank means the list was not in that snapshot.",
        frame, chart="Flagged children", kind="trend")


def summarise(
    inputs: str | Path | Sequence[str | Path],
    *,
    as_of: dt.date | None = None,
    suppress: bool = True,
    schemas: SchemaSet | None = None,
    option: str | None = None,
    population: int | None = None,
) -> Summary:
    """Count the children flagged CSA-FE, break them down, and follow them across the lists.

    Each input file is read on its own and dated by the "data as at" date in its sheet titles;
    files with the same date are one snapshot (e.g. one list per CSV). The tables describe the
    latest snapshot; with several snapshots a ``trend`` table compares them.

    Args:
        inputs: workbooks or CSV files; several dated workbooks are snapshots over time.
        as_of: the date of every input (ages are counted at it); default: each file's own
            "data as at" date, or today when it has none.
        suppress: hide counts of 1 to 4 ("<5") and whatever would let them be worked out
            ("[c]"), as UK official statistics do. Turn off only for internal use.
        schemas: the list schemas to use (default: the shipped ones).
        option: "A" or "B" (Annex C), for the base of the seven answers' "% yes": under A the
            inspector's sample of up to 20, under B every flagged child. Default: read from
            whom the answers cover (A only when at most 20 children have answers and some
            flagged child has none), said in the notes.
        population: the area's 0-17 population (e.g. a published mid-year estimate): adds
            rates per 10,000 children to the table by list, with the base stated.

    Returns:
        The tables (``summary["by_age"]`` is a DataFrame), ready for ``to_html``,
        ``to_xlsx`` or ``to_dict``.

    Raises:
        JtaiError: a file cannot be used, or holds no JTAI list.

    Example:
        >>> summary = summarise("examples/lists_clean.xlsx")  # doctest: +SKIP
        >>> summary["by_list"].loc["List 7: Child protection plans", "Flagged"]  # doctest: +SKIP
        12
        >>> summary.write_html("summary.html")  # doctest: +SKIP
    """
    if option not in (None, "A", "B"):
        raise UsageError(f"option must be A or B (Annex C), not {option!r}")
    if population is not None and population <= 0:
        raise UsageError("--population is the area's 0-17 population: a whole number above 0")
    schemas = schemas or load_schemas()
    paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    if not paths:
        raise SheetMissing("no input files given: nothing to summarise")
    snaps, notes = _load_snapshots(paths, as_of, schemas)
    if population:
        notes.append(f"Rates per 10,000 children use the 0-17 population given with "
                     f"--population: {population:,}, for every snapshot")
    published: list[dict[str, SummaryTable]] = []
    for snap in snaps:
        counts, snap_notes = _tables(snap, option, population)
        statuses = _suppress_all(counts) if suppress else [None] * len(counts)
        ranges = _ranges_all(counts, statuses)
        tables = {}
        for c, st, rg in zip(counts, statuses, ranges, strict=True):
            total = c.col_total
            tables[c.name] = SummaryTable(c.name, c.title, c.description,
                                          _published(c, st, rg, population),
                                          chart=c.chart, total_row=total)
        published.append(tables)
        if snap is snaps[-1]:
            notes += snap_notes
    tables = dict(published[-1])
    if len(snaps) > 1:
        tables["trend"] = _trend(snaps, published)
    meta = snaps[-1].meta
    highlights = tuple((g.label, words) for status, words in _KEY_STATUS.items()
                       if (g := _by_status(meta, status)) is not None)
    return Summary(tuple(s.snapshot for s in snaps), tables, suppress, tuple(notes),
                   highlights, _flag_row(meta))
