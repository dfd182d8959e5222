"""Open workbooks and CSV files read-only and turn every sheet into rows of raw cell values.

Nothing here interprets a value: that is ``parsing``. What happens here is deciding what kind
of file this really is (whatever its name says), refusing what cannot be read safely, and
handing back each sheet's cells exactly as the file holds them, with Excel row numbers intact.

Safety, before a single cell is read:

- The file's first bytes say what it is; its name does not. An encrypted workbook, a web page
  or PDF saved as ``.xls``, random bytes: each gets a message saying what it is and what to do.
- An .xlsx or .ods is a zip of XML parts. Every XML part is streamed through the
  decompressor before the real reader sees it, and refused if the zip directory lies about its
  size, if the parts overlap (a "zip bomb" trick), if it would expand past
  ``MAX_UNCOMPRESSED_BYTES``, or if it declares an XML DTD or entities (the "billion laughs"
  attack: Excel never writes one).
- The same pass finds each sheet's used area (rows times columns, from A1) from the cell
  references in the XML. A single value in cell XFD1048576 makes the reader allocate a cell
  for every position up to it (17 billion), which no machine survives, so a workbook whose
  sheets add up to more than ``MAX_CELLS`` is refused with the cell that causes it. It also
  notes each formula cell (``<f>``): jtai uses the value Excel last calculated and never
  evaluates anything; macros in an .xlsm are never run.
- The reader (python-calamine, in Rust) may still panic on a damaged file: that becomes a
  plain "could not be read", and Rust's own report is kept off the terminal.
- Nothing is written, and messages name files, sheets and cells, never a cell's value.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import posixpath
import re
import stat
import struct
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from xml.parsers import expat

from .._memory import trim_heap
from ..errors import (
    FileNotFound,
    WorkbookEncrypted,
    WorkbookTooLarge,
    WorkbookUnreadable,
)

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
#: The most cells (rows times columns, counted from A1, all sheets together) read from one file:
#: 1,048,576 rows of 32 columns. Every cell costs the reader about 100 bytes, so this keeps a
#: file to a few GB of memory at worst.
MAX_CELLS = 1_048_576 * 32
#: Refuse a CSV file larger than this.
MAX_TEXT_BYTES = 1024**3
#: Formula cells remembered per sheet (all are counted).
FORMULA_CELLS_KEPT = 1_000
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_ENCRYPTED_NAMES = ("EncryptedPackage", "EncryptionInfo")
_TEMPLATE_INFO_SHEETS = {"front sheet", "faq and changes", "guidance", "codes used"}
_READ_CHUNK = 1024**2  # compressed bytes read at a time
_OUT_CHUNK = 4 * 1024**2  # most decompressed bytes produced at a time
_MAX_TAG_BYTES = 16 * 1024**2  # no real sheet XML goes this far without a '<'
_MAX_SMALL_PART = 256 * 1024**2  # workbook.xml and its relationships are kilobytes
_BINARY_PARTS = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".tif", ".tiff",
                 ".bmp", ".wdp", ".jfif")
_SPREADSHEET_2003 = b"urn:schemas-microsoft-com:office:spreadsheet"


#: A sheet's cells as rows, and its merged ranges (see ``RawSheet``).
_Cells = tuple[list[list[object]], list[tuple[int, int, int, int]]]


@dataclass
class RawSheet:
    """One sheet (or one CSV file) as cells, exactly as read.

    ``rows[i]`` is Excel row ``i + 1``; ``rows[i][j]`` is column ``j + 1``. ``formula_cells``
    holds (Excel row, 0-based column) of the first ``FORMULA_CELLS_KEPT`` cells that hold a
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
        from ..schemas import normalise

        return normalise(self.name) in _TEMPLATE_INFO_SHEETS


@dataclass
class Workbook:
    """Every sheet of one input file."""

    path: Path
    kind: str
    sheets: list[RawSheet]


# --------------------------------------------------------------------------- what is this file


def sniff_kind(path: Path, head: bytes) -> str:
    """Say what a file really is from its first bytes.

    Returns:
        One of ``zip`` (xlsx, xlsm, ods), ``ole`` (xls, or an encrypted workbook), ``html``,
        ``xml2003`` (Excel 2003 XML), ``xml`` (other XML), ``pdf``, ``parquet``, ``text``
        (CSV) or ``unknown``.
    """
    if head.startswith((_ZIP, _EMPTY_ZIP)):
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") and _SPREADSHEET_2003 in head:
        return "xml2003"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
            text.startswith(b"<?xml") and b"<html" in text):
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    if not _looks_like_text(head):
        return "unknown"
    return "text"


