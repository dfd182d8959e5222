"""Load the lists and check them as ``validate`` does: the one step every command starts with.

``summary``, ``shortlist``, ``tracking`` and ``filter`` work on the typed values of the lists.
A cell that could not be read (a date such as 31/02/2024, a code not in its list, an Excel
error) has no typed value: those commands see it as blank. :func:`load_checked` reads the
lists as ``validate`` does and keeps where such cells are, so that each command can say how
many cells it treated as blank, and where, instead of dropping them silently. Only
coordinates are kept (list, sheet, column, rows), never a cell's value.

``Checked.report`` is the report ``validate`` gives for the same files read together. Its
rules run when it is first asked for, not before: the commands above need only what reading
found, and on ``examples/lists_messy.xlsx`` the rules take about 0.7 seconds where reading
takes 0.25.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .checks import run_checks
from .excel_names import column_letter
from .model import Dataset
from .parsing import ERROR
from .reporting import ValidationReport
from .schemas import SchemaSet
from .validation import Progress, load_dataset

__all__ = ["Checked", "UnreadableCells", "load_checked", "unreadable_cells", "unreadable_note"]


@dataclass(frozen=True)
class UnreadableCells:
    """The cells of one column of one list that could not be read."""

    file: str
    sheet: str
    #: The list's short name: "List 6", "YOT list".
    list: str
    #: The column's header as written in the file.
    column: str
    #: The column's letter in the sheet ("D").
    letter: str
    #: Excel row numbers, in order.
    rows: tuple[int, ...]

    def describe(self, max_rows: int = 3) -> str:
        """ "List 6 (sheet 'List_6') column D 'Date of Birth': rows 4, 9 and 2 more"."""
        shown = ", ".join(str(r) for r in self.rows[:max_rows])
        more = len(self.rows) - max_rows
        rows = f"row{'s' if len(self.rows) > 1 else ''} {shown}" + (
            f" and {more} more" if more > 0 else "")
        return (f"{self.list} (sheet '{self.sheet}') column {self.letter} "
                f"'{self.column.strip()}': {rows}")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"file": self.file, "sheet": self.sheet, "list": self.list,
                "column": self.column, "rows": list(self.rows)}


def unreadable_cells(data: Dataset) -> tuple[UnreadableCells, ...]:
    """Every column holding cells that could not be read, in the order the lists were read."""
    out: list[UnreadableCells] = []
    for pl in data.lists:
        for header, parsed in pl.parsed.items():
            bad = np.flatnonzero(parsed.state == ERROR)
            if not len(bad):
                continue
            out.append(UnreadableCells(
                pl.file, pl.sheet, pl.label, pl.written.get(header, header),
                column_letter(pl.positions[header]) if header in pl.positions else "?",
                tuple(int(r) for r in pl.excel_rows[bad])))
    return tuple(out)


def unreadable_note(cells: Sequence[UnreadableCells], *, max_columns: int = 3) -> str | None:
    """One sentence: how many cells could not be read and were taken as blank, and where.

    None when every cell was read.

    Example:
        >>> unreadable_note([UnreadableCells("a.xlsx", "List_6", "List 6", "Date of Birth",
        ...                                  "F", (4, 9))])
        "2 cells could not be read and were taken as blank: List 6 (sheet 'List_6') column F \
'Date of Birth': rows 4, 9 (jtai validate says what is wrong with each)"
    """
    total = sum(len(c.rows) for c in cells)
    if not total:
        return None
    where = "; ".join(c.describe() for c in cells[:max_columns])
    if len(cells) > max_columns:
        where += f"; and in {len(cells) - max_columns} more column" + (
            "s" if len(cells) - max_columns > 1 else "")
    return (f"{total:,} cell{'s' if total != 1 else ''} could not be read and "
            f"{'were' if total != 1 else 'was'} taken as blank: {where} "
            "(jtai validate says what is wrong with each)")


@dataclass
class Checked:
    """The lists as read, the cells that could not be read, and what ``validate`` finds.

    Attributes:
        dataset: the parsed lists every command works on.
        unreadable: the columns with cells that could not be read, and their rows.
    """

    dataset: Dataset
    unreadable: tuple[UnreadableCells, ...]
    _checked: bool = field(default=False, repr=False)

    @cached_property
    def report(self) -> ValidationReport:
        """The report ``validate`` gives for these files read together (rules run once, now)."""
        data = self.dataset
        if not self._checked:
            run_checks(data)
            self._checked = True
        return ValidationReport(data.files, data.as_of, data.sheets, data.findings.frame(),
                                data.as_of_source, as_of_first=data.as_of_window[0])

    def errors_note(self, where: str = "") -> str | None:
        """"the lists have 21 errors: see jtai validate", or None when they have none.

        For the commands that rest on the lists without refusing them (``shortlist``,
        ``summary``, the page), as ``export`` refuses them. ``where``: the file(s), when the
        sentence must name them. Runs the rules (once) if they have not run.
        """
        n = self.report.counts()["error"]
        if not n:
            return None
        noun = "error" if n == 1 else "errors"
        lists = f"the lists in {where}" if where else "the lists"
        return (f"{lists} have {n:,} {noun}: see jtai "
                f"validate{' ' + where if where else ''}. What follows rests on them as they are")

    @property
    def unreadable_count(self) -> int:
        """How many cells could not be read."""
        return sum(len(c.rows) for c in self.unreadable)

    @property
    def note(self) -> str | None:
        """The sentence each command shows about the cells it took as blank; None if none."""
        return unreadable_note(self.unreadable)


def load_checked(
    paths: str | Path | Sequence[str | Path],
    *,
    as_of: dt.date | str | None = None,
    schemas: SchemaSet | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    keep_rows: bool = False,
) -> Checked:
    """Read the lists as ``validate`` does, as one set of lists, and find unreadable cells.

    Args:
        paths: one file or several; their lists are read together.
        as_of: the day the lists were extracted (see ``validate_workbook``).
        schemas: the list schemas (default: the shipped ones).
        today: the day of the check (default: the computer's date).
        progress: called as ``progress(step, done, total)`` while reading.
        keep_rows: keep every sheet's raw rows (see ``load_dataset``).

    Returns:
        The lists and the cells that could not be read; ``report`` runs the rules.

    Raises:
        JtaiError: a file cannot be used at all.

    Example:
        >>> checked = load_checked("examples/lists_messy.xlsx")
        >>> checked.unreadable_count > 0 and not checked.report.valid
        True
    """
    data = load_dataset(paths, as_of=as_of, schemas=schemas, progress=progress,
                        keep_rows=keep_rows, today=today)
    return Checked(data, unreadable_cells(data))
