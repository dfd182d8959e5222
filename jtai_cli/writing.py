"""Write lists in the standard layout: what merge, export and template produce.

One sheet per list in guidance order, laid out as the Ofsted template is (a title in row 1,
the exact template headers in row 2, data from row 3), dates as real Excel dates shown
dd/mm/yyyy, IDs as text so leading zeros survive, the header frozen, filters on, widths set, and
a drop-down on every code and Y/N column.

Speed: written with xlsxwriter in constant-memory mode. Measured here on 60,000 rows x 26
columns: xlsxwriter 5.8 s, openpyxl write-only 10.1 s; openpyxl's normal mode is slower still
and holds the whole workbook in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import math
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ._bounded import note_temp
from ._files import STAMP_NAME, atomic_write
from ._version import __version__
from ._xlsx_rows import unlinked_rows_worksheet
from .excel_names import column_letter
from .excel_names import safe_sheet_name as safe_sheet_name  # also named here, as before
from .extraction import AsOf
from .parsing import fmt_date
from .schemas import Column, ListSchema, SchemaSet
from .tempdirs import make_dir

EXCEL_MAX_ROWS = 1_048_576
_CODES_SHEET = "Codes"


@dataclass(frozen=True)
class ExtraSheet:
    """A plain sheet written before or after the lists (instructions, sources, ...)."""

    title: str
    rows: list[list[object]]
    widths: Sequence[int] = ()


#: How every xlsx output is written: text stays text (a child ID or team name that starts with
#: '=' never becomes a live formula, nor a 'http' one a link, nor '007' the number 7).
SAFE_XLSX_OPTIONS: dict[str, object] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "dd/mm/yyyy",
}


@contextlib.contextmanager
def private_temp_dir() -> Iterator[str]:
    """A temporary folder only this user can open, removed however the block ends.

    xlsxwriter's constant-memory mode keeps each sheet's rows (child IDs, names) in temporary
    files until the workbook is closed; in a folder of their own they are removed on an error
    or Ctrl-C too, instead of staying in the shared temporary folder.
    """
    folder = str(make_dir("xlsx"))  # mode 0700, named for this run (jtai_cli/tempdirs.py)
    try:
        note_temp(folder)  # removed by jtai's parent process if this one is killed
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def xlsx_output(
    path: str | Path, inputs: Sequence[str | Path] = (), *, constant_memory: bool = False,
    force: bool = False,
) -> Iterator[Any]:
    """The one way jtai writes an .xlsx: an xlsxwriter workbook, text never a formula.

    Written atomically (``atomic_write``), stamped as jtai's in its document properties (so a
    later run may replace it, and no other file), with xlsxwriter's temporary files in a
    private folder that is always removed. The workbook is closed (written) when the block
    ends without an error.

    Example:
        >>> with xlsx_output("out.xlsx") as wb:  # doctest: +SKIP
        ...     wb.add_worksheet("Sheet").write(0, 0, "=HYPERLINK(1)")  # stays text
    """
    # lazy: xlsxwriter takes a quarter of a second to import; only writing a workbook needs it
    import xlsxwriter
    import xlsxwriter.exceptions

    with atomic_write(path, inputs, force=force) as tmp, private_temp_dir() as folder:
        wb = xlsxwriter.Workbook(str(tmp), {**SAFE_XLSX_OPTIONS, "tmpdir": folder,
                                            "constant_memory": constant_memory})
        wb.set_custom_property(STAMP_NAME, f"jtai {__version__}")
        # Each sheet's rows go to a temporary file with no name on disk (POSIX): nothing to
        # leave behind if the process is killed (jtai_cli/_xlsx_rows.py).
        wb.worksheet_class = unlinked_rows_worksheet()
        yield wb
        try:
            wb.close()
        except xlsxwriter.exceptions.FileCreateError as exc:
            # A full disk or a lost folder while saving: an OSError, which atomic_write
            # reports as the user's situation (exit 3 with the path), not a bug.
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
            raise (cause or OSError(errno.EIO, "the workbook could not be saved")) from None


def write_whole_row(ws: Any, row: int, col: int, values: Sequence[Any]) -> int:
    """``ws.write_row``, but every cell is written: xlsxwriter's stops at the first cell it
    cannot write whole (text over Excel's 32,767 characters, which it writes cut), and the
    cells after it were left empty. Returns what the first failing write returned, or 0.
    """
    first = ws.write_row(row, col, values)
    if first:  # rare: write the rest one by one (rewriting a cell is allowed)
        for i, v in enumerate(values):
            ws.write(row, col + i, v)
    return int(first)


def sheet_ref(title: str) -> str:
    """A sheet name quoted for a formula or link: 'O''Neill''s list'."""
    return "'" + title.replace("'", "''") + "'"


def sheet_title(schema: ListSchema) -> str:
    """The sheet name a list is written to: the template's ``List_6``, or a short name.

    A list without a number goes on its schema's ``short_name``, else its title up to any
    colon ("Para 33"), cut to Excel's 31 characters.
    """
    if schema.list_number is not None:
        base = f"List_{schema.list_number}"
        return f"{base} (reduced)" if schema.form == "reduced" else base
    return (schema.short_name or schema.title.split(":")[0])[:31]


def _cell_values(series: pd.Series, column: Column) -> list[Any]:
    """Python values xlsxwriter can write; None for blanks."""
    if column.type == "date":
        return [None if pd.isna(v) else v.date() if hasattr(v, "date") else v
                for v in series]
    if column.type == "integer":
        # Text that could not be read as a number is written as it was, never dropped.
        return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                else v if isinstance(v, str) else int(v) for v in series]
    out: list[Any] = []
    for v in series:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append(None)
        elif isinstance(v, dt.datetime | dt.date | pd.Timestamp):
            out.append(fmt_date(v))
        else:
            out.append(str(v))
    return out


def _width(column: Column, values: Sequence[str]) -> int:
    if column.type == "date":
        return 12
    longest = max((len(v) for v in values), default=0)
    return int(min(max(12, longest + 2, min(len(column.header), 40) // 2), 48))


#: What a blank template's titles ask for: each list's own extraction day, which validate
#: reads back once typed (lists are extracted on different days: day 2, day 7, day 8).
DATE_TO_TYPE = "data as at dd/mm/yyyy"


def list_title(as_of: dt.date | AsOf) -> str:
    """The date part of a list's title: "data as at 23/11/2026" (or the window's words)."""
    return (as_of if isinstance(as_of, AsOf) else AsOf(as_of, as_of, "")).title()


def write_lists_workbook(
    path: str | Path,
    lists: Mapping[str, pd.DataFrame],
    *,
    schemas: SchemaSet,
    as_of: dt.date | AsOf | Mapping[str, dt.date | AsOf | None] | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    sheets_before: Sequence[ExtraSheet] = (),
    sheets_after: Sequence[ExtraSheet] = (),
    dropdowns: bool = True,
    inputs: Sequence[str | Path] = (),
    force: bool = False,
    ask_date: bool = False,
) -> Path:
    """Write lists to one workbook in the standard layout.

    Args:
        path: the .xlsx to write (atomically; never one of ``inputs``).
        lists: schema name -> frame with canonical headers and typed values (as
            ``ParsedList.typed``). Written in guidance order whatever the mapping's order.
        schemas: the schema set the names refer to.
        as_of: shown in each title as "data as at dd/mm/yyyy" (and read back by validate):
            one date for every list, or each list's own (list name -> date), as the lists
            of one return were often extracted on different days. A window (an ``AsOf``
            that is not one date) is written "data extracted dd/mm/yyyy to dd/mm/yyyy", which
            validate reads back as that list's window. None: no date in the title.
        columns: per list, the canonical headers to write, in order (default: every column).
        sheets_before: plain sheets written first (e.g. instructions).
        sheets_after: plain sheets written last (e.g. the Sources accounting).
        dropdowns: add Excel drop-downs to code and Y/N columns.
        inputs: files that must not be overwritten.
        force: replace ``path`` even if it is a file jtai did not write.
        ask_date: a list with no date gets "(data as at dd/mm/yyyy)" in its title, for the
            local authority to type the day it extracted that list (a blank template).

    Returns:
        The path written.

    Example:
        >>> schemas = load_schemas()
        >>> write_lists_workbook("blank.xlsx", {name: pd.DataFrame() for name in schemas.lists},
        ...                      schemas=schemas)  # doctest: +SKIP
    """
    out = Path(path)
    order = [name for name in schemas.lists if name in lists]
    unknown = [name for name in lists if name not in schemas.lists]
    if unknown:
        raise KeyError(f"unknown list name(s): {', '.join(unknown)}")
    with xlsx_output(out, inputs, constant_memory=True, force=force) as wb:
        fmt = {
            "title": wb.add_format({"bold": True, "font_size": 13}),
            "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                     "bg_color": "#DDEBF7", "border": 1}),
            "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
            "text": wb.add_format({"num_format": "@"}),
            "bold": wb.add_format({"bold": True}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        }
        for extra in sheets_before:
            _write_extra(wb, extra, fmt)
        used = _code_lists_used(schemas, order, columns) if dropdowns else []
        code_ranges = _code_ranges(schemas, used)
        for name in order:
            schema = schemas.lists[name]
            wanted = list(columns[name]) if columns and name in columns else [
                c.header for c in schema.columns]
            day = as_of.get(name) if isinstance(as_of, Mapping) else as_of
            _write_list(wb, schema, lists[name], wanted, fmt, day, code_ranges, schemas,
                        ask_date)
        for extra in sheets_after:
            _write_extra(wb, extra, fmt)
        if used:
            # Last, because Excel will not hide the first (active) sheet.
            _write_codes_sheet(wb, schemas, used).hide()
    return out


def _write_extra(wb: Any, extra: ExtraSheet, fmt: dict[str, Any]) -> None:
    ws = wb.add_worksheet(extra.title[:31])
    for c, width in enumerate(extra.widths):
        ws.set_column(c, c, width, fmt["wrap"])
    for r, row in enumerate(extra.rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            cell_fmt = fmt["bold"] if r == 0 else None
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), fmt["date"])
            elif isinstance(v, int | float) and not isinstance(v, bool):
                ws.write_number(r, c, v, cell_fmt)
            else:
                ws.write_string(r, c, str(v), cell_fmt)


def _code_lists_used(
    schemas: SchemaSet, order: Sequence[str], columns: Mapping[str, Sequence[str]] | None
) -> list[str]:
    used: list[str] = []
    for name in order:
        wanted = set(columns[name]) if columns and name in columns else None
        for col in schemas.lists[name].columns:
            cl = col.code_list_name
            if cl and cl not in used and (wanted is None or col.header in wanted):
                used.append(cl)
    return used


def _code_ranges(schemas: SchemaSet, used: Sequence[str]) -> dict[str, str]:
    return {
        cl: f"={_CODES_SHEET}!${column_letter(c)}$2:${column_letter(c)}$"
            f"{len(schemas.codes[cl].values) + 1}"
        for c, cl in enumerate(used)
    }


def _write_codes_sheet(wb: Any, schemas: SchemaSet, used: Sequence[str]) -> Any:
    """Every code list used, one per column of a sheet the drop-downs point at."""
    ws = wb.add_worksheet(_CODES_SHEET)
    for c, cl in enumerate(used):
        ws.write_string(0, c, cl)
        for r, v in enumerate(schemas.codes[cl].values, start=1):
            ws.write_string(r, c, v)
    return ws


def _write_list(
    wb: Any, schema: ListSchema, frame: pd.DataFrame, wanted: Sequence[str],
    fmt: dict[str, Any], as_of: dt.date | AsOf | None, code_ranges: dict[str, str],
    schemas: SchemaSet, ask_date: bool = False,
) -> None:
    ws = wb.add_worksheet(sheet_title(schema))
    cols = [schema.column(h) for h in wanted]
    n = len(frame)
    if n > EXCEL_MAX_ROWS - 2:
        raise ValueError(f"{schema.title} has {n} rows, more than one Excel sheet holds")
    data = [_cell_values(frame[c.header], c) if c.header in frame else [None] * n for c in cols]

    for j, col in enumerate(cols):
        sample = [v for v in data[j][:2000] if isinstance(v, str)]
        if col.code_list_name:
            sample += list(schemas.codes[col.code_list_name].values)
        col_fmt = fmt["date"] if col.type == "date" else fmt["text"] if col.type == "id" else None
        ws.set_column(j, j, _width(col, sample), col_fmt)
    title = schema.title + (f" ({list_title(as_of)})" if as_of else
                            f" ({DATE_TO_TYPE})" if ask_date else "")
    ws.write_string(0, 0, title, fmt["title"])
    ws.set_row(1, 45)
    for j, col in enumerate(cols):
        ws.write_string(1, j, col.header, fmt["header"])
    # constant_memory mode: rows must be written top to bottom, so whole rows at a time.
    for i, row in enumerate(zip(*data, strict=True)) if cols else ():
        write_whole_row(ws, i + 2, 0, row)
    ws.freeze_panes(2, 0)
    if cols:
        ws.autofilter(1, 0, max(n + 1, 2), len(cols) - 1)
    for j, col in enumerate(cols):
        cl = col.code_list_name
        if cl and cl in code_ranges:
            ws.data_validation(2, j, EXCEL_MAX_ROWS - 1, j, {
                "validate": "list", "source": code_ranges[cl],
                "error_type": "warning", "error_title": "Not in the code list",
                "error_message": f"Choose one of the {schemas.codes[cl].name.replace('_', ' ')}"
                                 " codes from the list.",
            })
        elif col.type == "date":
            ws.data_validation(2, j, EXCEL_MAX_ROWS - 1, j, {
                "validate": "date", "criteria": "between",
                "minimum": dt.date(1900, 1, 1), "maximum": dt.date(2099, 12, 31),
                "error_type": "warning", "input_title": "Date", "input_message": "dd/mm/yyyy",
            })
