"""The inspection timetable: what is due, from whom, and when, counted from notification.

The guidance numbers working days from the Monday the area is notified (day 0, para 9) and
skips weekends: day 4 is Friday of week one and day 5 is Monday of week two. Each deadline
below carries the paragraph it comes from. Where the body text and the Annex C table disagree
on a time, jtai uses the earlier of the two and say so in the deadline's ``note``, so that
nobody works to the later time and misses the earlier one.

Times are wall-clock times in England (Europe/London). Deadlines the guidance gives as "by the
end of day N" have no time; calendars and :func:`next_deadline` treat them as 5pm
(:data:`END_OF_DAY`).

Bank holidays (England and Wales) are flagged, never skipped: the guidance counts inspection days
and says nothing of bank holidays, so whether to move a deadline that falls on one is the lead
inspector's call. They come from the ``holidays`` package (rules for every year, kept up to date
by its maintainers, no network), the same dates gov.uk publishes, with gov.uk's wording for a
substitute day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from jtai_cli.dates import fmt_date
from jtai_cli.errors import UsageError
from jtai_cli.policy import OPTIONS, Option

__all__ = [
    "END_OF_DAY",
    "BankHoliday",
    "Deadline",
    "Timeline",
    "Who",
    "bank_holiday",
    "deadline_lines",
    "due_text",
    "find_deadline",
    "has_deadline",
    "next_deadline",
    "timeline",
]

Who = Literal["local authority", "local agencies", "lead inspector", "CQC"]
"""Who must act by the deadline.

"local agencies" is the partnership (children's services, health, police, YOT, NPS) that the
guidance makes responsible for key documents, Annex A information and joint evaluations
(paras 34, 36, 37), as distinct from the local authority alone. "CQC" is the Care Quality
Commission, which requests health documents itself (para 35).
"""

BANK_HOLIDAY_SOURCE = ("England and Wales bank holidays from the 'holidays' package (the "
                       "dates gov.uk/bank-holidays publishes), flagged, not skipped")
END_OF_DAY = dt.time(17, 0)
"""The time at which an "end of day" deadline is shown in calendars and counted as due."""

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_BOTH: frozenset[str] = frozenset(OPTIONS)
_ONLY_A: frozenset[str] = frozenset({"A"})
_ONLY_B: frozenset[str] = frozenset({"B"})
_EVENT_LENGTH = dt.timedelta(minutes=30)
_LA: Who = "local authority"
_AGENCIES: Who = "local agencies"
_INSPECTOR: Who = "lead inspector"
_CQC: Who = "CQC"
#: The last inspection day the guidance names: Friday of week two ("end of week two", para 38).
_LAST_DAY = 9


def bank_holiday(day: dt.date) -> str | None:
    """The England and Wales bank holiday on ``day``, by gov.uk's name, or None.

    Example:
        >>> import datetime
        >>> bank_holiday(datetime.date(2026, 12, 28))
        'Boxing Day (substitute day)'
        >>> bank_holiday(datetime.date(2026, 12, 29)) is None
        True
    """
    name = _holidays(day.year).get(day)
    if name is None:
        return None
    # The package says "(observed)"; gov.uk's bank holiday list says "(substitute day)".
    return str(name).replace("(observed)", "(substitute day)")


@cache
def _holidays(year: int) -> Any:
    """The package's holidays for one year (imported late: ``jtai --help`` stays fast)."""
    import holidays  # lazy: about 0.4 s to import, and only a deadline needs it

    # England and Wales share one set of bank holidays; "ENG" is England's subdivision.
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


@dataclass(frozen=True)
class BankHoliday:
    """An England and Wales bank holiday on a weekday of the inspection fortnight.

    Attributes:
        day: the inspection day number (0 is the Monday of notification).
        date: its date.
        name: gov.uk's name, e.g. "Boxing Day (substitute day)".
    """

    day: int
    date: dt.date
    name: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"day": self.day, "date": self.date.isoformat(), "name": self.name}