def _looks_like_text(head: bytes) -> bool:
    """True when the first bytes read as text: few control characters, few undefined ones."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte-order mark (Excel's "Unicode text")
    if b"\x00" in head:
        return _wide_text(head) is not None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            text = head[: exc.start].decode("utf-8", errors="replace")
        else:
            text = head.decode("cp1252", errors="replace")
    if not text:
        return True
    odd = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\f") or ch in "\x7f\ufffd")
    return odd <= max(1, len(text) // 200)


def _wide_text(head: bytes) -> str | None:
    """'utf-16-le'/'-be' or 'utf-32-le'/'-be' for text of that kind without a byte-order mark.

    Told by where the zero bytes fall: ASCII text in UTF-16 has a zero in every other byte,
    in UTF-32 three in every four.
    """
    sample = head[: len(head) // 4 * 4]
    if len(sample) < 8:
        return None
    zeros = [sum(1 for b in sample[i::4] if b == 0) / (len(sample) // 4) for i in range(4)]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.5:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] < 0.5:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.7 and even < 0.3:
        return "utf-16-le"
    if even > 0.7 and odd < 0.3:
        return "utf-16-be"
    return None


def read_workbook(
    path: str | Path, *, lazy: bool = False, reader: Executor | None = None
) -> Workbook:
    """Read every sheet of an .xlsx, .xlsm, .xls or .ods workbook, or one CSV or Parquet file.

    With ``lazy=True`` an .xlsx sheet's cells are read only when ``RawSheet.load()`` is
    called, so a caller can hold one sheet's cells at a time (a national list set of three
    million rows would otherwise need all of them in memory at once).

    The file is checked before it is read (see the module notes): a workbook that is damaged,
    encrypted, a zip bomb, or too big to hold in memory is refused with a message naming the
    file and what is wrong.

    Args:
        path: the file. It is opened read-only and never changed.
        lazy: read an .xlsx sheet's cells only when its ``load()`` is called.
        reader: with ``lazy``, a (one-thread) executor that starts reading the first sheet as
            soon as it has passed the checks, while the other sheets are still being checked.

    Returns:
        The workbook's sheets as raw cells.

    Raises:
        FileNotFound: the path does not exist, or is a folder.
        WorkbookEncrypted: the workbook is password-protected.
        WorkbookTooLarge: the workbook would expand past the safety limits.
        WorkbookUnreadable: the file is empty, corrupt or not a workbook or CSV.

    Example:
        >>> wb = read_workbook("examples/lists_clean.xlsx")
        >>> [s.name for s in wb.sheets][:2]
        ['List_1', 'List_3']
    """
    p = Path(path)
    from .._bounded import note_reading

    note_reading(p)
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except OSError:  # e.g. a name too long for the file system
        exists, is_dir = False, False
    if not exists:
        raise FileNotFound("no such file: check the path and the file name", file=p)
    if is_dir:
        raise FileNotFound("this is a folder, not a file: give the workbook's path", file=p)
    try:
        regular = stat.S_ISREG(p.stat().st_mode)
    except OSError:
        regular = True  # opening it below gives the reason
    if not regular:
        # Opening a named pipe waits for a writer, for ever: never open one.
        raise WorkbookUnreadable(
            "this is not a regular file (it is a pipe, a device or a socket): save the lists "
            "to a file and give jtai that",
            file=p,
        )
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise WorkbookUnreadable(f"cannot open the file ({exc.strerror})", file=p) from None
    if size == 0:
        raise WorkbookUnreadable("the file is empty (0 bytes): export it again", file=p)

    kind = sniff_kind(p, head)
    suffix = p.suffix.lower()
    if kind == "zip":
        early: dict[str, Future[_Cells]] = {}
        books: list[_OpenBook] = []  # the workbook, opened once for all lazily read sheets

        def read_first(zkind: str, name: str, scan: _Scan) -> None:
            if lazy and reader is not None and not early:
                books.append(_OpenBook(p, _suffix_mismatch(suffix, zkind)))
                early[name] = reader.submit(
                    _lazy_loader(p, name, books[0].by_content, scan, books[0]))

        zkind, scans = _inspect_zip(p, size, read_first)
        by_content = _suffix_mismatch(suffix, zkind)
        sheets = _read_with_calamine(p, scans, by_content=by_content, lazy=lazy, checked=True,
                                     book=books[0] if books else _OpenBook(p, by_content))
        for sheet in sheets:
            if sheet.name in early:
                sheet._pending = early.pop(sheet.name)
        _note_kind(sheets, suffix, zkind)
        return Workbook(p, zkind, sheets)
    if kind == "ole":
        _check_ole(p, size)
        sheets = _read_with_calamine(p, {}, by_content=suffix not in (".xls", ".xla"))
        _note_kind(sheets, suffix, "xls")
        return Workbook(p, "xls", sheets)
    if kind == "html":
        raise WorkbookUnreadable(
            "this is a web page (HTML) saved with a spreadsheet name, as some case-management "
            "exports do: open it in Excel and use Save As > Excel Workbook (.xlsx), then try "
            "that file",
            file=p,
        )
    if kind == "xml2003":
        raise WorkbookUnreadable(
            "this is an old 'XML Spreadsheet 2003' file: open it in Excel and use Save As > "
            "Excel Workbook (.xlsx), then try that file",
            file=p,
        )
    if kind == "xml":
        raise WorkbookUnreadable(
            "this is an XML file, not a spreadsheet: ask for the lists as an Excel workbook "
            "(.xlsx) or CSV files",
            file=p,
        )
    if kind == "pdf":
        raise WorkbookUnreadable(
            "this is a PDF, not a spreadsheet: ask for the lists as an Excel workbook (.xlsx) "
            "or CSV files",
            file=p,
        )
    if kind == "parquet":
        return Workbook(p, "parquet", [_read_parquet(p)])
    if kind == "text":
        sheet = _read_csv(p, size)
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            sheet.notes.append(
                f"this file is named {suffix} but holds plain text (CSV): read as CSV"
            )
        return Workbook(p, "csv", [sheet])
    raise WorkbookUnreadable(
        "this is not a workbook or CSV file jtai can read (its first bytes match no "
        "spreadsheet format, so it may be damaged): expected .xlsx, .xlsm, .xls, .ods or .csv",
        file=p,
    )


def _suffix_mismatch(suffix: str, kind: str) -> bool:
    if kind == "ods":
        return suffix != ".ods"
    return suffix not in (".xlsx", ".xlsm", ".xltx", ".xltm", ".xlam")


def _note_kind(sheets: list[RawSheet], suffix: str, kind: str) -> None:
    names = {"xlsx": "an Excel workbook (.xlsx)", "ods": "an OpenDocument spreadsheet (.ods)",
             "xls": "an Excel 97-2003 workbook (.xls)"}
    mismatch = _suffix_mismatch(suffix, kind) if kind != "xls" else suffix not in (".xls", ".xla")
    if mismatch and sheets:
        sheets[0].notes.append(
            f"this file is named {suffix or '(no extension)'} but is {names[kind]}: read as "
            "that"
        )


# --------------------------------------------------------------------------- zip containers


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

    @property
    def area(self) -> int:
        return self.max_row * self.max_col


def _damaged(p: Path, what: str = "its zip structure is broken") -> WorkbookUnreadable:
    return WorkbookUnreadable(
        f"the workbook is damaged ({what}; often a download or copy that stopped part way): "
        "export or copy it again",
        file=p,
    )


def _bomb(p: Path, what: str) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"{what}. No real workbook does this (it is how 'zip bombs' work), so jtai refused it "
        "before reading it: export the lists again, or send them as CSV files",
        file=p,
    )


def _inspect_zip(
    p: Path, size: int, on_scan: Callable[[str, str, _Scan], None] | None = None
) -> tuple[str, dict[str, _Scan]]:
    """Check a zip container part by part; return its kind and a scan of each sheet.

    ``on_scan(kind, sheet, scan)`` is called as each worksheet passes its checks, after every
    part but the worksheets (shared strings, styles, relationships) has passed its own: the
    reader may start on that sheet while the others are scanned.
    """
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            start_dir = int(getattr(zf, "start_dir", size))
    except Exception:  # a broken central directory raises many types (BadZipFile, struct...)
        raise _damaged(p) from None
    if len(infos) > MAX_PARTS:
        raise _bomb(p, f"the workbook holds {len(infos):,} parts (a workbook has tens)")
    by_name: dict[str, zipfile.ZipInfo] = {}
    folded: set[str] = set()
    for info in infos:
        # The reader finds parts ignoring case (and '\\' for '/'): two parts it could take
        # for each other would let the scan check one and the reader read the other.
        fold = _fold(info.filename)
        if info.filename in by_name or fold in folded:
            raise _damaged(p, f"part '{info.filename}' appears twice")
        by_name[info.filename] = info
        folded.add(fold)
    kind = _zip_kind(p, by_name)

    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _bomb(p, f"part '{info.filename}' says it expands {ratio:,} times its stored "
                           f"size, to {info.file_size / 1024**3:.1f} GB")
        if info.flag_bits & 0x1:
            raise WorkbookEncrypted(
                "this file's parts are encrypted with a zip password, which Excel never does: "
                "save an unprotected copy from the program that made it and give jtai that",
                file=p,
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookUnreadable(
                f"part '{info.filename}' is compressed in a way Excel never uses (method "
                f"{info.compress_type}): open the file in Excel and save it again as .xlsx",
                file=p,
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookTooLarge(
            f"the workbook would expand to {total / 1024**3:.1f} GB, over the "
            f"{MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GB safety limit: split it, or export "
            "the lists as CSV files",
            file=p,
        )

    with p.open("rb") as fh:
        spans = _check_spans(p, fh, infos, size, start_dir)
        reader = _PartReader(p, fh, spans)
        if kind == "ods":
            scans = reader.ods_sheets(by_name)
            _check_other_parts(reader, infos, set())
        else:
            targets = _sheet_targets(reader, by_name)
            _check_other_parts(reader, infos, {target for _, target in targets})
            scans = reader.xlsx_sheets(
                by_name, targets, lambda name, scan: on_scan(kind, name, scan) if on_scan else None)
    return kind, scans


def _check_other_parts(reader: _PartReader, infos: list[zipfile.ZipInfo], skip: set[str]) -> None:
    """Every XML part the reader may parse but the sheets: streamed once for lies, DTDs, size."""
    for info in infos:
        low = info.filename.lower()
        if (info.filename in reader.done or info.filename in skip or info.is_dir()
                or low.endswith(_BINARY_PARTS)):
            continue
        if low.endswith((".xml", ".rels", ".vml")) or "." not in posixpath.basename(low):
            reader.check(info)


def _too_many_cells(p: Path, scans: dict[str, _Scan]) -> WorkbookTooLarge:
    name, scan = max(scans.items(), key=lambda kv: kv[1].area)
    if scan.area <= MAX_CELLS:
        where = (f"its sheets together span {sum(s.area for s in scans.values()):,} cells "
                 "(rows times columns, counted from A1)")
        fix = "split the workbook, or export the lists as CSV files"
    else:
        if scan.far_col and scan.far_col == scan.far_row:
            reach = f"cell {scan.far_col}"
        else:
            far = []
            if scan.far_col:
                far.append(f"column {_col_name(scan.max_col)} (cell {scan.far_col})")
            if scan.far_row:
                far.append(f"row {scan.max_row:,} (cell {scan.far_row})")
            reach = " and ".join(far) or f"row {scan.max_row:,}, column {_col_name(scan.max_col)}"
        where = (f"sheet '{name}' has something in {reach}, so it spans {scan.max_row:,} rows "
                 f"by {scan.max_col:,} columns ({scan.area:,} cells)")
        fix = ("delete the stray cells beyond the list (select the empty rows or columns, "
               "Delete, save), or copy the list alone into a new workbook")
    return WorkbookTooLarge(
        f"{where}; jtai reads at most {MAX_CELLS:,} cells from one file so that it never runs "
        f"out of memory: {fix}",
        file=p,
    )


def _too_many_elements(p: Path, sheet: str | None, cells: int,
                       limit: int | None = None) -> WorkbookTooLarge:
    limit = MAX_CELLS if limit is None else limit
    where = f"sheet '{sheet}'" if sheet else "the workbook"
    return WorkbookTooLarge(
        f"{where} holds more than {limit:,} cells (counted as they were read: {cells:,} so "
        "far), more than jtai reads from one file so that it never runs out of memory; no "
        "real list is this big (many cells may be written over the same place): split the "
        "workbook, or export the lists as CSV files",
        file=p,
    )


def _zip_kind(p: Path, by_name: dict[str, zipfile.ZipInfo]) -> str:
    names = set(by_name)
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise WorkbookUnreadable(
            "this is an Excel Binary Workbook (.xlsb), which jtai does not read: open it in "
            "Excel and use Save As > Excel Workbook (.xlsx), then try that file",
            file=p,
        )
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "word/document.xml" in names:
        what = "a Word document"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint presentation"
    elif "content.xml" in names:
        what = "an OpenDocument file that is not a spreadsheet"
    elif not names:
        what = "an empty zip archive"
    else:
        what = "a zip archive, not a workbook (if it holds one, unzip it and give the .xlsx)"
    raise WorkbookUnreadable(f"this is {what}: expected an Excel workbook", file=p)


def _check_spans(
    p: Path, fh: BinaryIO, infos: list[zipfile.ZipInfo], size: int, start_dir: int
) -> dict[str, tuple[int, int]]:
    """Where each part's data lies; refuse parts that overlap or run past the file's end."""
    spans: dict[str, tuple[int, int]] = {}
    order = []
    for info in infos:
        if not 0 <= info.header_offset < size or info.compress_size < 0:
            raise _damaged(p, f"part '{info.filename}' is missing")
        fh.seek(info.header_offset)
        head = fh.read(30)
        if len(head) < 30 or head[:4] != _ZIP:
            raise _damaged(p, f"part '{info.filename}' is missing")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        local_name = fh.read(name_len)
        enc = "utf-8" if info.flag_bits & 0x800 else "cp437"
        try:
            central_name = info.orig_filename.encode(enc)
        except UnicodeEncodeError:
            central_name = local_name
        if local_name != central_name:
            raise _damaged(p, f"part '{info.filename}' is named differently in two places")
        start = info.header_offset + 30 + name_len + extra_len
        end = start + info.compress_size
        if end > size:
            raise _damaged(p, f"part '{info.filename}' is cut off")
        spans[info.filename] = (start, end)
        order.append((info.header_offset, end, info.filename))
    order.sort()
    for (_, end, name), (next_offset, _, other) in zip(order, order[1:], strict=False):
        if next_offset < end:
            raise _bomb(p, f"parts '{name}' and '{other}' overlap, so the same bytes would be "
                           "expanded again and again")
    if order and order[-1][1] > start_dir:
        raise _damaged(p, "its parts run into the zip directory")
    return spans


class _PartReader:
    """Stream zip parts through the decompressor, never trusting the sizes the zip declares."""

    def __init__(self, p: Path, fh: BinaryIO, spans: dict[str, tuple[int, int]]):
        self.p, self.fh, self.spans = p, fh, spans
        self.done: set[str] = set()
        self.expanded = 0  # bytes expanded so far, each part counted once
        self.seen: dict[str, int] = {}

    def stream(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """Yield the part's bytes; raise if it expands past what the zip says it holds."""
        self.done.add(info.filename)
        self.expanded -= self.seen.pop(info.filename, 0)  # a part read again counts once
        start, end = self.spans[info.filename]
        left, declared, produced = end - start, info.file_size, 0
        fh, p = self.fh, self.p
        fh.seek(start)
        d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        while left:
            chunk = fh.read(min(left, _READ_CHUNK))
            if not chunk:
                raise _damaged(p, f"part '{info.filename}' is cut off")
            left -= len(chunk)
            while chunk:
                if d is None:
                    out, chunk = chunk, b""
                else:
                    try:
                        out = d.decompress(chunk, _OUT_CHUNK)
                    except zlib.error:
                        raise _damaged(p, f"part '{info.filename}' is corrupt") from None
                    chunk = d.unconsumed_tail
                produced += len(out)
                self.expanded += len(out)
                self.seen[info.filename] = produced
                if produced > declared:
                    raise _bomb(p, f"part '{info.filename}' says it holds {declared:,} bytes "
                                   "but expands to more")
                if self.expanded > MAX_UNCOMPRESSED_BYTES:
                    raise WorkbookTooLarge(
                        f"the workbook expands past the {MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} "
                        "GB safety limit: split it, or export the lists as CSV files",
                        file=p,
                    )
                if out:
                    yield out
                if d is not None and d.eof:
                    break
        if d is not None and not d.eof:
            raise _damaged(p, f"part '{info.filename}' is cut off")
        if produced != declared:
            raise _damaged(p, f"part '{info.filename}' holds {produced:,} bytes, not the "
                              f"{declared:,} its directory says")

    def check(self, info: zipfile.ZipInfo) -> None:
        """Stream a part through for its size and for DTDs; bound a shared-strings table.

        The reader holds every shared string in memory before it reads a sheet, so the table
        (the part whose root is ``<sst``) is counted as it streams: at most ``MAX_CELLS``
        strings, none longer than Excel allows (``MAX_TEXT_XML`` bytes of XML between one
        ``<si>`` or ``</si>`` and the next, checked a window at a time: linear).
        """
        tail = b""
        sst: bool | None = None
        markers = since = 0
        for chunk in self.stream(info):
            if _DTD.search(tail + chunk[:16]) or _DTD.search(chunk):
                raise _entities(self.p, f"part '{info.filename}'")
            tail = chunk[-16:]
            if sst is None:
                sst = _SST.search(chunk[:4096]) is not None
            if not sst:
                continue
            markers += chunk.count(b"si>")  # <si> and </si> (any prefix): two per string
            if markers > 2 * MAX_CELLS + 2:
                raise _too_many_strings(self.p, info.filename, markers // 2)
            for lo in range(0, len(chunk), _TEXT_WINDOW):
                hi = min(lo + _TEXT_WINDOW, len(chunk))
                at = chunk.rfind(b"si>", lo, hi)
                since = since + hi - lo if at < 0 else hi - at
                if since > MAX_TEXT_XML:
                    raise WorkbookTooLarge(
                        f"part '{info.filename}' holds a piece of text far longer than the "
                        f"{EXCEL_MAX_TEXT:,} characters Excel allows in a cell: no real "
                        "workbook does this; open the file in Excel and save it again, or "
                        "export the lists as CSV files",
                        file=self.p,
                    )

    def read_small(self, info: zipfile.ZipInfo) -> bytes:
        """A small part (workbook.xml, relationships) whole, after the same checks."""
        if info.file_size > _MAX_SMALL_PART:
            raise _bomb(self.p, f"part '{info.filename}' is {info.file_size:,} bytes, where a "
                                "real workbook's is a few thousand")
        data = b"".join(self.stream(info))
        if _DTD.search(data):
            raise _entities(self.p, f"part '{info.filename}'")
        return data

    # ------------------------------------------------------------------ xlsx

    def xlsx_sheets(
        self, by_name: dict[str, zipfile.ZipInfo], targets: list[tuple[str, str]],
        on_scan: Callable[[str, _Scan], object],
    ) -> dict[str, _Scan]:
        """Scan every worksheet the workbook lists, by sheet name, telling ``on_scan`` each."""
        scans: dict[str, _Scan] = {}
        by_target: dict[str, _Scan] = {}
        for name, target in targets:
            if target in by_target:  # two sheets on one part: the reader reads it twice
                scans[name] = by_target[target]
                continue
            info = by_name.get(target)
            if info is None or target in self.done:
                continue  # no scan: the sheet is refused, never read unchecked
            scans[name] = by_target[target] = self.scan_sheet(info, name)
            on_scan(name, scans[name])
        return scans

    def _quick_scan(self, info: zipfile.ZipInfo, quick: _SheetScanner) -> _SheetScanner:
        """Feed a sheet's pieces to a quick scanner until done or it gives up."""
        pieces = _pieces(self.stream(info), self.p, info.filename)
        for i, piece in enumerate(pieces):
            if not quick.feed(piece, first=i == 0):
                break
        pieces.close()
        return quick

    def scan_sheet(self, info: zipfile.ZipInfo, sheet: str) -> _Scan:
        """Scan one worksheet; refuse it if its used area is over ``MAX_CELLS``."""
        quick = self._quick_scan(info, _SheetScanner(self.p, sheet))
        scan = quick.result()
        if not quick.needs_exact and scan.area > MAX_CELLS:
            # Pieces proved different tiers (rows 1-99,999 within 312 columns, later rows
            # within 32) and their maxima multiplied past the limit: check every tier on
            # every piece, and take the smallest that holds for the whole sheet.
            quick = self._quick_scan(info, _SheetScanner(self.p, sheet, every_tier=True))
            scan = quick.result()
        if quick.needs_exact or scan.area > MAX_CELLS:
            # The quick bounds cannot decide: walk every tag (slower, and rare).
            exact = _SheetScanner(self.p, sheet, exact=True)
            for i, piece in enumerate(_pieces(self.stream(info), self.p, info.filename)):
                exact.feed(piece, first=i == 0)
            scan = exact.result()
        if scan.area > MAX_CELLS:
            raise _too_many_cells(self.p, {sheet: scan})
        if scan.cells > MAX_CELLS:
            raise _too_many_elements(self.p, sheet, scan.cells)
        return scan

    # ------------------------------------------------------------------ ods

    def ods_sheets(self, by_name: dict[str, zipfile.ZipInfo]) -> dict[str, _Scan]:
        """Scan content.xml with a streaming parser that refuses DTDs and entities."""
        return _scan_ods(self.p, self.stream(by_name["content.xml"]))


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
#: <c r="K7" t="e">...<v>#N/A</v>: an error cell's tag (never past the next '<'), its type,
#: the end of the cell and its value.
_CELL_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[\t\n\r ]([^<>]*)>")
_ERROR_TYPE = re.compile(rb'(?:^|[\t\n\r ])t[\t\n\r ]*=[\t\n\r ]*["\']e["\']')
_CELL_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?c>")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?v>([^<]{1,40})</")


