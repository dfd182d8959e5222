"""Turn raw cell values into typed values, recording every coercion and failure.

Speed: values are parsed once per *distinct* value (``pandas.factorize``), then spread back to
the rows with one ``take``. A 60,000-row list has a few thousand distinct dates and a handful of
distinct codes, so the Python work is proportional to the distinct values, not to the cells.

UK conventions: dates are read day first, always (03/04/2019 is 3 April 2019). Excel dates,
datetimes, Excel serial numbers, ``dd/mm/yyyy`` text and ISO text are all read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from operator import methodcaller

import numpy as np
import pandas as pd

from .dates import fmt_date as fmt_date  # re-exported: its home was here
from .dates import long_date as long_date
from .schemas import Column, CompiledCodes, normalise

BLANK, OK, COERCED, ERROR = 0, 1, 2, 3

EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Counts and ages are small; anything past this cannot be one (and would not fit int64).
MAX_WHOLE = 10**12
#: Excel serial numbers accepted as dates: 1 Jan 1900 .. 31 Dec 2099.
SERIAL_MIN, SERIAL_MAX = 1, 73415
YEAR_MIN, YEAR_MAX = 1900, 2099

EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!",
     "#GETTING_DATA", "#N/A N/A"}
)

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})" + _TIME + "$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})" + _TIME + r"(?:Z|[+-]\d{2}:?\d{2})?$")
_D_MON_Y = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})$"
)
_MON_D_Y = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_SERIAL_TEXT = re.compile(r"^\d{1,6}(?:\.0+)?$")
_INT_TEXT = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.0+)?$|^[+-]?\d+(?:\.0+)?$")
#: Month names as ``calendar.month_name`` gives them in the C locale (which Python keeps unless
#: a program changes it): a tuple, where ``calendar.month_name[i]`` calls strftime each time.
_MONTH_NAME = tuple(calendar.month_name)
_TWO_DIGIT_YEAR = re.compile(r"[/.\-\s]\d{2}$")
_MONTHS = {
    name.lower(): i
    for i in range(1, 13)
    for name in (calendar.month_name[i], calendar.month_abbr[i], calendar.month_name[i][:4])
}


def show(value: object) -> str:
    """How a raw cell value is quoted in a message."""
    if isinstance(value, dt.datetime):
        return fmt_date(value.date()) if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return fmt_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_blank(value: object) -> bool:
    """True for an empty cell: None, NaN, or text that is only spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return False


@dataclass
class Parsed:
    """Result for one distinct value."""

    value: object
    state: int
    rule: str | None = None
    message: str = ""
    expected: str = ""


_BLANK = Parsed(None, BLANK)


# --------------------------------------------------------------------------- dates


def _make_date(y: int, m: int, d: int, text: str) -> Parsed:
    if not YEAR_MIN <= y <= YEAR_MAX:
        return Parsed(None, ERROR, "date-not-recognised",
                      f"'{text}' has the year {y}, outside {YEAR_MIN}-{YEAR_MAX}",
                      "a real date, dd/mm/yyyy")
    if not 1 <= m <= 12:
        hint = ""
        if 1 <= d <= 12 and 13 <= m <= 31:
            hint = (": dates are read day first (dd/mm/yyyy); this looks like a month-first "
                    "(US) date with the day and month swapped")
        return Parsed(None, ERROR, "date-impossible",
                      f"'{text}' is not a date: there is no month {m}{hint}",
                      "a real date, day first (dd/mm/yyyy)")
    last = _days_in(y, m)
    if not 1 <= d <= last:
        return Parsed(None, ERROR, "date-impossible",
                      f"'{text}' is not a date: {_MONTH_NAME[m]} {y} has {last} days",
                      "a real date, day first (dd/mm/yyyy)")
    return Parsed(dt.date(y, m, d), OK)


_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(y: int, m: int) -> int:
    """``calendar.monthrange(y, m)[1]`` without working out the weekday."""
    return 29 if m == 2 and calendar.isleap(y) else _DAYS[m]


