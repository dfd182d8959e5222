"""Find each list in a workbook by its headers, parse it into typed columns, and check it.

``validate_workbook`` never raises because a cell is wrong: wrong data becomes findings in the
``ValidationReport``. It raises a ``JtaiError`` only when a file cannot be used at all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import repeat
from operator import methodcaller
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks
from ._bounded import pool_worker_init, usable_cpus
from ._files import check_output
from .errors import FileNotFound, JtaiError
from .excel_names import column_letter as _col_letter
from .exporting import export_annotated_workbook
from .extraction import AsOf, read_as_of, work_out
from .model import Dataset as Dataset  # also named here, where callers long found them
from .model import ParsedList as ParsedList
from .model import RawCells
from .parsing import BLANK, ParsedColumn, is_blank, parse_column, show
from .reading import RawSheet, Workbook, read_workbook
from .reading.zipguard import NUMBERS_EXPORT
from .reporting import FindingsBuilder, SheetInfo, ValidationReport
from .schemas import ListSchema, SchemaSet, load_schemas, normalise, resolve_lists

#: How far down a sheet to look for its header row (title rows sit above it).
HEADER_SEARCH_ROWS = 30
Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


_CONTINUATION = re.compile(r"^(.*?)\s*(?:\(\d+\)|[-_ ]?(?:part|pt)\s*\d+)$", re.IGNORECASE)
_FILE_SUFFIX = re.compile(r"\.(?:csv|parquet)$", re.IGNORECASE)
_OUT_OF_SCOPE = re.compile(
    r"\blist (2|9|10|11)\b|early help|care leavers?|adoption|adopters", re.IGNORECASE
)


# --------------------------------------------------------------------------- identification


@dataclass
class _Match:
    schema: ListSchema
    header_idx: int
    mapping: dict[int, str]
    score: float


def _hint_text(sheet: RawSheet, header_idx: int) -> str:
    parts = [Path(sheet.name).stem if sheet.from_text else sheet.name]
    for row in sheet.rows[:header_idx]:
        parts.extend(str(v) for v in row if isinstance(v, str) and v.strip())
    return normalise(" ".join(parts))


def _hinted_by(sheet_name: str, hint: str) -> bool:
    return re.search(rf"\b{re.escape(normalise(sheet_name))}\b", hint) is not None


def _hinted(schema: ListSchema, hint: str) -> bool:
    return any(_hinted_by(n, hint) for n in schema.sheet_names if n)


def identify(sheet: RawSheet, schemas: SchemaSet) -> _Match | None:
    """Find the header row and the list a sheet holds, by its headers; None if it holds none."""
    known = schemas.header_spellings
    best_idx, best_hits = -1, 1
    for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for v in row if isinstance(v, str) and normalise(v) in known)
        if hits > best_hits:
            best_idx, best_hits = i, hits
    if best_idx < 0:
        return None
    header = sheet.rows[best_idx]
    written = [(j, v) for j, v in enumerate(header) if not is_blank(v)]
    hint = _hint_text(sheet, best_idx)
    distinctive = schemas.distinctive
    candidates: list[_Match] = []
    for name, schema in schemas.lists.items():
        mapping: dict[int, str] = {}
        for j, v in written:
            canon = schemas.match_header(name, v)
            if canon is not None and canon not in mapping.values():
                mapping[j] = canon
        matched = set(mapping.values())
        if not matched & distinctive[name]:
            continue
        score = 2 * len(matched) / (len(schema.columns) + len(written))
        if _hinted(schema, hint):
            score += 0.05
        candidates.append(_Match(schema, best_idx, mapping, score))
    if not candidates:
        return None
    best = max(candidates, key=lambda m: m.score)
    # Lists whose headers the sheet cannot tell apart (the para 33 list without its optional
    # "why" column is list 3's columns): the most specific name or title decides.
    # (compared by the sheet's own headers: the lists may name a column differently)
    same = [m for m in candidates if set(m.mapping) == set(best.mapping)]
    named = max(same, key=lambda m: (_hint_length(m.schema, hint), m.score))
    return named if _hint_length(named.schema, hint) > _hint_length(best.schema, hint) else best


def _hint_length(schema: ListSchema, hint: str) -> int:
    """How specific the sheet's name or title is for this list: its longest matching name."""
    return max((len(normalise(n)) for n in schema.sheet_names if n and _hinted_by(n, hint)),
               default=0)


# --------------------------------------------------------------------------- parsing a list


def _title(sheet: RawSheet, header_idx: int) -> str | None:
    """The text above the header row (a title such as "List 6: Children in need"), if any."""
    # A date cell beside the words ("Data as at" | 23/11/2026) is part of the title too.
    parts = [v.strip() if isinstance(v, str) else f"{v:%d/%m/%Y}"
             for row in sheet.rows[:header_idx] for v in row
             if (isinstance(v, str) and v.strip()) or isinstance(v, dt.date)]
    return " / ".join(parts) if parts else None


