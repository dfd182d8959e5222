"""Pick rows out of the lists: CSA-FE children, open or closed cases, recent activity, a team.

``filter_lists`` reads the lists as ``validate`` does and writes the rows that meet every
criterion given, to an .xlsx in the standard layout or to one CSV. It never invents or changes a
row: every row written is a row of the input, with its values in canonical form.

Criteria come in two kinds:

- about the *child* (``csa_only``, ``ids``): a child qualifies on any list, and their rows on
  every chosen list follow them. This is how a child's contacts and referrals, which carry no
  CSA-FE flag, are picked for a child flagged on list 4, 5, 6, 7 or 8 (the flag is matched by
  child ID, leading zeros ignored).
- about the *row* (``open_only``, ``closed_only``, ``within``, ``team``): they apply to lists
  that have the column they need. ``open_only``/``closed_only`` and ``within`` leave a list
  without the dates they need as it is, and say so in the result; ``team`` on a list without an
  allocated team (contacts, YOT, NPS) keeps the rows of children allocated to that team on
  another list.

The ``referrals_csa`` preset is "referrals of children flagged elsewhere: a draft to review":
the referrals list, rows dated in the three months before the as-of date, for children flagged
CSA-FE on any list. It is a starting point, never the para 33 list itself: para 33 asks for
referrals "that relate to" CSA-FE, which only the local authority can judge. The preset misses
referrals of children flagged on no list (often those that ended in no further action, the ones
inspectors most want) and keeps referrals of flagged children that are about something else.
The para 33 list is its own list (``schemas/referrals_csa_fe.yaml``, the "Para 33" sheet of
``jtai template``), with why each referral relates to CSA-FE, and ``validate`` checks it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .checked import load_checked
from .checks import months_before
from .csv_output import write_csv
from .errors import SheetMissing, UsageError
from .merging import input_paths, list_cells, present_columns
from .model import Dataset, ParsedList
from .parsing import COERCED, OK, fmt_date, id_key, is_blank, parse_id
from .reading import read_workbook
from .reporting import SCHEMA_VERSION
from .schemas import ListSchema, SchemaSet, load_schemas, normalise
from .schemas import resolve_lists as schemas_resolve
from .writing import ExtraSheet, write_lists_workbook

#: The look-back windows ``within`` accepts.
WITHIN = {"3m": 3, "6m": 6, "12m": 12}
#: What the referrals_csa preset's output is, said wherever it is shown.
REFERRALS_CSA_CAVEAT = (
    "Referrals of children flagged elsewhere: a draft to review, not the para 33 list. Para 33 "
    "asks for referrals that relate to CSA-FE, which only the local authority can judge: this "
    "draft misses referrals of children flagged on no list (such as those that ended in no "
    "further action) and keeps referrals of flagged children that are about something else. "
    "Review it, then fill in the 'Para 33' sheet of jtai template, saying why each referral "
    "relates to CSA-FE.")


@dataclass(frozen=True)
class ListFiltered:
    """Row counts of one list through the filter.

    Attributes:
        list: the schema name.
        title: the list's title.
        rows_in: rows read from the input(s).
        rows_out: rows written.
        not_applied: criteria that could not apply to this list, in plain words.
    """

    list: str
    title: str
    rows_in: int
    rows_out: int
    not_applied: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"title": self.title, "rows_in": self.rows_in, "rows_out": self.rows_out,
                "not_applied": list(self.not_applied)}


@dataclass(frozen=True)
class FilterResult:
    """What ``filter_lists`` wrote.

    Attributes:
        files: the inputs, as given.
        output: the file written.
        as_of: the date look-back windows are counted from.
        as_of_source: where that date came from ("given", a sheet title, or "today").
        criteria: the criteria applied, in plain words, in the order given.
        lists: counts per list written, in guidance order.
        children_flagged: how many children are flagged CSA-FE on any list (with
            ``csa_only``), else None.
        caveat: what the output is not, where that needs saying (the referrals_csa draft).
        unreadable: how many cells could not be read, and where (the criteria took them as
            blank; they are written as they were), or None when every cell was read.
    """

    files: tuple[str, ...]
    output: Path
    as_of: dt.date
    as_of_source: str
    criteria: tuple[str, ...]
    lists: tuple[ListFiltered, ...]
    children_flagged: int | None = None
    caveat: str | None = None
    unreadable: str | None = None

    @property
    def rows_out(self) -> int:
        """Rows written, over all lists."""
        return sum(lf.rows_out for lf in self.lists)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: what ``jtai filter --format json`` prints."""
        return {
            "schema_version": SCHEMA_VERSION,
            "output": str(self.output),
            "files": list(self.files),
            "as_of": self.as_of.isoformat(),
            "as_of_source": self.as_of_source,
            "criteria": list(self.criteria),
            "children_flagged": self.children_flagged,
            "caveat": self.caveat,
            "unreadable": self.unreadable,
            "lists": {lf.list: lf.to_dict() for lf in self.lists},
        }