def _year(text_year: str, pivot: int) -> int:
    y = int(text_year)
    if len(text_year) == 2:
        return 2000 + y if y <= pivot else 1900 + y
    return y


def parse_date(value: object, *, from_text: bool = False, pivot: int = 30) -> Parsed:
    """Read one cell as a date, day first.

    Args:
        value: the raw cell value.
        from_text: the file is CSV, where text is the normal way to write a date, so a
            ``dd/mm/yyyy`` or ISO date is not reported as a coercion.
        pivot: two-digit years up to this are 20xx, later ones 19xx.
    """
    if is_blank(value):
        return _BLANK
    if isinstance(value, dt.date):  # a datetime is a date too
        day = value.date() if isinstance(value, dt.datetime) else value
        if not YEAR_MIN <= day.year <= YEAR_MAX:
            # As for typed dates: a year outside the range is an error, never a silent
            # wrap-around (numpy 2.4 turns 2263 into 1678 in datetime64[ns]; 2.5 raises).
            return Parsed(None, ERROR, "date-not-recognised",
                          f"'{day:%d/%m/%Y}' has the year {day.year}, outside "
                          f"{YEAR_MIN}-{YEAR_MAX}", "a real date, dd/mm/yyyy")
        return Parsed(day, OK)
    if isinstance(value, bool):
        return Parsed(None, ERROR, "date-not-recognised", f"'{value}' is not a date",
                      "a date, dd/mm/yyyy")
    if isinstance(value, int | float):
        return _from_serial(float(value), show(value))
    if isinstance(value, dt.time | dt.timedelta):
        return Parsed(None, ERROR, "date-not-recognised", f"'{value}' is a time, not a date",
                      "a date, dd/mm/yyyy")
    text = str(value).strip()
    if text in EXCEL_ERRORS:
        return _excel_error(text)
    parsed = _parse_date_text(text, pivot)
    if parsed.state == OK:
        two_digit = bool(_TWO_DIGIT_YEAR.search(text)) and not _YMD.match(text)
        serial = _SERIAL_TEXT.match(text)
        if two_digit or not from_text or serial:
            assert isinstance(parsed.value, dt.date)
            how = "text"
            if serial:
                how = "an Excel serial number stored as text"
            parsed = Parsed(parsed.value, COERCED, "date-coerced",
                            f"{how} '{text}' read as {long_date(parsed.value)}"
                            + (" (a two-digit year)" if two_digit else ""),
                            "a date cell, dd/mm/yyyy")
    return parsed


def _from_serial(serial: float, text: str) -> Parsed:
    if not SERIAL_MIN <= serial <= SERIAL_MAX or math.isnan(serial):
        return Parsed(None, ERROR, "date-not-recognised",
                      f"'{text}' is a number, not a date", "a date, dd/mm/yyyy")
    d = EXCEL_EPOCH + dt.timedelta(days=int(serial))
    return Parsed(d, COERCED, "date-coerced",
                  f"Excel serial number {text} read as {long_date(d)}",
                  "a date cell, dd/mm/yyyy")


def _parse_date_text(text: str, pivot: int) -> Parsed:
    m = _DMY.match(text)
    if m:
        return _make_date(_year(m.group(3), pivot), int(m.group(2)), int(m.group(1)), text)
    m = _YMD.match(text)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _D_MON_Y.match(text)
    if m and m.group(2).lower() in _MONTHS:
        return _make_date(_year(m.group(3), pivot), _MONTHS[m.group(2).lower()],
                          int(m.group(1)), text)
    m = _MON_D_Y.match(text)
    if m and m.group(1).lower() in _MONTHS:
        return _make_date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)), text)
    if _SERIAL_TEXT.match(text):
        return _from_serial(float(text), text)
    return Parsed(None, ERROR, "date-not-recognised",
                  f"'{text}' is not a date", "a date, day first (dd/mm/yyyy)")