def _missing_columns(
    info: SheetInfo, schema: ListSchema, findings: FindingsBuilder, order: tuple[int, int]
) -> None:
    """One finding per missing column, never one per row.

    Guidance para 19: "Where possible, the list should include the fields stated": a column
    not given is a warning. Only an ``essential`` column (the schema says which: the child's
    ID, the CSA-FE flag where the list asks it, the date that says who belongs on the list)
    is an error, since the list cannot be used without it.
    """
    for header in info.missing_columns:
        col = schema.column(header)
        if col.essential:
            findings.add("essential-column-missing", file=info.file, sheet=info.sheet, row=None,
                         column=header, message=f"the column '{header}' was not found in row "
                         f"{info.header_row} of the sheet, and {schema.title} cannot be checked "
                         "without it", expected=header, list_name=schema.name,
                         order=(*order, -1))
        else:
            findings.add("column-missing", file=info.file, sheet=info.sheet, row=None,
                         column=header, message=f"the column '{header}' was not found in row "
                         f"{info.header_row} of the sheet; the guidance asks for it \"where "
                         "possible\" (para 19), so the list was checked without it",
                         expected=header, list_name=schema.name, order=(*order, -1))


def parse_list(
    sheet: RawSheet,
    match: _Match,
    schemas: SchemaSet,
    findings: FindingsBuilder,
    order: tuple[int, int],
    continuation: bool = False,
) -> tuple[ParsedList, SheetInfo]:
    """Parse one identified sheet into a ``ParsedList``, adding column and value findings.

    ``continuation``: the sheet carries on a list begun on an earlier sheet of the same file
    ("List_1 (2)"), whose missing columns were already reported.
    """
    schema = match.schema
    file, sname = sheet.file, sheet.name
    header = sheet.rows[match.header_idx]
    header_row = match.header_idx + 1
    info = SheetInfo(file, sname, schema.name, _title(sheet, match.header_idx), header_row, 0)

    # Column mapping: every header cell is either a list column or reported as unknown.
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    for j, v in enumerate(header):
        if is_blank(v):
            continue
        text = str(v)
        canon = schemas.match_header(schema.name, v)
        if canon is None:
            info.unknown_columns.append(text)
            findings.add("column-unknown", file=file, sheet=sname, row=header_row, column=text,
                         message=f"'{text.strip()}' is not a column of {schema.title}; "
                                 "its values were not checked",
                         expected="a header from the list's schema", list_name=schema.name,
                         order=(*order, j))
        elif canon in positions:
            findings.add("column-duplicate", file=file, sheet=sname, row=header_row, column=text,
                         message=f"'{text.strip()}' is a second '{canon}' column; only the first "
                                 f"(column {_col_letter(positions[canon])}) was checked",
                         expected="each column once", list_name=schema.name, order=(*order, j))
        else:
            positions[canon] = j
            written[canon] = text
            info.columns[text] = canon
    for col in schema.columns:
        if col.header not in positions and col.required:
            info.missing_columns.append(col.header)
    if not continuation:  # one finding per column per list, not one per part of it
        _missing_columns(info, schema, findings, order)

    # Cells, column by column, then drop rows that are blank in every list column.
    width = len(header)
    # Rows after the last with a value under a header are blank in every list column: they are
    # never taken (a stray cell in row 1,048,576 beyond the list would otherwise make a
    # million-row list of blanks).
    end = len(sheet.rows)
    while end > match.header_idx + 1 and not any(
            v is not None and v != "" for v in sheet.rows[end - 1][:width]):
        end -= 1
    body = sheet.rows[match.header_idx + 1:end]
    n = len(body)
    raw_cols: dict[str, np.ndarray] = {}
    by_col = _grid(body, width)
    for canon, j in positions.items():
        raw_cols[canon] = by_col[:, j] if n else np.empty(0, dtype=object)
    parsed: dict[str, ParsedColumn] = {}
    for canon, arr in raw_cols.items():
        col = schema.column(canon)
        parsed[canon] = parse_column(pd.Series(arr, copy=False, dtype=object), col,
                                     schemas.codes_for(col), from_text=sheet.from_text)
    if parsed:
        blank_row = np.logical_and.reduce([p.state == BLANK for p in parsed.values()])
    else:
        blank_row = np.ones(n, dtype=bool)
    keep = np.flatnonzero(~blank_row)
    excel_rows = keep + match.header_idx + 2
    del raw_cols, by_col  # the cells live on as distinct values per column (see RawCells)
    if len(keep) != n:
        parsed = {k: _take(p, keep) for k, p in parsed.items()}
    raw = RawCells(parsed)
    info.rows = len(keep)

    # Value findings: one per coerced or wrong cell, built column-wise.
    for canon, p in parsed.items():
        pos = p.problem_rows()
        if not len(pos):
            continue
        # Work per distinct value (each has its ``detail``), spread to its rows.
        at, distinct = pd.factorize(p.codes[pos])
        details = [p.detail[k] for k in distinct]
        findings.add_coded(
            file=file, sheet=sname, rows=excel_rows[pos], codes=at, column=written[canon],
            rules=np.array([d.rule for d in details], dtype=object),
            messages=np.array([d.message for d in details], dtype=object),
            expected=np.array([d.expected for d in details], dtype=object),
            values=np.array([show(p.uniques[k]) for k in distinct], dtype=object),
            list_name=schema.name, order=(*order, positions[canon]),
        )

    typed = pd.DataFrame({canon: p.values.reset_index(drop=True) for canon, p in parsed.items()})
    for col in schema.columns:
        if col.header not in typed:
            typed[col.header] = _empty_typed(col.type, len(keep))
    typed = typed[[c.header for c in schema.columns]]
    id_col = schema.by_role("child_id")
    assert id_col is not None
    keys = _keys(parsed.get(id_col.header), len(keep))
    pl = ParsedList(file, sname, schema, header_row, excel_rows, written, positions, raw,
                    parsed, typed, keys, order, sheet.from_text)
    if schema.layouts is not None and len(keep):
        info.note = _layout_note(schema, keys)
    return pl, info