# --------------------------------------------------------------------------- choosing lists


def resolve_lists(wanted: Iterable[str], schemas: SchemaSet) -> list[str]:
    """Schema names for the lists asked for (as ``schemas.resolve_lists``), in guidance order.

    Raises:
        UsageError: a name that is no list.
    """
    chosen = set(schemas_resolve(list(wanted), schemas))
    return [n for n in schemas.lists if n in chosen]


# --------------------------------------------------------------------------- children


def read_ids(path: str | Path, schemas: SchemaSet) -> set[str]:
    """Child IDs from a file: one per line, or a CSV/workbook column headed Child Unique ID.

    The first sheet is read. If its first row has a child ID header (any accepted spelling),
    that column is used below it; otherwise the first column, every row.

    Raises:
        UsageError: the file holds no child IDs.
        JtaiError: the file cannot be read.
    """
    wb = read_workbook(path)
    rows = wb.sheets[0].rows if wb.sheets else []
    column, start = 0, 0
    if rows:
        for j, v in enumerate(rows[0]):
            if not is_blank(v) and _is_id_header(schemas, v):
                column, start = j, 1
                break
    keys: set[str] = set()
    for row in rows[start:]:
        if column >= len(row):
            continue
        p = parse_id(row[column])
        if p.state in (OK, COERCED) and isinstance(p.value, str):
            keys.add(id_key(p.value))
    if not keys:
        raise UsageError("no child IDs found: give one ID per line, or a column headed "
                         "'Child Unique ID'", file=path)
    return keys


def _is_id_header(schemas: SchemaSet, header: object) -> bool:
    """Is this a spelling of some list's child ID column ("Child Unique ID", "Child ID")?"""
    for name, schema in schemas.lists.items():
        col = schema.by_role("child_id")
        if col is not None and schemas.match_header(name, header) == col.header:
            return True
    return False


def referrals_csa_preset(schemas: SchemaSet) -> tuple[str, str]:
    """What ``referrals_csa`` picks: the list the para 33 list is drafted from, and its window.

    Read from the schema that says ``drafted_from`` (``referrals_csa_fe.yaml``): that list's
    rows in the months of the drafting list's period.

    Returns:
        (the schema name of the list to filter, the ``within`` window such as "3m").

    Raises:
        UsageError: no schema says what it is drafted from, or its period is not a window
            ``within`` offers.
    """
    for schema in schemas.lists.values():
        if schema.drafted_from is not None and schema.period is not None:
            within = f"{schema.period.months}m"
            if within not in WITHIN:
                raise UsageError(f"{schema.title} looks back {schema.period.months} months, "
                                 f"but the filter's windows are {', '.join(WITHIN)}")
            return schema.drafted_from, within
    raise UsageError("no list schema says which list the referrals draft is made from "
                     "(drafted_from)")


def flagged_children(data: Dataset) -> set[str]:
    """Children (matching keys) flagged Y for CSA-FE on any list that carries the flag."""
    keys: set[str] = set()
    for pl in data.lists:
        col = pl.schema.by_role("csa_flag")
        if col is None or col.header not in pl.positions:
            continue
        yes = (pl.typed[col.header] == "Y").to_numpy(dtype=bool, na_value=False)
        keys.update(k for k in pl.keys[yes] if isinstance(k, str))
    return keys


def _team_match(pl: ParsedList, team: str) -> np.ndarray | None:
    col = pl.schema.by_role("team")
    if col is None or col.header not in pl.positions:
        return None
    wanted = normalise(team)
    return np.array([isinstance(v, str) and wanted in normalise(v)
                     for v in pl.typed[col.header]], dtype=bool)


