"""What leaders need to know about prevalence: flagged children counted, broken down and charted.

The guidance asks whether leaders "know and understand the experiences of children at risk of or
subject to sexual abuse in the family environment, and the prevalence of these issues in their
area" (ESN 35) and asks for management information reports (Annex A 1.2). ``summarise`` reads the
lists and counts *children*, not rows: a child is one child ID (leading zeros ignored) however
many lists and rows they appear on, and is flagged CSA-FE when any list flags them Y.

Small numbers are suppressed as UK official statistics do it: a count from 1 to 4 is shown as
"<5", and further cells are hidden ("[c]") until no hidden count can be worked out from the
published cells and totals, by subtraction or otherwise. A 0 beside a "<5" in the same row is
hidden too: it would say that every child of that group shares (or lacks) the flag. A hidden
cell that the published figures already confine to a range of large numbers (the complement of
a "<5" in a row with its total) is shown as that range ("22-25"), which reveals nothing more, so
that it does not look like a small number. Rates are shown only when the counts behind them are.

Charts are hand-written SVG (horizontal bars with their labels, every label escaped): no
plotting library.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import write_text_atomic
from ._version import __version__
from .checked import UnreadableCells, load_checked, unreadable_note
from .checks import age_on
from .children import (
    ADULT,
    AGE_BAND_TOPS,
    AGE_BANDS,
    NOT_RECORDED,
    UNBORN,
    ethnic_groups,
    questions,
)
from .errors import SheetMissing, UsageError
from .parsing import fmt_date
from .schemas import ADDITIONAL_ROLES, ListSchema, SchemaSet, load_schemas
from .validation import Dataset, ParsedList
from .writing import xlsx_output

SCHEMA_VERSION = 1
#: Counts from 1 to THRESHOLD - 1 are suppressed.
THRESHOLD = 5
#: How a suppressed small count is shown.
SMALL = "<5"
#: How a cell hidden to protect a small count (or a rate built on a hidden count) is shown.
HIDDEN = "[c]"
PUBLISHED, PRIMARY, SECONDARY = 0, 1, 2

SYMBOLS = {
    SMALL: "1 to 4 children: hidden so that no child can be identified",
    HIDDEN: "hidden so that a number under 5 cannot be worked out from the other figures",
    "22-25": "a hidden figure shown as the range the other figures already confine it to "
             "(here 22 to 25): it reveals nothing more",
    "-": "no children to take a rate of",
}
#: How a hidden figure confined to a range is shown: "22-25".
RANGE = re.compile(r"^(\d+)-(\d+)$")

#: The group of the additional fields sheet (the seven answers, ``kind: answers``): not a
#: ``summary:`` group, as its children are counted on the lists they are on.
_ANSWERS = "@answers"
#: Row of the table by list that counts each child once, on any list.
_ANY_LIST = "Any list, each child once"
#: The words of the key figure for flagged children of each legal status shown (page top).
_KEY_STATUS = {"CP": "on a CP plan", "CLA": "looked after"}


# --------------------------------------------------------------------------- suppression


def _lines(
    shape: tuple[int, int], row_totals: bool, col_totals: bool
) -> list[list[tuple[int, int]]]:
    rows, cols = shape
    lines: list[list[tuple[int, int]]] = []
    if row_totals:
        lines += [[(i, j) for j in range(cols)] for i in range(rows)]
    if col_totals:
        lines += [[(i, j) for i in range(rows)] for j in range(cols)]
    return lines


def pinned_cells(
    table: np.ndarray,
    status: np.ndarray,
    *,
    row_totals: bool,
    col_totals: bool,
    threshold: int = THRESHOLD,
    cells: Iterable[tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    """The hidden cells whose value someone could work out from what is published.

    The reader knows every published cell, that a "<5" cell holds 1 to ``threshold - 1`` and
    that any other hidden cell holds 0 or more. Every row (and column) adds up to its total, so
    the hidden cells can only change together, along a cycle of hidden cells that keeps every
    sum (a circulation on the graph whose nodes are rows and columns and whose edges are hidden
    cells). A hidden cell is safe when some such cycle through it stays within those bounds;
    otherwise its value is pinned down. By total unimodularity this is exact for whole numbers.

    Args:
        table: counts with their totals in place: the last column holds the row totals when
            ``row_totals``, the last row the column totals when ``col_totals``.
        status: PUBLISHED, PRIMARY or SECONDARY for each cell.
        row_totals: whether the last column holds the row totals.
        col_totals: whether the last row holds the column totals.
        threshold: counts from 1 to ``threshold - 1`` are shown as "<threshold".
        cells: check only these hidden cells (default: all).

    Returns:
        The (row, column) of each pinned hidden cell.
    """
    n_rows, n_cols = table.shape
    ground = n_rows + n_cols  # rows (or columns) with no total to add up to are one free node
    inf = math.inf
    edges: list[tuple[int, int, bool, bool, tuple[int, int]]] = []
    for i, j in zip(*np.nonzero(status), strict=True):
        i, j = int(i), int(j)
        u = i if row_totals else ground
        w = n_rows + j if col_totals else ground
        is_margin = (row_totals and j == n_cols - 1) != (col_totals and i == n_rows - 1)
        sign = -1 if is_margin else 1
        y = sign * int(table[i, j])
        lo: float
        hi: float
        if status[i, j] == PRIMARY:
            lo, hi = (1, threshold - 1) if sign > 0 else (-(threshold - 1), -1)
        else:
            lo, hi = (0, inf) if sign > 0 else (-inf, 0)
        edges.append((u, w, y < hi, y > lo, (i, j)))

    # arcs[node] = (edge index, next node): the moves a unit of change can make from node
    arcs: dict[int, list[tuple[int, int]]] = {}
    for k, (u, w, up, down, _) in enumerate(edges):
        if up:
            arcs.setdefault(u, []).append((k, w))
        if down:
            arcs.setdefault(w, []).append((k, u))

    def reaches(start: int, goal: int, skip: int) -> bool:
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            for k, nxt in arcs.get(node, ()):
                if k != skip and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    wanted = None if cells is None else set(cells)
    pinned = []
    for k, (u, w, up, down, cell) in enumerate(edges):
        if wanted is not None and cell not in wanted:
            continue
        if u == w:
            continue  # in no sum at all: nothing to work it out from
        if (up and reaches(w, u, k)) or (down and reaches(u, w, k)):
            continue
        pinned.append(cell)
    return pinned


def suppress_table(
    table: np.ndarray | Sequence[Sequence[int]],
    *,
    row_totals: bool,
    col_totals: bool,
    threshold: int = THRESHOLD,
    force: np.ndarray | None = None,
    avoid: np.ndarray | None = None,
) -> np.ndarray:
    """Decide which cells of a count table to hide, as UK official statistics do.

    Primary suppression hides every count from 1 to ``threshold - 1``, and a 0 in the same row
    as one of them (it would show that all of a group share one answer). Secondary
    suppression then hides more cells until none of the hidden ones can be worked out: while a
    row or column has exactly one hidden cell, the next smallest cell of that row or column is
    hidden too (non-zero cells first, inner cells before totals); when a hidden cell could still
    be pinned down through several rows and columns (``pinned_cells``), the smallest cell in its
    row or column that frees it is hidden as well; when every cell near it is already hidden, one
    of the other small counts is shown as "[c]" rather than "<5", so that knowing each is 1 to 4
    does not pin them down. Repeat until stable.

    Args:
        table: counts with their totals in place (see ``pinned_cells``).
        row_totals: whether the last column holds the row totals.
        col_totals: whether the last row holds the column totals.
        threshold: counts from 1 to ``threshold - 1`` are suppressed.
        force: cells to hide from the start (e.g. a total hidden in another table).
        avoid: cells to hide only when nothing else will do (totals other tables publish).

    Returns:
        An array of PUBLISHED (0), PRIMARY (1: shown "<5") or SECONDARY (2: shown "[c]"), the
        table's shape. Every count from 1 to ``threshold - 1`` is PRIMARY or SECONDARY.

    Example:
        >>> suppress_table([[3, 10, 13], [20, 30, 50], [23, 40, 63]],
        ...                row_totals=True, col_totals=True).tolist()
        [[1, 2, 0], [2, 2, 0], [0, 0, 0]]
        >>> suppress_table([[3, 0, 3], [20, 30, 50], [23, 30, 53]],
        ...                row_totals=True, col_totals=True)[0].tolist()
        [1, 2, 1]
    """
    values = np.asarray(table, dtype=np.int64)
    if values.ndim != 2 or (values < 0).any():
        raise ValueError("a count table is a 2-D array of counts, 0 or more")
    status = np.zeros(values.shape, dtype=np.int8)
    status[(values >= 1) & (values < threshold)] = PRIMARY
    # A 0 beside a "<5" in one row says every child of the group shares the same answer
    # (all flagged, or none): hide it too.
    inner_cols = values.shape[1] - (1 if row_totals else 0)
    if inner_cols > 1:
        for i in range(values.shape[0]):
            row = status[i, :inner_cols]
            if (row == PRIMARY).any():
                zero = values[i, :inner_cols] == 0
                row[zero] = SECONDARY
    if force is not None:
        status[np.asarray(force, dtype=bool) & (status == PUBLISHED)] = SECONDARY
    margin = np.zeros(values.shape, dtype=bool)
    if row_totals:
        margin[:, -1] = True
    if col_totals:
        margin[-1, :] = True
    avoided = np.zeros(values.shape, dtype=bool) if avoid is None else np.asarray(avoid, bool)
    lines = _lines(values.shape, row_totals, col_totals)

    def key(cell: tuple[int, int]) -> tuple[bool, bool, bool, int, int, int]:
        return (bool(avoided[cell]), values[cell] == 0, bool(margin[cell]), int(values[cell]),
                cell[0], cell[1])

    def pinned() -> list[tuple[int, int]]:
        return pinned_cells(values, status, row_totals=row_totals, col_totals=col_totals,
                            threshold=threshold)

    for _ in range(values.size + 1):
        changed = False
        for line in lines:
            hidden = [c for c in line if status[c]]
            if len(hidden) == 1:
                free = [c for c in line if not status[c]]
                if free:
                    status[min(free, key=key)] = SECONDARY
                    changed = True
        if changed:
            continue
        exposed = pinned()
        if not exposed:
            break
        cell = exposed[0]
        near = {c for line in lines if cell in line for c in line if not status[c]}
        candidates = sorted(near, key=key) or sorted(
            ((int(c[0]), int(c[1])) for c in np.argwhere(status == PUBLISHED)), key=key)
        if not candidates:
            # Everything near is hidden, yet small counts that must each be 1-4 can still pin
            # one another down (four "<5" cells under a "<5" total are all 1). Show one of the
            # others, a total first, as "[c]" (any number) instead of "<5", to break that.
            small = [c for line in lines if cell in line for c in line
                     if status[c] == PRIMARY and c != cell]
            if not small:
                small = [(int(c[0]), int(c[1])) for c in np.argwhere(status == PRIMARY)
                         if (int(c[0]), int(c[1])) != cell]
            if not small:
                break
            status[max(small, key=lambda c: (bool(margin[c]), int(values[c]), c))] = SECONDARY
            continue
        choice = candidates[0]
        for c in candidates:
            status[c] = SECONDARY
            frees = not pinned_cells(values, status, row_totals=row_totals,
                                     col_totals=col_totals, threshold=threshold, cells=[cell])
            status[c] = PUBLISHED
            if frees:
                choice = c
                break
        status[choice] = SECONDARY
    return status


def hidden_ranges(
    table: np.ndarray | Sequence[Sequence[int]],
    status: np.ndarray,
    *,
    row_totals: bool,
    col_totals: bool,
    threshold: int = THRESHOLD,
) -> dict[tuple[int, int], tuple[int, int]]:
    """The range each "[c]" cell is confined to by what is published, where it is finite.

    A reader knows every published cell, that a "<5" holds 1 to ``threshold - 1`` and a "[c]"
    0 or more, and that each row (column) adds up to its total. Narrowing each hidden cell's
    bounds by those sums until nothing changes gives ranges the reader can work out too, so
    showing them discloses nothing. Only SECONDARY cells get a range.

    Example:
        >>> st = suppress_table([[3, 22, 25]], row_totals=True, col_totals=False)
        >>> hidden_ranges([[3, 22, 25]], st, row_totals=True, col_totals=False)
        {(0, 1): (21, 24)}
    """
    values = np.asarray(table, dtype=np.int64)
    inf = math.inf
    lo: dict[tuple[int, int], float] = {}
    hi: dict[tuple[int, int], float] = {}
    for i, j in zip(*np.nonzero(status), strict=True):
        cell = (int(i), int(j))
        if status[cell] == PRIMARY:
            lo[cell], hi[cell] = 1, threshold - 1
        else:
            lo[cell], hi[cell] = 0, inf
    lines = _lines(values.shape, row_totals, col_totals)
    for _ in range(2 * len(lines) + 2):
        changed = False
        for line in lines:
            *inner, total = line
            hidden = [c for c in line if status[c]]
            if not hidden:
                continue
            # sum(inner) - total = 0, with published cells known.
            known = sum(int(values[c]) for c in inner if not status[c]) - (
                0 if status[total] else int(values[total]))
            for c in hidden:
                sign = -1 if c == total else 1
                rest_lo = rest_hi = float(known)
                for d in hidden:
                    if d == c:
                        continue
                    s = -1 if d == total else 1
                    rest_lo += min(s * lo[d], s * hi[d])
                    rest_hi += max(s * lo[d], s * hi[d])
                # sign * c + rest = 0  =>  c = -rest / sign
                new_lo, new_hi = sorted((-rest_hi * sign, -rest_lo * sign))
                if new_lo > lo[c]:
                    lo[c], changed = new_lo, True
                if new_hi < hi[c]:
                    hi[c], changed = new_hi, True
        if not changed:
            break
    return {c: (int(lo[c]), int(hi[c])) for c in lo
            if status[c] == SECONDARY and hi[c] != inf and lo[c] < hi[c]}


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


# --------------------------------------------------------------------------- public results


@dataclass(frozen=True)
class SummaryTable:
    """One published table: what it counts, its values, and which column its chart shows.

    ``frame`` holds what may be published: whole numbers, rates (per cent, one decimal place),
    "<5" for a small count, "[c]" for a hidden cell and None for a rate of nothing.
    """

    name: str
    title: str
    description: str
    frame: pd.DataFrame
    chart: str | None = None
    kind: str = "bar"
    total_row: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form: title, description, columns and one record per row."""
        return {
            "title": self.title,
            "description": self.description,
            "index": self.frame.index.name,
            "columns": [str(c) for c in self.frame.columns],
            "rows": [{"label": str(label), "values": {str(c): _plain(v) for c, v in row.items()}}
                     for label, row in self.frame.iterrows()],
        }