def _excel_error(text: str) -> Parsed:
    return Parsed(None, ERROR, "excel-error",
                  f"the cell holds the Excel error {text} instead of a value",
                  "a value (fix the formula or lookup that produced the error)")


# --------------------------------------------------------------------------- numbers


def parse_integer(value: object, *, from_text: bool = False) -> Parsed:
    """Read one cell as a whole number: 5, 5.0 and "5" are all 5."""
    if is_blank(value):
        return _BLANK
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time | dt.timedelta):
        return Parsed(None, ERROR, "not-a-whole-number",
                      f"'{show(value)}' is not a whole number", "a whole number")
    if isinstance(value, int | float) and not math.isnan(value) and abs(value) > MAX_WHOLE:
        return Parsed(None, ERROR, "not-a-whole-number",
                      f"'{show(value)}' is far too large for this column", "a whole number")
    if isinstance(value, int):
        return Parsed(value, OK)
    if isinstance(value, float):
        if value.is_integer():
            return Parsed(int(value), OK)
        return Parsed(None, ERROR, "not-a-whole-number",
                      f"'{value}' is not a whole number", "a whole number")
    text = str(value).strip()
    if text in EXCEL_ERRORS:
        return _excel_error(text)
    if _INT_TEXT.match(text) and len(text) < 16:
        n = int(float(text.replace(",", "")))
        if from_text and re.fullmatch(r"[+-]?\d+", text):
            return Parsed(n, OK)
        return Parsed(n, COERCED, "number-coerced", f"text '{text}' read as the number {n}",
                      "a number cell")
    return Parsed(None, ERROR, "not-a-whole-number", f"'{text}' is not a whole number",
                  "a whole number")


_DECIMAL_TEXT = re.compile(r"^\d{1,3}\.\d+$")


def parse_age(value: object, *, from_text: bool = False) -> Parsed:
    """Read an age in years: a whole number, or a decimal age read as its whole years.

    Several case systems export age in years with decimals (6.14); the Annex A column is the
    age at the last birthday, so 6.14 is read as 6 and reported as a coercion (never silent),
    and is then checked against the date of birth like any other age.
    """
    if isinstance(value, float) and not math.isnan(value) and not value.is_integer() and (
            0 <= value < 1000):
        text = repr(value)
    elif isinstance(value, str) and _DECIMAL_TEXT.match(value.strip()):
        text = value.strip()
    else:
        return parse_integer(value, from_text=from_text)
    years = math.floor(float(text))
    return Parsed(years, COERCED, "number-coerced",
                  f"the decimal age {text} read as {years} (whole years at the last birthday)",
                  "the age in whole years")


# --------------------------------------------------------------------------- codes


def _code_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return None


_YES_NO_LISTS = frozenset({"yes_no", "annex_yes_no", "annex_yes_no_unknown"})


def _list_words(codes: CompiledCodes) -> str:
    """The code list as an analyst names it: "Y/N", "primary need code", never its file name."""
    if codes.name in _YES_NO_LISTS:
        return "Y/N"
    title = re.sub(r"\s*\(list \d+\)$", "", codes.title or codes.name.replace("_", " "))
    title = re.sub(r"\s+codes?$", "", title)
    return title[:1].lower() + title[1:] if not title[:2].isupper() else title


def _expected_codes(codes: CompiledCodes) -> str:
    values = codes.values
    if len(values) <= 8:
        return "one of: " + ", ".join(values)
    return (f"one of the {len(values)} {_list_words(codes)} codes, e.g. {', '.join(values[:3])}"
            f" (see them all: jtai schemas show {codes.name})")


#: The words of each code's label, per code list (worked out once, not once a wrong value).
_LABEL_WORDS: dict[int, tuple[CompiledCodes, dict[str, frozenset[str]]]] = {}
#: Distinct wrong values in one column that get a "did you mean" (each costs about half a
#: millisecond: a column of 250,000 distinct wrong numbers took minutes); the rest are
#: reported without one.
SUGGESTIONS_PER_COLUMN = 200


