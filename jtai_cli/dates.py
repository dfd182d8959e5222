"""Dates written for people: day first, as UK readers expect.

Free of pandas, so that the timetable and the schemas can word dates without loading it.
"""

from __future__ import annotations

import calendar
import datetime as dt

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