def _plain(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


@dataclass(frozen=True)
class Snapshot:
    """One set of lists as at one date."""

    as_of: dt.date
    as_of_source: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    """The summary tables, the snapshots they came from, and whether small numbers are hidden.

    Tables describe the latest snapshot; with several snapshots a ``trend`` table follows.
    ``summary["by_age"]`` is that table's DataFrame.
    """

    snapshots: tuple[Snapshot, ...]
    tables: Mapping[str, SummaryTable]
    suppressed: bool
    notes: tuple[str, ...] = ()
    #: Rows of the table by list shown as key figures at the top of the page: (row, words).
    highlights: tuple[tuple[str, str], ...] = ()
    #: The row of the table by list that counts the lists asking the CSA-FE question.
    flag_row: str | None = None

    @property
    def as_of(self) -> dt.date:
        """The date of the latest snapshot (the one the tables describe)."""
        return self.snapshots[-1].as_of

    @property
    def files(self) -> tuple[str, ...]:
        """Every input file."""
        return tuple(f for s in self.snapshots for f in s.files)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table's DataFrame by name."""
        return {name: t.frame for name, t in self.tables.items()}

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (what ``jtai summary --format json`` prints)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "as_of": self.as_of.isoformat(),
            "snapshots": [{"as_of": s.as_of.isoformat(), "as_of_source": s.as_of_source,
                           "files": list(s.files)} for s in self.snapshots],
            "suppression": {"on": self.suppressed, "threshold": THRESHOLD,
                            "symbols": dict(SYMBOLS) if self.suppressed else {"-": SYMBOLS["-"]}},
            "notes": list(self.notes),
            "tables": {name: t.to_dict() for name, t in self.tables.items()},
        }

    def to_html(self) -> str:
        """One self-contained HTML page: every table with its chart beside it (inline SVG).

        Nothing is fetched from the network: no scripts, fonts or style sheets from elsewhere.
        """
        return _render_html(self)

    def write_html(self, path: str | Path, inputs: Sequence[str | Path] | None = None) -> Path:
        """Write ``to_html()`` to ``path`` atomically, refusing to write over an input file."""
        return write_text_atomic(path, self.to_html(),
                                 self.files if inputs is None else inputs)

    def to_xlsx(self, path: str | Path, inputs: Sequence[str | Path] | None = None) -> Path:
        """Write the same tables to a workbook: an About sheet, then one sheet per table.

        Args:
            path: the .xlsx file to write (atomically; never over an input file).
            inputs: files the output must not be (default: the summary's input files).

        Returns:
            The path written.
        """
        return _write_xlsx(self, Path(path), self.files if inputs is None else inputs)


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