_WORDING: dict[int, tuple[CompiledCodes, tuple[str, str]]] = {}


def _wording(codes: CompiledCodes) -> tuple[str, str]:
    """What a wrong value is not, and what was expected, for a code list (once per list)."""
    held = _WORDING.get(id(codes))
    if held is None or held[0] is not codes:
        what = ("a Y/N answer" if codes.name in _YES_NO_LISTS
                else f"one of the {_list_words(codes)} codes")
        held = _WORDING[id(codes)] = (codes, (what, _expected_codes(codes)))
    return held[1]


def _label_words(codes: CompiledCodes) -> dict[str, frozenset[str]]:
    held = _LABEL_WORDS.get(id(codes))
    if held is None or held[0] is not codes:
        words = {v: frozenset(normalise(f"{codes.short.get(v, '')} {codes.labels.get(v, v)}")
                              .split()) for v in codes.values}
        held = _LABEL_WORDS[id(codes)] = (codes, words)
    return held[1]


def nearest_codes(text: str, codes: CompiledCodes) -> str | None:
    """The codes a wrong value most likely meant, in words: 'Health' -> "3A-3F (Health
    services)"; None when nothing is close.

    Codes whose label holds every word of the value come first (so a value naming several
    codes suggests them all); else the closest spellings by difflib's ratio.
    """
    words = normalise(text).split()
    if not words:
        return None
    label_words = _label_words(codes)
    hits = [v for v in codes.values if all(w in label_words[v] for w in words)]
    if not hits:
        close = difflib.get_close_matches(normalise(text), list(codes.lookup), n=3, cutoff=0.75)
        hits = list(dict.fromkeys(codes.lookup[c] for c in close))
    if not hits:
        return None
    labels = {codes.labels.get(v, v) for v in hits}
    if len(hits) > 1 and len(labels) == 1 and all(v in codes.short for v in hits):
        first, last = codes.short[hits[0]], codes.short[hits[-1]]
        sep = "-" if len(hits) > 2 else ", "
        return f"{first}{sep}{last} ({labels.pop()})"
    return ", ".join(f"'{v}'" for v in hits[:3]) + (" ..." if len(hits) > 3 else "")


def parse_code(value: object, codes: CompiledCodes, *, suggest: bool = True) -> Parsed:
    """Read one cell as a code: the code itself, its template form, its label or a variant.

    With ``suggest=False`` a wrong value's message says no "did you mean".
    """
    if is_blank(value):
        return _BLANK
    text = _code_text(value)
    if text is None:
        return Parsed(None, ERROR, "code-not-in-list", f"'{show(value)}' is not a code",
                      _expected_codes(codes))
    stripped = text.strip()
    if stripped in EXCEL_ERRORS:
        return _excel_error(stripped)
    if text in codes.values:
        return Parsed(text, OK)
    found = codes.match(text)
    if found is None:
        near = nearest_codes(stripped, codes) if suggest else None
        what, expected = _wording(codes)
        return Parsed(None, ERROR, "code-not-in-list",
                      f"'{stripped}' is not {what}"
                      + (f"; did you mean {near}?" if near else ""),
                      expected)
    return Parsed(found, COERCED, "code-coerced", f"'{text}' read as '{found}'",
                  f"'{found}' as written in the template")


# --------------------------------------------------------------------------- ids and text


