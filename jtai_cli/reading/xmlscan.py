"""Scan a worksheet's XML as it streams, before the reader sees it.

A single value in cell XFD1048576 makes the reader allocate a cell for every position up to it
(17 billion), so the scan finds each sheet's used area (rows times columns, from A1) from the
cell references, and notes formula cells and error cells (#N/A) on the way. It proves a bound
with a few searches where it can (``_TIERS``) and walks tag by tag where it cannot.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from pathlib import Path

from jtai_cli.errors import WorkbookTooLarge, WorkbookUnreadable
from jtai_cli.excel_names import column_index, column_letter

from . import limits
from .limits import _Scan
from .refusals import _entities, _too_many_elements, _too_many_in_all

_MAX_TAG_BYTES = 16 * 1024**2  # no real sheet XML goes this far without a '<'


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
#: <c r="K7" t="e">...<v>#N/A</v>: an error cell's tag (never past the next '<'), its type,
#: the end of the cell and its value.
_CELL_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[\t\n\r ]([^<>]*)>")
_ERROR_TYPE = re.compile(rb'(?:^|[\t\n\r ])t[\t\n\r ]*=[\t\n\r ]*["\']e["\']')
_CELL_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?c>")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?v>([^<]{1,40})</")


def _pieces(stream: Iterator[bytes], p: Path, part: str) -> Generator[bytes, None, None]:
    """Re-cut a stream of XML bytes so that every piece ends just before a '<'.

    No tag is then split between pieces, so patterns that match inside one tag match exactly
    once.
    """
    carry = b""
    for chunk in stream:
        buf = carry + chunk if carry else chunk
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_TAG_BYTES:
                raise WorkbookUnreadable(
                    f"part '{part}' holds over {_MAX_TAG_BYTES // 1024**2} MB without a single "
                    "XML tag, which no real workbook does: it is damaged or not a workbook",
                    file=p,
                )
            carry = buf
            continue
        carry = buf[cut:]
        yield buf[:cut]
    if carry:
        yield carry


# Row numbers up to Excel's last row, 1,048,576, and up to 99,999.
_ROWS_EXCEL = rb"(?:[0-9]{1,6}|10[0-3][0-9]{4}|104[0-7][0-9]{3}|1048[0-4][0-9]{2}|10485[0-6][0-9]" \
    rb"|104857[0-6])"
_ROWS_5 = rb"[0-9]{1,5}"
#: The quick bounds: (column letters allowed, rows allowed, the bound they prove). A piece of
#: sheet XML none of whose cell tags differs from `<c r="B12"` with such a reference holds
#: cells within that bound. Every bound is at most ``limits.MAX_CELLS``.
_TIERS = (
    (rb"[A-Z]", _ROWS_5, 99_999, 26),
    (rb"[A-Z]", _ROWS_EXCEL, limits.EXCEL_MAX_ROWS, 26),
    (rb"(?:[A-Z]|[A-K][A-Z])", _ROWS_5, 99_999, 312),
    (rb"(?:[A-Z]|A[A-F])", _ROWS_EXCEL, limits.EXCEL_MAX_ROWS, 32),
)
_CELL_START = re.compile(rb"<([A-Za-z_][\w.\-]*:)?c[\t\n\r />]")
_ATTR_R = re.compile(rb"(?:^|[\t\n\r ])r[\t\n\r ]*=[\t\n\r ]*([\"'])(.*?)\1", re.DOTALL)
# Attribute values cannot hold '<', so no match runs past the next tag: the walk is linear.
_TAG = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|f)(?=[\t\n\r />])"
    rb"((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
)
_CELL_REF = re.compile(rb"([A-Za-z]{0,3})([0-9]{1,7})")


class _Patterns:
    """The quick scan's searches for one way of writing cell tags (``<c`` or ``<x:c``)."""

    _cache: dict[bytes, _Patterns] = {}

    def __init__(self, prefix: bytes):
        c = b"<" + re.escape(prefix) + b"c"
        self.tag = b"<" + prefix + b"c"
        self.counted = self.tag + b' r="'
        self.tiers = [
            (re.compile(c + rb'(?=[\t\n\r /<>])(?! r="' + cols + rows + rb'")'), n_rows, n_cols)
            for cols, rows, n_rows, n_cols in _TIERS
        ]
        self.formula = re.compile(b"<" + re.escape(prefix) + rb"f[\t\n\r />]")
        self.cell_tag = re.compile(c + rb"[\t\n\r /]([^<>]*)")
        # Cells written with no prefix, or another one, alongside these. (Each search starts
        # with a literal, and look-behinds come after it, to keep the search fast.)
        if prefix:
            this = re.escape(prefix) + b"c"
            self.others = [re.compile(rb"<c[\t\n\r />]"),
                           re.compile(rb":c(?<!<" + this + rb")(?<!/" + this + rb")[\t\n\r />]")]
        else:
            self.others = [re.compile(rb":c[\t\n\r />]")]

    @classmethod
    def get(cls, prefix: bytes) -> _Patterns:
        if prefix not in cls._cache:
            cls._cache[prefix] = cls(prefix)
        return cls._cache[prefix]


