"""Small-number suppression: which cells of a count table to hide, and what is shown instead.

Small numbers are suppressed as UK official statistics do it: a count from 1 to 4 is shown as
"<5", and further cells are hidden ("[c]") until no hidden count can be worked out from the
published cells and totals, by subtraction or otherwise. A 0 beside a "<5" in the same row is
hidden too: it would say that every child of that group shares (or lacks) the flag. A hidden
cell that the published figures already confine to a range of large numbers (the complement of
a "<5" in a row with its total) is shown as that range ("22-25"), which reveals nothing more, so
that it does not look like a small number. Rates are shown only when the counts behind them are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np

#: Counts from 1 to THRESHOLD - 1 are suppressed.
#: The row that counts each child once, whatever lists they are on.
ANY_LIST = "Any list, each child once"
#: What a flag count is not (said on the page and in the workbook).
NOT_PREVALENCE = (
    "These are the children the lists flag, not how many children are abused: only one in eight "
    "sexually abused children come to the attention of statutory authorities (guidance para 3), "
    "and recording may not identify all cases (para 13). A flag rate is not a prevalence.")
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


def plain(v: object) -> object:
    """A shown value as plain Python (numpy numbers to int and float, NaN to None)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


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
