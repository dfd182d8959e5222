"""Check a zip container (.xlsx, .xlsm, .ods) part by part before any reader opens it.

Every part is streamed through the decompressor, never trusting the sizes the zip declares,
and refused if the directory lies about a size, if parts overlap (a "zip bomb" trick), if it
would expand past ``limits.MAX_UNCOMPRESSED_BYTES``, or if it declares an XML DTD or entities
(the "billion laughs" attack: Excel never writes one). Each worksheet is scanned on its way
through (``xmlscan``; an .ods's content.xml by ``ods``).
"""

from __future__ import annotations

import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from jtai_cli.errors import WorkbookEncrypted, WorkbookTooLarge, WorkbookUnreadable

from . import limits
from .limits import _Scan
from .ods import _scan_ods
from .refusals import (
    _bomb,
    _damaged,
    _entities,
    _too_many_cells,
    _too_many_elements,
    _too_many_in_all,
    _too_many_sheets,
    _too_many_strings,
)
from .sniff import _ZIP
from .xmlscan import _DTD, _pieces, _SheetScanner

_READ_CHUNK = 1024**2  # compressed bytes read at a time
_OUT_CHUNK = 4 * 1024**2  # most decompressed bytes produced at a time
_MAX_SMALL_PART = 256 * 1024**2  # workbook.xml and its relationships are kilobytes
_BINARY_PARTS = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".tif", ".tiff",
                 ".bmp", ".wdp", ".jfif")


_SST = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sst[\t\n\r />]")
_TEXT_WINDOW = 1024**2


#: What to do with an Apple Numbers document (a file, or a folder on older Macs).
NUMBERS_EXPORT = ("this is an Apple Numbers spreadsheet, not an Excel workbook: open it in "
                  "Numbers, choose File > Export To > Excel..., save the .xlsx and give jtai "
                  "that file")


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
    if len(infos) > limits.MAX_PARTS:
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
        if info.file_size > limits.RATIO_FROM and info.file_size > limits.MAX_RATIO * max(
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
    if total > limits.MAX_UNCOMPRESSED_BYTES:
        raise WorkbookTooLarge(
            f"the workbook would expand to {total / 1024**3:.1f} GB, over the "
            f"{limits.MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GB safety limit: split it, or export "
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
    elif any(n.startswith("Index/") and n.endswith(".iwa") for n in names) or "Index.zip" in names:
        raise WorkbookUnreadable(NUMBERS_EXPORT, file=p)
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
                if self.expanded > limits.MAX_UNCOMPRESSED_BYTES:
                    raise WorkbookTooLarge(
                        "the workbook expands past the "
                        f"{limits.MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GB safety limit: split "
                        "it, or export the lists as CSV files",
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
        (the part whose root is ``<sst``) is counted as it streams: at most
        ``limits.MAX_READ_CELLS`` strings, none longer than Excel allows (``limits.MAX_TEXT_XML``
        bytes of XML between one ``<si>`` or ``</si>`` and the next, checked a window at a
        time: linear).
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
            if markers > 2 * min(limits.MAX_CELLS, limits.MAX_READ_CELLS) + 2:
                raise _too_many_strings(self.p, info.filename, markers // 2)
            for lo in range(0, len(chunk), _TEXT_WINDOW):
                hi = min(lo + _TEXT_WINDOW, len(chunk))
                at = chunk.rfind(b"si>", lo, hi)
                since = since + hi - lo if at < 0 else hi - at
                if since > limits.MAX_TEXT_XML:
                    raise WorkbookTooLarge(
                        f"part '{info.filename}' holds a piece of text far longer than the "
                        f"{limits.EXCEL_MAX_TEXT:,} characters Excel allows in a cell: no real "
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
        total = 0  # cells in the sheets so far: the limit is on the whole workbook
        parts = tuple(target for _, target in targets)
        for name, target in targets:
            if target in by_target:  # two sheets on one part: the reader reads it twice
                scans[name] = by_target[target]
                total += scans[name].cells
                if total > limits.MAX_READ_CELLS:
                    raise _too_many_in_all(self.p, name, total)
                continue
            info = by_name.get(target)
            if info is None or target in self.done:
                continue  # no scan: the sheet is refused, never read unchecked
            scans[name] = by_target[target] = self.scan_sheet(info, name, total)
            scans[name].part = target
            scans[name].sheet_parts = parts
            total += scans[name].cells
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

    def scan_sheet(self, info: zipfile.ZipInfo, sheet: str, before: int = 0) -> _Scan:
        """Scan one worksheet; refuse it if its used area is over ``limits.MAX_CELLS``, or if
        its cells and the ``before`` cells of the sheets scanned before it are."""
        quick = self._quick_scan(info, _SheetScanner(self.p, sheet, before=before))
        scan = quick.result()
        if not quick.needs_exact and scan.area > limits.MAX_CELLS:
            # Pieces proved different tiers (rows 1-99,999 within 312 columns, later rows
            # within 32) and their maxima multiplied past the limit: check every tier on
            # every piece, and take the smallest that holds for the whole sheet.
            quick = self._quick_scan(info, _SheetScanner(self.p, sheet, every_tier=True,
                                                         before=before))
            scan = quick.result()
        if quick.needs_exact or scan.area > limits.MAX_CELLS:
            # The quick bounds cannot decide: walk every tag (slower, and rare).
            exact = _SheetScanner(self.p, sheet, exact=True, before=before)
            for i, piece in enumerate(_pieces(self.stream(info), self.p, info.filename)):
                exact.feed(piece, first=i == 0)
            scan = exact.result()
        if scan.area > limits.MAX_CELLS:
            raise _too_many_cells(self.p, {sheet: scan})
        if scan.cells > limits.MAX_CELLS:
            raise _too_many_elements(self.p, sheet, scan.cells)
        if before + scan.cells > limits.MAX_READ_CELLS:
            raise _too_many_in_all(self.p, sheet, before + scan.cells)
        return scan

    # ------------------------------------------------------------------ ods

    def ods_sheets(self, by_name: dict[str, zipfile.ZipInfo]) -> dict[str, _Scan]:
        """Scan content.xml with a streaming parser that refuses DTDs and entities."""
        return _scan_ods(self.p, self.stream(by_name["content.xml"]))


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
        if len(out) >= limits.MAX_SHEETS:
            raise _too_many_sheets(reader.p)
        name = el.get("name") or ""
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        if rid in targets:
            out.append((name, targets[rid]))
    return out