_SST = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sst[\t\n\r />]")
_TEXT_WINDOW = 1024**2


def _too_many_strings(p: Path, part: str, n: int) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"part '{part}' holds more than {MAX_CELLS:,} pieces of text ({n:,} so far), more "
        "than jtai reads from one file so that it never runs out of memory: split the "
        "workbook, or export the lists as CSV files",
        file=p,
    )


def _entities(p: Path, part: str) -> WorkbookUnreadable:
    return WorkbookUnreadable(
        f"{part} declares XML entities (a DTD), which Excel never writes and which can "
        "make a reader expand a few bytes into gigabytes (the 'billion laughs' attack): "
        "refused without reading it; open the file in Excel and save it again",
        file=p,
    )


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
#: cells within that bound. Every bound is at most ``MAX_CELLS``.
_TIERS = (
    (rb"[A-Z]", _ROWS_5, 99_999, 26),
    (rb"[A-Z]", _ROWS_EXCEL, EXCEL_MAX_ROWS, 26),
    (rb"(?:[A-Z]|[A-K][A-Z])", _ROWS_5, 99_999, 312),
    (rb"(?:[A-Z]|A[A-F])", _ROWS_EXCEL, EXCEL_MAX_ROWS, 32),
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


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _col_name(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class _SheetScanner:
    """Find a sheet's used area and formula cells from its XML, piece by piece.

    The quick way (the default) proves a bound with a few searches: a piece whose cell tags
    are all written `<c r="B12"` with references within column Z and row 99,999 holds at
    most 26 x 99,999 cells, and so on for the other ``_TIERS``. A sheet that fits none of
    them (cells without references, odd XML syntax, references past the tiers) is walked tag
    by tag, exactly as the reader will place its cells (``needs_exact``): slower, and rare.
    """

    def __init__(self, p: Path, sheet: str, *, exact: bool = False, every_tier: bool = False):
        self.p, self.sheet, self.exact = p, sheet, exact
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
            f"{EXCEL_MAX_ROWS:,} rows and {EXCEL_MAX_COLUMNS:,} columns: the file is damaged or "
            "was not made by a spreadsheet program",
            file=self.p,
        )

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
        if self.cells > MAX_CELLS:
            raise _too_many_elements(self.p, self.sheet, self.cells)
        start = self._formulas(piece) if pat.formula.search(piece) else 0
        if b't="e"' in piece:
            self._errors(piece)
        self._remember_last_cell(piece, start)
        return True

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
        ``FORMULA_CELLS_KEPT`` cells.
        """
        for m in _CELL_OPEN.finditer(piece):
            if len(self.errors) >= FORMULA_CELLS_KEPT:
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
            if len(self.formulas) >= FORMULA_CELLS_KEPT:
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
                    if not digits.isdigit() or len(digits) > 7 or int(digits) > EXCEL_MAX_ROWS:
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
                if self.cells > MAX_CELLS:
                    raise _too_many_elements(self.p, self.sheet, self.cells)
                r = _ATTR_R.search(attrs)
                if r:
                    ref = r.group(2).strip()
                    cm = _CELL_REF.fullmatch(ref)
                    if cm is None:
                        raise self._beyond(ref.decode("ascii", "replace"))
                    letters, digits = cm.group(1), cm.group(2)
                    col = _col_number(letters) - 1 if letters else self.col_index
                    row = max(int(digits) - 1, 0)
                else:
                    row, col = self.row_index, self.col_index
                ref_s = f"{_col_name(col + 1)}{row + 1}"
                if col >= EXCEL_MAX_COLUMNS or row >= EXCEL_MAX_ROWS:
                    raise self._beyond(ref_s)
                self.col_index = col + 1
                self.cell = None if empty else (row, col)
                if not empty:
                    self._grow(row + 1, col + 1, ref_s, ref_s)
                continue
            if name == b"f" and not closing and self.cell is not None:
                self.formula_count += 1
                if len(self.formulas) < FORMULA_CELLS_KEPT:
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
                     self.formulas, self.formula_count, self.errors, self.cells)


def _parse_ref(ref: bytes) -> tuple[int, int] | None:
    m = _CELL_REF.fullmatch(ref.strip())
    if m is None or not m.group(1):
        return None
    return int(m.group(2)), _col_number(m.group(1)) - 1


def _fold(name: str) -> str:
    """A part name as the reader compares it: case ignored, '\\' read as '/'."""
    return name.replace("\\", "/").lower()


def _resolve_part(target: str, by_name: dict[str, zipfile.ZipInfo]) -> str:
    """The zip part a workbook relationship points at, found as the reader finds it.

    The reader (calamine) strips a leading '/' or else puts ``xl/`` before the target, with
    no other normalisation, and then matches part names ignoring case (tried on this
    version: ``Worksheets/Sheet1.xml`` and ``/XL/worksheets/sheet1.xml`` are read,
    ``./worksheets/sheet1.xml`` is not). Returns the real name of the part it would read, or
    the name it looks for when none matches (that sheet then has no scan, and is refused
    rather than read).
    """
    path = target[1:] if target.startswith("/") else f"xl/{target}"
    if path in by_name:
        return path
    folded = _fold(path)
    return next((name for name in by_name if _fold(name) == folded), path)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_targets(reader: _PartReader, by_name: dict[str, zipfile.ZipInfo]) -> list[
        tuple[str, str]]:
    """(sheet name, zip part) for each sheet in xl/workbook.xml, via its relationships."""
    try:
        wb_xml = ET.fromstring(reader.read_small(by_name["xl/workbook.xml"]))
    except (ET.ParseError, LookupError, ValueError):
        raise _damaged(reader.p, "its xl/workbook.xml is not valid XML") from None
    rels_info = by_name.get("xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    if rels_info is not None:
        try:
            rels = ET.fromstring(reader.read_small(rels_info))
        except (ET.ParseError, LookupError, ValueError):
            raise _damaged(reader.p, "its workbook relationships are not valid XML") from None
        for rel in rels:
            rid, target = rel.get("Id"), rel.get("Target")
            if rid and target and rel.get("TargetMode") != "External":
                targets[rid] = _resolve_part(target, by_name)
    out: list[tuple[str, str]] = []
    for el in wb_xml.iter():
        if _local(el.tag) != "sheet":
            continue
        if len(out) >= MAX_SHEETS:
            raise _too_many_sheets(reader.p)
        name = el.get("name") or ""
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        if rid in targets:
            out.append((name, targets[rid]))
    return out


# --------------------------------------------------------------------------- ods


class _Refused(Exception):
    """Raised inside expat handlers to stop the parse."""


@dataclass
class _OdsPosition:
    """Where the ODS scan is: row and column (0-based), rows repeated, the open cell."""

    row: int = 0
    col: int = 0
    rrep: int = 1
    cell: tuple[int, int, int] | None = None  # (row, column, columns repeated)


def _scan_ods(p: Path, stream: Iterator[bytes]) -> dict[str, _Scan]:
    """Used area and formula cells of each table in an ODS content.xml."""
    ns_table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    ns_office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    scans: dict[str, _Scan] = {}
    cur: list[_Scan | None] = [None]  # the table being read
    pos = _OdsPosition()

    def refuse(*_args: object) -> None:
        raise _Refused("dtd")

    def start(name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition("|")
        scan = cur[0]
        if ns == ns_table and local == "table":
            s = _Scan()
            name = attrs.get(f"{ns_table}|name", f"Sheet{len(scans) + 1}")
            if name in scans:  # one name, two tables: only one would be counted
                raise _damaged(p, f"two sheets are named '{name}'")
            if len(scans) >= MAX_SHEETS:
                raise _too_many_sheets(p)
            scans[name] = s
            cur[0] = s
            pos.row, pos.col, pos.rrep = 0, 0, 1
            return
        if scan is None:
            return
        if ns == ns_table and local == "table-row":
            pos.rrep = _repeat(attrs.get(f"{ns_table}|number-rows-repeated"))
            pos.col = 0
            return
        if ns == ns_table and local in ("table-cell", "covered-table-cell"):
            crep = _repeat(attrs.get(f"{ns_table}|number-columns-repeated"))
            col, row = pos.col, pos.row
            pos.col = col + crep
            has_value = f"{ns_office}|value-type" in attrs
            pos.cell = None if has_value else (row, col, crep)
            if has_value:
                _grow_ods(scan, row, col, crep, pos.rrep)
            if f"{ns_table}|formula" in attrs:
                scan.formula_count += 1
                if len(scan.formulas) < FORMULA_CELLS_KEPT:
                    scan.formulas.append((row + 1, col))
            return
        if pos.cell is not None:  # text inside a cell: the cell holds something
            row, col, crep = pos.cell
            _grow_ods(scan, row, col, crep, pos.rrep)
            pos.cell = None  # counted once

    def end(name: str) -> None:
        ns, _, local = name.rpartition("|")
        if ns == ns_table and local == "table-row":
            pos.row += pos.rrep
            pos.rrep = 1
        elif ns == ns_table and local in ("table-cell", "covered-table-cell"):
            pos.cell = None
        elif ns == ns_table and local == "table":
            cur[0] = None

    parser = expat.ParserCreate(namespace_separator="|")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        for chunk in stream:
            parser.Parse(chunk, False)
            if sum(s.area for s in scans.values()) > MAX_CELLS:
                raise _too_many_cells(p, scans)
            cells = sum(s.cells for s in scans.values())
            if cells > MAX_ODS_CELLS:
                raise _too_many_elements(p, None, cells, MAX_ODS_CELLS)
        parser.Parse(b"", True)
    except _Refused:
        raise _entities(p, "part 'content.xml'") from None
    except expat.ExpatError:
        raise _damaged(p, "its content.xml is not valid XML") from None
    return scans


def _repeat(value: str | None) -> int:
    try:
        n = int(value) if value else 1
    except ValueError:
        return 1
    return max(1, n)


def _grow_ods(scan: _Scan, row: int, col: int, crep: int, rrep: int) -> None:
    # The reader makes each repeat a cell of its own: count what the repeats expand to.
    scan.cells += crep * rrep
    last_row, last_col = row + rrep, col + crep
    if last_row > scan.max_row:
        scan.max_row = last_row
        scan.far_row = f"{_col_name(col + 1)}{last_row}"
    if last_col > scan.max_col:
        scan.max_col = last_col
        scan.far_col = f"{_col_name(last_col)}{row + 1}"


# --------------------------------------------------------------------------- ole (xls, encrypted)


def _check_ole(p: Path, size: int) -> None:
    """Refuse an encrypted workbook: an OLE container holding an "EncryptedPackage" stream.

    The stream names sit in 128-byte directory entries (UTF-16 name, then its length in
    bytes), so the check reads the file in pieces and looks for the names there, in
    constant memory.
    """
    markers = [n.encode("utf-16-le") for n in _ENCRYPTED_NAMES]
    lengths = [struct.pack("<H", len(m) + 2) for m in markers]
    overlap = 256
    with p.open("rb") as fh:
        offset, prev = 0, b""
        while True:
            chunk = fh.read(4 * 1024**2)
            if not chunk:
                break
            buf = prev + chunk
            base = offset - len(prev)
            for marker, length in zip(markers, lengths, strict=True):
                i = buf.find(marker)
                while i >= 0:
                    if (base + i) % 128 == 0 and buf[i + 64:i + 66] == length:
                        raise WorkbookEncrypted(
                            "this workbook is password-protected: open it in Excel, save an "
                            "unprotected copy (File > Info > Protect Workbook > Encrypt with "
                            "Password, clear the password, save), and give jtai that copy",
                            file=p,
                        )
                    i = buf.find(marker, i + 1)
            offset += len(chunk)
            prev = buf[-overlap:]


# --------------------------------------------------------------------------- reading cells


def _read_with_calamine(
    p: Path, scans: dict[str, _Scan], *, by_content: bool, lazy: bool = False,
    checked: bool = False, book: _OpenBook | None = None,
) -> list[RawSheet]:
    def unreadable(kind: str) -> WorkbookUnreadable:
        return WorkbookUnreadable(
            f"the workbook could not be read ({kind}): it may be damaged or not really an "
            "Excel file; open it in Excel and save it again as .xlsx",
            file=p,
        )

    with _panics_kept_off_stderr():
        return _calamine_sheets(p, scans, by_content, {}, unreadable, lazy, checked, book)


def _open_calamine(p: Path, by_content: bool) -> Any:
    from python_calamine import CalamineWorkbook

    if by_content:
        # The name's extension is wrong: let the reader go by the bytes.
        with p.open("rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    return CalamineWorkbook.from_path(str(p))


def _sheet_cells(
    sheet: Any, scan: _Scan | None
) -> tuple[list[list[object]], list[tuple[int, int, int, int]]]:
    """A calamine sheet's cells as Python rows (error cells filled in), and its merged ranges."""
    rows = sheet.to_python(skip_empty_area=False)
    if scan is not None:
        for (r1, c0), text in scan.errors.items():
            if r1 - 1 < len(rows) and c0 < len(rows[r1 - 1]) and rows[r1 - 1][c0] in ("", None):
                rows[r1 - 1][c0] = text
    merged = sheet.merged_cell_ranges or []
    return rows, [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in merged]


class _OpenBook:
    """One workbook opened once for all its lazily read sheets, closed when each was read.

    Opening an .xlsx makes the reader parse its shared strings and styles again; once per
    sheet, 3,000 sheets took 63 s and 2.1 GB. The reads come from one reader thread (or the
    main thread, one at a time), so a lock is enough. A sheet read again after the book was
    closed (its rows were freed) reopens it.
    """

    def __init__(self, p: Path, by_content: bool):
        self.p, self.by_content = p, by_content
        self.lock = threading.Lock()
        self.wb: Any = None
        self.wanted: set[str] = set()
        self.read: set[str] = set()

    def want(self, name: str) -> None:
        with self.lock:
            self.wanted.add(name)

    def cells(self, name: str, scan: _Scan) -> _Cells:
        with self.lock:
            if self.wb is None:
                self.wb = _open_calamine(self.p, self.by_content)
            try:
                return _sheet_cells(self.wb.get_sheet_by_name(name), scan)
            finally:
                self.read.add(name)
                if self.read >= self.wanted:
                    wb, self.wb = self.wb, None
                    wb.close()
                trim_heap()  # the reader's cells are freed: hand their pages back


def _lazy_loader(
    p: Path, name: str, by_content: bool, scan: _Scan, book: _OpenBook | None = None
) -> Callable[[], _Cells]:
    """Read one sheet when asked, from ``book`` (opened once for every sheet)."""
    shared = book if book is not None else _OpenBook(p, by_content)
    shared.want(name)

    def load() -> _Cells:
        def unreadable(kind: str) -> WorkbookUnreadable:
            return WorkbookUnreadable(
                f"sheet '{name}' could not be read ({kind}): the workbook may be damaged; "
                "open it in Excel and save it again as .xlsx", file=p)

        with _panics_kept_off_stderr(), _reader_errors(p, unreadable):
            return shared.cells(name, scan)

    return load


def _too_many_sheets(p: Path) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"the workbook has more than {MAX_SHEETS} sheets; a JTAI return has a few dozen at "
        "most, and jtai refuses more so that a file cannot tie it up for hours: copy the "
        "sheets with the lists into a new workbook",
        file=p,
    )