def _layout_note(schema: ListSchema, keys: pd.Series) -> str:
    """Which of a list's two layouts was read (list 3, para 32): any child with two rows?"""
    assert schema.layouts is not None
    counts = keys.dropna().value_counts()
    repeated = int((counts > 1).sum())
    if not repeated:
        return schema.layouts.one_row_per_child
    return schema.layouts.repeated.replace("{n}", str(repeated))


def _keys(ids: ParsedColumn | None, n: int) -> pd.Series:
    """Each row's child key (``id_key``), worked out once per distinct ID."""
    if ids is None:
        return pd.Series([None] * n, dtype=object)
    # Rows with the same raw value (the same code) have the same typed ID: a parsed ID is
    # text or None, so its key is its upper case, less any leading zeros of digits.
    # Any row of a code will do, so one scatter finds them (np.unique sorted every row).
    codes = ids.codes
    present = np.zeros(len(ids.uniques) + 1, dtype=bool)  # the last: blank (code -1)
    present[codes] = True
    by_code = np.full(len(ids.uniques) + 1, None, dtype=object)
    by_code[codes] = ids.values.to_numpy(dtype=object)
    seen = np.flatnonzero(present)
    typed_u = by_code[seen]
    given = np.fromiter(map(isinstance, typed_u, repeat(str)), dtype=bool, count=len(typed_u))
    upper = np.fromiter(map(str.upper, map(str.strip, typed_u[given])), dtype=object,
                        count=int(given.sum()))
    # Numeric IDs lose their leading zeros ("007" and 7 are one child), as in id_key.
    digits = np.flatnonzero(np.fromiter(map(str.isdigit, upper), dtype=bool, count=len(upper)))
    if len(digits):
        bare = np.fromiter(map(methodcaller("lstrip", "0"), upper[digits]), dtype=object,
                           count=len(digits))
        bare[bare == ""] = "0"
        upper[digits] = bare
    keys_u = np.full(len(ids.uniques) + 1, None, dtype=object)  # the last: blank (code -1)
    keys_u[seen[given]] = upper
    return pd.Series(keys_u[codes], dtype=object)


def _grid(body: list[list[object]], width: int) -> np.ndarray:
    """Rows of cells as one 2-D object array (columns are then cheap views).

    calamine gives rows of equal length; a ragged row (CSV) is padded with None first.
    """
    n = len(body)
    if not n:
        return np.empty((0, width), dtype=object)
    lengths = set(map(len, body))
    full = max(width, max(lengths))
    if full > width and len(lengths) > 1:
        full = width  # ragged rows (a sparse sheet's): only the columns under a header
    grid = np.empty((n, full), dtype=object)
    if lengths == {full}:
        grid[:] = body
    else:
        for i, r in enumerate(body):
            if r:
                grid[i, :len(r)] = r[:full]
    return grid


def _take(p: ParsedColumn, keep: np.ndarray) -> ParsedColumn:
    return ParsedColumn(p.values.iloc[keep].reset_index(drop=True), p.state[keep], p.codes[keep],
                        p.detail, p.uniques)


