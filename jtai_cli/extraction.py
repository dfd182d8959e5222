"""When were the lists extracted? The date (or the window of dates) each list is judged on.

The official template carries no "as at" date, and a return extracted on Monday is often
checked on Friday. Judging it as at the day it is checked reports children whose birthday fell
in between as wrong, which they are not. The lists are not one extraction either: lists 6-8,
YOT, NPS and the answers are due on day 2 (paras 17-21, 26), lists 1, 3, 4 and 5 on day 7
(para 32) and the para 33 list on day 8 (para 33), often sent in one workbook. So, when no date
is given, jtai works out each list's date from what the workbook itself says (jtai's policy;
the guidance is silent):

1. a date in a list's title ("List 6: Children in need (data as at 23/11/2026)") is that
   list's date, and no other list's: a title on one list is never spread to the others. A
   title giving two dates ("data extracted 22/11/2026 to 23/11/2026", as ``merge`` writes
   when it knows only a window) is that list's window;
2. an untitled list was extracted no earlier than the latest event recorded by the untitled
   lists due on the same day in the same file (a contact, a start or a closure: none can be
   after the extraction) and no later than the day the file was last saved
   (``dcterms:modified`` in an .xlsx's ``docProps/core.xml``, ``dc:date`` in an .ods's
   ``meta.xml``, else the file's modification time, as a last resort) or today, if that is
   earlier. An age is right when it is right on some day of that window. Lists that record
   no event (meetings, a YOT list without dates) share the widest window of the file's other
   untitled lists, as nothing bounds their own extraction from below.

A date given by the user (``--as-of``) applies to every list. ``work_out`` is the one place
the dates are worked out: ``validate`` and every command that counts ages or periods
(``shortlist``, ``summary``, ``tracking``, ``filter``, ``merge``, ``template``, the page)
read them from the ``Dataset`` it fills (``Dataset.as_of_for``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .dates import typed_day
from .errors import UsageError
from .parsing import fmt_date, parse_date

if TYPE_CHECKING:
    from .model import ParsedList
    from .reporting import SheetInfo

#: The metadata parts read here are a few hundred bytes; anything larger is not trusted.
_MAX_META_BYTES = 256 * 1024
_CORE_MODIFIED = re.compile(rb"<dcterms:modified\b[^>]*>\s*(\d{4})-(\d{2})-(\d{2})")
_ODS_DATE = re.compile(rb"<dc:date>\s*(\d{4})-(\d{2})-(\d{2})")
#: A date as written in a title: 23/11/2026, 2026-11-23, 23 November 2026, 23rd Nov 2026,
#: 23-Nov-2026 (a weekday before it, "Monday 23/11/2026", is allowed).
_DAY = (r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
        r"(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{4}-\d{2}-\d{2}"
        r"|\d{1,2}(?:st|nd|rd|th)?[\s\-]+[A-Za-z]{3,9}[\s\-,]+\d{4})")
#: "as at 23/11/2026", "extracted on 23/11/2026", "snapshot date: 23 November 2026"...
_AS_AT = re.compile(
    r"\b(?:as\s+at|as\s+of|as\s+on|data\s+at|data\s+date|extracted(?:\s+on)?|extract\s+date"
    r"|run\s+on|snapshot(?:\s+date)?|dated)\b[:\s/|]*" + _DAY, re.IGNORECASE)
#: "data extracted 22/11/2026 to 23/11/2026", "extracted between 22/11/2026 and 23/11/2026".
_BETWEEN = re.compile(
    r"\b(?:extracted|as\s+at|data)\s+(?:between\s+|from\s+)?" + _DAY
    + r"\s*(?:to|and|-|–)\s*" + _DAY, re.IGNORECASE)
_ORDINAL = re.compile(r"(\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+", re.IGNORECASE)


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

    def title(self) -> str:
        """What a list's title says of it, read back by ``title_dates``.

        "data as at 23/11/2026", or "data extracted 22/11/2026 to 23/11/2026" for a window.
        """
        if self.is_exact:
            return f"data as at {fmt_date(self.last)}"
        return f"data extracted {self.describe()}"


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
    try:
        return typed_day(value, f"the as-of date '{value.strip()}'")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


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


# --------------------------------------------------------------------------- each list's date


def _text_day(text: str) -> dt.date | None:
    p = parse_date(_ORDINAL.sub(r"\1", _WEEKDAY.sub("", text.strip())).replace("-", " ")
                   if re.search(r"[A-Za-z]", text) else text.strip())
    return p.value if isinstance(p.value, dt.date) else None


def title_dates(title: str | None) -> tuple[dt.date, dt.date] | None:
    """The "as at" date (first == last) or window a list's title gives; None if it gives none.

    Example:
        >>> title_dates("List 6: Children in need (data as at 23/11/2026)")
        (datetime.date(2026, 11, 23), datetime.date(2026, 11, 23))
        >>> title_dates("List 1: Contacts (data extracted 22/11/2026 to 23/11/2026)")
        (datetime.date(2026, 11, 22), datetime.date(2026, 11, 23))
        >>> title_dates("List 3: Referrals, as at Monday 23rd November 2026")
        (datetime.date(2026, 11, 23), datetime.date(2026, 11, 23))
    """
    if not title:
        return None
    m = _BETWEEN.search(title)
    if m:
        a, b = _text_day(m.group(1)), _text_day(m.group(2))
        if a is not None and b is not None:
            return (min(a, b), max(a, b))
    m = _AS_AT.search(title)
    if m:
        day = _text_day(m.group(1))
        if day is not None:
            return (day, day)
    return None


def due_day(pl: ParsedList) -> int | None:
    """The day of the inspection the list is due on (its schema's ``due:``): its extraction."""
    return pl.schema.due.day if pl.schema.due is not None else None


def latest_event(lists: Iterable[ParsedList], cap: dt.date) -> tuple[dt.date, str] | None:
    """The latest date of an event the lists record, up to ``cap``, and where it is.

    Events are the dates that cannot be after the extraction (contacts, starts, closures);
    dates of birth, expected dates of birth and dates allowed in the future (a booked
    conference, a meeting in the fieldwork week) are left out. A date after ``cap`` is a
    mistake (reported as ``date-in-future``), not a bound.
    """
    import pandas as pd  # here: `jtai --help` does not load pandas

    best: tuple[dt.date, str] | None = None
    limit = pd.Timestamp(cap)
    for pl in lists:
        for col in pl.schema.columns:
            if (col.type != "date" or col.header not in pl.positions or col.rules.allow_future
                    or col.rules.may_be_booked
                    or col.role in ("date_of_birth", "expected_date_of_birth")):
                continue
            s = pl.typed[col.header]
            s = s[s <= limit]
            if not len(s) or s.isna().all():
                continue
            day = s.max().date()
            if best is None or day > best[0]:
                best = (day, f"{pl.label} '{col.header}'")
    return best


def _group_name(day: int | None, lists: Sequence[ParsedList]) -> str:
    names = ", ".join(dict.fromkeys(pl.label for pl in lists))
    if day is None or any(due_day(pl) != day for pl in lists):
        return f"the untitled lists {names}"
    return f"the lists due on day {day} ({names})"


def work_out(
    files: Sequence[str], lists: Sequence[ParsedList], sheets: Sequence[SheetInfo],
    today: dt.date,
) -> tuple[AsOf, dict[tuple[str, str], AsOf]]:
    """The date or window each list is judged on, when no as-of date is given.

    The policy is the module's: a list's own title; otherwise the window from the latest
    event of the untitled lists due on the same day in the same file to the file's saved date
    (or today, if earlier).

    Returns:
        The dataset's date or window (spanning every list's), and each list's own, by
        (file, sheet) (empty when every list has the dataset's).
    """
    titled: dict[tuple[str, str], tuple[dt.date, dt.date]] = {}
    for info in sheets:
        found = title_dates(info.title) if info.list else None
        if found is not None:
            titled[(info.file, info.sheet)] = found
    own: dict[tuple[str, str], AsOf] = {}
    several = len(dict.fromkeys(files)) > 1
    for f in dict.fromkeys(files):
        of_file = f" of {Path(f).name}" if several else ""
        in_file = [pl for pl in lists if pl.file == f]
        groups: dict[int | None, list[ParsedList]] = {}
        for pl in in_file:
            key = (pl.file, pl.sheet)
            if key in titled:
                first, last = titled[key]
                own[key] = AsOf(first, last, f"the title of sheet '{pl.sheet}'{of_file}")
            else:
                groups.setdefault(due_day(pl), []).append(pl)
        if not groups:
            continue
        saved = saved_date(f)
        cap = min(saved[0], today) if saved is not None else today
        events = {day: latest_event(untitled, cap) for day, untitled in groups.items()}
        # Lists recording no event (a meetings list, a YOT list without dates) give their
        # extraction no lower bound: they join the widest window of the file's other untitled
        # lists, rather than being judged on the saved day alone.
        bounded = {day: e for day, e in events.items() if e is not None}
        if bounded and len(bounded) < len(groups):
            widest = min(bounded, key=lambda d: (bounded[d][0], str(d)))
            for day in [d for d in groups if d not in bounded]:
                groups[widest] += groups.pop(day)
        for day, untitled in groups.items():
            win = window(events[day], saved, today)
            if len(groups) > 1 or len(untitled) < len(in_file) or several:
                win = AsOf(win.first, win.last,
                           f"for {_group_name(day, untitled)}{of_file}: {win.source}")
            for pl in untitled:
                own[(pl.file, pl.sheet)] = win
    values = list(dict.fromkeys(own.values()))
    if not values:
        saved = saved_date(files[0]) if files else None
        values = [window(None, saved, today)]
    if len(values) == 1:
        return values[0], {}
    spans = {(a.first, a.last) for a in values}
    if len(spans) == 1 and all(a.source.startswith("the title of sheet") for a in values):
        # Every list titled with the same date: one date, from each list's own title.
        names = ", ".join(repr(sheet) for _, sheet in own)
        (first, last), = spans
        return AsOf(first, last, f"the titles of sheets {names}"), own
    first = min(a.first for a in values)
    last = max(a.last for a in values)
    return AsOf(first, last, "each list its own date: " + describe_lists(own)), own


def describe_lists(own: dict[tuple[str, str], AsOf]) -> str:
    """Which date or window each list was judged on, and why, in one sentence.

    "sheets 'List_6', 'List_7': 25/11/2026 (the title of sheet 'List_6'); sheet 'List_1': ..."
    """
    parts = []
    for a in dict.fromkeys(own.values()):
        where = [sheet for (_, sheet), b in own.items() if b == a]
        parts.append(f"sheet{'s' if len(where) > 1 else ''} {', '.join(repr(w) for w in where)}: "
                     f"{a.describe()} ({a.source})")
    return "; ".join(parts)


def combine(parts: Iterable[AsOf]) -> AsOf | None:
    """One date or window for rows judged on several (one list merged from several files).

    The same for all: that one. Otherwise the window from the earliest first day to the
    latest last day, an age right on some day of it being right. None for no parts.
    """
    found = list(dict.fromkeys(parts))
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return AsOf(min(a.first for a in found), max(a.last for a in found),
                "; ".join(f"{a.describe()} ({a.source})" for a in found))