def _unchecked(p: Path, sheet: str) -> WorkbookUnreadable:
    return WorkbookUnreadable(
        f"sheet '{sheet}' could not be found where the workbook says it is, so it could not "
        "be checked before reading (jtai never reads a sheet it has not checked): the file "
        "may be damaged or not made by Excel; open it in Excel and save it again as .xlsx",
        file=p)


def _calamine_sheets(
    p: Path, scans: dict[str, _Scan], by_content: bool, read: dict[str, _Scan],
    unreadable: Callable[[str], WorkbookUnreadable],
    lazy: bool = False, checked: bool = False, book: _OpenBook | None = None,
) -> list[RawSheet]:
    """Every sheet through calamine; with ``checked``, each must have passed the scan."""
    from python_calamine import PasswordError

    sheets: list[RawSheet] = []
    with _reader_errors(p, unreadable):
        try:
            wb = _open_calamine(p, by_content)
            try:
                if len(wb.sheets_metadata) > MAX_SHEETS:
                    raise _too_many_sheets(p)
                for meta in wb.sheets_metadata:
                    if str(meta.typ).endswith("ChartSheet"):
                        continue
                    hidden = not str(meta.visible).endswith(".Visible")
                    scan = scans.get(meta.name)
                    if scan is None and checked:
                        raise _unchecked(p, meta.name)
                    if lazy and scan is not None:
                        # The pre-read scan already bounded this sheet (at most MAX_CELLS); its
                        # cells are read when needed and freed after, one sheet at a time, so the
                        # whole-workbook total does not apply.
                        raw = RawSheet(str(p), meta.name, [], hidden=hidden,
                                       loader=_lazy_loader(p, meta.name, by_content, scan,
                                                           book))
                    else:
                        sheet = wb.get_sheet_by_name(meta.name)
                        end = sheet.end
                        read[meta.name] = _Scan(end[0] + 1, end[1] + 1) if end else _Scan()
                        if sum(s.area for s in read.values()) > MAX_CELLS:
                            raise _too_many_cells(p, read)
                        rows, merged = _sheet_cells(sheet, scan)
                        raw = RawSheet(str(p), meta.name, rows, hidden=hidden, merged=merged)
                    if scan is not None:
                        raw.formula_cells = list(scan.formulas)
                        raw.formula_count = scan.formula_count
                    sheets.append(raw)
            finally:
                wb.close()
        except PasswordError:
            raise WorkbookEncrypted(
                "this workbook is password-protected: save an unprotected copy and give jtai that",
                file=p,
            ) from None
    return sheets