def _empty_typed(kind: str, n: int) -> pd.Series:
    if kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if kind == "integer":
        return pd.Series([pd.NA] * n, dtype="Int64")
    return pd.Series([None] * n, dtype=object)


# --------------------------------------------------------------------------- loading


def load_dataset(
    paths: str | Path | Sequence[str | Path],
    *,
    as_of: dt.date | str | None = None,
    schemas: SchemaSet | None = None,
    progress: Progress | None = None,
    keep_rows: bool = False,
    today: dt.date | None = None,
    coerced_cells: bool = True,
) -> Dataset:
    """Read every file, find each list and parse it; no rules run yet.

    Args:
        paths: one file or several; their lists are gathered into one dataset.
        as_of: see ``validate_workbook``.
        schemas: the list schemas (default: the shipped ones).
        progress: called as ``progress(step, done, total)`` while working (for a progress bar).
        keep_rows: keep every sheet's raw rows in ``Dataset.workbooks`` (for writing the
            highlighted copy); by default a parsed sheet's row lists are freed.
        today: the day of the check (default: the computer's date); see ``validate_workbook``.
        coerced_cells: keep a finding for every coerced cell (True), or only count them per
            column and value (``FindingsBuilder``).

    Raises:
        JtaiError: a file cannot be used at all.
    """
    given = read_as_of(as_of)  # a bad date is a usage error before any file is read
    tell = progress or _no_progress
    schemas = schemas or load_schemas()
    path_list, _ = expand_inputs(paths)  # folders and repeats, as validate takes them
    files = [str(p) for p in path_list]
    findings = FindingsBuilder(coerced_cells=coerced_cells)
    lists: list[ParsedList] = []
    sheets: list[SheetInfo] = []
    workbooks: list[Workbook] = []
    # One reader thread reads the next sheet while this one is parsed (at most two at once).
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jtai-reader")
    # Start the reader thread now, while memory is plentiful: a thread that cannot start for
    # want of memory (a hostile file read under the command's memory limit) leaves Python
    # 3.11's Thread.start() waiting for ever, where a running thread is simply reused.
    reader.submit(int).result()
    # With the as-of date given, each list's own rules run as soon as it is parsed, while the
    # reader reads the next sheet (they need nothing from the other lists); their findings
    # are kept apart and added after the reading's, in the order ``run_checks`` adds them.
    early = FindingsBuilder(coerced_cells=coerced_cells)
    check_now = None
    if given is not None:
        so_far = Dataset(files, given, lists, sheets, early, schemas, workbooks, "given")

        def check_now(pl: ParsedList) -> None:
            checks.check_list(so_far, pl)
    try:
        for fi, path in enumerate(path_list):
            tell(f"Reading {Path(path).name}", fi, len(path_list))
            wb = read_workbook(path, lazy=True, reader=reader)
            workbooks.append(wb)
            _load_lists(wb, fi, schemas, findings, lists, sheets, reader, tell, keep_rows,
                        check_now)
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
    _note_duplicated_lists(lists, findings)
    if given is not None:
        findings.extend(early)
        return Dataset(files, given, lists, sheets, findings, schemas, workbooks, "given",
                       lists_checked=True)
    overall, own = work_out(files, lists, sheets, today or dt.date.today())
    if len({(a.first, a.last) for a in own.values()}) > 1:
        for info in sheets:  # the report says which date each list was judged on
            info.as_of = own.get((info.file, info.sheet))
    return Dataset(files, overall.last, lists, sheets, findings, schemas, workbooks,
                   overall.source, overall.first, own)