@dataclass(frozen=True)
class Deadline:
    """One thing due on one inspection day.

    Attributes:
        day: the day number as the guidance counts it: 0 is the Monday of notification,
            4 is Friday of week one, 5 is Monday of week two, 8 is Thursday of week two.
        date: the calendar date of ``day``.
        time: the time it is due, or ``None`` for "by the end of the day".
        what: what is due, in plain words.
        who: who must act.
        options: the Annex C options ("A", "B") this deadline applies to.
        source: where in the guidance it comes from, for example ``"para 22; Annex C"``.
        note: why jtai chose this reading, where the guidance disagrees with itself.
        bank_holiday: the England and Wales bank holiday ``date`` falls on, or None. Flagged,
            not moved: moving a deadline is the lead inspector's call.
    """

    day: int
    date: dt.date
    time: dt.time | None
    what: str
    who: Who
    options: frozenset[str]
    source: str
    note: str | None = None
    bank_holiday: str | None = None

    @property
    def weekday(self) -> str:
        """The day of the week, for example ``"Wednesday"``."""
        return _WEEKDAYS[self.date.weekday()]

    @property
    def is_end_of_day(self) -> bool:
        """Whether the guidance gives only "by the end of the day", with no time."""
        return self.time is None

    @property
    def due(self) -> dt.datetime:
        """The moment it is due, in UK time, with "end of day" counted as 5pm."""
        local = dt.datetime.combine(self.date, self.time or END_OF_DAY)
        return local.replace(tzinfo=_london_zone(local))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict: ISO date, ``"15:00"`` time or ``None`` for end of day."""
        return {
            "day": self.day,
            "date": self.date.isoformat(),
            "weekday": self.weekday,
            "time": self.time.strftime("%H:%M") if self.time is not None else None,
            "what": self.what,
            "who": self.who,
            "options": sorted(self.options),
            "source": self.source,
            "note": self.note,
            "bank_holiday": self.bank_holiday,
        }


@dataclass(frozen=True)
class Timeline:
    """Every deadline of one inspection, in the order they fall due.

    Attributes:
        notified: the Monday the area was notified (day 0).
        option: the Annex C option the deadlines were filtered to, or ``None`` for both.
        deadlines: the deadlines, sorted by date then time, "end of day" last within a day.
        bank_holidays: England and Wales bank holidays on the inspection days 0 to 9 (the
            Monday of notification to the Friday of week two), whether or not a deadline falls
            on them.
    """

    notified: dt.date
    option: Option | None
    deadlines: tuple[Deadline, ...]
    bank_holidays: tuple[BankHoliday, ...] = ()

    @property
    def notified_bank_holiday(self) -> str | None:
        """The bank holiday the notification day falls on, or None."""
        return next((b.name for b in self.bank_holidays if b.day == 0), None)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the timeline.

        Example:
            >>> import datetime
            >>> timeline(datetime.date(2026, 11, 23), "A").to_dict()["deadlines"][0]["date"]
            '2026-11-25'
        """
        return {
            "notified": self.notified.isoformat(),
            "notified_bank_holiday": self.notified_bank_holiday,
            "option": self.option,
            "deadlines": [deadline.to_dict() for deadline in self.deadlines],
            "bank_holidays": [b.to_dict() for b in self.bank_holidays],
            "bank_holiday_source": BANK_HOLIDAY_SOURCE,
        }

    def to_ics(self) -> str:
        """Return the timeline as an iCalendar (RFC 5545) document.

        The output depends only on the notification date and option, so the same inputs give
        byte-identical files and re-importing updates events rather than duplicating them:
        UIDs are derived from the notification date, day and text, and DTSTAMP from the
        notification date rather than the clock. Each deadline is a 30-minute event in UK
        local time; "end of day" deadlines are placed at 5pm.

        Returns:
            The calendar text, with CRLF line endings and lines folded at 75 octets.

        Example:
            >>> import datetime
            >>> ics = timeline(datetime.date(2026, 11, 23)).to_ics()
            >>> ics.splitlines()[0]
            'BEGIN:VCALENDAR'
        """
        stamp = f"{self.notified:%Y%m%d}T000000Z"
        which = f"option {self.option}" if self.option else "options A and B"
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//jtai//timeline//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:"
            + _escape_text(f"JTAI timetable, notified {self.notified.isoformat()} ({which})"),
            "X-WR-TIMEZONE:Europe/London",
            *_VTIMEZONE_LONDON,
        ]
        for deadline in self.deadlines:
            lines.extend(_vevent(self.notified, deadline, stamp))
        for holiday in self.bank_holidays:
            lines.extend(_holiday_vevent(self.notified, holiday, stamp))
        lines.append("END:VCALENDAR")
        return "".join(_fold(line) + "\r\n" for line in lines)


