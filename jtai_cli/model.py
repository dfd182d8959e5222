"""What every command works on: the lists read from the files, before and after the rules.

``Dataset`` holds every list of one check (``validation.load_dataset`` builds it); each list is
a ``ParsedList`` (its cells as written in ``RawCells``, its typed values, where each came from).
Nothing here reads a file or runs a rule, so the rules (``checks``) and the loading
(``validation``) both import it without importing each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .extraction import AsOf, combine
from .parsing import ParsedColumn
from .reading import Workbook
from .reporting import FindingsBuilder, SheetInfo
from .schemas import ListSchema, SchemaSet


class RawCells(Mapping[str, np.ndarray]):
    """A list's cells as written, by canonical header, rebuilt on demand.

    Each column keeps only its distinct values and one small integer per row (from
    ``parse_column``), so the original cell objects of a million-row sheet can be freed once
    parsed; ``raw[header]`` gives the full column back when a rule or an output needs it.
    """

    def __init__(self, parsed: dict[str, ParsedColumn]):
        self._parsed = parsed

    def __getitem__(self, header: str) -> np.ndarray:
        p = self._parsed[header]
        pool = np.empty(len(p.uniques) + 1, dtype=object)
        pool[:-1] = p.uniques
        pool[-1] = None  # an empty cell
        cells: np.ndarray = pool[p.codes]
        return cells

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed)

    def __len__(self) -> int:
        return len(self._parsed)


@dataclass
class ParsedList:
    """One sheet read as one list: raw cells, typed values and where each came from."""

    file: str
    sheet: str
    schema: ListSchema
    header_row: int
    excel_rows: np.ndarray
    written: dict[str, str]
    positions: dict[str, int]
    raw: RawCells
    parsed: dict[str, ParsedColumn]
    typed: pd.DataFrame
    keys: pd.Series
    order: tuple[int, int]
    from_text: bool = False

    @property
    def name(self) -> str:
        """The schema name (children_in_need, ...)."""
        return self.schema.name

    @property
    def label(self) -> str:
        """Short name for messages: 'List 6' or the list's title (``ListSchema.label``)."""
        return self.schema.label

    def column_order(self, header: str) -> int:
        """Position of a canonical column in the file (for sorting findings)."""
        return self.positions.get(header, -1)

    def where(self, row_pos: int) -> str:
        """Plain reference to a row: "List 7 (sheet 'List_7') row 12"."""
        return f"{self.label} (sheet '{self.sheet}') row {int(self.excel_rows[row_pos])}"


@dataclass
class Dataset:
    """All lists read from one or more files, before the rules run."""

    files: list[str]
    as_of: dt.date
    lists: list[ParsedList]
    sheets: list[SheetInfo]
    findings: FindingsBuilder
    schemas: SchemaSet
    workbooks: list[Workbook] = field(default_factory=list)
    as_of_source: str = "given"
    #: The first day of the extraction window (None: ``as_of`` is the one date).
    as_of_first: dt.date | None = None
    #: Each list's own date or window, by (file, sheet), where it differs from the dataset's.
    list_as_of: dict[tuple[str, str], AsOf] = field(default_factory=dict)
    #: Each list's own rules have run already (as it was read: ``load_dataset`` with the
    #: as-of date given); ``run_checks`` then runs only the rules across lists.
    lists_checked: bool = False

    @property
    def as_of_window(self) -> tuple[dt.date, dt.date]:
        """The first and last day the lists may have been extracted on (equal when exact)."""
        return (self.as_of_first or self.as_of, self.as_of)

    @property
    def as_of_exact(self) -> bool:
        """True when one date holds for every list (given, or from the titles)."""
        return (self.as_of_first in (None, self.as_of)
                and all(a.is_exact and a.last == self.as_of for a in self.list_as_of.values()))

    def as_of_for(self, pl: ParsedList) -> AsOf:
        """The date or window this list is judged on, and why (see ``extraction``).

        The one answer every command uses: ``validate``'s rules, the ages ``shortlist``,
        ``summary`` and ``tracking`` count, ``filter``'s look-back periods and the titles
        ``merge`` and ``export`` write.
        """
        own = self.list_as_of.get((pl.file, pl.sheet))
        if own is not None:
            return own
        first, last = self.as_of_window
        return AsOf(first, last, self.as_of_source)

    def dates_of(self, names: Iterable[str]) -> dict[str, AsOf]:
        """Each named list's date or window, for its title in a workbook jtai writes.

        A list read from several sheets or files extracted on different days gets the span
        of their dates (``extraction.combine``); a name with no list read is left out.
        """
        out: dict[str, AsOf] = {}
        for name in names:
            parts = sorted(self.of(name), key=lambda pl: pl.order)
            found = combine(self.as_of_for(pl) for pl in parts)
            if found is not None:
                out[name] = found
        return out

    def window(self, pl: ParsedList) -> tuple[dt.date, dt.date]:
        """The first and last day this list may have been extracted on."""
        a = self.as_of_for(pl)
        return (a.first, a.last)

    def age_day(self, pl: ParsedList) -> dt.date:
        """The day a child's age on this list is counted at outside the rules (a shortlist,
        a summary's age bands): the first day the list may have been extracted on.

        ``validate`` accepts an age right on any day of the window, and a case open on the
        extraction day is a child's if the child was under 18 on its first day; counting
        on the first day keeps the other commands to the same verdict (a child who turned 18
        after the extraction is still a child of the lists).
        """
        return self.window(pl)[0]

    def of(self, name: str) -> list[ParsedList]:
        """The parsed lists with this schema name."""
        return [pl for pl in self.lists if pl.name == name]

    def numbered(self, number: int) -> list[ParsedList]:
        """The parsed lists with this ILACS list number (8 covers both forms)."""
        return [pl for pl in self.lists if pl.schema.list_number == number]