@contextlib.contextmanager
def _reader_errors(
    p: Path, unreadable: Callable[[str], WorkbookUnreadable]
) -> Iterator[None]:
    """Turn whatever the reader raises into jtai's own errors, never carrying cell values."""
    try:
        yield
    except WorkbookUnreadable:
        raise
    except MemoryError:
        raise WorkbookTooLarge(
            "this computer ran out of memory reading the workbook: close other programs, or "
            "split the workbook or export the lists as CSV files",
            file=p,
        ) from None
    except Exception as exc:  # calamine raises several types; none may leak cell values
        raise unreadable(type(exc).__name__) from None
    except BaseException as exc:
        # A panic inside the Rust reader arrives as pyo3's PanicException, a BaseException.
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise unreadable(type(exc).__name__) from None


class _StderrGuard:
    """Keep the Rust reader's panic report off the terminal, for any number of threads.

    A damaged file can make the reader panic; the panic arrives here as an exception (and
    becomes a plain "could not be read"), but Rust also writes its own report, with a stack
    trace, straight to the process's stderr (file descriptor 2). While any read is in
    progress, descriptor 2 points at a temporary file; when the last read in progress ends,
    it is restored and what was caught is passed on unchanged, or dropped if a read panicked.
    Reads on two threads (one reading ahead) share one redirection, so neither restores the
    other's. Python's own ``sys.stderr`` (the progress bar, warnings) is pointed at the real
    stderr meanwhile, so it is neither delayed nor dropped.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved = -1
        self.tmp: Any = None
        self.panicked = False
        self.py_stderr: Any = None
        self.direct: Any = None
        self.direct_key: tuple[int, int] = (0, 0)

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if self.depth == 0 and not self._start():
                active = False
            else:
                self.depth += 1
                active = True
        if not active:
            yield
            return
        panicked = False
        try:
            yield
        except BaseException as exc:
            panicked = type(exc).__name__ == "PanicException" or isinstance(
                exc, WorkbookUnreadable)
            raise
        finally:
            with self.lock:
                self.panicked |= panicked
                self.depth -= 1
                if self.depth == 0:
                    self._end()

    def _start(self) -> bool:
        try:
            saved = os.dup(2)
        except OSError:
            return False
        if sys.stderr is not None:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
        self.tmp = tempfile.TemporaryFile()
        os.dup2(self.tmp.fileno(), 2)
        self.saved, self.panicked = saved, False
        self._python_stderr_direct(saved)
        return True

    def _python_stderr_direct(self, saved: int) -> None:
        """Point ``sys.stderr`` at a copy of the real stderr while fd 2 is redirected.

        The copy is kept and reused while stderr stays the same file, and never closed while
        it may be in use: rich's refresh thread looks ``sys.stderr`` up at each write.
        """
        current = sys.stderr
        try:
            if current is None or current.fileno() != 2:
                return  # already elsewhere (a test's capture, a log file): leave it be
            st = os.fstat(saved)
            key = (st.st_dev, st.st_ino)
            if self.direct is None or self.direct_key != key:
                old = self.direct
                self.direct = open(os.dup(saved), "w", encoding=current.encoding,
                                   errors=current.errors, buffering=1)
                self.direct_key = key
                if old is not None:
                    old.close()  # stderr was pointed elsewhere since: this copy is stale
        except (AttributeError, OSError, ValueError):
            return
        self.py_stderr = current
        sys.stderr = self.direct

    def _end(self) -> None:
        if self.py_stderr is not None:
            if sys.stderr is self.direct:
                sys.stderr = self.py_stderr
            with contextlib.suppress(Exception):
                self.direct.flush()
            self.py_stderr = None
        os.dup2(self.saved, 2)
        os.close(self.saved)
        tmp, self.tmp = self.tmp, None
        try:
            if not self.panicked:
                tmp.seek(0)
                data = tmp.read(1024**2)
                if data:
                    os.write(2, data)
        finally:
            tmp.close()


_panics_kept_off_stderr = _StderrGuard()


# --------------------------------------------------------------------------- csv


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UK Excel saves them: UTF-8 (with or without BOM), else Windows-1252.

    UTF-16 with or without a byte-order mark is read too. A file that is UTF-8 except for
    some lines (one pasted in from another file, saved in Windows-1252) is read line by line,
    each line in its own encoding, and its encoding is ``mixed`` so the caller can say so:
    decoding the whole file as Windows-1252 would silently garble every accented name in the
    UTF-8 lines.

    Returns:
        The text and the encoding used (``mixed`` for the line-by-line case).

    Raises:
        UnicodeError: the text is UTF-32, which no spreadsheet program saves as CSV.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise UnicodeError("utf-32")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    wide = _wide_text(data[:8192]) if b"\x00" in data[:8192] else None
    if wide is not None:
        if wide.startswith("utf-32"):
            raise UnicodeError("utf-32")
        return data.decode(wide, errors="replace"), wide
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    parts: list[str] = []
    utf8_lines = 0
    for line in data.splitlines(keepends=True):
        try:
            parts.append(line.decode("utf-8"))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            parts.append(line.decode("cp1252", errors="replace"))
    return "".join(parts), "mixed" if utf8_lines else "cp1252"


def guess_delimiter(text: str) -> str:
    """The delimiter of a CSV file: the one of , ; tab | used most in its first lines."""
    lines = [ln for ln in text[:65536].splitlines()[:20] if ln.strip()][:5]
    if not lines:
        return ","
    best, best_count = ",", 0
    for delim in (",", ";", "\t", "|"):
        counts = [_count_outside_quotes(ln, delim) for ln in lines]
        if counts[0] > best_count:
            best, best_count = delim, counts[0]
    return best


def _count_outside_quotes(line: str, delim: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


def _read_parquet(p: Path) -> RawSheet:
    """One Parquet file as one sheet: its column names, then its rows as Python values.

    Parquet columns are typed, so dates arrive as dates and numbers as numbers, as from an
    .xlsx (text in a date column is then reported as a coercion). Needs the optional pyarrow
    package (``pip install pyarrow``, jtai's ``parquet`` extra). The footer says how many rows
    and columns the file holds; a file over ``MAX_CELLS`` cells is refused before any data is
    read.
    """
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise WorkbookUnreadable(
            "this is a Parquet file, and reading Parquet needs the optional pyarrow package: "
            "install it with  pip install pyarrow  (jtai's 'parquet' extra), or export the list "
            "as CSV or .xlsx",
            file=p,
        ) from None
    if _version(pyarrow.__version__) < (14, 0, 1):
        raise WorkbookUnreadable(
            f"this is a Parquet file, and the pyarrow installed here ({pyarrow.__version__}) is "
            "too old to read one safely (before 14.0.1 a crafted file could run code): "
            "upgrade it with  pip install -U pyarrow",
            file=p,
        )

    def unreadable(kind: str) -> WorkbookUnreadable:
        return WorkbookUnreadable(
            f"this Parquet file could not be read ({kind}): it may be damaged or cut short; "
            "export it again",
            file=p,
        )

    with _reader_errors(p, unreadable):
        pf = pq.ParquetFile(p, memory_map=False)
        meta = pf.metadata
        n_rows, n_cols = meta.num_rows, meta.num_columns
        if n_rows * max(n_cols, 1) > MAX_CELLS:
            raise WorkbookTooLarge(
                f"this Parquet file holds {n_rows:,} rows by {n_cols:,} columns, more than the "
                f"{MAX_CELLS:,} cells jtai reads from one file: split it into parts",
                file=p,
            )
        expands = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if expands > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookTooLarge(
                f"this Parquet file would expand to {expands / 1024**3:.1f} GB, over the "
                f"{MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GB safety limit: split it into parts",
                file=p,
            )
        table = pf.read()
        columns = [_parquet_values(table.column(i)) for i in range(table.num_columns)]
    del table
    header: list[object] = [str(name) for name in pf.schema_arrow.names]
    rows: list[list[object]] = [header]
    rows.extend(map(list, zip(*columns, strict=True)))
    return RawSheet(str(p), p.name, rows)


def _version(text: str) -> tuple[int, ...]:
    """'14.0.1' -> (14, 0, 1); a part that is not a number ends it ('15.0.0.dev3' -> 15, 0, 0)."""
    parts: list[int] = []
    for piece in text.split(".")[:3]:
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def _parquet_values(column: Any) -> list[object]:
    """A Parquet column as the Python values a spreadsheet reader would give.

    Text, numbers, dates, date-times and true/false come through as they are; decimals become
    numbers; anything else (lists, structures, times, binary) becomes its text, which the
    checks then report as a value of the wrong kind.
    """
    import pyarrow as pa
    import pyarrow.types as pt

    kind = column.type
    if pt.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pt.is_decimal(kind):
        column = column.cast(pa.float64())
    elif not (pt.is_string(kind) or pt.is_large_string(kind) or pt.is_integer(kind)
              or pt.is_floating(kind) or pt.is_boolean(kind) or pt.is_date(kind)
              or pt.is_timestamp(kind) or pt.is_null(kind)):
        return [None if v is None else str(v) for v in column.to_pylist()]
    if pt.is_timestamp(kind) and kind.tz is not None:
        return [None if v is None else v.replace(tzinfo=None) for v in column.to_pylist()]
    values: list[object] = column.to_pylist()
    return values


def _read_csv(p: Path, size: int) -> RawSheet:
    if size > MAX_TEXT_BYTES:
        raise WorkbookTooLarge(
            f"this text file is {size / 1024**3:.1f} GB, over the "
            f"{MAX_TEXT_BYTES / 1024**3:.0f} GB limit for one CSV file: split it",
            file=p,
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise WorkbookUnreadable(f"cannot read the file ({exc.strerror})", file=p) from None
    try:
        text, encoding = decode_text(data)
    except UnicodeError:
        raise WorkbookUnreadable(
            "this text file is in UTF-32, which no spreadsheet program saves as CSV: open it "
            "in Excel or a text editor and save it as 'CSV UTF-8'",
            file=p,
        ) from None
    del data
    delimiter = guess_delimiter(text)
    # Count before parsing: a file of nothing but delimiters is hundreds of millions of
    # empty cells, which would cost gigabytes before the row-by-row count saw them.
    if text.count(delimiter) + text.count("\n") > 2 * MAX_CELLS:
        raise WorkbookTooLarge(
            f"this CSV file holds more than {MAX_CELLS:,} cells, more than jtai reads from "
            "one file: split it",
            file=p,
        )
    rows: list[list[object]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(list(row))
            cells += len(row)
            if cells > MAX_CELLS:
                raise WorkbookTooLarge(
                    f"this CSV file holds more than {MAX_CELLS:,} cells, more than jtai reads "
                    "from one file: split it",
                    file=p,
                )
    except csv.Error:
        raise WorkbookUnreadable(
            "this CSV file could not be read: a quoted cell is never closed, or a "
            "cell is longer than any real one; open it in Excel and save it again as CSV",
            file=p,
        ) from None
    width = max((len(r) for r in rows), default=0)
    if width * len(rows) > MAX_CELLS:
        raise WorkbookTooLarge(
            f"this CSV file spans {len(rows):,} rows by {width:,} columns, more than the "
            f"{MAX_CELLS:,} cells jtai reads from one file: split it",
            file=p,
        )
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    sheet = RawSheet(str(p), p.name, rows, from_text=True)
    if encoding == "mixed":
        sheet.notes.append(
            "this file mixes two text encodings (most lines UTF-8, some Windows-1252, as when "
            "lines are pasted in from another file): each line was read in its own encoding; "
            "check accented names, and save the file again as 'CSV UTF-8'")
    return sheet
