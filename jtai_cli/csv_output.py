"""Write one list as a CSV file that Excel opens cleanly and safely.

Excel reads a CSV as UTF-8 only when the file starts with a byte-order mark, so every CSV jtai
writes has one. Excel also runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
versions, a tab or carriage return) as a formula: a name such as ``=HYPERLINK(...)`` typed into a
case-management system would then run on the inspector's machine. ``guard_cell`` prefixes such a
cell with ``'`` so Excel shows it as text (the OWASP advice for "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._files import atomic_write
from .parsing import fmt_date

#: Characters that make Excel treat a cell as a formula (or can smuggle one in).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: A plain negative number (an unborn child's age of -1) is data, not a formula: Excel reads
#: "-1" as the number -1 and runs nothing, so it is left as it is.
PLAIN_NUMBER = re.compile(r"-\d+(?:\.\d+)?")


def guard_cell(value: object) -> str:
    """Return a cell's text, prefixed with ``'`` if Excel would read it as a formula.

    Guarding twice changes nothing: a guarded cell starts with ``'``, which Excel never runs.

    Args:
        value: the cell's value; anything is turned into text first (None is "").

    Returns:
        The text to write.

    Example:
        >>> guard_cell("=1+1")
        "'=1+1"
        >>> guard_cell(guard_cell("@SUM(A1)"))
        "'@SUM(A1)"
        >>> guard_cell("North Team")
        'North Team'
        >>> guard_cell(-1)
        '-1'
    """
    text = cell_text(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell_text(value: object) -> str:
    """Plain text of a typed value: dates day first (03/04/2019), whole numbers without ".0"."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, pd.Timestamp | dt.datetime):
        if value.hour or value.minute or value.second:
            return f"{fmt_date(value)} {value:%H:%M}"
        return fmt_date(value)
    if isinstance(value, dt.date | dt.time):
        return fmt_date(value) if isinstance(value, dt.date) else f"{value:%H:%M}"
    return str(value)


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text (without the byte-order mark) of a frame: headers, then one line per row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([guard_cell(h) for h in frame.columns])
    columns = [frame[c].astype(object).to_numpy() for c in frame.columns]
    for i in range(len(frame)):
        writer.writerow([guard_cell(col[i]) for col in columns])
    return buf.getvalue()


def write_csv(
    path: str | Path, frame: pd.DataFrame, inputs: Sequence[str | Path] = ()
) -> Path:
    """Write a frame as UTF-8 CSV with a byte-order mark, every cell guarded against formulas.

    The file is written atomically and never over one of ``inputs``.

    Args:
        path: the CSV file to write.
        frame: one column per CSV column, headers as the column names.
        inputs: files the output must not replace.

    Returns:
        The path written.

    Raises:
        OutputRefused: ``path`` is an input, a folder, or in a folder that does not exist.

    Example:
        >>> write_csv("referrals.csv", frame, inputs=["lists.xlsx"])  # doctest: +SKIP
    """
    text = csv_text(frame)
    with atomic_write(path, inputs) as tmp:
        tmp.write_text(text, encoding="utf-8-sig", newline="")
    return Path(path)
