"""CSV files: decoded as UK Excel saves them, split on the delimiter they use, within the limits."""

from __future__ import annotations

import csv
import io
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


def _read_csv(p: Path, size: int) -> RawSheet:
    if size > limits.MAX_TEXT_BYTES:
        raise WorkbookTooLarge(
            f"this text file is {size / 1024**3:.1f} GB, over the "
            f"{limits.MAX_TEXT_BYTES / 1024**3:.0f} GB limit for one CSV file: split it",
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
    if text.count(delimiter) + text.count("\n") > 2 * limits.MAX_CELLS:
        raise WorkbookTooLarge(
            f"this CSV file holds more than {limits.MAX_CELLS:,} cells, more than jtai reads from "
            "one file: split it",
            file=p,
        )
    rows: list[list[object]] = []
    cells, most = 0, limits.MAX_CELLS  # a local name: this loop runs once a row
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(list(row))
            cells += len(row)
            if cells > most:
                raise WorkbookTooLarge(
                    f"this CSV file holds more than {most:,} cells, more than jtai "
                    "reads from one file: split it",
                    file=p,
                )
    except csv.Error:
        raise WorkbookUnreadable(
            "this CSV file could not be read: a quoted cell is never closed, or a "
            "cell is longer than any real one; open it in Excel and save it again as CSV",
            file=p,
        ) from None
    width = max((len(r) for r in rows), default=0)
    if width * len(rows) > limits.MAX_CELLS:
        raise WorkbookTooLarge(
            f"this CSV file spans {len(rows):,} rows by {width:,} columns, more than the "
            f"{limits.MAX_CELLS:,} cells jtai reads from one file: split it",
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