def timeline(notified: dt.date, option: Option | None = None) -> Timeline:
    """Work out every deadline of an inspection from the notification date.

    Args:
        notified: the Monday the area was notified (day 0). A ``datetime`` is reduced to its
            date.
        option: "A" or "B" to keep only that option's deadlines; ``None`` keeps both.

    Returns:
        The deadlines, sorted by date then time, with "end of day" last within a day.

    Raises:
        UsageError: if ``notified`` is not a Monday, or ``option`` is not "A", "B" or None.

    Example:
        >>> import datetime
        >>> t = timeline(datetime.date(2026, 11, 23), option="A")
        >>> t.deadlines[0].date, t.deadlines[0].time
        (datetime.date(2026, 11, 25), datetime.time(15, 0))
    """
    if isinstance(notified, dt.datetime):
        notified = notified.date()
    if not isinstance(notified, dt.date):
        raise TypeError(f"notified must be a date, not {type(notified).__name__}")
    if notified.weekday() != 0:
        raise UsageError(
            f"notification is on a Monday (day 0); {notified.isoformat()} is a "
            f"{_WEEKDAYS[notified.weekday()]}"
        )
    if option is not None and option not in _BOTH:
        raise UsageError(f"option must be A or B (Annex C), not {option!r}")

    deadlines = [
        replace(deadline, bank_holiday=bank_holiday(deadline.date))
        for deadline in _deadlines(notified)
        if option is None or option in deadline.options
    ]
    # sorted() is stable, so deadlines at the same moment keep the order written below,
    # which follows the guidance's own order.
    deadlines.sort(key=lambda d: (d.date, d.time is None, d.time or dt.time.min))
    holidays = tuple(BankHoliday(day, date, name) for day in range(_LAST_DAY + 1)
                     if (name := bank_holiday(date := _date_of_day(notified, day))) is not None)
    return Timeline(notified=notified, option=option, deadlines=tuple(deadlines),
                    bank_holidays=holidays)


def next_deadline(timeline: Timeline, now: dt.datetime) -> Deadline | None:
    """Return the first deadline not yet past at ``now``, or ``None`` if all have passed.

    A deadline exactly at ``now`` is still next. "End of day" deadlines count as 5pm.

    Args:
        timeline: the timeline to look in.
        now: the moment to compare with. A naive datetime is read as UK local time; an aware
            one is compared as an instant, so UTC works too.

    Returns:
        The earliest deadline due at or after ``now``; ties go to the timeline's order.

    Example:
        >>> import datetime
        >>> t = timeline(datetime.date(2026, 11, 23), "A")
        >>> next_deadline(t, datetime.datetime(2026, 11, 26, 12, 0)).day
        3
    """
    for deadline in timeline.deadlines:
        due = deadline.due
        if now.tzinfo is None or now.utcoffset() is None:
            due = due.replace(tzinfo=None)
        if due >= now:
            return deadline
    return None


# --------------------------------------------------------------------------- deadlines in words

# Any Monday: used to word deadlines by day number when no notification date is given.
_ANY_MONDAY = dt.date(2026, 11, 23)


def _clock(time: dt.time | None) -> str:
    if time is None:
        return "the end of"
    hour = time.hour % 12 or 12
    suffix = "am" if time.hour < 12 else "pm"
    return f"{hour}{suffix}" if time.minute == 0 else f"{hour}.{time.minute:02d}{suffix}"


def due_text(deadline: Deadline, *, dated: bool) -> str:
    """When a deadline falls, in words: "3pm on Thursday 26/11/2026 (day 3)".

    Without a date (``dated`` False) the day is given by number: "3pm on day 3 (Thursday of
    week one)". "End of day" deadlines read "by the end of day 6 ...".

    Example:
        >>> d = find_deadline("A", 3, "para 23")
        >>> due_text(d, dated=False)
        '3pm on day 3 (Thursday of week one)'
    """
    week = "one" if deadline.day < 5 else "two"
    clock = _clock(deadline.time)
    if dated:
        when = f"{deadline.weekday} {fmt_date(deadline.date)} (day {deadline.day})"
    else:
        when = f"day {deadline.day} ({deadline.weekday} of week {week})"
    return f"the end of {when}" if deadline.time is None else f"{clock} on {when}"