def parse_id(value: object) -> Parsed:
    """Read a child ID as text: 1001 and 1001.0 are "1001"; spaces around it are removed."""
    if is_blank(value):
        return _BLANK
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time | dt.timedelta):
        return Parsed(None, ERROR, "id-not-recognised",
                      f"'{show(value)}' is not a child ID", "the child's unique ID")
    if isinstance(value, int):
        return Parsed(str(value), OK)
    if isinstance(value, float):
        if value.is_integer():
            return Parsed(str(int(value)), OK)
        return Parsed(str(value), COERCED, "id-coerced",
                      f"child ID stored as the decimal number {value}", "the child's ID as text")
    text = str(value)
    if text.strip() in EXCEL_ERRORS:
        return _excel_error(text.strip())
    if text != text.strip():
        return Parsed(text.strip(), COERCED, "id-coerced",
                      f"spaces removed around child ID '{text.strip()}'", "the ID without spaces")
    return Parsed(text, OK)


def parse_text(value: object) -> Parsed:
    """Read free text (team, worker, address): kept as written, Excel errors reported."""
    if is_blank(value):
        return _BLANK
    if isinstance(value, str):
        s = value.strip()
        if s in EXCEL_ERRORS:
            return _excel_error(s)
        return Parsed(s, OK)
    return Parsed(show(value), OK)


def id_key(child_id: str) -> str:
    """Key for matching one child across lists: case, and leading zeros of numeric IDs, ignored."""
    s = child_id.strip().upper()
    if s.isdigit():
        return s.lstrip("0") or "0"
    return s


# --------------------------------------------------------------------------- columns


@dataclass
class ParsedColumn:
    """A whole column parsed: typed values plus per-row state and per-distinct-value detail.

    ``codes[i]`` is the distinct value row ``i`` holds (-1 for an empty cell); ``detail`` has
    a ``Parsed`` (rule and message) for each distinct value that was coerced or wrong.
    """

    values: pd.Series
    state: np.ndarray
    codes: np.ndarray
    detail: dict[int, Parsed]
    uniques: np.ndarray

    def problem_rows(self) -> np.ndarray:
        """Row positions whose value was coerced or wrong."""
        return np.flatnonzero(self.state >= COERCED)


_DATE_TYPES = (dt.date, dt.datetime)


def _clean(u: str) -> bool:
    """Text kept exactly as written: not empty, no white space around it, no leading '#'."""
    return bool(u) and u[0] != "#" and not u[0].isspace() and not u[-1].isspace()


def _fast(kind: str, u: object, canonical: frozenset[str]) -> tuple[bool, object]:
    """The common, clean cases, decided without building a ``Parsed``: (is_ok, value)."""
    t = type(u)
    if kind == "id":
        if t is str:
            return _clean(u), u  # type: ignore[arg-type]
        if t is int:
            return True, str(u)
        if t is float and u.is_integer():  # type: ignore[attr-defined]
            return True, str(int(u))  # type: ignore[call-overload]
    elif kind == "date":
        # out-of-range years go the slow way, to parse_date's error
        if t is dt.date and YEAR_MIN <= u.year <= YEAR_MAX:  # type: ignore[attr-defined]
            return True, u
        if t is dt.datetime and YEAR_MIN <= u.year <= YEAR_MAX:  # type: ignore[attr-defined]
            return True, u.date()  # type: ignore[attr-defined]
    elif kind in ("code", "yes_no"):
        if t is str and u in canonical:
            return True, u
    elif kind == "integer":
        if t is int and -MAX_WHOLE <= u <= MAX_WHOLE:  # type: ignore[operator]
            return True, u
        if t is float and u.is_integer() and -MAX_WHOLE <= u <= MAX_WHOLE:  # type: ignore[attr-defined,operator]
            return True, int(u)  # type: ignore[call-overload]
    elif t is str and _clean(u):  # type: ignore[arg-type]
        return True, u
    return False, None


def _clean_text(u: np.ndarray) -> np.ndarray:
    """Which values are text needing nothing done: no spaces around, not empty, no leading '#'.

    The same values ``_clean`` passes, decided with C-level loops.
    """
    n = len(u)
    is_str = np.fromiter(map(isinstance, u, repeat(str)), dtype=bool, count=n)
    s = u[is_str]
    m = len(s)
    stripped = np.fromiter(map(str.strip, s), dtype=object, count=m)
    hashed = np.fromiter(map(methodcaller("startswith", "#"), s), dtype=bool, count=m)
    clean = np.zeros(n, dtype=bool)
    clean[is_str] = (s == stripped) & (s != "") & ~hashed
    return clean