def _load_lists(
    wb: Workbook, fi: int, schemas: SchemaSet, findings: FindingsBuilder,
    lists: list[ParsedList], sheets: list[SheetInfo], reader: Executor,
    tell: Progress, keep_rows: bool, check_now: Callable[[ParsedList], None] | None = None,
) -> None:
    """Find and parse the lists on one workbook's sheets, appending to ``lists`` and ``sheets``
    (and giving each list to ``check_now`` once parsed, when given)."""
    path = wb.path
    lists_before = len(lists)
    for si, sheet in enumerate(wb.sheets):
        tell(f"Reading {path.name}: sheet {sheet.name}", si, len(wb.sheets))
        sheet.prefetch(reader)  # the first sheet; later ones were queued a sheet ahead
        if si + 1 < len(wb.sheets):
            wb.sheets[si + 1].prefetch(reader)
        sheet.load()
        for note in sheet.notes:
            findings.add("file-kind-mismatch", file=sheet.file, sheet=sheet.name, row=None,
                         column=None, message=note, expected="a file whose name says what "
                         "it holds", order=(fi, si, -1))
        if sheet.is_template_info:
            sheets.append(SheetInfo(sheet.file, sheet.name, None, None, None, 0,
                                    note="template guidance sheet: not a list"))
            continue
        # jtai's own sheets (a highlighted copy's Issues sheet names columns and rules) are
        # never read as lists, whatever their cells look like
        match = (None if normalise(sheet.name) in _JTAI_SHEETS or _out_of_scope(sheet, schemas)
                 else identify(sheet, schemas))
        if match is None:
            _unrecognised(sheet, findings, sheets, (fi, si))
            if not keep_rows:
                sheet.rows = []
            continue
        continuation = any(p.file == sheet.file and p.name == match.schema.name
                           and _is_continuation(sheet.name, p.sheet)
                           for p in lists[lists_before:])
        pl, info = parse_list(sheet, match, schemas, findings, (fi, si), continuation)
        if info.rows == 0:
            findings.add("sheet-empty", file=sheet.file, sheet=sheet.name, row=None,
                         column=None, message=f"{match.schema.title}: headers found in row "
                         f"{pl.header_row} but no rows of data under them",
                         expected="one row per child or event", list_name=pl.name,
                         order=(fi, si, -1))
        lists.append(pl)
        sheets.append(info)
        # --- reader findings: hidden sheet, formula cells. Never a cell's value.
        if sheet.hidden:
            findings.add("sheet-hidden", file=sheet.file, sheet=sheet.name, row=None,
                         column=None, message="this sheet is hidden in Excel; its list was "
                         "read and checked like the others (right-click a sheet tab > "
                         "Unhide to see it)", expected="lists on visible sheets",
                         list_name=pl.name, order=(fi, si, -1))
        header_cells = sheet.rows[match.header_idx] if sheet.rows else []
        for f_row, f_col in sheet.formula_cells:
            head = header_cells[f_col] if f_col < len(header_cells) else None
            findings.add("formula-cell", file=sheet.file, sheet=sheet.name, row=f_row,
                         column=None if is_blank(head) else str(head),
                         message="this cell holds a formula: jtai used the value Excel "
                         "last calculated and never recalculates; type the value instead",
                         expected="a value, not a formula", list_name=pl.name,
                         order=(fi, si, f_col))
        more_formulas = sheet.formula_count - len(sheet.formula_cells)
        if more_formulas > 0:
            findings.add("formula-cell", file=sheet.file, sheet=sheet.name, row=None,
                         column=None, message=f"... and {more_formulas:,} more cells "
                         "holding formulas on this sheet",
                         expected="values, not formulas", list_name=pl.name,
                         order=(fi, si, -1))
        # --- end reader findings
        if not keep_rows:
            sheet.rows = []  # parsed: the raw cells live on in pl.raw; free the row lists
        if check_now is not None:
            check_now(pl)
    if len(lists) == lists_before:
        findings.add("no-lists-found", file=str(path), sheet=wb.sheets[0].name if wb.sheets
                     else "", row=None, column=None,
                     message="no sheet has headers that match a JTAI list (contacts, "
                     "referrals, assessments, section 47, lists 6-8, YOT, NPS, additional "
                     "fields, meetings), so nothing was checked",
                     expected="a header row using the Annex A / JTAI column names",
                     order=(fi, -1, -1))


def _out_of_scope(sheet: RawSheet, schemas: SchemaSet) -> bool:
    """An ILACS list the JTAI does not ask for (early help, care leavers, adoption), by name.

    Unless a schema claims the name in its ``sheet_names``: a list added to ``schemas/`` is in
    scope, whatever it is called.
    """
    title = [v for row in sheet.rows[:2] for v in row if isinstance(v, str) and v.strip()][:1]
    hint = normalise(" ".join([sheet.name, *title]))
    if not _OUT_OF_SCOPE.search(hint):
        return False
    return not any(_OUT_OF_SCOPE.search(normalise(n)) and _hinted_by(n, hint)
                   for schema in schemas.lists.values() for n in schema.sheet_names if n)


#: Sheets jtai itself writes beside the lists (drop-down codes, accounting, instructions).
_JTAI_SHEETS = frozenset({"codes", "sources", "filter", "instructions", "issues", "by rule",
                          "coerced", "selected for tracking", "tracked children"})