def find_deadline(option: Option, day: int, source: str,
                  notified: dt.date | None = None) -> Deadline:
    """The timetable's deadline on ``day`` whose source starts with ``source``.

    A list's ``due`` in its schema (``day``, ``source``) names its deadline this way.

    Raises:
        UsageError: ``notified`` is not a Monday.
        KeyError: the timetable has no such deadline.
    """
    for d in timeline(notified or _ANY_MONDAY, option).deadlines:
        if d.day == day and d.source.startswith(source):
            return d
    raise KeyError(f"no deadline on day {day} from {source}")


def has_deadline(option: Option, day: int, source: str) -> bool:
    """Does the timetable have, under ``option``, a deadline ``find_deadline`` would find?

    Cheap enough for loading the schemas: bank holidays are not looked up.
    """
    return any(d.day == day and d.source.startswith(source) and option in d.options
               for d in _deadlines(_ANY_MONDAY))


def deadline_lines(option: Option, *, notified: dt.date | None = None,
                   days: Sequence[int] | None = None) -> list[list[object]]:
    """Rows [when, who, what, source, note] for the timetable's deadlines (Annex C).

    Args:
        option: "A" or "B".
        notified: the Monday the area was notified; without it deadlines are given by day number.
        days: only these inspection days (default: all).
    """
    rows: list[list[object]] = []
    for d in timeline(notified or _ANY_MONDAY, option).deadlines:
        if days is not None and d.day not in days:
            continue
        when = due_text(d, dated=notified is not None)
        note = d.note or ""
        if d.bank_holiday and notified is not None:
            note = (f"{note} " if note else "") + (
                f"BANK HOLIDAY ({d.bank_holiday}): flagged, not moved; moving it is the lead "
                "inspector's call.")
        rows.append([when[0].upper() + when[1:], d.who, d.what, d.source, note])
    return rows


def _date_of_day(notified: dt.date, day: int) -> dt.date:
    """Return the date of inspection day ``day``, skipping the weekend between the weeks."""
    # Weekends are not numbered (para 9; Annex C): day 4 is Friday, day 5 the next Monday.
    week, weekday = divmod(day, 5)
    return notified + dt.timedelta(weeks=week, days=weekday)


