"""Write the highlighted copy of a checked workbook.

The copy keeps every original sheet and every value (dates stay dates, text stays text, hidden
sheets stay hidden); bad cells are filled red and cells with a warning orange, each with a
comment giving the rule and what was expected; a first sheet ``Issues`` lists every error and
warning (errors first) with a link to its cell, ``By rule`` counts them by rule and column,
and ``Coerced`` groups the cells read in the template's form ('M' read as 'a) Male', 5,321
cells), which are filled amber but carry no comment or Issues row each. The input is never
touched.

The copy is rebuilt cell by cell from what was read, with xlsxwriter in constant-memory mode,
rather than by loading and re-saving the original with openpyxl: that keeps values but not the
original's fonts, widths and merged cells, and in exchange is several times faster and never
holds the whole workbook in memory (openpyxl needed 6.6 s just to *read* a 60,000-row workbook
here, xlsxwriter writes one in under 6 s). Formulas are written as their last calculated value,
never as formulas.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import operator
import re
import string
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import check_output
from .errors import OutputRefused
from .excel_names import column_index, safe_sheet_name
from .issues import CATALOGUE
from .reading import RawSheet, Workbook, read_workbook
from .reporting import ValidationReport, counted, first_of, group_findings
from .writing import sheet_ref, write_whole_row, xlsx_output

FILLS = {"error": "#FFC7CE", "warning": "#F8CBAD", "coerced": "#FFEB9C"}
_RANK = {"error": 0, "warning": 1, "coerced": 2}
_ISSUE_HEADERS = ["Sheet", "Row", "Column", "Severity", "Rule", "Message", "Expected", "Value",
                  "Go to cell"]
_ISSUE_WIDTHS = (18, 7, 30, 9, 22, 70, 35, 20, 11)
_BY_RULE_HEADERS = ["Severity", "Rule", "What it means", "Sheet", "Column", "Cells",
                    "First finding", "Go to first"]
_BY_RULE_WIDTHS = (9, 24, 34, 18, 30, 8, 70, 11)
_COERCED_HEADERS = ["Sheet", "Column", "Read as", "Cells", "Rule", "Go to first"]
_COERCED_WIDTHS = (18, 30, 60, 9, 16, 11)
#: A column with at most this many distinct readings gets one Coerced line per reading.
_FEW_READINGS = 12
_CELL = re.compile(r"^([A-Z]+)(\d+)$")
EXCEL_MAX_ROWS = 1_048_576


def export_annotated_workbook(
    report: ValidationReport,
    output: str | Path,
    *,
    workbooks: Sequence[Workbook] | None = None,
) -> list[Path]:
    """Write a highlighted, commented copy of each checked file.

    Args:
        report: what ``validate_workbook`` returned.
        output: the copy's path (.xlsx); with several input files, a folder that receives
            one ``<name>.checked.xlsx`` per input.
        workbooks: the files as already read (saves reading them again); read if not given.

    Returns:
        The files written.

    Raises:
        OutputRefused: the output is an input file, or its folder does not exist.

    Example:
        >>> report = validate_workbook("lists.xlsx")  # doctest: +SKIP
        >>> export_annotated_workbook(report, "lists-checked.xlsx")  # doctest: +SKIP
    """
    out = Path(output)
    if len(report.files) == 1:
        targets = [(report.files[0], out)]
    else:
        if not out.is_dir():
            raise OutputRefused(
                "with several input files, the highlighted copies go in a folder: give an "
                "existing folder; one <name>.checked.xlsx is written per file",
                file=out,
            )
        targets = []
        taken: set[str] = set()
        for f in report.files:
            if f in report.unusable_files:
                continue
            # Same-named inputs from different folders (north/lists.xlsx, south/lists.xlsx)
            # get different copies, never one written over the other.
            name, n = f"{Path(f).stem}.checked.xlsx", 2
            if name.lower() in taken and Path(f).parent.name:
                name = f"{Path(f).stem} ({Path(f).parent.name}).checked.xlsx"
            while name.lower() in taken:
                name = f"{Path(f).stem} ({n}).checked.xlsx"
                n += 1
            taken.add(name.lower())
            targets.append((f, out / name))
    for _src, dest in targets:
        check_output(dest, report.files)
    read = {str(wb.path): wb for wb in workbooks or ()}
    written = []
    for src, dest in targets:
        wb = read.get(src)
        if wb is None or any(not s.rows for s in wb.sheets):
            wb = read_workbook(src)
        written.append(_annotate_one(report, wb, src, dest))
    return written


def _comment_text(recs: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{str(r['severity']).upper()} ({r['rule']}): {r['message']}"
        + (f". Expected: {r['expected']}" if r["expected"] else "")
        for r in recs
    )


def _coerced_groups(df: pd.DataFrame) -> pd.DataFrame:
    """Coerced findings grouped for the Coerced sheet: by column and rule, and by what was
    read as what when a column has only a few distinct readings ('M' read as 'a) Male')."""
    if not len(df):
        return group_findings(df)
    keys = ["file", "sheet", "column", "rule"]
    distinct = df.groupby(keys, sort=False, dropna=False)["message"].transform("nunique")
    few = (distinct <= _FEW_READINGS).to_numpy()
    # Where readings are few, each is a group of its own: fold the message into the column
    # key for grouping, then restore the column.
    grouping = df.assign(column=np.where(few, df["column"].astype(str) + "\x00"
                                         + df["message"].astype(str), df["column"]))
    groups = group_findings(grouping)
    split = groups["column"].astype(str).str.split("\x00", n=1, expand=True)
    groups["column"] = split[0]
    if split.shape[1] > 1:
        many = split[1].isna()
        groups.loc[many, "message"] = "e.g. " + groups.loc[many, "message"].astype(str)
    # As the sheets read: sheet by sheet, column by column, the commonest reading first.
    sheet_order = {s: i for i, s in enumerate(dict.fromkeys(groups["sheet"]))}
    col = [column_index(m.group(1)) if isinstance(c, str) and (m := _CELL.match(c)) else -1
           for c in groups["first_cell"]]
    groups = groups.assign(_s=groups["sheet"].map(sheet_order), _c=col, _n=-groups["count"])
    return groups.sort_values(["_s", "_c", "_n"], kind="stable").drop(columns=["_s", "_c", "_n"])


def _coerced_lines(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The Coerced sheet's lines, (sheet, column, message, count, rule, first cell) each:
    ``_coerced_groups(df)``'s, made from integer codes instead of grouping text.

    A 60,000-row return has 200,000 coerced cells; grouping them by their text took a third
    of a second. Findings this fast path does not cover (a key that is not text, a severity
    other than coerced, a column name holding the separator) go through ``_coerced_groups``.
    """
    if not len(df):
        return []
    arrays = [df[k].to_numpy(dtype=object)
              for k in ("file", "sheet", "column", "rule", "message")]
    if (not all(pd.api.types.infer_dtype(a, skipna=False) == "string" for a in arrays)
            or not (df["severity"] == "coerced").all()
            or any("\x00" in c for c in pd.factorize(arrays[2])[1])):
        g = _coerced_groups(df)
        return list(zip(g["sheet"], g["column"], g["message"], g["count"], g["rule"],
                        g["first_cell"], strict=True))
    # (file, sheet, column, rule) as one code, then with the message: codes numbered in the
    # order they first occur, as a group's first finding is.
    key, _ = pd.factorize(arrays[0])
    for a in arrays[1:4]:
        codes, uniques = pd.factorize(a)
        key, _ = pd.factorize(key.astype(np.int64) * len(uniques) + codes)
    n_keys = int(key.max()) + 1
    message, uniques = pd.factorize(arrays[4])
    pair, _ = pd.factorize(key.astype(np.int64) * len(uniques) + message)
    n_pairs = int(pair.max()) + 1
    first_of_pair = first_of(pair)
    readings = np.bincount(key[first_of_pair], minlength=n_keys)  # distinct messages a key
    few = readings[key] <= _FEW_READINGS
    # Few readings: a line per (key, message); many: a line per key.
    group, _ = pd.factorize(np.where(few, pair, n_pairs + key))
    first = first_of(group)  # groups are numbered by their first finding
    count = np.bincount(group)
    few_group = few[first]
    sheets, columns, rules = arrays[1][first], arrays[2][first], arrays[3][first]
    messages = arrays[4][first]
    if few_group.any():  # as _coerced_groups: "e.g." only beside lines of single readings
        messages = np.array([m if few else f"e.g. {m}" for m, few in zip(
            messages.tolist(), few_group.tolist(), strict=True)], dtype=object)
    cells = df["cell"].to_numpy(dtype=object)[first]
    sheet_order = pd.factorize(sheets)[0]
    col = np.array([column_index(m.group(1)) if isinstance(c, str) and (m := _CELL.match(c))
                    else -1 for c in cells], dtype=np.int64)
    order = np.lexsort((first, -count, col, sheet_order))
    return [(sheets[i], columns[i], messages[i], int(count[i]), rules[i], cells[i])
            for i in order.tolist()]