def _unrecognised(
    sheet: RawSheet, findings: FindingsBuilder, sheets: list[SheetInfo], order: tuple[int, int]
) -> None:
    if normalise(sheet.name) in _JTAI_SHEETS:
        sheets.append(SheetInfo(sheet.file, sheet.name, None, None, None, 0,
                                note="a sheet jtai writes beside the lists: not a list"))
        return
    nonblank = any(not is_blank(v) for row in sheet.rows[:HEADER_SEARCH_ROWS] for v in row)
    if not nonblank:
        sheets.append(SheetInfo(sheet.file, sheet.name, None, None, None, 0, note="empty sheet"))
        return
    hint = normalise(" ".join([sheet.name] + [str(v) for v in (sheet.rows[0] if sheet.rows
                                                                 else []) if v]))
    if _OUT_OF_SCOPE.search(hint):
        rule = "sheet-not-in-scope"
        msg = ("this is an ILACS list the JTAI does not ask for (early help, care leavers or "
               "adoption): not checked")
    else:
        rule = "sheet-not-recognised"
        msg = ("no header row in the first 30 rows matches a JTAI list (contacts, referrals, "
               "assessments, section 47, lists 6-8, YOT, NPS, additional fields, meetings): "
               "not checked")
    findings.add(rule, file=sheet.file, sheet=sheet.name, row=None, column=None, message=msg,
                 expected="a sheet whose headers match one of the lists", order=(*order, -1))
    sheets.append(SheetInfo(sheet.file, sheet.name, None, None, None, 0, note=msg))


def _part_of(name: str) -> tuple[str, bool]:
    """The list a sheet or file name is a part of, and whether the name numbers a part.

    "List_1 (2)" -> ("list 1", True); "cin_part2.csv" -> ("cin", True);
    "cin.csv" -> ("cin", False). The file suffix (.csv, .parquet) is ignored.
    """
    stem = _FILE_SUFFIX.sub("", name)
    m = _CONTINUATION.match(stem)
    return normalise(m.group(1) if m else stem), m is not None


def _is_continuation(sheet: str, first: str) -> bool:
    """True for "List_1 (2)" after "List_1": a list split over sheets at Excel's row limit.

    Files given as parts of one list, "contacts_part1.csv", "contacts_part2.csv" (or
    "contacts.parquet", "contacts (2).parquet"), are read as one list the same way.
    """
    base, numbered = _part_of(sheet)
    return numbered and base == _part_of(first)[0]


def _note_duplicated_lists(lists: list[ParsedList], findings: FindingsBuilder) -> None:
    seen: dict[str, ParsedList] = {}
    for pl in lists:
        first = seen.get(pl.name)
        if first is None:
            seen[pl.name] = pl
            continue
        if _is_continuation(pl.sheet, first.sheet):
            continue  # List_1, List_1 (2), ...: one list too long for one sheet
        findings.add("list-duplicated", file=pl.file, sheet=pl.sheet, row=None, column=None,
                     message=f"this sheet holds {pl.schema.title}, as sheet '{first.sheet}' "
                             f"does; both were checked and their rows are treated as one list",
                     expected="each list on one sheet", list_name=pl.name,
                     order=(*pl.order, -1))


# --------------------------------------------------------------------------- public entry


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".parquet")


def expand_inputs(paths: str | Path | Sequence[str | Path]) -> tuple[list[Path], bool]:
    """Turn folders into the workbooks and CSV files directly inside them (sorted), and give
    each file once: the same file named twice (or by a link, or inside a folder also given)
    would be every child twice, a duplicate of itself.

    Returns:
        The files, and whether a folder was given (a folder means "check each file").
    """
    path_list = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[Path] = []
    had_folder = False
    seen: set[str] = set()

    def add(f: Path) -> None:
        key = os.path.realpath(f) if f.exists() else str(f)
        if key not in seen:
            seen.add(key)
            files.append(f)

    for p in map(Path, path_list):
        if p.is_dir():
            had_folder = True
            inside = sorted(f for f in p.iterdir()
                            if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES
                            and not f.name.startswith((".", "~$")))
            if not inside:
                raise FileNotFound(_empty_folder(p), file=p)
            for f in inside:
                add(f)
        else:
            add(p)
    return files, had_folder


def _holds_workbooks(folder: Path) -> bool:
    """True when the folder holds a workbook or CSV file itself (its first 1,000 entries)."""
    try:
        return any(f.suffix.lower() in WORKBOOK_SUFFIXES and not f.name.startswith((".", "~$"))
                   and f.is_file() for f in itertools.islice(folder.iterdir(), 1000))
    except OSError:
        return False


def _empty_folder(folder: Path) -> str:
    """Why a folder gave no files: an Apple Numbers document, or files only in subfolders."""
    if folder.suffix.lower() == ".numbers":
        return NUMBERS_EXPORT
    below = [sub.name for sub in sorted(folder.iterdir())[:1000]
             if sub.is_dir() and not sub.name.startswith(".") and _holds_workbooks(sub)]
    if below:
        shown = ", ".join(below[:5]) + (f" and {len(below) - 5} more" if len(below) > 5 else "")
        return (f"this folder holds no workbooks itself, but its subfolders do ({shown}): jtai "
                "does not look inside subfolders, so give those folders or files")
    return "this folder holds no .xlsx, .xlsm, .xls, .ods, .csv or .parquet files"