class _SheetScanner:
    """Find a sheet's used area and formula cells from its XML, piece by piece.

    The quick way (the default) proves a bound with a few searches: a piece whose cell tags
    are all written `<c r="B12"` with references within column Z and row 99,999 holds at
    most 26 x 99,999 cells, and so on for the other ``_TIERS``. A sheet that fits none of
    them (cells without references, odd XML syntax, references past the tiers) is walked tag
    by tag, exactly as the reader will place its cells (``needs_exact``): slower, and rare.
    """

    def __init__(self, p: Path, sheet: str, *, exact: bool = False, every_tier: bool = False,
                 before: int = 0):
        self.p, self.sheet, self.exact = p, sheet, exact
        #: Cells the workbook's earlier sheets hold: the limit is on them all together.
        self.before = before
        self.most = min(limits.MAX_CELLS, limits.MAX_READ_CELLS - before)
        self.needs_exact = False
        #: With ``every_tier``, which tiers no piece so far has contradicted.
        self.holding: list[bool] | None = [True] * len(_TIERS) if every_tier else None
        self.rows = self.cols = 0
        self.cells = 0
        self.last_row = 0  # the exact walk: rows must ascend, as Excel writes them
        self.far_row = self.far_col = ""
        self.formulas: list[tuple[int, int]] = []
        self.formula_count = 0
        self.errors: dict[tuple[int, int], str] = {}
        self.last_cell = b""
        self.seen_row = 0  # the quick scan: the largest row number at the end of a piece
        self.seen_col = 0  # and the largest column of a piece's last cell
        self.pat: _Patterns | None = None
        # exact walk state
        self.row_index = 0  # 0-based index of the current row
        self.col_index = 0
        self.cell: tuple[int, int] | None = None

    def _beyond(self, ref: str) -> WorkbookUnreadable:
        # Quote it only if it looks like a reference: an attribute could hold anything.
        cell = f"cell {ref}" if re.fullmatch(r"[A-Za-z]{1,3}[0-9]{1,8}", ref) else "a cell"
        return WorkbookUnreadable(
            f"sheet '{self.sheet}' refers to {cell}, beyond Excel's "
            f"{limits.EXCEL_MAX_ROWS:,} rows and {limits.EXCEL_MAX_COLUMNS:,} columns: the file "
            "is damaged or was not made by a spreadsheet program",
            file=self.p,
        )

    def _too_many(self) -> WorkbookTooLarge:
        if self.cells <= limits.MAX_CELLS:
            return _too_many_in_all(self.p, self.sheet, self.before + self.cells)
        return _too_many_elements(self.p, self.sheet, self.cells)

    def _out_of_order(self, row: int) -> WorkbookUnreadable:
        return WorkbookUnreadable(
            f"sheet '{self.sheet}' lists row {row:,} after row {self.last_row:,}: Excel writes "
            "rows in order and refuses a file that does not, so this file is damaged or was "
            "not made by a spreadsheet program; open it in Excel and save it again",
            file=self.p,
        )

    def feed(self, piece: bytes, first: bool = False) -> bool:
        """Scan one piece; False when the quick way cannot go on (use the exact walk)."""
        if first and _DTD.search(piece):
            # A DTD can only come before the first element, so only the first piece is
            # searched; entity references without one are errors to every XML reader.
            raise _entities(self.p, f"sheet '{self.sheet}'")
        if self.exact:
            self._walk(piece)
            return True
        if self.pat is None:
            m = _CELL_START.search(piece)
            if m is None:
                return True  # no cell yet
            self.pat = _Patterns.get(m.group(1) or b"")
        pat = self.pat
        if any(other.search(piece) for other in pat.others):
            self.needs_exact = True
            return False
        if self.holding is not None:
            for i, (search, _, _) in enumerate(pat.tiers):
                if self.holding[i] and search.search(piece):
                    self.holding[i] = False
            if not any(self.holding):
                self.needs_exact = True
                return False
        else:
            for search, n_rows, n_cols in pat.tiers:
                if not search.search(piece):
                    self._grow(n_rows, n_cols, "", "")
                    break
            else:
                self.needs_exact = True
                return False
        # Every cell tag here is written `<c r="...` (the tiers hold): count them, so that
        # millions of cells all claiming one small area are not taken for a small sheet.
        self.cells += piece.count(pat.counted)
        if self.cells > self.most:
            raise self._too_many()
        start = self._formulas(piece) if pat.formula.search(piece) else 0
        if b't="e"' in piece:
            self._errors(piece)
        self._remember_last_cell(piece, start)
        self._remember_last_row(piece)
        m = _CELL_REF.fullmatch(self.last_cell.strip())
        if m and m.group(1):  # a row's last cell, most often: how wide the rows are
            self.seen_col = max(self.seen_col, column_index(m.group(1).decode("ascii")) + 1)
        return True

    def _remember_last_row(self, piece: bytes) -> None:
        """The number of the last row that starts in the piece, if it is the largest yet."""
        i = piece.rfind(b"row r=\"")
        if i >= 0:
            j = piece.find(b'"', i + 7, i + 16)
            digits = piece[i + 7:j] if j > 0 else b""
            if digits.isdigit() and int(digits) > self.seen_row:
                self.seen_row = int(digits)

    def _grow(self, rows: int, cols: int, far_row: str, far_col: str) -> None:
        if rows > self.rows:
            self.rows, self.far_row = rows, far_row
        if cols > self.cols:
            self.cols, self.far_col = cols, far_col

    def _cell_ref_before(self, piece: bytes, end: int, start: int = 0) -> bytes | None:
        """The r= of the last cell tag in ``piece[start:end]`` (None if there is none).

        Callers pass ``start`` so that no byte is walked back over twice: a formula after
        megabytes of tags that only start like a cell (``<cx/>``) once made this quadratic.
        """
        assert self.pat is not None
        i = piece.rfind(self.pat.tag, start, end)
        while i >= 0:
            m = self.pat.cell_tag.match(piece, i)
            if m:
                r = _ATTR_R.search(m.group(1))
                return r.group(2) if r else b""
            i = piece.rfind(self.pat.tag, start, i)
        return None

    def _remember_last_cell(self, piece: bytes, start: int = 0) -> None:
        ref = self._cell_ref_before(piece, len(piece), start)
        if ref is not None:
            self.last_cell = ref

    def _errors(self, piece: bytes) -> None:
        """Cells stored as an Excel error (t="e", e.g. a failed lookup's #N/A).

        python-calamine reads them as empty, which would turn "#N/A" into "blank"; keeping
        the error text lets validation say what the cell really holds. Linear in the piece:
        each cell tag is matched once (it cannot run past the next '<'), and each error
        cell's value is looked for within the next 2,000 bytes, for at most
        ``limits.FORMULA_CELLS_KEPT`` cells.
        """
        for m in _CELL_OPEN.finditer(piece):
            if len(self.errors) >= limits.FORMULA_CELLS_KEPT:
                return
            attrs = m.group(1)
            if not _ERROR_TYPE.search(attrs):
                continue
            r = _ATTR_R.search(attrs)
            if r is None or attrs.rstrip().endswith(b"/"):
                continue
            end = m.end()
            close = _CELL_CLOSE.search(piece, end, end + 2000)
            v = _VALUE.search(piece, end, close.start() if close else end + 2000)
            pos = _parse_ref(r.group(2))
            if v is None or pos is None:
                continue
            text = v.group(1).decode("ascii", "replace").strip()
            if text.startswith("#"):
                self.errors[(pos[0], pos[1])] = text[:20]

    def _formulas(self, piece: bytes) -> int:
        """Count formula cells and note where the first ones are; return where the last was.

        Each formula's cell is looked for back to the previous formula only, so the piece is
        walked once whatever it holds.
        """
        assert self.pat is not None
        lo = 0
        for m in self.pat.formula.finditer(piece):
            self.formula_count += 1
            if len(self.formulas) >= limits.FORMULA_CELLS_KEPT:
                continue
            ref = self._cell_ref_before(piece, m.start(), lo)
            lo = m.start()
            if ref is not None:
                self.last_cell = ref
            pos = _parse_ref(self.last_cell)
            if pos is not None:
                self.formulas.append(pos)
        return lo

    # -------------------------------------------------------------- the exact walk

    def _walk(self, piece: bytes) -> None:
        for m in _TAG.finditer(piece):
            closing, name, attrs = m.group(1), m.group(2), m.group(3)
            empty = attrs.rstrip().endswith(b"/")
            if name == b"row":
                if closing:
                    self.row_index += 1
                    self.col_index = 0
                    continue
                r = _ATTR_R.search(attrs)
                if r:
                    digits = r.group(2).strip()
                    if (not digits.isdigit() or len(digits) > 7
                            or int(digits) > limits.EXCEL_MAX_ROWS):
                        raise self._beyond(digits.decode("ascii", "replace"))
                    self.row_index = max(int(digits) - 1, 0)
                    if self.row_index + 1 <= self.last_row:
                        raise self._out_of_order(self.row_index + 1)
                self.last_row = self.row_index + 1
                self.col_index = 0
                if empty:
                    self.row_index += 1
                continue
            if name == b"c":
                if closing:
                    self.cell = None
                    continue
                self.cells += 1
                if self.cells > self.most:
                    raise self._too_many()
                r = _ATTR_R.search(attrs)
                if r:
                    ref = r.group(2).strip()
                    cm = _CELL_REF.fullmatch(ref)
                    if cm is None:
                        raise self._beyond(ref.decode("ascii", "replace"))
                    letters, digits = cm.group(1), cm.group(2)
                    col = column_index(letters.decode("ascii")) if letters else self.col_index
                    row = max(int(digits) - 1, 0)
                else:
                    row, col = self.row_index, self.col_index
                ref_s = f"{column_letter(col)}{row + 1}"
                if col >= limits.EXCEL_MAX_COLUMNS or row >= limits.EXCEL_MAX_ROWS:
                    raise self._beyond(ref_s)
                self.col_index = col + 1
                self.cell = None if empty else (row, col)
                if not empty:
                    self._grow(row + 1, col + 1, ref_s, ref_s)
                continue
            if name == b"f" and not closing and self.cell is not None:
                self.formula_count += 1
                if len(self.formulas) < limits.FORMULA_CELLS_KEPT:
                    self.formulas.append((self.cell[0] + 1, self.cell[1]))
                self.cell = None  # one formula per cell

    def result(self) -> _Scan:
        if self.holding is not None and self.pat is not None and any(self.holding):
            # The smallest bound that held on every piece.
            n_rows, n_cols = min(((t[1], t[2]) for t, ok in zip(self.pat.tiers, self.holding,
                                                                   strict=True) if ok),
                                 key=lambda rc: rc[0] * rc[1])
            self._grow(n_rows, n_cols, "", "")
        return _Scan(self.rows, self.cols, self.far_row, self.far_col, self.exact,
                     self.formulas, self.formula_count, self.errors, self.cells,
                     max(self.seen_row, self.rows if self.exact else 0),
                     max(self.seen_col, self.cols if self.exact else 0))


def _parse_ref(ref: bytes) -> tuple[int, int] | None:
    m = _CELL_REF.fullmatch(ref.strip())
    if m is None or not m.group(1):
        return None
    return int(m.group(2)), column_index(m.group(1).decode("ascii"))
