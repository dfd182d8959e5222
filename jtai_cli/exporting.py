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
import math
import re
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
from .reporting import ValidationReport, counted, group_findings
from .writing import sheet_ref, xlsx_output

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
    df = df[df["file"] == src] if len(df) else df
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
    filled: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    letters: dict[str, int] = {}
    for sheet, cell in zip(coerced["sheet"], coerced["cell"], strict=True):
        m = _CELL.match(cell) if isinstance(cell, str) else None
        if m is None or sheet not in titles:
            continue
        if m.group(1) not in letters:
            letters[m.group(1)] = column_index(m.group(1))
        filled[sheet][int(m.group(2)) - 1].add(letters[m.group(1)])

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
        for i, g in enumerate(_coerced_groups(coerced).to_dict("records"), start=1):
            sheet_c.write_row(i, 0, [_plain(v) for v in (
                g["sheet"], g["column"], g["message"], int(g["count"]), g["rule"])])
            _write_link(sheet_c, i, 5, _link(titles, g["sheet"], g["first_cell"]), link_fmt)
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
    if isinstance(v, dt.timedelta):
        return str(v)
    return v


def _copy_sheet(
    wb: Any, sheet: RawSheet, title: str,
    flagged: dict[int, dict[int, list[dict[str, Any]]]],
    filled: dict[int, set[int]],
    fills: dict[str, Any], date_fills: dict[str, Any],
) -> None:
    ws = wb.add_worksheet(title)
    rows = sheet.rows
    width = max((len(r) for r in rows[:50]), default=0)
    for c in range(width):
        ws.set_column(c, c, 14)
    for r, row in enumerate(rows):
        cells = flagged.get(r)
        amber = filled.get(r)
        if any(v != "" and v is not None for v in row):
            ws.write_row(r, 0, [_plain(v) for v in row])
        if amber:
            for c in sorted(amber - set(cells or ())):
                value = _plain(row[c]) if c < len(row) else None
                fmt = (date_fills if isinstance(value, dt.date | dt.datetime)
                       else fills)["coerced"]
                if value is None:
                    ws.write_blank(r, c, None, fmt)
                else:
                    ws.write(r, c, value, fmt)
        if not cells:
            continue
        for c, recs in sorted(cells.items()):
            worst = min((str(x["severity"]) for x in recs), key=_RANK.__getitem__)
            value = _plain(row[c]) if c < len(row) else None
            is_date = isinstance(value, dt.date | dt.datetime)
            fmt = (date_fills if is_date else fills)[worst]
            if value is None:
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write(r, c, value, fmt)
            ws.write_comment(r, c, _comment_text(recs),
                             {"author": "jtai", "x_scale": 2.2, "y_scale": 1 + len(recs)})
    if sheet.hidden:
        ws.hide()
