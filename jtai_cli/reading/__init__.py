"""Open workbooks and CSV files read-only and turn every sheet into rows of raw cell values.

Nothing here interprets a value: that is ``parsing``. What happens here is deciding what kind
of file this really is (whatever its name says), refusing what cannot be read safely, and
handing back each sheet's cells exactly as the file holds them, with Excel row numbers intact.

Safety, before a single cell is read, one module a risk, in the order a file meets them:

- ``sniff``: the file's first bytes say what it is; its name does not. An encrypted workbook,
  a web page or PDF saved as ``.xls``, random bytes: each gets a message saying what it is and
  what to do.
- ``zipguard``: an .xlsx or .ods is a zip of XML parts. Every XML part is streamed through the
  decompressor before the real reader sees it, and refused if the zip directory lies about its
  size, if the parts overlap (a "zip bomb" trick), if it would expand past
  ``limits.MAX_UNCOMPRESSED_BYTES``, or if it declares an XML DTD or entities (the "billion
  laughs" attack: Excel never writes one).
- ``xmlscan`` (``ods`` for an .ods): the same pass finds each sheet's used area (rows times
  columns, from A1) from the cell references in the XML. A single value in cell XFD1048576
  makes the reader allocate a cell for every position up to it (17 billion), which no machine
  survives, so a sheet spanning more than ``limits.MAX_CELLS`` is refused with the cell that
  causes it, and a file whose cells, counted as they stream, add up to more than
  ``limits.MAX_READ_CELLS`` is refused at the sheet where the count passes it. It also notes
  each formula cell (``<f>``): jtai uses the value Excel last calculated and never evaluates
  anything; macros in an .xlsm are never run.
- ``ole``: an .xls, or a workbook encrypted with a password (refused, saying how to unlock it).
- ``calamine``: the reader (python-calamine, in Rust) reads the cells; it may still panic on a
  damaged file: that becomes a plain "could not be read", and Rust's own report is kept off
  the terminal. ``sparse``: a sheet whose few cells lie far apart is read through a compact
  copy of it, at the cost of its cells rather than of the grid they span.
- ``csv`` and ``parquet``: one list a file, decoded and bounded in the same way.
- ``limits`` holds every limit, ``refusals`` every message a file is refused with, and
  ``sheets`` what is handed back (``RawSheet``, ``Workbook``).
- Nothing is written, and messages name files, sheets and cells, never a cell's value.
"""

from __future__ import annotations

import stat
from concurrent.futures import Executor, Future
from pathlib import Path

from jtai_cli._bounded import note_reading
from jtai_cli.errors import FileNotFound, WorkbookUnreadable

from .calamine import _lazy_loader, _OpenBook, _read_with_calamine
from .csv import _read_csv, decode_text, guess_delimiter
from .limits import _Scan
from .ole import _check_ole
from .parquet import _read_parquet
from .sheets import RawSheet, Workbook, _Cells
from .sniff import sniff_kind
from .zipguard import _inspect_zip

__all__ = ["RawSheet", "Workbook", "decode_text", "guess_delimiter", "read_workbook",
           "sniff_kind"]


def read_workbook(
    path: str | Path, *, lazy: bool = False, reader: Executor | None = None
) -> Workbook:
    """Read every sheet of an .xlsx, .xlsm, .xls or .ods workbook, or one CSV or Parquet file.

    With ``lazy=True`` an .xlsx sheet's cells are read only when ``RawSheet.load()`` is
    called, so a caller can hold one sheet's cells at a time (a national list set of three
    million rows would otherwise need all of them in memory at once).

    The file is checked before it is read (see the package notes): a workbook that is damaged,
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