def _deadlines(notified: dt.date) -> Iterable[Deadline]:
    """Yield every deadline of the guidance, for both options, in the guidance's order."""

    def on(day: int, hour: int | None, minute: int = 0) -> tuple[int, dt.date, dt.time | None]:
        time = dt.time(hour, minute) if hour is not None else None
        return day, _date_of_day(notified, day), time

    # Day 2, Wednesday of week one, 3pm.
    yield Deadline(
        *on(2, 15),
        what=(
            "Lists 6, 7 and 8 (children in need, child protection plans, children in care; "
            "under 18) with the CSA-FE flag; YOT and NPS lists of up to five cases each"
        ),
        who=_LA,
        options=_BOTH,
        source="paras 17-21; Annex C",
        note=(
            "Annex C says 'Lists 6 to 7' for option B; para 17 asks for all three lists "
            "under both options: jtai's timetable asks for lists 6 to 8"
        ),
    )
    yield Deadline(
        *on(2, 15),
        what="The 7 additional Y/N fields for every child flagged CSA-FE",
        who=_LA,
        options=_ONLY_B,
        source="para 26; Annex C",
    )

    # Day 3, Thursday of week one.
    yield Deadline(
        *on(3, 9, 30),
        what=(
            "Lead inspector selects 20 CSA-FE children from all the lists and asks for "
            "additional information on them"
        ),
        who=_INSPECTOR,
        options=_ONLY_A,
        source="para 22; Annex C",
        note=(
            "Annex C says 10am; the body text (para 22) says 9.30am: jtai uses the earlier. "
            "Annex C says 'up to 20 cases'; para 22 says 20: jtai proposes 20 where there are "
            "that many"
        ),
    )
    yield Deadline(
        *on(3, 15),
        what="The 7 additional Y/N fields for the 20 selected children",
        who=_LA,
        options=_ONLY_A,
        source="para 23; Annex C",
        note="Annex C says 3pm; the body text (para 23) says 4pm: jtai uses the earlier",
    )
    yield Deadline(
        *on(3, None),
        what=(
            "Details of multi-agency meetings in the fieldwork week: initial and review child "
            "protection conferences, children in care reviews, strategy discussions and other "
            "CSA-FE planning or review meetings"
        ),
        who=_LA,
        options=_BOTH,
        source="para 31",
        note="Not in the Annex C table; para 31 applies to both options",
    )

    # Day 4, Friday of week one.
    yield Deadline(
        *on(4, 10),
        what="Lead inspector selects five to seven cases to track",
        who=_INSPECTOR,
        options=_BOTH,
        source="paras 24, 27; Annex C",
        note=(
            "Annex C says seven cases for option B; para 27 says five to seven: expect up to seven"
        ),
    )
    yield Deadline(
        *on(4, 12),
        what=(
            "Phone call with the local authority to confirm the tracked cases have multi-agency "
            "involvement and current or recent work on CSA-FE concerns"
        ),
        who=_INSPECTOR,
        options=_BOTH,
        source="paras 25, 28; Annex C",
    )

    # Day 6, Tuesday of week two, end of day.
    yield Deadline(
        *on(6, None),
        what=(
            "Key documents for each tracked child: referral or contact, latest assessment, "
            "strategy discussion, section 47 and ICPC records, latest plan or review, return "
            "home interview, multi-agency meeting minutes, pre-sentence report, and a "
            "chronology of the six months before the inspection"
        ),
        who=_AGENCIES,
        options=_BOTH,
        source="paras 30, 34; Annex C",
        # Para 34 puts this on the local agencies, not the local authority alone, and asks
        # only for documents "where recent examples exist".
        note="Due from all the local agencies, not the local authority alone, where they exist",
    )
    yield Deadline(
        *on(6, None),
        what=(
            "Information from individual agencies to support the inspection (Annex A): the "
            "area's best and most recent examples, not everything held"
        ),
        who=_AGENCIES,
        options=_BOTH,
        source="para 37; Annex A; Annex C",
        note="Para 37 says by the end of day six; Annex C lists 'Annex A documents' that day",
    )

    # Day 7, Wednesday of week two.
    yield Deadline(
        *on(7, 10),
        what=(
            "Child-level lists of all children, not only CSA-FE: contacts and referrals (last "
            "three months), assessments and section 47 enquiries (last six months) with the "
            "CSA-FE flag"
        ),
        who=_LA,
        options=_BOTH,
        source="para 32; Annex C",
    )

    # Day 8, Thursday of week two, end of day.
    yield Deadline(
        *on(8, None),
        what=(
            "Referrals received in the last three months that relate to CSA-FE, as far as possible"
        ),
        who=_LA,
        options=_BOTH,
        source="para 33; Annex C",
    )
    yield Deadline(
        *on(8, None),
        what=(
            "Joint evaluations (and, where possible, individual agency evaluations) of the "
            "tracked children's experiences, on the secure online site"
        ),
        who=_AGENCIES,
        options=_BOTH,
        source="paras 30, 36; Annex C",
        note="Printed copies of the documents should be ready for when inspectors arrive",
    )

    # Day 9, Friday of week two.
    yield Deadline(
        *on(9, None),
        what=(
            "CQC requests documents about the tracked children from the health agencies "
            "involved, chosen after reviewing the partnership's evaluations"
        ),
        who=_CQC,
        options=_BOTH,
        source="para 35",
        note="Para 35 says 'on the Friday of week two' and gives no time; not in Annex C",
    )
    yield Deadline(
        *on(9, None),
        what=(
            "Arrangements for inspectors to talk with the tracked children, parents and "
            "carers, or the reasons they cannot take place, confirmed in writing"
        ),
        who=_AGENCIES,
        options=_BOTH,
        source="para 38",
        note=(
            "Only if the lead inspector asks; 'as soon as possible and by the end of week "
            "two' (para 38), read as the end of Friday of week two; not in Annex C"
        ),
    )