def validate_workbook(
    path: str | Path | Sequence[str | Path],
    *,
    as_of: dt.date | str | None = None,
    schemas: SchemaSet | None = None,
    report_path: str | Path | None = None,
    separately: bool | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    skip_lists: Sequence[str] = (),
    coerced_cells: bool = True,
) -> ValidationReport:
    """Check every JTAI list in a workbook (or in several files).

    Args:
        path: a workbook or CSV file, several, or a folder of them.
        as_of: the day the lists were extracted, for every list: ages, look-back periods
            and "in the future" are measured from it. A date, an ISO string (2026-11-23) or
            a UK one (23/11/2026). Default: each list on its own extraction, worked out from
            the workbook (see ``extraction``): the list's own "as at" title date, else the
            window from the latest event in the untitled lists due on the same day (the
            schema's ``due:``) to the file's saved date, an age being right if right on some
            day of it. ``report.as_of_source`` says which and why, and each list's
            ``SheetInfo.as_of`` its own when they differ.
        schemas: the list schemas to use (default: the shipped ones).
        report_path: also write the highlighted copy of the workbook here (see
            ``export_annotated_workbook``); a folder when several files are checked.
        separately: check each file on its own (in parallel) instead of together.
            Together, the files' lists are checked against each other (one child, one date
            of birth everywhere); separately suits a folder of different LAs' returns.
            Default: separately when a folder is given, together otherwise.
        workers: worker processes for ``separately`` (default: one per core).
        progress: called as ``progress(step, done, total)`` while working.
        today: the day of the check, which bounds the extraction window (default: the
            computer's date; tests pass a fixed day).
        skip_lists: lists whose findings are left out of the report, named as on the
            command line (``contacts``, ``6``, ``CIN``...). Their sheets are still
            identified, so no other list is mistaken for them, and they still take part in
            the checks across lists; the report notes them as skipped.
        coerced_cells: keep one finding per coerced cell (the default). False counts them
            instead, per column and value read in the template's form
            (``report.coerced``): a national return has millions of them, and a summary
            only counts them. The highlighted copy (``report_path``) and files checked
            separately still get every cell.

    Returns:
        The report; ``report.valid`` is False when any error was found, and
        ``report.exit_code`` folds in files that could not be used.

    Raises:
        UsageError: ``as_of`` is text that is not a date.
        JtaiError: a file cannot be used at all (only when checking files together).

    Example:
        >>> report = validate_workbook("examples/lists_messy.xlsx")
        >>> report.valid
        False
        >>> report.to_frame()[["sheet", "row", "column", "rule"]].head(3)  # doctest: +SKIP
    """
    as_of = read_as_of(as_of)  # a bad date is refused before any work
    skipped = resolve_lists(skip_lists, schemas or load_schemas()) if skip_lists else ()
    files, had_folder = expand_inputs(path)
    each = had_folder if separately is None else separately
    if report_path is not None and not Path(report_path).is_dir():
        check_output(report_path, files)  # refuse a bad output before the work, not after
    workbooks: list[Workbook] = []
    if each and len(files) > 1:
        report = _validate_each(files, as_of, workers, progress, today, schemas)
    else:
        report, workbooks = _validate_together(
            files, as_of, schemas, progress, keep_rows=report_path is not None, today=today,
            coerced_cells=coerced_cells or report_path is not None)
    report = report.without_lists(skipped)
    if report_path is not None:
        if progress:
            progress("Writing the highlighted copy", 0, 1)
        export_annotated_workbook(report, report_path, workbooks=workbooks)
    return report


def _validate_together(
    files: Sequence[Path], as_of: dt.date | None, schemas: SchemaSet | None,
    progress: Progress | None, *, keep_rows: bool = False, today: dt.date | None = None,
    coerced_cells: bool = True,
) -> tuple[ValidationReport, list[Workbook]]:
    data = load_dataset(files, as_of=as_of, schemas=schemas, progress=progress,
                        keep_rows=keep_rows, today=today, coerced_cells=coerced_cells)
    if progress:
        progress("Checking the rules", 0, 1)
    checks.run_checks(data)
    builder, workbooks = data.findings, data.workbooks if keep_rows else []
    names, day, sheets = data.files, data.as_of, data.sheets
    source, first = data.as_of_source, data.as_of_window[0]
    # The dataset (every parsed list) is let go before the findings become a frame: at a
    # national size the two together are the peak.
    del data
    findings = builder.frame()
    return ValidationReport(names, day, sheets, findings, source, as_of_first=first,
                            coerced=builder.counted(), templates=builder.templates), workbooks


