"""What reading hands back: each sheet's cells as the file holds them, and the file's sheets."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

_TEMPLATE_INFO_SHEETS = {"front sheet", "faq and changes", "guidance", "codes used"}


#: A sheet's cells as rows, and its merged ranges (see ``RawSheet``).
_Cells = tuple[list[list[object]], list[tuple[int, int, int, int]]]


@dataclass
class RawSheet:
    """One sheet (or one CSV file) as cells, exactly as read.

    ``rows[i]`` is Excel row ``i + 1``; ``rows[i][j]`` is column ``j + 1``. Rows may differ in
    length (a cell past a row's end is empty): a CSV's blank lines, and the empty rows of a
    sheet read without its grid (``sparse``), hold no cells, and one empty list may stand for
    many of them, so a row is never changed in place past its end. ``formula_cells``
    holds (Excel row, 0-based column) of the first ``limits.FORMULA_CELLS_KEPT`` cells that hold a
    formula (their values are the ones Excel last calculated); ``formula_count`` counts them
    all. ``merged`` holds each merged range as (first row, first column, last row, last
    column), rows 1-based and columns 0-based: Excel keeps a merged range's value in its
    first cell only, and so does ``rows``.
    """

    file: str
    name: str
    rows: list[list[object]]
    hidden: bool = False
    from_text: bool = False
    notes: list[str] = field(default_factory=list)
    formula_cells: list[tuple[int, int]] = field(default_factory=list)
    formula_count: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    loader: Callable[[], _Cells] | None = field(default=None, repr=False)
    _pending: Future[_Cells] | None = field(default=None, repr=False)

    def prefetch(self, reader: Executor) -> None:
        """Start reading a lazy sheet's cells on ``reader`` (a thread) while other work goes on.

        The Rust reader lets go of Python's lock while it parses a sheet, so the next sheet is
        read on the second core while this one is parsed and checked. ``load`` then waits for
        it; a reader error is raised there, as without prefetching.
        """
        if self.loader is not None and not self.rows and self._pending is None:
            self._pending = reader.submit(self.loader)

    def load(self) -> None:
        """Read the cells now, for a sheet read lazily (``read_workbook(..., lazy=True)``)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.rows, self.merged = pending.result()
        elif self.loader is not None and not self.rows:
            self.rows, self.merged = self.loader()

    @property
    def is_template_info(self) -> bool:
        """True for the Ofsted template's Front_Sheet, Guidance, FAQ and Codes_used tabs."""
        # lazy: schemas loads pydantic and YAML, which sniffing a file never needs
        from jtai_cli.schemas import normalise

        return normalise(self.name) in _TEMPLATE_INFO_SHEETS


@dataclass
class Workbook:
    """Every sheet of one input file."""

    path: Path
    kind: str
    sheets: list[RawSheet]
