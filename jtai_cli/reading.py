"""Open workbooks and CSV files read-only and turn every sheet into rows of raw cell values.

Nothing here interprets a value: that is ``parsing``. What happens here is deciding what kind
of file this really is (whatever its name says), refusing what cannot be read safely, and
handing back each sheet's cells exactly as the file holds them, with Excel row numbers intact.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import (
    FileNotFound,
    WorkbookEncrypted,
    WorkbookTooLarge,
    WorkbookUnreadable,
)

#: Refuse a workbook whose sheets would expand past this many bytes (zip-bomb guard).
#: A 1,048,576-row sheet of 40 columns is about 1.5 GB of XML; 4 GB leaves room for that.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
#: Refuse a zip member that expands more than this many times its compressed size
#: once it is past 100 MB. Real sheet XML compresses 10-30 times; bombs compress 1000s of times.
MAX_RATIO = 400

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
_TEMPLATE_INFO_SHEETS = {"front sheet", "faq and changes", "guidance", "codes used"}


@dataclass
class RawSheet:
    """One sheet (or one CSV file) as cells, exactly as read.

    ``rows[i]`` is Excel row ``i + 1``; ``rows[i][j]`` is column ``j + 1``.
    """

    file: str
    name: str
    rows: list[list[object]]
    hidden: bool = False
    from_text: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def is_template_info(self) -> bool:
        """True for the Ofsted template's Front_Sheet, Guidance, FAQ and Codes_used tabs."""
        from .schemas import normalise

        return normalise(self.name) in _TEMPLATE_INFO_SHEETS


@dataclass
class Workbook:
    """Every sheet of one input file."""

    path: Path
    kind: str
    sheets: list[RawSheet]


def sniff_kind(path: Path, head: bytes) -> str:
    """Say what a file really is from its first bytes: xlsx, ods, ole, html, csv or unknown."""
    if head.startswith(_ZIP):
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head")):
        return "html"
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "unknown"
    return "text"


def read_workbook(path: str | Path) -> Workbook:
    """Read every sheet of an .xlsx, .xlsm, .xls or .ods workbook, or one CSV file.

    Args:
        path: the file. It is opened read-only and never changed.

    Returns:
        The workbook's sheets as raw cells.

    Raises:
        FileNotFound: the path does not exist, or is a folder.
        WorkbookEncrypted: the workbook is password-protected.
        WorkbookTooLarge: the workbook would expand past the safety limit.
        WorkbookUnreadable: the file is empty, corrupt or not a workbook or CSV.

    Example:
        >>> wb = read_workbook("examples/lists_clean.xlsx")
        >>> [s.name for s in wb.sheets][:2]
        ['List_6', 'List_7']
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFound("no such file: check the path and the file name", file=p)
    if p.is_dir():
        raise FileNotFound("this is a folder, not a file: give the workbook's path", file=p)
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
        _check_zip(p)
        return Workbook(p, "ods" if suffix == ".ods" else "xlsx", _read_with_calamine(p))
    if kind == "ole":
        _check_ole(p, size)
        return Workbook(p, "xls", _read_with_calamine(p))
    if kind == "html":
        raise WorkbookUnreadable(
            "this is a web page (HTML) saved with a spreadsheet name, as some case-management "
            "exports do: open it in Excel and use Save As > Excel Workbook (.xlsx), then try "
            "that file",
            file=p,
        )
    if kind == "text":
        sheet = _read_csv(p)
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            sheet.notes.append(
                f"this file is named {suffix} but holds plain text (CSV): read as CSV"
            )
        return Workbook(p, "csv", [sheet])
    raise WorkbookUnreadable(
        "this is not a workbook or CSV file jtai can read: expected .xlsx, .xlsm, .xls, .ods "
        "or .csv",
        file=p,
    )


def _check_zip(p: Path) -> None:
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookUnreadable(
            "the workbook is damaged (its zip structure is broken, often a download or copy "
            "that stopped part way): export or copy it again",
            file=p,
        ) from None
    if "[Content_Types].xml" not in names and "mimetype" not in names:
        raise WorkbookUnreadable(
            "this is a zip archive, not a workbook: unzip it and give the .xlsx inside", file=p
        )
    total = 0
    for info in infos:
        total += info.file_size
        big = info.file_size > 100 * 1024**2
        if big and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise WorkbookTooLarge(
                f"part '{info.filename}' would expand {info.file_size // max(info.compress_size, 1)} "
                "times its stored size, far beyond any real workbook (a 'zip bomb'): refused "
                "before reading it",
                file=p,
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookTooLarge(
            f"the workbook would expand to {total / 1024**3:.1f} GB, over the "
            f"{MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GB safety limit: split it, or export "
            "the lists as CSV files",
            file=p,
        )


def _check_ole(p: Path, size: int) -> None:
    # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream.
    with p.open("rb") as fh:
        data = fh.read(min(size, 64 * 1024**2))
    if _ENCRYPTED_MARKER in data:
        raise WorkbookEncrypted(
            "this workbook is password-protected: open it in Excel, save an unprotected copy "
            "(File > Info > Protect Workbook > Encrypt with Password, clear the password), and "
            "give jtai that copy",
            file=p,
        )


def _read_with_calamine(p: Path) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        wb = CalamineWorkbook.from_path(str(p))
        sheets = []
        for meta in wb.sheets_metadata:
            if str(meta.typ).endswith("ChartSheet"):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            hidden = not str(meta.visible).endswith(".Visible")
            sheets.append(RawSheet(str(p), meta.name, rows, hidden=hidden))
        wb.close()
    except PasswordError:
        raise WorkbookEncrypted(
            "this workbook is password-protected: save an unprotected copy and give jtai that",
            file=p,
        ) from None
    except Exception as exc:  # calamine raises several types; none may leak cell values
        kind = type(exc).__name__
        raise WorkbookUnreadable(
            f"the workbook could not be read ({kind}): it may be damaged or not really an "
            "Excel file; open it in Excel and save it again as .xlsx",
            file=p,
        ) from None
    return sheets


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UK Excel saves them: UTF-8 (with or without BOM), else Windows-1252.

    Returns:
        The text and the encoding used.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _read_csv(p: Path) -> RawSheet:
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise WorkbookUnreadable(f"cannot read the file ({exc.strerror})", file=p) from None
    text, _encoding = decode_text(data)
    sample = text[:20000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows: list[list[object]] = [
            [cell for cell in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)
        ]
    except csv.Error:
        raise WorkbookUnreadable(
            "this CSV file could not be read (a quoted cell is never closed?)", file=p
        ) from None
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return RawSheet(str(p), p.name, rows, from_text=True)


def read_many(paths: Sequence[str | Path]) -> list[Workbook]:
    """Read several files; the first unusable one raises."""
    return [read_workbook(p) for p in paths]
