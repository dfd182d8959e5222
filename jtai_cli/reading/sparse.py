"""Read a sheet whose few cells lie far apart, at the cost of its cells, not of their area.

The reader (calamine) lays a sheet out as a grid from its first cell to its last: one stray
value in AF1048576 beside a three-row list is a grid of 33.5 million cells (1.4 GB, for a 2 KB
file). When the pre-read scan shows a sheet's cells fill only a small part of the area they
span (``is_sparse``), the sheet is read here instead:

1. its XML is walked once, tag by tag, to find the rows and columns that hold a cell, placing
   every cell exactly as the reader would (``xmlscan``'s exact walk: references, or the order
   of cells and rows without them);
2. the XML is walked again and each cell's reference rewritten to its place in a grid of just
   those rows and columns (cells with no value, which the reader skips, are dropped), and the
   reader reads that sheet, in a copy of the workbook held in memory whose other sheets are
   left empty: every value is read by the same reader as any other sheet;
3. its rows are put back at their Excel row numbers, each cell at its Excel column. Rows with
   no cell are one shared empty list, and each row is as long as its last cell: the cost is
   the cells, plus a pointer for each row up to the last.

Only an .xlsx comes here (an .ods's repeats are bounded by ``limits.MAX_ODS_CELLS``, and an .xls
by its 65,536 x 256 grid). Nothing is written to disk: the copy lives in memory and holds only
the parts the reader needs.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jtai_cli.errors import WorkbookUnreadable
from jtai_cli.excel_names import column_index, column_letter

from . import limits
from .limits import _Scan
from .xmlscan import _ATTR_R, _CELL_REF, _pieces

#: A grid smaller than this is read as it is (at most about 250 MB); past it, a sheet whose
#: cells fill less than one part in ``SPARSE_RATIO`` of it is read here.
SPARSE_FROM = 4 * 1024**2
SPARSE_RATIO = 8
#: Rewriting the XML costs about 20 microseconds a cell: past this many cells a sheet is read
#: as a grid (at most ``limits.MAX_CELLS`` of them, about 1.5 GB) rather than for seconds.
SPARSE_MOST_CELLS = 250_000

#: The opening or closing tag of a row or a cell: (slash, prefix, name, attributes). Attribute
#: values cannot hold '<', so no match runs past the next tag.
_TAG = re.compile(
    rb"<(/?)((?:[A-Za-z_][\w.\-]*:)?)(row|c)(?=[\t\n\r />])"
    rb"((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
)
_MERGE = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell[\t\n\r ][^<>]*?ref[\t\n\r ]*=[\t\n\r ]*[\"']"
    rb"([A-Za-z]{1,3}[0-9]{1,7}):([A-Za-z]{1,3}[0-9]{1,7})[\"']"
)
_BINARY = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".tif", ".tiff", ".bmp",
           ".wdp", ".jfif")

#: A row with no cell, shared by every such row of a sparse sheet (never written to: a row's
#: cells are only ever changed where the row has them).
NO_CELLS: list[object] = []


def is_sparse(scan: _Scan) -> bool:
    """Whether reading the sheet as a grid would cost far more than its cells.

    The quick scan's area is a bound; the rows and columns it saw at the ends of its pieces
    of XML are the estimate used here (an estimate too small reads the grid, within the
    bound; too large, the cells are read here, as they are).
    """
    if scan.exact:
        rows, cols = scan.max_row, scan.max_col
    else:
        rows, cols = max(scan.last_row, 1), max(scan.last_col, 1)
    area = rows * cols
    return (area > SPARSE_FROM and area > SPARSE_RATIO * max(scan.cells, 1)
            and scan.cells <= SPARSE_MOST_CELLS)


class _Walk:
    """Where the reader puts each cell, tag by tag (as ``xmlscan``'s exact walk does)."""

    def __init__(self, p: Path, sheet: str):
        self.p, self.sheet = p, sheet
        self.row_index = 0
        self.col_index = 0

    def damaged(self) -> WorkbookUnreadable:
        return WorkbookUnreadable(
            f"sheet '{self.sheet}' changed between its check and its reading, or holds a cell "
            "reference no spreadsheet program writes: open it in Excel and save it again",
            file=self.p)

    def row(self, attrs: bytes) -> None:
        r = _ATTR_R.search(attrs)
        if r:
            digits = r.group(2).strip()
            if not digits.isdigit() or len(digits) > 7:
                raise self.damaged()
            self.row_index = max(int(digits) - 1, 0)
        self.col_index = 0
        if attrs.rstrip().endswith(b"/"):
            self.row_index += 1

    def end_row(self) -> None:
        self.row_index += 1
        self.col_index = 0

    def cell(self, attrs: bytes) -> tuple[int, int]:
        """The cell's (0-based row, 0-based column)."""
        r = _ATTR_R.search(attrs)
        if r:
            cm = _CELL_REF.fullmatch(r.group(2).strip())
            if cm is None:
                raise self.damaged()
            letters, digits = cm.group(1), cm.group(2)
            col = column_index(letters.decode("ascii")) if letters else self.col_index
            row = max(int(digits) - 1, 0)
        else:
            row, col = self.row_index, self.col_index
        if row >= limits.EXCEL_MAX_ROWS or col >= limits.EXCEL_MAX_COLUMNS:
            raise self.damaged()
        self.col_index = col + 1
        return row, col


def _used(p: Path, sheet: str, xml: Callable[[], Iterator[bytes]]) -> tuple[list[int], list[int],
                                                                             list[bytes]]:
    """The rows and columns (0-based, ascending) that hold a cell, and the merged ranges."""
    walk = _Walk(p, sheet)
    rows: set[int] = set()
    cols: set[int] = set()
    merged: list[bytes] = []
    for piece in _pieces(xml(), p, sheet):
        for m in _TAG.finditer(piece):
            closing, name, attrs = m.group(1), m.group(3), m.group(4)
            if name == b"row":
                if closing:
                    walk.end_row()
                else:
                    walk.row(attrs)
            elif not closing:
                row, col = walk.cell(attrs)
                if not attrs.rstrip().endswith(b"/"):
                    rows.add(row)
                    cols.add(col)
        if b"mergeCell" in piece:
            merged.extend(m.group(0) for m in _MERGE.finditer(piece))
    return sorted(rows), sorted(cols), merged


def _compact(p: Path, sheet: str, xml: Callable[[], Iterator[bytes]], row_at: dict[int, int],
             col_at: dict[int, int]) -> Iterator[bytes]:
    """The sheet's XML with each cell moved to its place in the compact grid."""
    walk = _Walk(p, sheet)

    def rewrite(m: re.Match[bytes]) -> bytes:
        closing, prefix, name, attrs = m.group(1), m.group(2), m.group(3), m.group(4)
        empty = attrs.rstrip().endswith(b"/")
        if name == b"row":
            if closing:
                walk.end_row()
                return m.group(0)
            walk.row(attrs)
            if empty:
                return b""
            # The cells carry their own references: the row's is dropped.
            return b"<" + prefix + b"row" + _ATTR_R.sub(b"", attrs, count=1) + b">"
        if closing:
            return m.group(0)
        row, col = walk.cell(attrs)
        if empty:
            return b""  # no value: the reader skips it, and so does the compact grid
        ref = f' r="{column_letter(col_at[col])}{row_at[row] + 1}"'.encode("ascii")
        return b"<" + prefix + b"c" + _ATTR_R.sub(b"", attrs, count=1) + ref + b">"

    for piece in _pieces(xml(), p, sheet):
        yield _TAG.sub(rewrite, piece)


def _merged(refs: list[bytes]) -> list[tuple[int, int, int, int]]:
    """Merged ranges as ``RawSheet.merged`` holds them (rows 1-based, columns 0-based)."""
    out = []
    for ref in refs:
        m = _MERGE.search(ref)
        if m is None:
            continue
        a, b = _CELL_REF.fullmatch(m.group(1)), _CELL_REF.fullmatch(m.group(2))
        if a is None or b is None:
            continue
        out.append((int(a.group(2)), column_index(a.group(1).decode("ascii")),
                    int(b.group(2)), column_index(b.group(1).decode("ascii"))))
    return out


def sparse_cells(p: Path, name: str, scan: _Scan, open_book: Callable[[Any], Any]
                 ) -> tuple[list[list[object]], list[tuple[int, int, int, int]]]:
    """A sparse sheet's rows (at their Excel rows and columns) and merged ranges.

    ``open_book(filelike)`` opens a workbook held in memory with the reader.
    """
    with zipfile.ZipFile(p) as zf:
        info = zf.getinfo(scan.part)

        def xml() -> Iterator[bytes]:
            with zf.open(info) as fh:
                while chunk := fh.read(1024**2):
                    yield chunk

        used_rows, used_cols, merge_refs = _used(p, name, xml)
        row_at = {r: i for i, r in enumerate(used_rows)}
        col_at = {c: j for j, c in enumerate(used_cols)}
        buf = io.BytesIO()
        sheets = set(scan.sheet_parts)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for other in zf.infolist():
                if other.is_dir() or other.filename.lower().endswith(_BINARY):
                    continue
                with out.open(other.filename, "w") as dst:
                    if other.filename == scan.part:
                        for piece in _compact(p, name, xml, row_at, col_at):
                            dst.write(piece)
                    elif other.filename in sheets:
                        dst.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="'
                                  b'http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                  b"<sheetData/></worksheet>")
                    else:
                        with zf.open(other) as src:
                            while chunk := src.read(1024**2):
                                dst.write(chunk)
    buf.seek(0)
    book = open_book(buf)
    try:
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        book.close()
    del buf
    if not used_rows:
        return [], _merged(merge_refs)
    # An error cell (#N/A) reads as empty; its text is filled in afterwards, so its row must
    # reach it.
    errors: dict[int, int] = {}
    for (r1, c0) in scan.errors:
        errors[r1 - 1] = max(errors.get(r1 - 1, 0), c0 + 1)
    rows: list[list[object]] = [NO_CELLS] * (used_rows[-1] + 1)
    for i, r in enumerate(used_rows):
        values = grid[i] if i < len(grid) else []
        last = len(values) - 1
        while last >= 0 and values[last] in ("", None):
            last -= 1
        width = max(used_cols[last] + 1 if last >= 0 else 0, errors.get(r, 0))
        if not width:
            continue
        row: list[object] = [""] * width
        for j in range(last + 1):
            row[used_cols[j]] = values[j]
        rows[r] = row
    while rows and rows[-1] is NO_CELLS:
        rows.pop()
    return rows, _merged(merge_refs)