def _validate_one(
    paths: list[Path], as_of: dt.date | None, today: dt.date | None = None,
    schemas: SchemaSet | None = None,
) -> tuple[ValidationReport | None, tuple[str, str] | None]:
    """Worker: one file's (or one list's parts') report, or which file cannot be used and why."""
    try:
        return _validate_together(paths, as_of, schemas, None, today=today)[0], None
    except JtaiError as exc:
        named = exc.file if exc.file in {str(p) for p in paths} else str(paths[0])
        return None, (named, exc.message)


def file_units(files: Sequence[Path]) -> list[list[Path]]:
    """Group files checked "each on its own" so that the parts of one list stay together.

    "contacts_part1.csv", "contacts_part2.csv" (or "contacts.parquet", "contacts (2).parquet")
    in one folder are one list cut into parts, and are checked as one; every other file is
    a unit of its own.
    """
    units: list[list[Path]] = []
    parts: dict[tuple[str, str, str], list[Path]] = {}
    for f in files:
        if f.suffix.lower() not in (".csv", ".parquet"):
            units.append([f])
            continue
        key = (str(f.parent), f.suffix.lower(), _part_of(f.name)[0])
        if key in parts:
            parts[key].append(f)
        else:
            parts[key] = [f]
            units.append(parts[key])
    return units


def _validate_each(
    files: Sequence[Path], as_of: dt.date | None, workers: int | None,
    progress: Progress | None, today: dt.date | None = None,
    schemas: SchemaSet | None = None,
) -> ValidationReport:
    units = file_units(files)
    n = min(len(units), workers or usable_cpus(), usable_cpus())  # never more than it can run
    results: dict[int, tuple[ValidationReport | None, tuple[str, str] | None]] = {}
    if n <= 1:
        for i, unit in enumerate(units):
            results[i] = _validate_one(unit, as_of, today, schemas)
            if progress:
                progress("Checking files", i + 1, len(units))
    else:
        with ProcessPoolExecutor(max_workers=n, initializer=pool_worker_init) as pool:
            futures = {pool.submit(_validate_one, unit, as_of, today, schemas): i
                       for i, unit in enumerate(units)}
            for done, fut in enumerate(as_completed(futures), start=1):
                try:
                    results[futures[fut]] = fut.result()
                except BrokenProcessPool:
                    # A worker was killed (out of memory while reading, most likely): the
                    # files it had not finished are unusable, said so, not an internal error.
                    unit = units[futures[fut]]
                    results[futures[fut]] = (None, (str(unit[0]), (
                        "not checked: the process checking it stopped (it ran out of memory "
                        "reading one of the files, or the reader crashed on it); check this "
                        "file on its own to see which")))
                if progress:
                    progress("Checking files", done, len(units))
    reports = [results[i][0] for i in range(len(units))]
    failures = [results[i][1] for i in range(len(units))]
    unusable = dict(f for f in failures if f is not None)
    builder = FindingsBuilder()
    for ui, failure in enumerate(failures):
        if failure is not None:
            builder.add("file-unusable", file=failure[0], sheet="", row=None, column=None,
                        message=failure[1], expected="a workbook or CSV file jtai can read",
                        order=(ui, 0, -1))
    extra = builder.frame()
    ordered = []
    for i, failure in enumerate(failures):
        rep = reports[i]
        if rep is not None:
            ordered.append(rep.findings)
        elif failure is not None:
            ordered.append(extra[extra["file"] == failure[0]])
    findings = pd.concat([x for x in ordered if len(x)], ignore_index=True) if any(
        len(x) for x in ordered) else extra
    checked = [r for r in reports if r is not None]
    sheets = [s for r in checked for s in r.sheets]
    if as_of is not None or not checked:
        day = as_of or today or dt.date.today()
        return ValidationReport([str(f) for f in files], day, sheets, findings,
                                "given" if as_of else "today", unusable_files=unusable)
    windows = {(r.as_of_window, r.as_of_source) for r in checked}
    if len(windows) == 1:
        (first, last), source = windows.pop()
    else:
        first = min(r.as_of_window[0] for r in checked)
        last = max(r.as_of_window[1] for r in checked)
        source = "each file its own: " + "; ".join(
            f"{Path(r.files[0]).name}: {r.as_of_text} ({r.as_of_source})" for r in checked)
        for r in checked:  # each list says its own file's date where that file has one
            for info in r.sheets:
                if info.list and info.as_of is None:
                    info.as_of = AsOf(*r.as_of_window,
                                      f"{Path(r.files[0]).name}: {r.as_of_source}")
    return ValidationReport([str(f) for f in files], last, sheets, findings, source,
                            unusable_files=unusable, as_of_first=first)
