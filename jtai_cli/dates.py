"""Dates written for people: day first, as UK readers expect.

Free of pandas, so that the timetable and the schemas can word dates without loading it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

# Looked up per coerced cell's message: a tuple, not calendar's lazy locale-aware list.
_MONTH_NAME = tuple(calendar.month_name)


def fmt_date(d: dt.date) -> str:
    """A date as UK readers expect it: 03/04/2019.

    Example:
        >>> fmt_date(dt.date(2019, 4, 3))
        '03/04/2019'
    """
    return d.strftime("%d/%m/%Y")


def long_date(d: dt.date) -> str:
    """A date spelt out so the day-first reading is unmistakable: 3 April 2019."""
    return f"{d.day} {_MONTH_NAME[d.month]} {d.year}"


#: The days jtai works with: a date outside them is a typing slip (31/12/9999, 01/01/0001).
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2200, 12, 31)


def typed_day(text: str, name: str) -> dt.date:
    """A date typed by a person (an option, a setting, a form): 2026-11-23, 23/11/2026 (day
    first; also with dots or dashes) or "today", between 1900 and 2200. The one reader of
    user-typed dates, for the command line, jtai.toml, the library and the page.

    ``name`` opens the message ("'31/02/2026'", "the as-of date '31/02/2026'").

    Raises:
        ValueError: not one of those forms, not a real date, or out of range; the message says
            which in plain words.

    Example:
        >>> typed_day("03/04/2026", "'03/04/2026'")
        datetime.date(2026, 4, 3)
    """
    text = text.strip()
    if text.lower() == "today":
        return dt.date.today()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if not m:
            raise ValueError(f"{name} is not a date: use 2026-11-23 or 23/11/2026 (day first)")
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        raise ValueError(f"{name} is not a real date (dates are day first, dd/mm/yyyy)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{name} is outside the dates jtai works with ({FIRST_DAY.year} to "
                         f"{LAST_DAY.year}): check the year")
    return day