def _in(keys: pd.Series, chosen: Collection[str]) -> np.ndarray:
    return np.array([isinstance(k, str) and k in chosen for k in keys], dtype=bool)


# --------------------------------------------------------------------------- rows


def _dates(pl: ParsedList, role: str) -> pd.Series | None:
    col = pl.schema.by_role(role)
    if col is None or col.header not in pl.positions or col.type != "date":
        return None
    return pl.typed[col.header]


def _open_closed(pl: ParsedList, want_open: bool) -> np.ndarray | None:
    end = _dates(pl, "end_date")
    if end is None:
        return None
    blank = end.isna().to_numpy()
    return blank if want_open else ~blank


def _within(pl: ParsedList, months: int, as_of: dt.date) -> np.ndarray | None:
    start, end = _dates(pl, "start_date"), _dates(pl, "end_date")
    first, last = pd.Timestamp(months_before(as_of, months)), pd.Timestamp(as_of)
    if start is None:
        return None
    if end is None:  # an event (contact, referral, enquiry): dated inside the window
        return ((start >= first) & (start <= last)).to_numpy(dtype=bool, na_value=False)
    # an episode (assessment, CIN, CP plan, care): open at some point in the window
    began = (start.isna() | (start <= last)).to_numpy(dtype=bool)
    still = (end.isna() | (end >= first)).to_numpy(dtype=bool)
    return began & still


# --------------------------------------------------------------------------- public entry