def _link(titles: dict[str, str], sheet: object, cell: object) -> str | None:
    if str(sheet) in titles and isinstance(cell, str) and _CELL.match(cell):
        return f"{sheet_ref(titles[str(sheet)])}!{cell}"
    return None


def _write_link(ws: Any, row: int, col: int, link: str | None, fmt: Any) -> None:
    if link:
        target = link.replace('"', '""')
        ref = link.rsplit("!", 1)[1]
        ws.write_formula(row, col, f'=HYPERLINK("#{target}","{ref}")', fmt, ref)


def _annotate_one(report: ValidationReport, wb_in: Workbook, src: str, dest: Path) -> Path:
    df = report.findings
    in_file = (df["file"] == src).to_numpy() if len(df) else np.zeros(0, bool)
    t = report._templates()
    df = df[in_file] if len(df) and not in_file.all() else df  # one file: no copy
    # Errors and warnings: a comment and an Issues row each, errors first. Coerced cells: a
    # fill, and one line per column and reading on the Coerced sheet (166,000
    # commented cells and Issues rows cost 20 s and helped nobody).
    is_coerced = (df["severity"] == "coerced").to_numpy() if len(df) else np.zeros(0, bool)
    main = df[~is_coerced]
    if len(main):
        main = main.iloc[np.argsort(main["severity"].map(_RANK).to_numpy(), kind="stable")]
    coerced = df[is_coerced]
    records = [{str(k): v for k, v in rec.items()} for rec in main.to_dict("records")]
    names = [s.name for s in wb_in.sheets]
    titles: dict[str, str] = {}
    taken: list[str] = ["Issues", "By rule", "Coerced"]
    for name in names:
        titles[name] = safe_sheet_name(name, taken)
        taken.append(titles[name])

    # Findings by sheet -> row -> column index, one comment per cell.
    by_cell: dict[str, dict[int, dict[int, list[dict[str, Any]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    links: list[str | None] = []
    for rec in records:
        sheet, row = str(rec["sheet"]), rec["row"]
        link = None
        if sheet in titles and row is not None and not pd.isna(row):
            ref = rec["cell"] or f"A{int(row)}"  # a finding about a whole row: column A
            m = _CELL.match(ref)
            if m:
                col = column_index(m.group(1))
                by_cell[sheet][int(row) - 1][col].append(rec)
                link = f"{sheet_ref(titles[sheet])}!{ref}"
        links.append(link)
    # Coerced cells: only a fill (sheet -> row -> columns).
    coerced_sheets = coerced["sheet"].to_numpy(dtype=object)
    if t is not None:  # the builder's numbers, not each "B12" read back
        filled = _by_row(coerced_sheets, t.cell_rows[in_file][is_coerced],
                         t.cell_cols[in_file][is_coerced], titles)
    else:
        filled = _cells_by_row(coerced_sheets, coerced["cell"].to_numpy(dtype=object), titles)

    with xlsx_output(dest, report.files, constant_memory=True) as wb:
        fills = {sev: wb.add_format({"bg_color": colour}) for sev, colour in FILLS.items()}
        date_fills = {sev: wb.add_format({"bg_color": colour, "num_format": "dd/mm/yyyy"})
                      for sev, colour in FILLS.items()}
        bold = wb.add_format({"bold": True})
        link_fmt = wb.add_format({"font_color": "blue", "underline": 1})

        issues = wb.add_worksheet("Issues")
        for c, width in enumerate(_ISSUE_WIDTHS):
            issues.set_column(c, c, width)
        issues.write_row(0, 0, _ISSUE_HEADERS, bold)
        limit = EXCEL_MAX_ROWS - 2
        for i, (rec, link) in enumerate(zip(records, links, strict=True), start=1):
            if i > limit:
                issues.write_string(i, 0, f"... and {len(records) - limit:,} more errors and "
                                    "warnings: see the JSON report (jtai validate --format "
                                    "json)")
                break
            row = rec["row"]
            issues.write_row(i, 0, [
                rec["sheet"], None if row is None or pd.isna(row) else int(row),
                rec["column"]])
            issues.write_string(i, 3, str(rec["severity"]), fills[str(rec["severity"])])
            issues.write_row(i, 4, [rec["rule"], rec["message"], rec["expected"],
                                    rec["value"]])
            _write_link(issues, i, 8, link, link_fmt)
        if not records:
            issues.write_string(1, 0, "No errors or warnings."
                                + (f" {counted(len(coerced), 'value')} read in the "
                                   "template's form: see the Coerced sheet." if len(coerced) else
                                   " Every list passed every check."))
        issues.freeze_panes(1, 0)
        issues.autofilter(0, 0, max(len(records), 1), len(_ISSUE_HEADERS) - 1)

        by_rule = wb.add_worksheet("By rule")
        for c, width in enumerate(_BY_RULE_WIDTHS):
            by_rule.set_column(c, c, width)
        by_rule.write_row(0, 0, _BY_RULE_HEADERS, bold)
        for i, g in enumerate(group_findings(main).to_dict("records"), start=1):
            rule = CATALOGUE.get(str(g["rule"]))
            by_rule.write_string(i, 0, str(g["severity"]), fills[str(g["severity"])])
            by_rule.write_row(i, 1, [_plain(v) for v in (
                g["rule"], rule.title if rule else "", g["sheet"], g["column"],
                int(g["count"]), g["message"])])
            _write_link(by_rule, i, 7, _link(titles, g["sheet"], g["first_cell"]), link_fmt)
        if not len(main):
            by_rule.write_string(1, 0, "No errors or warnings.")
        by_rule.freeze_panes(1, 0)

        sheet_c = wb.add_worksheet("Coerced")
        for c, width in enumerate(_COERCED_WIDTHS):
            sheet_c.set_column(c, c, width)
        sheet_c.write_row(0, 0, _COERCED_HEADERS, bold)
        for i, (sheet, column, message, count, rule, first_cell) in enumerate(
                _coerced_lines(coerced), start=1):
            sheet_c.write_row(i, 0, [_plain(v) for v in (
                sheet, column, message, int(count), rule)])
            _write_link(sheet_c, i, 5, _link(titles, sheet, first_cell), link_fmt)
        if not len(coerced):
            sheet_c.write_string(1, 0, "No values needed reading in the template's form.")
        sheet_c.freeze_panes(1, 0)

        for raw in wb_in.sheets:
            _copy_sheet(wb, raw, titles[raw.name], by_cell.get(raw.name, {}),
                        filled.get(raw.name, {}), fills, date_fills)
    return dest


def _plain(v: object) -> object:
    """A cell value xlsxwriter writes as the same value; None for empty."""
    if v is None or v == "":
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, float) and math.isinf(v):
        # A number cell holding "inf" (a hostile or broken file; Excel never writes one):
        # no Excel number can say it, so the copy shows it as text, as the file held it.
        return str(v)
    if isinstance(v, dt.timedelta):
        return str(v)
    return v


#: Cell types xlsxwriter writes as they are. "" is written as nothing, as None is; a float
#: needs ``_plain`` only when it is NaN or infinite, a time span always (written as its text).
_AS_IS = frozenset({str, int, float, bool, dt.date, dt.datetime, type(None)})
_INFINITE = (math.inf, -math.inf)


def _floats_as_is(cells: list[object]) -> bool:
    """No NaN (the one value not equal to itself) and no infinity among ``cells``, in C."""
    return all(map(operator.eq, cells, cells)) and not any(x in cells for x in _INFINITE)


def _plain_row(row: list[object]) -> list[object]:
    """``[_plain(v) for v in row]`` as xlsxwriter sees it: the row itself when every cell is
    already written as it is (nearly always), so that most rows cost no Python per cell."""
    types = set(map(type, row))
    if types <= _AS_IS and (float not in types or _floats_as_is(row)):
        return row
    return [_plain(v) for v in row]


def _rows_as_is(rows: list[list[object]], block: int = 10_000) -> bool:
    """Whether every cell of ``rows`` is written as it is (``_plain_row`` would change
    none): one pass in C over a block of rows at a time, not a check a row."""
    for start in range(0, len(rows), block):
        cells = list(itertools.chain.from_iterable(rows[start:start + block]))
        types = set(map(type, cells))
        if not (types <= _AS_IS and (float not in types or _floats_as_is(cells))):
            return False
    return True


def _cells_by_row(
    sheets: np.ndarray, cells: np.ndarray, titles: dict[str, str],
) -> dict[str, dict[int, list[int]]]:
    """Sheet -> 0-based row -> sorted distinct 0-based columns of the A1 references ``cells``
    (one per finding, on ``sheets``); references that are not A1 cells or outside Excel's
    rows, and sheets not in ``titles``, are left out.

    Vectorised: a 600,000-row return has millions of coerced cells. Plain ASCII references
    ('AB12') are split with numpy string functions; anything else (None, odd text) goes
    through ``_CELL`` one at a time, so the result is what matching each with ``_CELL`` gives.
    """
    n = len(cells)
    rows = np.zeros(n, dtype=np.int64)
    cols = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if n and pd.api.types.infer_dtype(cells, skipna=True) == "string":
        for start in range(0, n, _CELL_BLOCK):  # bounds numpy's fixed-width temporaries
            at = slice(start, start + _CELL_BLOCK)
            ok[at], rows[at], cols[at] = _split_cells(cells[at])
    for i in np.flatnonzero(~ok).tolist():  # not plain ASCII: as _CELL reads it
        cell = cells[i]
        m = _CELL.match(cell) if isinstance(cell, str) else None
        if m is not None and 0 < int(m.group(2)) <= EXCEL_MAX_ROWS:
            ok[i], rows[i], cols[i] = True, int(m.group(2)), column_index(m.group(1))
    return _by_row(sheets, np.where(ok, rows, -1), np.where(ok, cols, -1), titles)


def _by_row(sheets: np.ndarray, rows: np.ndarray, cols: np.ndarray, titles: dict[str, str],
            ) -> dict[str, dict[int, list[int]]]:
    """``_cells_by_row`` from the cells' 1-based rows and 0-based columns (-1: no cell)."""
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    ok = (rows > 0) & (rows <= EXCEL_MAX_ROWS) & (cols >= 0)  # no sheet has the others
    codes, names = pd.factorize(sheets)
    out: dict[str, dict[int, list[int]]] = {}
    for k, name in enumerate(names):
        if name not in titles:
            continue
        pick = ok & (codes == k)
        r, c = rows[pick] - 1, cols[pick]
        order = np.lexsort((c, r))
        r, c = r[order], c[order]
        keep = np.ones(len(r), dtype=bool)
        keep[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        r, c = r[keep], c[keep]
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.zeros(0, int)
        bounds = [*starts.tolist(), len(c)]
        cl = c.tolist()
        out[str(name)] = {row: cl[bounds[i]:bounds[i + 1]]
                          for i, row in enumerate(r[starts].tolist())}
    return out


#: Cell references are split this many at a time.
_CELL_BLOCK = 1 << 18


def _split_cells(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which of ``cells`` (text or None) are plain ASCII references [A-Z]+[0-9]+ ('AB12'), and
    their rows (1-based, as written) and 0-based columns (0 where not a reference)."""
    n = len(cells)
    rows = np.zeros(n, dtype=np.int64)
    cols = np.zeros(n, dtype=np.int64)
    text = cells.astype(str)  # None -> 'None': lower case, never a reference
    letters = np.strings.rstrip(text, "0123456789")
    digits = np.strings.lstrip(text, string.ascii_uppercase)
    n_letters, n_digits = np.strings.str_len(letters), np.strings.str_len(digits)
    # Leading capitals and trailing digits that add up to the whole: [A-Z]+[0-9]+.
    ok = ((n_letters > 0) & (n_digits > 0) & (n_digits <= 18)
          & (n_letters + n_digits == np.strings.str_len(text)))
    if ok.any():
        distinct, code = np.unique(letters[ok], return_inverse=True)
        cols[ok] = np.array([column_index(str(x)) for x in distinct], dtype=np.int64)[code]
        rows[ok] = _ascii_ints(digits[ok].astype(f"U{int(n_digits[ok].max())}"))
    return ok, rows, cols


def _ascii_ints(digits: np.ndarray) -> np.ndarray:
    """The numbers written in a string array of ASCII digits (at most 18 each), in C: numpy's
    own conversion from text takes several times longer."""
    width = digits.dtype.itemsize // 4
    points = digits.view(np.uint32).reshape(len(digits), width).astype(np.int64)
    out = np.zeros(len(digits), dtype=np.int64)
    for j in range(width):  # numpy pads short strings with zeros at the end
        has = points[:, j] > 0
        out = np.where(has, out * 10 + points[:, j] - 48, out)
    return out


def _copy_sheet(
    wb: Any, sheet: RawSheet, title: str,
    flagged: dict[int, dict[int, list[dict[str, Any]]]],
    filled: dict[int, list[int]],
    fills: dict[str, Any], date_fills: dict[str, Any],
) -> None:
    """Copy one sheet's cells, each written once: a flagged cell with its fill (and its
    comment), the runs of cells between them with ``write_row`` (xlsxwriter's fastest path)."""
    ws = wb.add_worksheet(title)
    rows = sheet.rows
    width = max((len(r) for r in rows[:50]), default=0)
    for c in range(width):
        ws.set_column(c, c, 14)
    write, write_blank = ws.write, ws.write_blank
    write_row = functools.partial(write_whole_row, ws)  # (row, col, values)
    amber_fill, amber_date = fills["coerced"], date_fills["coerced"]
    as_is = _rows_as_is(rows)
    for r, row in enumerate(rows):
        values = row if as_is else _plain_row(row)
        amber = filled.get(r)
        cells = flagged.get(r)
        if not amber and not cells:
            write_row(r, 0, values)
            continue
        n = len(values)
        start = 0
        if not cells:  # coerced cells only (nearly every marked row): already in order
            for c in amber or ():
                if c < n:
                    if c > start:
                        write_row(r, start, values[start:c])
                    v = values[c]
                    write(r, c, v, amber_date if isinstance(v, dt.date) else amber_fill)
                    start = c + 1
                else:
                    write_blank(r, c, None, amber_fill)
            if start < n:
                write_row(r, start, values[start:] if start else values)
            continue
        # Errors or warnings too: every marked cell with its worst fill, by column.
        by_col: dict[int, Any] = {}
        for c in amber or ():
            if c not in cells:
                v = values[c] if c < n else None
                by_col[c] = amber_date if isinstance(v, dt.date) else amber_fill
        for c, recs in cells.items():
            worst = min((str(x["severity"]) for x in recs), key=_RANK.__getitem__)
            v = values[c] if c < n else None
            by_col[c] = (date_fills if isinstance(v, dt.date) else fills)[worst]
        # Every cell is written, flagged or not: a string cut to Excel's 32,767 characters
        # no longer leaves the cells after it empty (``write_whole_row``).
        for c, fmt in sorted(by_col.items()):
            if c < n:
                if c > start:
                    write_row(r, start, values[start:c])
                write(r, c, values[c], fmt)
                start = c + 1
            else:
                write_blank(r, c, None, fmt)
        if start < n:
            write_row(r, start, values[start:] if start else values)
        for c, recs in sorted(cells.items()):
            ws.write_comment(r, c, _comment_text(recs),
                             {"author": "jtai", "x_scale": 2.2, "y_scale": 1 + len(recs)})
    if sheet.hidden:
        ws.hide()
