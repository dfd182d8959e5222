"""CSV files: decoded as UK Excel saves them, split on the delimiter they use, within the limits."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from jtai_cli.errors import WorkbookTooLarge, WorkbookUnreadable

from . import limits
from .sheets import RawSheet
from .sniff import _wide_text


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


#: A line of CSV text as the csv module's own reader splits it (``newline=""``): ended by
#: "\r\n", "\r" or "\n", or by the end of the text.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_PIECE = 1024**2  # characters of text split into lines at a time


def _lines(text: str) -> Iterator[str]:
    """The text's lines, a piece at a time, as ``io.StringIO(text, newline="")`` gives them.

    A StringIO holds its own copy of the text at four bytes a character (a 50 MB file took
    200 MB more); this holds one piece's lines at a time. Pieces end just after a "\n", so
    no "\r\n" is split between two pieces.
    """
    start, n = 0, len(text)
    while start < n:
        end = text.find("\n", min(start + _PIECE, n) - 1)
        end = n if end < 0 else end + 1
        yield from _LINE.findall(text, start, end)
        start = end


def _too_many_cells(p: Path, most: int) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"this CSV file holds more than {most:,} cells, more than jtai reads from one file "
        "so that it never runs out of memory: split it", file=p)


#: What a blank line is held as until a row with a value comes after it (one list for them
#: all: a blank line costs a pointer, not a list, and nothing if no value follows it).
_BLANK: list[object] = []


def _read_csv(p: Path, size: int) -> RawSheet:
    if size > limits.MAX_TEXT_BYTES:
        raise WorkbookTooLarge(
            f"this text file is {size / 1024**2:,.1f} MB, over the "
            f"{limits.MAX_TEXT_BYTES / 1024**2:,.0f} MB limit for one CSV file so that it "
            "never runs out of memory: split it",
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
    most = min(limits.MAX_CELLS, limits.MAX_READ_CELLS)
    if text.count(delimiter) > 2 * most:
        raise _too_many_cells(p, most)
    rows: list[list[object]] = []
    # Blank lines (no cell, or every cell empty) are counted, not held, until a row with a
    # value comes after them: a file of 50 million blank lines costs its text and nothing
    # more. Every line that is held counts as at least one cell against the limit.
    blanks = 0
    cells, width = 0, 0  # local names: this loop runs once a line
    try:
        for row in csv.reader(_lines(text), delimiter=delimiter):
            if not any(row):
                blanks += 1
                continue
            if blanks:
                cells += blanks
                rows.extend([_BLANK] * blanks)
                blanks = 0
            rows.append(row)  # type: ignore[arg-type]  # a list of str is a list of cells
            n = len(row)
            cells += n
            if n > width:
                width = n
            if cells > most:
                raise _too_many_cells(p, most)
    except csv.Error:
        raise WorkbookUnreadable(
            "this CSV file could not be read: a quoted cell is never closed, or a "
            "cell is longer than any real one; open it in Excel and save it again as CSV",
            file=p,
        ) from None
    del text
    filled = sum(1 for r in rows if r is not _BLANK)
    if width * filled + (len(rows) - filled) > most:
        raise WorkbookTooLarge(
            f"this CSV file spans {len(rows):,} rows by {width:,} columns, more than the "
            f"{most:,} cells jtai reads from one file: split it",
            file=p,
        )
    for r in rows:
        if len(r) < width and r is not _BLANK:
            r.extend([""] * (width - len(r)))
    sheet = RawSheet(str(p), p.name, rows, from_text=True)
    if encoding == "mixed":
        sheet.notes.append(
            "this file mixes two text encodings (most lines UTF-8, some Windows-1252, as when "
            "lines are pasted in from another file): each line was read in its own encoding; "
            "check accented names, and save the file again as 'CSV UTF-8'")
    return sheet