#: ``date.toordinal()`` of 1 January 1970, numpy's day 0.
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _days(values: np.ndarray) -> np.ndarray:
    """Dates (``datetime.date``, or None for NaT) as ``datetime64[D]``: their day numbers
    taken in C, not a ``np.datetime64`` made per date (14 times faster on 20,000 dates)."""
    # NaT with its unit: numpy 2.5 deprecates the generic one.
    out = np.full(len(values), np.datetime64("NaT", "D"))
    given = pd.notna(values)
    dates = values[given]
    days = np.fromiter(map(dt.date.toordinal, dates), dtype=np.int64, count=len(dates))
    out[given] = (days - _EPOCH_ORDINAL).astype("datetime64[D]")
    return out


def parse_column(
    raw: pd.Series,
    column: Column,
    codes: CompiledCodes | None,
    *,
    from_text: bool = False,
) -> ParsedColumn:
    """Parse one raw column into typed values (see the module notes on speed)."""
    fn: Callable[[object], Parsed]
    if column.type == "date":
        def fn(v: object) -> Parsed:
            return parse_date(v, from_text=from_text)
    elif column.type == "integer" and column.role == "age":
        def fn(v: object) -> Parsed:
            return parse_age(v, from_text=from_text)
    elif column.type == "integer":
        def fn(v: object) -> Parsed:
            return parse_integer(v, from_text=from_text)
    elif column.type in ("code", "yes_no"):
        assert codes is not None
        suggestions = [SUGGESTIONS_PER_COLUMN]

        def fn(v: object) -> Parsed:
            p = parse_code(v, codes, suggest=suggestions[0] > 0)
            if p.state == ERROR:
                suggestions[0] -= 1
            return p
    elif column.type == "id":
        fn = parse_id
    else:
        fn = parse_text

    # None, NaN and pd.NA all become factorize's NA sentinel (-1), so no NA pass is needed.
    arr = raw.to_numpy(dtype=object)
    ucodes, uniques = pd.factorize(arr, use_na_sentinel=True)
    canonical = frozenset(codes.values) if codes is not None else frozenset()
    kind = column.type
    n = len(uniques)
    values_u = np.full(n + 1, None, dtype=object)  # position -1: factorize's NA sentinel
    state_u = np.full(n + 1, BLANK, dtype=np.int8)
    detail: dict[int, Parsed] = {}
    todo: range | list[int] = range(n)
    if kind in ("id", "text") and n > 256:
        # Mostly distinct text (IDs, names): find the clean values in bulk, not one by one.
        u_arr = np.asarray(uniques, dtype=object)
        clean = _clean_text(u_arr)
        values_u[:n][clean] = u_arr[clean]
        state_u[:n][clean] = OK
        todo = np.flatnonzero(~clean).tolist()
    for k in todo:
        u = uniques[k]
        ok, value = _fast(kind, u, canonical)
        if ok:
            values_u[k] = value
            state_u[k] = OK
            continue
        p = fn(u)
        values_u[k] = p.value
        state_u[k] = p.state
        if p.state >= COERCED:
            detail[k] = p
    state = state_u[ucodes]

    if kind == "date":
        values = pd.Series(_days(values_u)[ucodes].astype("datetime64[ns]"), index=raw.index)
    elif kind == "integer":
        typed_f = np.array([np.nan if v is None else v for v in values_u], dtype="float64")
        values = pd.Series(typed_f[ucodes], index=raw.index).astype("Int64")
    else:
        values = pd.Series(values_u[ucodes], index=raw.index, dtype=object)
    return ParsedColumn(values, state, ucodes, detail, np.asarray(uniques, dtype=object))
