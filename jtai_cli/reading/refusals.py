"""The errors a file is refused with: one maker per reason, each saying what to do instead.

``_reader_errors`` turns whatever a reader library raises into these; no message ever carries a
cell's value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from jtai_cli.errors import WorkbookTooLarge, WorkbookUnreadable
from jtai_cli.excel_names import column_letter

from . import limits
from .limits import _Scan


def _damaged(p: Path, what: str = "its zip structure is broken") -> WorkbookUnreadable:
    return WorkbookUnreadable(
        f"the workbook is damaged ({what}; often a download or copy that stopped part way): "
        "export or copy it again",
        file=p,
    )


def _bomb(p: Path, what: str) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"{what}. No real workbook does this (it is how 'zip bombs' work), so jtai refused it "
        "before reading it: export the lists again, or send them as CSV files",
        file=p,
    )


def _too_many_cells(p: Path, scans: dict[str, _Scan]) -> WorkbookTooLarge:
    name, scan = max(scans.items(), key=lambda kv: kv[1].area)
    if scan.area <= limits.MAX_CELLS:
        where = (f"its sheets together span {sum(s.area for s in scans.values()):,} cells "
                 "(rows times columns, counted from A1)")
        fix = "split the workbook, or export the lists as CSV files"
    else:
        if scan.far_col and scan.far_col == scan.far_row:
            reach = f"cell {scan.far_col}"
        else:
            far = []
            if scan.far_col:
                far.append(f"column {column_letter(scan.max_col - 1)} (cell {scan.far_col})")
            if scan.far_row:
                far.append(f"row {scan.max_row:,} (cell {scan.far_row})")
            reach = " and ".join(far) or (f"row {scan.max_row:,}, "
                                          f"column {column_letter(scan.max_col - 1)}")
        where = (f"sheet '{name}' has something in {reach}, so it spans {scan.max_row:,} rows "
                 f"by {scan.max_col:,} columns ({scan.area:,} cells)")
        fix = ("delete the stray cells beyond the list (select the empty rows or columns, "
               "Delete, save), or copy the list alone into a new workbook")
    return WorkbookTooLarge(
        f"{where}; jtai reads at most {limits.MAX_CELLS:,} cells from one file so that it never "
        f"runs out of memory: {fix}",
        file=p,
    )


def _too_many_elements(p: Path, sheet: str | None, cells: int,
                       limit: int | None = None) -> WorkbookTooLarge:
    limit = limits.MAX_CELLS if limit is None else limit
    where = f"sheet '{sheet}'" if sheet else "the workbook"
    return WorkbookTooLarge(
        f"{where} holds more than {limit:,} cells (counted as they were read: {cells:,} so "
        "far), more than jtai reads from one file so that it never runs out of memory; no "
        "real list is this big (many cells may be written over the same place): split the "
        "workbook, or export the lists as CSV files",
        file=p,
    )


def _too_many_in_all(p: Path, sheet: str, cells: int) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"the workbook's sheets hold more than {limits.MAX_READ_CELLS:,} cells (counted "
        f"as they were read: {cells:,} by sheet '{sheet}'), more than jtai reads from one file "
        "so that it never runs out of memory: copy the sheets with the lists into a new "
        "workbook, split it, or export the lists as CSV files",
        file=p,
    )


def _too_many_strings(p: Path, part: str, n: int) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"part '{part}' holds more than {min(limits.MAX_CELLS, limits.MAX_READ_CELLS):,} "
        f"pieces of text ({n:,} so far), more "
        "than jtai reads from one file so that it never runs out of memory: split the "
        "workbook, or export the lists as CSV files",
        file=p,
    )


def _entities(p: Path, part: str) -> WorkbookUnreadable:
    return WorkbookUnreadable(
        f"{part} declares XML entities (a DTD), which Excel never writes and which can "
        "make a reader expand a few bytes into gigabytes (the 'billion laughs' attack): "
        "refused without reading it; open the file in Excel and save it again",
        file=p,
    )


def _too_many_sheets(p: Path) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"the workbook has more than {limits.MAX_SHEETS} sheets; a JTAI return has a few dozen at "
        "most, and jtai refuses more so that a file cannot tie it up for hours: copy the "
        "sheets with the lists into a new workbook",
        file=p,
    )


def _unchecked(p: Path, sheet: str) -> WorkbookUnreadable:
    return WorkbookUnreadable(
        f"sheet '{sheet}' could not be found where the workbook says it is, so it could not "
        "be checked before reading (jtai never reads a sheet it has not checked): the file "
        "may be damaged or not made by Excel; open it in Excel and save it again as .xlsx",
        file=p)


@contextlib.contextmanager
def _reader_errors(
    p: Path, unreadable: Callable[[str], WorkbookUnreadable]
) -> Iterator[None]:
    """Turn whatever the reader raises into jtai's own errors, never carrying cell values."""
    try:
        yield
    except WorkbookUnreadable:
        raise
    except MemoryError:
        raise WorkbookTooLarge(
            "this computer ran out of memory reading the workbook: close other programs, or "
            "split the workbook or export the lists as CSV files",
            file=p,
        ) from None
    except Exception as exc:  # calamine raises several types; none may leak cell values
        raise unreadable(type(exc).__name__) from None
    except BaseException as exc:
        # A panic inside the Rust reader arrives as pyo3's PanicException, a BaseException.
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise unreadable(type(exc).__name__) from None
