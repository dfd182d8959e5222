"""What ``summarise`` returns: the published tables, the snapshots they describe, and notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jtai_cli._files import write_text_atomic

from .disclosure import SYMBOLS, THRESHOLD, plain
from .html import render_html
from .xlsx import write_xlsx

SCHEMA_VERSION = 1
#: Row of the table by list that counts each child once, on any list.


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
            "rows": [{"label": str(label), "values": {str(c): plain(v) for c, v in row.items()}}
                     for label, row in self.frame.iterrows()],
        }


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
        return render_html(self)

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
        return Path(write_xlsx(self, Path(path), self.files if inputs is None else inputs))
