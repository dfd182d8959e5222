"""When were the lists extracted? The date (or the window of dates) ages and periods are judged on.

The official template carries no "as at" date, and a return extracted on Monday is often
checked on Friday. Judging it as at the day it is checked reports children whose birthday fell
in between as wrong, which they are not. So, when no date is given, jtai works the date out
from what the workbook itself says (jtai's policy; the guidance is silent):

1. a date in a list's title ("List 6: Children in need (data as at 23/11/2026)") is that
   list's date; titles that give different dates (the day-2 and day-7 lists) each stand for
   their own list;
2. otherwise the lists were extracted no earlier than the latest event they record (a contact,
   a start or a closure: none can be after the extraction) and no later than the day the file
   was last saved (``dcterms:modified`` in an .xlsx's ``docProps/core.xml``, ``dc:date`` in an
   .ods's ``meta.xml``, else the file's modification time, as a last resort) or today, if
   that is earlier. An age is right when it is right on some day of that window.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .parsing import fmt_date

#: The metadata parts read here are a few hundred bytes; anything larger is not trusted.
_MAX_META_BYTES = 256 * 1024
_CORE_MODIFIED = re.compile(rb"<dcterms:modified\b[^>]*>\s*(\d{4})-(\d{2})-(\d{2})")
_ODS_DATE = re.compile(rb"<dc:date>\s*(\d{4})-(\d{2})-(\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


@dataclass(frozen=True)
class AsOf:
    """The date (``first == last``) or window of dates a list is judged on, and why."""

    first: dt.date
    last: dt.date
    source: str

    @property
    def is_exact(self) -> bool:
        """True for one date (given, or from a title), False for a window."""
        return self.first == self.last

    def describe(self) -> str:
        """"23/11/2026" or "16/11/2026 to 23/11/2026"."""
        if self.is_exact:
            return fmt_date(self.last)
        return f"{fmt_date(self.first)} to {fmt_date(self.last)}"


def read_as_of(value: dt.date | str | None) -> dt.date | None:
    """Read an as-of date given as a date, an ISO string (2026-11-23) or a UK one (23/11/2026).

    Raises:
        UsageError: a string that is not one of those forms, or not a real day.

    Example:
        >>> read_as_of("23/11/2026")
        datetime.date(2026, 11, 23)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise UsageError(f"the as-of date must be a date or text such as 23/11/2026, not a "
                         f"{type(value).__name__}")
    text = value.strip()
    m = _ISO.fullmatch(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _UK.fullmatch(text)
        if not m:
            raise UsageError(f"the as-of date '{text}' is not a date: use 2026-11-23 or "
                             "23/11/2026 (day first)")
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise UsageError(f"the as-of date '{text}' is not a real day (dates are day first, "
                         "dd/mm/yyyy)") from None


def saved_date(path: str | Path) -> tuple[dt.date, str] | None:
    """The day the file was last saved, and where that was read; None if it cannot be read.

    Reads only the small metadata part of an .xlsx/.xlsm (``docProps/core.xml``) or .ods
    (``meta.xml``), by pattern and never by an XML parser, so a hostile file cannot expand;
    otherwise (.xls, .csv, .parquet, or no metadata) the file's modification time.
    """
    p = Path(path)
    found = _from_zip(p)
    if found is not None:
        return found
    try:
        mtime = os.stat(p).st_mtime
    except OSError:
        return None
    return dt.date.fromtimestamp(mtime), "the file's modification time (no saved date inside it)"


def _from_zip(p: Path) -> tuple[dt.date, str] | None:
    try:
        if not zipfile.is_zipfile(p):
            return None
        with zipfile.ZipFile(p) as zf:
            for part, pattern, what in (
                ("docProps/core.xml", _CORE_MODIFIED, "the file's saved date (docProps/core.xml)"),
                ("meta.xml", _ODS_DATE, "the file's saved date (meta.xml)"),
            ):
                try:
                    info = zf.getinfo(part)
                except KeyError:
                    continue
                if info.file_size > _MAX_META_BYTES:
                    continue
                with zf.open(info) as fh:
                    head = fh.read(_MAX_META_BYTES)
                m = pattern.search(head)
                if m:
                    try:
                        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), what
                    except ValueError:
                        continue
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError):
        return None
    return None


def window(
    latest_event: tuple[dt.date, str] | None,
    saved: tuple[dt.date, str] | None,
    today: dt.date,
) -> AsOf:
    """The extraction window of a file with no "as at" title: latest event to saved date.

    Args:
        latest_event: the latest date of an event the file's lists record (none can be after
            the extraction), and where it is ("List 1, Date of Contact").
        saved: the file's saved date and where it was read (see ``saved_date``).
        today: the day of the check (a file cannot have been extracted after it).
    """
    no_title = "as no title gives an 'as at' date"
    if saved is not None and saved[0] <= today:
        last, why_last = saved[0], f"{saved[1]}, {fmt_date(saved[0])}"
    else:
        last, why_last = today, f"today, {fmt_date(today)}"
    if latest_event is None or latest_event[0] > last:
        return AsOf(last, last, f"{why_last}, {no_title} and no event bounds it")
    first = latest_event[0]
    why_first = f"the latest event in the lists ({latest_event[1]}, {fmt_date(first)})"
    if first == last:
        return AsOf(last, last, f"{why_first} and {why_last}, {no_title}")
    return AsOf(first, last, f"{why_first} and {why_last}, {no_title}; an age right on any "
                             "day between is accepted")