def filter_lists(
    input: str | Path | Sequence[str | Path],
    output: str | Path,
    *,
    lists: Sequence[str] | None = None,
    csa_only: bool = False,
    open_only: bool = False,
    closed_only: bool = False,
    within: str | None = None,
    as_of: dt.date | None = None,
    team: str | None = None,
    ids: str | Path | Collection[str] | None = None,
    referrals_csa: bool = False,
    schemas: SchemaSet | None = None,
) -> FilterResult:
    """Write the rows of the lists that meet every criterion given, to .xlsx or .csv.

    Args:
        input: a workbook or CSV file, or several (read together: a child's CSA-FE flag on
            lists 6-8 in one file picks their referrals in another).
        output: the file to write: .xlsx (standard layout, one sheet per list) or .csv (one
            list only: choose it with ``lists``).
        lists: the lists to keep, by schema name, number or short name ("List 3", "6", "8"
            for both forms, "CIN"); default every list in the input.
        csa_only: keep only children flagged Y for CSA-FE on any list (lists 4-8 carry the
            flag); their rows on every chosen list follow them.
        open_only: keep only open rows (no closure or end date) of lists that have one.
        closed_only: keep only closed rows of lists that have a closure or end date.
        within: "3m", "6m" or "12m": events dated, or episodes open, in that many months
            before ``as_of``.
        as_of: the date windows are counted back from (default: the "as at" date in the
            inputs' titles, otherwise today).
        team: keep rows whose allocated team contains this text (case and spacing ignored);
            on lists without a team, the rows of children allocated to it on another list.
        ids: a file of child IDs (one per line, or a column headed Child Unique ID), or the
            IDs themselves as a list or set; keep only those children.
        referrals_csa: referrals of children flagged elsewhere, a draft to review (not the
            para 33 list): referrals in the three months before ``as_of`` for children
            flagged CSA-FE on any list.
        schemas: the list schemas to use (default: the shipped ones).

    Returns:
        What was written, with row counts per list.

    Raises:
        UsageError: options that cannot go together, an unknown list, or several lists for
            one CSV file.
        SheetMissing: a list asked for is not in the input.
        JtaiError: an input cannot be used, or the output cannot be written.

    Example:
        >>> result = filter_lists(["lists.xlsx", "referrals.csv"], "draft.xlsx",
        ...                       referrals_csa=True, as_of=dt.date(2026, 11, 23))  # doctest: +SKIP
        >>> result.lists[0].rows_out  # doctest: +SKIP
        14
    """
    out = Path(output)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UsageError("the output must end .xlsx (a workbook) or .csv (one list)", file=out)
    if open_only and closed_only:
        raise UsageError("choose --open or --closed, not both")
    if within is not None and within not in WITHIN:
        raise UsageError(f"within is one of {', '.join(WITHIN)} (months before the as-of date)")
    if referrals_csa:
        source, window = referrals_csa_preset(schemas or load_schemas())
        if lists and resolve_lists(lists, schemas or load_schemas()) != [source]:
            raise UsageError("--referrals-csa picks the referrals list: do not also give --list")
        if within not in (None, window):
            raise UsageError(f"--referrals-csa looks back {_months(WITHIN[window])}: do not "
                             "also give --within")
        lists, csa_only, within = [source], True, window

    paths = input_paths(input)
    checked = load_checked(paths, as_of=as_of, schemas=schemas)
    data = checked.dataset
    schemas = data.schemas
    present = [n for n in schemas.lists if data.of(n)]
    if lists:
        chosen = resolve_lists(lists, schemas)
        missing = [n for n in chosen if not data.of(n)]
        # list 8 may come in either form: asking for "8" needs only one of them.
        if any(schemas.lists[n].list_number == 8 for n in chosen):
            if any(data.of(n) for n in chosen if schemas.lists[n].list_number == 8):
                missing = [n for n in missing if schemas.lists[n].list_number != 8]
        if missing:
            raise SheetMissing(
                "the input holds no " + " and no ".join(schemas.lists[n].title for n in missing)
                + (f"; it holds: {', '.join(schemas.lists[n].title for n in present)}"
                   if present else "; it holds no list jtai recognises"),
                file=", ".join(str(p) for p in paths),
            )
        chosen = [n for n in chosen if data.of(n)]
    else:
        chosen = present
    if not chosen:
        raise SheetMissing("no JTAI list was found in the input",
                           file=", ".join(str(p) for p in paths))
    if suffix == ".csv" and len(chosen) > 1:
        raise UsageError(
            "a CSV file holds one list, but these were chosen: "
            + ", ".join(schemas.lists[n].title for n in chosen)
            + ". Pick one with --list (e.g. --list referrals), or write an .xlsx", file=out)

    # Children who qualify, whatever list they qualify on.
    flagged = flagged_children(data) if csa_only else None
    id_keys: set[str] | None = None
    if ids is not None:
        id_keys = (read_ids(ids, schemas) if isinstance(ids, str | Path)
                   else {id_key(str(i)) for i in ids if not is_blank(i)})
    team_children: set[str] = set()
    if team is not None:
        for pl in data.lists:
            m = _team_match(pl, team)
            if m is not None:
                team_children.update(k for k in pl.keys[m] if isinstance(k, str))

    criteria = _criteria(referrals_csa, chosen, schemas, csa_only, open_only, closed_only,
                         within, team, id_keys, data.as_of, lists is not None)

    frames: dict[str, pd.DataFrame] = {}
    columns: dict[str, list[str]] = {}
    counts: list[ListFiltered] = []
    for name in chosen:
        schema = schemas.lists[name]
        parts = sorted(data.of(name), key=lambda pl: pl.order)
        cols = present_columns(schema, parts)
        kept, not_applied, rows_in = [], set(), 0
        for pl in parts:
            # Look-back periods end on the list's own extraction day (the window's last).
            mask, skipped = _row_mask(pl, flagged, id_keys, team, team_children, open_only,
                                      closed_only, within, data.as_of_for(pl).last)
            not_applied.update(skipped)
            write, _, _ = list_cells(pl, cols, text_in_numbers=suffix == ".csv")
            kept.append(write[mask])
            rows_in += len(pl.typed)
        frame = pd.concat(kept, ignore_index=True)
        frames[name], columns[name] = frame, cols
        counts.append(ListFiltered(name, schema.title, rows_in, len(frame),
                                   tuple(sorted(not_applied))))

    # Each list's own date (or window) in its title, as validate read it.
    stamp = data.dates_of(frames)
    protect = [*paths, Path(ids)] if isinstance(ids, str | Path) else paths
    if suffix == ".csv":
        write_csv(out, frames[chosen[0]], inputs=protect)
    else:
        caveat_rows: list[list[object]] = [[REFERRALS_CSA_CAVEAT], []] if referrals_csa else []
        when = (f"As at {fmt_date(data.as_of)}" if data.as_of_exact
                else f"Each list on its own extraction: {data.as_of_source}")
        about = ExtraSheet("Filter", caveat_rows + _about_rows(paths, when, criteria, counts),
                           widths=(40, 12, 12, 60))
        write_lists_workbook(out, frames, schemas=schemas, as_of=stamp, columns=columns,
                             sheets_after=[about], inputs=protect)
    return FilterResult(tuple(str(p) for p in paths), out, data.as_of, data.as_of_source,
                        tuple(criteria), tuple(counts),
                        len(flagged) if flagged is not None else None,
                        REFERRALS_CSA_CAVEAT if referrals_csa else None, checked.note)