# --- UK time -------------------------------------------------------------------------------

_GMT = dt.timezone(dt.timedelta(0), "GMT")
_BST = dt.timezone(dt.timedelta(hours=1), "BST")


def _last_sunday(year: int, month: int) -> dt.date:
    """Return the last Sunday of ``month`` (March or October, both 31 days long)."""
    last = dt.date(year, month, 31)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def _london_zone(local: dt.datetime) -> dt.timezone:
    """Return GMT or BST for a UK wall-clock time.

    Written out rather than taken from ``zoneinfo`` so that it does not depend on the tz
    database being installed (Windows has none without the ``tzdata`` package), and so it
    matches the VTIMEZONE rules written into calendars exactly.
    """
    # BST runs from 1am GMT (2am local) on the last Sunday of March to 1am GMT (2am BST) on
    # the last Sunday of October. In the October repeated hour we take the first (BST) one.
    starts = dt.datetime.combine(_last_sunday(local.year, 3), dt.time(2, 0))
    ends = dt.datetime.combine(_last_sunday(local.year, 10), dt.time(2, 0))
    return _BST if starts <= local < ends else _GMT


# --- iCalendar -----------------------------------------------------------------------------

# RFC 5545 3.6.5: a VTIMEZONE for every TZID used. The UK rules since 1996 (EU summer time).
_VTIMEZONE_LONDON = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "X-LIC-LOCATION:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19700329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19701025T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def _vevent(notified: dt.date, deadline: Deadline, stamp: str) -> list[str]:
    """Return the unfolded content lines of one deadline's VEVENT."""
    start = dt.datetime.combine(deadline.date, deadline.time or END_OF_DAY)
    end = start + _EVENT_LENGTH
    # The UID leaves out the option so the same deadline keeps one UID whether the calendar
    # was made for option A, option B or both; importing a second file then updates it.
    key = f"{notified.isoformat()}|{deadline.day}|{deadline.what}"
    uid = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    options = " and ".join(sorted(deadline.options))
    due = "end of day (shown at 5pm)" if deadline.is_end_of_day else f"{start:%H:%M}"
    description = [
        deadline.what,
        f"Who: {deadline.who}",
        f"Due: day {deadline.day}, {deadline.weekday} {deadline.date.isoformat()}, {due}",
        f"Option{'s' if len(deadline.options) > 1 else ''}: {options}",
        f"Source: {deadline.source}",
    ]
    if deadline.note:
        description.append(f"Note: {deadline.note}")
    flag = ""
    if deadline.bank_holiday:
        flag = f" [bank holiday: {deadline.bank_holiday}]"
        description.append(f"Bank holiday: {deadline.bank_holiday} (England and Wales). The "
                           "guidance counts inspection days; moving this deadline is the lead "
                           "inspector's call")
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}@jtai",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID=Europe/London:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Europe/London:{end:%Y%m%dT%H%M%S}",
        "SUMMARY:" + _escape_text(f"JTAI day {deadline.day} ({deadline.who}): {deadline.what}"
                                  + flag),
        "DESCRIPTION:" + _escape_text("\n".join(description)),
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def _holiday_vevent(notified: dt.date, holiday: BankHoliday, stamp: str) -> list[str]:
    """An all-day event marking a bank holiday on an inspection day."""
    key = f"{notified.isoformat()}|bank holiday|{holiday.date.isoformat()}"
    uid = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    what = ("the notification day" if holiday.day == 0
            else f"inspection day {holiday.day}")
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}@jtai",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{holiday.date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{holiday.date + dt.timedelta(days=1):%Y%m%d}",
        "SUMMARY:" + _escape_text(f"JTAI: bank holiday on {what}: {holiday.name}"),
        "DESCRIPTION:" + _escape_text(
            f"{holiday.name} is an England and Wales bank holiday on {what} "
            f"({holiday.date.isoformat()}). The guidance counts inspection days and does not "
            "mention bank holidays: whether to move what falls on it is the lead inspector's "
            "call."),
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def _escape_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash first, so escapes are not doubled."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1) without splitting a UTF-8 character.

    Continuation lines start with a space, which counts towards their 75 octets.
    """
    if len(line.encode("utf-8")) <= 75:
        return line
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)