def _children(groups: dict[str, list[ParsedList]], meta: Mapping[str, _Group]) -> pd.DataFrame:
    """One row per child: flagged?, on which lists, and their details from their main list."""
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
    attrs = ["gender", "ethnicity", "dob", "edd", "age", "disability", "team"]
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
        if as_of is None and not data.as_of_exact:
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
        snaps.append(_Snap(Snapshot(day, source, files), groups, _children(groups, meta),
                           schemas, meta))
    return snaps, notes


def _label(group: str, meta: Mapping[str, _Group]) -> str:
    return meta[group].label if group in meta else "additional fields"


# --------------------------------------------------------------------------- the tables


def _age_band(children: pd.DataFrame, as_of: dt.date) -> pd.Series:
    dob = pd.to_datetime(children["dob"])
    age = children["age"].astype("Float64")
    edd = pd.to_datetime(children["edd"])
    day = pd.Timestamp(as_of)
    born = dob.notna() & (dob <= day)
    unborn = (dob.notna() & (dob > day)) | (
        dob.isna() & ((age == -1).fillna(False) | (age.isna() & edd.notna())))
    years = age_on(dob, as_of).astype("Float64").where(born, age)
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
        rows.append(_ANY_LIST)
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
            sample = option == "A" or (option is None and _ANSWERS in snap.groups)
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
            ("Another category, never sexual abuse",
             ~f["sa_latest"] & ~f["sa_initial"] & f["recorded"]),
            ("Category not recorded", ~f["recorded"]),
        ]
        kinds = [(k, m) for k, m in kinds if k != "Category not recorded" or m.any()]
        out.append(_Counts(
            "sexual_abuse_category", "Do the CP plans of flagged children say sexual abuse?",
            f"Flagged children on a child protection plan ({number(cp)}): how many plans carry the "
            "sexual abuse category, as latest or initial category, and how many do not. The "
            "lists do not say why a plan carries another category.",
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
            inspector's sample of 20 (a sample, not a prevalence), under B every flagged child.
            Default: A when the input has an additional fields sheet, else B.
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


# --------------------------------------------------------------------------- charts

_BLUE, _LIGHT, _GREY, _TEXT = "#1d70b8", "#b7d0e8", "#505a5f", "#0b0c0c"
_FONT = 'font-family="Arial,Helvetica,Liberation Sans,DejaVu Sans,sans-serif"'
#: Chart geometry (px): width, bar area, line height of a label, gap between rows.
_WIDTH, _BAR_AREA, _LINE, _GAP, _PAD = 600, 250, 15, 9, 6
_CHAR = 6.6  # average width of a 12px Arial character, for laying out labels


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.1f}"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    return str(v)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) \
        and not (isinstance(v, float) and math.isnan(v))


def _span(v: object) -> tuple[float, float] | None:
    """The range a shown value stands for: a number n is (0, n); "<5" is (1, 4); "22-25"
    is (22, 25); "[c]" and blanks have none."""
    if _is_number(v):
        return 0.0, float(v)  # type: ignore[arg-type]
    if v == SMALL:
        return 1.0, float(THRESHOLD - 1)
    if isinstance(v, str) and (m := RANGE.match(v)):
        return float(m.group(1)), float(m.group(2))
    return None


def _esc(text: object) -> str:
    """Text escaped for SVG (XML): &, <, >, and both quotes."""
    return html.escape(str(text), quote=True)


def _wrap(text: str, width: int = 34) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return lines


def _bars(rows: Sequence[tuple[list[str], object]], top: float, label_w: float, y0: float
          ) -> tuple[list[str], float]:
    """SVG elements for horizontal bars, one per (label lines, shown value), from ``y0``.

    A number is a solid bar; a range ("22-25", or "<5" as 1 to 4) is a pale bar from its low
    to its high end with an outline, so a hidden figure is drawn as what is known of it; "[c]"
    has no bar. Every bar is labelled with the value its table shows.
    """
    out: list[str] = []
    x0 = label_w + 8
    y = y0
    scale = _BAR_AREA / top if top else 0.0
    for lines, v in rows:
        h = max(len(lines), 1) * _LINE
        mid = y + h / 2
        for k, line in enumerate(lines):
            ty = mid - (len(lines) - 1) * _LINE / 2 + k * _LINE + 4
            out.append(f'<text x="{label_w:.1f}" y="{ty:.1f}" text-anchor="end">'
                       f"{_esc(line)}</text>")
        span = _span(v)
        end = x0
        if span is not None:
            lo, hi = span
            bx, bw = x0 + lo * scale, max((hi - lo) * scale, 1.0)
            bh = min(h, 18.0)
            if _is_number(v):
                out.append(f'<rect class="bar" x="{bx:.1f}" y="{mid - bh / 2:.1f}" '
                           f'width="{bw:.1f}" height="{bh:.1f}" fill="{_BLUE}"/>')
            else:
                out.append(f'<rect class="range" x="{bx:.1f}" y="{mid - bh / 2:.1f}" '
                           f'width="{bw:.1f}" height="{bh:.1f}" fill="{_LIGHT}" '
                           f'stroke="{_BLUE}" stroke-dasharray="3 2"/>')
            end = bx + bw
        style = "" if _is_number(v) else f' fill="{_GREY}" font-style="italic"'
        out.append(f'<text x="{end + 5:.1f}" y="{mid + 4:.1f}"{style}>{_esc(_fmt(v))}</text>')
        y += h + _GAP
    return out, y


def _svg_doc(title: str, body: list[str], height: float) -> str:
    return (f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" '
            f'width="{_WIDTH}" height="{height:.0f}" viewBox="0 0 {_WIDTH} {height:.0f}" '
            f'{_FONT} font-size="12" fill="{_TEXT}"><title>{_esc(title)}</title>'
            + "".join(body) + "</svg>")


def _label_width(labels: Iterable[list[str]]) -> float:
    longest = max((len(line) for lines in labels for line in lines), default=4)
    return min(_WIDTH - _BAR_AREA - 80.0, longest * _CHAR + 4)


def _bar_chart(table: SummaryTable, prefix: str) -> str | None:
    """Horizontal bars of the chart column, each labelled with the value its table shows.

    Hand-written SVG. A range ("22-25") is drawn as a range bar, "<5" as a range from 1 to 4,
    "[c]" with no bar; no chart when nothing can be drawn. ``prefix`` is kept for callers (the
    SVG has no ids to make unique).
    """
    frame, col = table.frame, table.chart
    if col is None or col not in frame:
        return None
    part = frame.drop(index=table.total_row) if table.total_row in frame.index else frame
    values = list(part[col])
    if not any((_is_number(v) and v) or (isinstance(v, str) and RANGE.match(v))
               for v in values):
        return None
    rows = [(_wrap(str(i)), v) for i, v in zip(part.index, values, strict=True)]
    top = max((s[1] for v in values if (s := _span(v)) is not None), default=0.0)
    label_w = _label_width(lines for lines, _ in rows)
    body, y = _bars(rows, top * 1.05, label_w, _PAD)
    body.append(f'<text x="{label_w + 8:.1f}" y="{y + 8:.1f}" fill="{_GREY}">'
                f"{_esc(col)}</text>")
    return _svg_doc(f"{table.title}: {col}", body, y + 16)


def _trend_chart(table: SummaryTable, prefix: str) -> str | None:
    """One group of bars per flagged-children measure, one bar per snapshot, labelled as in
    the table; hidden values as in ``_bar_chart``."""
    frame = table.frame
    measures = [r for r in frame.index if str(r).startswith("Flagged children")]
    if not measures:
        return None
    dates = [str(c) for c in frame.columns]
    values = [v for r in measures for v in frame.loc[r]]
    top = max((s[1] for v in values if (s := _span(v)) is not None), default=0.0)
    if not top:
        return None
    label_w = _label_width([[d] for d in dates])
    body: list[str] = []
    y = float(_PAD)
    for r in measures:
        for line in _wrap(str(r).removeprefix("Flagged children: "), 70):
            y += _LINE
            body.append(f'<text x="0" y="{y:.1f}" font-weight="bold">{_esc(line)}</text>')
        y += 4
        part, y = _bars([([d], v) for d, v in zip(dates, frame.loc[r], strict=True)],
                        top * 1.05, label_w, y)
        body += part
        y += 4
    return _svg_doc(table.title, body, y + 4)


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:Arial,Helvetica,"Liberation Sans","DejaVu Sans",sans-serif;color:#0b0c0c;
margin:0;background:#fff;line-height:1.4}
header{background:#0b0c0c;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:26px}header p{margin:4px 0 0;color:#dfe1e2}
main{max-width:1240px;margin:0 auto;padding:8px 32px 40px}
h2{font-size:21px;margin:34px 0 4px;border-top:2px solid #1d70b8;padding-top:14px}
p.desc{margin:0 0 12px;color:#383f43;max-width:70em}
.pair{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}
.pair>.tbl{flex:0 1 auto;overflow-x:auto}
.pair>figure{flex:1 1 420px;margin:0;max-width:620px}
svg.chart{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:14px}
caption{text-align:left;font-weight:bold;padding-bottom:4px}
th,td{padding:5px 10px;border-bottom:1px solid #b1b4b6;text-align:left;vertical-align:top}
thead th{background:#f3f2f1;border-bottom:2px solid #0b0c0c}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.s{color:#505a5f;font-style:italic}
tr.total th,tr.total td{font-weight:bold;border-top:2px solid #0b0c0c}
.meta{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:16px 0}
.meta dt{font-weight:bold}.meta dd{margin:0}
.key{display:flex;flex-wrap:wrap;gap:16px;margin:18px 0}
.key div{background:#f3f2f1;border-left:5px solid #1d70b8;padding:10px 16px;min-width:170px}
.key b{display:block;font-size:30px}
ul.notes li{margin:2px 0}
p.nochart{color:#505a5f;font-style:italic;margin:0}
footer{color:#505a5f;font-size:13px;margin-top:40px}
@media print{.pair{display:block}h2{break-before:auto}section{break-inside:avoid}}
"""


def _table_html(t: SummaryTable) -> str:
    frame = t.frame
    head = "".join(f'<th scope="col" class="{"n" if k else ""}">{html.escape(str(c))}</th>'
                   for k, c in enumerate([frame.index.name or "", *frame.columns]))
    body = []
    for label, row in frame.iterrows():
        cls = ' class="total"' if label == t.total_row else ""
        cells = []
        for v in row:
            kind = "n s" if isinstance(v, str) else "n"
            cells.append(f'<td class="{kind}">{html.escape(_fmt(v))}</td>')
        body.append(f'<tr{cls}><th scope="row">{html.escape(str(label))}</th>'
                    f'{"".join(cells)}</tr>')
    return (f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _key_figures(s: Summary) -> str:
    by_list = s.tables.get("by_list")
    if by_list is None:
        return ""
    frame = by_list.frame
    boxes: list[tuple[object, str]] = []
    if _ANY_LIST in frame.index:
        boxes.append((frame.loc[_ANY_LIST, "Children"], "children on the lists"))
    if s.flag_row is not None and s.flag_row in frame.index:
        row = frame.loc[s.flag_row]
        on = s.flag_row.removesuffix(", each child once")
        boxes.append((row["Flagged"], "children flagged CSA-FE"))
        boxes.append((row["% flagged"], f"% of children on {on[:1].lower()}{on[1:]} flagged"))
        if "Flagged per 10,000 children" in frame.columns:
            boxes.append((row["Flagged per 10,000 children"],
                          "flagged children per 10,000 children aged 0-17"))
    for label, words in s.highlights:
        if label in frame.index:
            boxes.append((frame.loc[label, "Flagged"], f"flagged children {words}"))
    return '<div class="key">' + "".join(
        f"<div><b>{html.escape(_fmt(v))}</b>{html.escape(t)}</div>" for v, t in boxes) + "</div>"


def _render_html(s: Summary) -> str:
    snaps = s.snapshots
    dates = ", ".join(fmt_date(x.as_of) for x in snaps)
    meta = [("Data as at", fmt_date(s.as_of) + (f" (snapshots: {dates})" if len(snaps) > 1
                                                else "")),
            ("Files", ", ".join(Path(f).name for f in s.files)),
            ("Small numbers", "suppressed: counts of 1 to 4 are shown as <5, a 0 beside a <5 in "
             "its row as [c], and other cells as [c] where they would let a small count be "
             "worked out, or as the range of large numbers the other figures confine them to "
             "(22-25)" if s.suppressed else
             "NOT suppressed: for internal use only, do not publish or share")]
    parts = [
        "<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>JTAI summary: children at risk of or subject to child sexual abuse in the "
        f"family environment, {fmt_date(s.as_of)}</title>",
        f"<style>{_CSS}</style>", "</head>", "<body>",
        "<header><h1>Children at risk of or subject to sexual abuse in the family "
        "environment</h1>",
        f"<p>JTAI case lists summary, data as at {fmt_date(s.as_of)}. Prevalence, who the "
        "children are, and their journey through children's services (guidance ESN 35; "
        "Annex A 1.2).</p></header>",
        "<main>",
        '<dl class="meta">' + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                                      for k, v in meta) + "</dl>",
        _key_figures(s),
    ]
    if s.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{html.escape(n)}</li>"
                                                    for n in s.notes) + "</ul>")
    for k, t in enumerate(s.tables.values()):
        chart = _trend_chart(t, f"c{k}") if t.kind == "trend" else _bar_chart(t, f"c{k}")
        figure = (f'<figure aria-label="{html.escape(t.title)}">{chart}</figure>' if chart
                  else '<p class="nochart">No chart: every figure in this table is hidden or '
                  "zero.</p>" if t.chart else "")
        parts.append(f'<section id="{t.name}"><h2>{html.escape(t.title)}</h2>'
                     f'<p class="desc">{html.escape(t.description)}</p>'
                     f'<div class="pair"><div class="tbl">{_table_html(t)}</div>{figure}</div>'
                     "</section>")
    legend = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
                     for k, v in SYMBOLS.items() if s.suppressed or k == "-")
    parts.append(f"<footer><p>Symbols:</p><ul>{legend}</ul><p>Charts show only the figures "
                 "their tables show: a hidden figure known to lie in a range (22-25, or <5 for "
                 "1 to 4) is drawn as a pale, dashed bar over that range; [c] is labelled, not "
                 "drawn. Charts are drawn by jtai itself (SVG), no plotting library. Made by jtai "
                 f"{html.escape(__version__)}. This page holds counts only: no child's ID or "
                 "details.</p></footer>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


# --------------------------------------------------------------------------- xlsx


_SHEETS = {
    "by_list": "By list", "by_age": "By age", "by_gender": "By gender",
    "by_ethnicity": "By ethnicity", "by_disability": "By disability", "by_team": "By team",
    "legal_status": "Legal status (list 8)", "primary_need": "Primary need (list 6)",
    "category_of_abuse": "Category of abuse (list 7)",
    "sexual_abuse_category": "Sexual abuse category", "journey": "Journey",
    "additional": "Additional fields", "trend": "Trend",
}


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", title)[:31].strip()
    base, k = name, 2
    while name.lower() in used:
        name = f"{base[:28]} {k}"
        k += 1
    used.add(name.lower())
    return name


def _write_xlsx(s: Summary, path: Path, inputs: Iterable[str | Path]) -> Path:
    """The summary tables as a workbook, through jtai's one xlsx writer (text stays text).

    Labels come from the lists (a team name may start with '='): written as text, never as
    a formula.
    """
    rows: list[list[object]] = [
        ["Children at risk of or subject to sexual abuse in the family environment"],
        ["Data as at", fmt_date(s.as_of)],
        ["Snapshots", ", ".join(fmt_date(x.as_of) for x in s.snapshots)],
        ["Files", ", ".join(Path(f).name for f in s.files)],
        ["Small numbers", "suppressed (<5 and [c])" if s.suppressed
         else "NOT suppressed: internal use only"],
        [],
    ]
    rows += [[k, v] for k, v in SYMBOLS.items() if s.suppressed or k == "-"]
    rows += [[]] + [["Note", n] for n in s.notes]
    rows += [[]] + [["Sheet", "Table"]]
    used = {"about"}
    names = {name: _sheet_name(_SHEETS.get(name, t.title), used) for name, t in s.tables.items()}
    rows += [[names[n], t.title] for n, t in s.tables.items()]

    with xlsx_output(path, list(inputs)) as wb:
        bold = wb.add_format({"bold": True})
        head = wb.add_format({"bold": True, "bg_color": "#F3F2F1"})
        right = wb.add_format({"align": "right"})
        right_1dp = wb.add_format({"align": "right", "num_format": "0.0"})
        bold_right = wb.add_format({"align": "right", "bold": True})
        bold_right_1dp = wb.add_format({"align": "right", "bold": True, "num_format": "0.0"})

        def put(ws: Any, r: int, c: int, v: object, fmt: Any = None) -> None:
            if v is None:
                if fmt is not None:
                    ws.write_blank(r, c, None, fmt)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v, fmt)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v, fmt)
            else:
                ws.write_string(r, c, str(v), fmt)

        about = wb.add_worksheet("About")
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                put(about, r, c, _plain(v))
        about.write_string(0, 0, str(rows[0][0]), wb.add_format({"bold": True, "font_size": 14}))
        about.set_column(0, 0, 24)
        about.set_column(1, 1, 100)

        for name, t in s.tables.items():
            ws = wb.add_worksheet(names[name])
            ws.write_string(0, 0, t.title, wb.add_format({"bold": True, "font_size": 13}))
            ws.write_string(1, 0, t.description)
            header = [t.frame.index.name or "", *[str(c) for c in t.frame.columns]]
            for c, v in enumerate(header):
                ws.write_string(3, c, v, head)
            for r, (label, values) in enumerate(t.frame.iterrows(), start=4):
                total = label == t.total_row
                ws.write_string(r, 0, str(label), bold if total else None)
                for c, v in enumerate(values, start=1):
                    if isinstance(v, float):
                        fmt = bold_right_1dp if total else right_1dp
                    else:
                        fmt = bold_right if total else right
                    put(ws, r, c, "-" if v is None else _plain(v), fmt)
            ws.set_column(0, 0, max(18, min(60, max(
                len(str(x)) for x in [header[0], *t.frame.index]) + 2)))
            for j, col in enumerate(t.frame.columns, start=1):
                ws.set_column(j, j, max(10, len(str(col)) + 2))
            ws.freeze_panes(4, 1)
    return path