def _row_mask(
    pl: ParsedList, flagged: set[str] | None, id_keys: set[str] | None, team: str | None,
    team_children: set[str], open_only: bool, closed_only: bool, within: str | None,
    as_of: dt.date,
) -> tuple[np.ndarray, list[str]]:
    """Which rows of one sheet meet every criterion, and which criteria could not apply."""
    mask = np.ones(len(pl.typed), dtype=bool)
    skipped: list[str] = []
    if flagged is not None:
        mask &= _in(pl.keys, flagged)
    if id_keys is not None:
        mask &= _in(pl.keys, id_keys)
    if team is not None:
        m = _team_match(pl, team)
        mask &= m if m is not None else _in(pl.keys, team_children)
    if open_only or closed_only:
        m = _open_closed(pl, want_open=open_only)
        if m is None:
            skipped.append(f"--{'open' if open_only else 'closed'} (no closure or end date on "
                           f"sheet '{pl.sheet}')")
        else:
            mask &= m
    if within is not None:
        m = _within(pl, WITHIN[within], as_of)
        if m is None:
            skipped.append(f"--within {within} (no start or event date on sheet '{pl.sheet}')")
        else:
            mask &= m
    return mask, skipped


def _criteria(
    preset: bool, chosen: Sequence[str], schemas: SchemaSet, csa_only: bool, open_only: bool,
    closed_only: bool, within: str | None, team: str | None, id_keys: set[str] | None,
    as_of: dt.date, lists_given: bool,
) -> list[str]:
    out: list[str] = []
    if preset:
        assert within is not None  # the preset sets its window
        months = WITHIN[within]
        first = months_before(as_of, months)
        return [f"referrals of children flagged elsewhere (a draft to review, not the para 33 "
                f"list): referrals dated {fmt_date(first)} to {fmt_date(as_of)} (the "
                f"{_months(months)} before the as-of date) for children flagged CSA-FE on any "
                "list"]
    if lists_given:
        out.append("lists: " + ", ".join(_short(schemas.lists[n]) for n in chosen))
    if csa_only:
        out.append("children flagged CSA-FE (Y) on any list")
    if id_keys is not None:
        out.append(f"the {len(id_keys)} child ID(s) given")
    if team is not None:
        out.append(f"allocated team containing '{team}'")
    if open_only:
        out.append("open: no closure or end date")
    if closed_only:
        out.append("closed: a closure or end date")
    if within is not None:
        first = months_before(as_of, WITHIN[within])
        out.append(f"within {within}: events dated, or episodes open, {fmt_date(first)} to "
                   f"{fmt_date(as_of)}")
    return out or ["every row (no criteria given)"]


def _months(n: int) -> str:
    """"three months": the look-back windows in words."""
    words = {3: "three", 6: "six", 12: "twelve"}
    return f"{words.get(n, n)} month{'s' if n != 1 else ''}"


def _short(schema: ListSchema) -> str:
    return schema.title.split(":")[0] if schema.list_number else schema.title


def _about_rows(paths: Sequence[str | Path], when: str, criteria: Sequence[str],
                counts: Sequence[ListFiltered]) -> list[list[object]]:
    criteria_rows: list[list[object]] = [[c] for c in criteria]
    rows: list[list[object]] = [
        ["Filtered lists: what this workbook holds"],
        ["Read from: " + "; ".join(str(p) for p in paths)],
        [when],
        [],
        ["Rows kept where"],
        *criteria_rows,
        [],
        ["List", "Rows in", "Rows out", "Not applied"],
    ]
    rows += [[lf.title, lf.rows_in, lf.rows_out, "; ".join(lf.not_applied) or None]
             for lf in counts]
    return rows
