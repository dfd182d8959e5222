"""The limits every file is held to, and what the pre-read scan measures against them.

Modules read a limit as ``limits.NAME`` where they use it, so that a test lowers it in one place.

What the limits bound, by construction:

- **Counted cells**, ``MAX_READ_CELLS`` for the whole file: the scan counts the cells really
  written as the XML streams, sheet after sheet, and refuses at the sheet where the total
  passes the limit, before the reader sees it (a CSV: as its rows are parsed; Parquet: from its
  footer). So no file makes jtai read more than 16.8 million cells, however its parts are
  sized against the zip checks.
- **The grid a sheet is read as**: at most ``MAX_CELLS`` from A1 (a sheet past it is refused,
  naming its far cell). Within it, a sheet whose cells fill the grid costs about 40 bytes a
  grid cell while the reader holds it; one whose few cells lie far apart (``sparse``) costs
  its cells and a pointer a row, never the grid. A CSV's blank lines cost nothing until a row
  with a value follows them, then a pointer each.
- **What remains is per cell**, and depends on what the cells hold: about 100 bytes a cell for
  real lists (measured on the 600,370-row benchmark workbook: 6.7 million cells, 0.7 GB peak,
  so a file of real lists at the limit stays near 2 GB), up to about 450 bytes a cell when
  every cell is a different wrong value (each is a finding with its own message): the worst
  file at the limit would take about 7 GB and a few minutes. The command's child process runs
  under an address-space limit (``jtai_cli._bounded``), so even that ends in one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Refuse a workbook whose parts would expand past this many bytes in all (zip-bomb guard).
#: A 1,048,576-row sheet of 40 columns is about 1.5 GB of XML; 4 GB leaves room for that.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
#: Refuse a zip part that expands more than this many times its stored size once it is past
#: ``RATIO_FROM`` bytes. Real sheet XML compresses about 10 times (measured: 9.8-10.6 on the
#: generated LA workbook; Excel's own sheets 8-30); bombs compress 1000s of times.
MAX_RATIO = 100
RATIO_FROM = 32 * 1024**2
#: A workbook with more sheets than this is refused: no real return has more than a few dozen,
#: and each sheet costs time and memory whether or not it holds a list.
MAX_SHEETS = 500
#: Excel's most characters in one cell. A shared string (or a cell's text) whose XML runs past
#: ``MAX_TEXT_XML`` bytes (room for 32,767 characters, escaped, in rich-text runs) is refused.
EXCEL_MAX_TEXT = 32_767
MAX_TEXT_XML = 2 * 1024**2
#: The most cells an .ods may expand to once its repeated cells are counted out: the reader
#: makes every repeat a cell of its own (1.1 KB can repeat a value over 33 million cells).
MAX_ODS_CELLS = 8 * 1024**2
#: Refuse a zip with more parts than this (a workbook has tens).
MAX_PARTS = 10_000
#: The largest grid (rows times columns, counted from A1) a sheet may span: 1,048,576 rows of
#: 32 columns. A sheet over it is refused, naming the cell that makes it so big. Within it, a
#: sheet whose cells fill the grid is read as a grid (about 40 bytes a cell of the grid while
#: it is read); one whose few cells lie far apart (a stray value in AF1048576) is read at the
#: cost of its cells (``sparse``).
MAX_CELLS = 1_048_576 * 32
#: The most cells one file may hold, counted as the scan streams them (every sheet together;
#: a CSV's cells, and its blank lines before a row with a value; a Parquet file's rows times
#: columns). What a cell costs depends on what it holds (measured, ``jtai validate`` in one
#: process, peak resident memory): the benchmark's 600,370-row workbook (6.7 million cells of
#: real, messy lists) 0.6-0.8 GB, about 100 bytes a cell; a workbook whose every cell is a
#: different wrong value, about 450 bytes a cell (2.1 million cells: 0.94 GB). So this keeps a
#: file of real lists within about 2 GB, and the worst content within about 7 GB; the time
#: is about 5 s per million real cells, up to 15 s when every cell is a different wrong value.
MAX_READ_CELLS = 16 * 1024**2
#: Refuse a CSV file larger than this. Its bytes and their text are held together while it is
#: decoded: twice this, or five times if one character outside Unicode's first plane makes
#: Python hold the text at four bytes a character. A real list is about 10 bytes a cell, so
#: ``MAX_READ_CELLS`` cells of it take about 170 MB.
MAX_TEXT_BYTES = 256 * 1024**2
#: Formula cells remembered per sheet (all are counted).
FORMULA_CELLS_KEPT = 1_000
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


@dataclass
class _Scan:
    """What the pre-read pass learned about one sheet."""

    max_row: int = 0  # 1-based; 0 when the sheet has no cells
    max_col: int = 0  # 1-based
    far_row: str = ""  # a cell reference that sets max_row (for the message)
    far_col: str = ""
    exact: bool = True  # False when max_row/max_col are upper bounds only
    formulas: list[tuple[int, int]] = field(default_factory=list)
    formula_count: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    cells: int = 0  # cell elements counted as they streamed (an .ods: cells after repeats)
    #: The largest row number the quick scan saw at the end of a piece of XML (Excel writes
    #: rows in order): with the cell count, it tells a sparse sheet (``sparse.is_sparse``).
    #: The quick scan's ``max_row`` and ``max_col`` are bounds (a tier), not the used area.
    last_row: int = 0
    last_col: int = 0  # the same for the column of the last cell of a piece
    part: str = ""  # the zip part that holds the sheet (an .xlsx)
    sheet_parts: tuple[str, ...] = ()  # every sheet's part in the workbook (an .xlsx)

    @property
    def area(self) -> int:
        return self.max_row * self.max_col
