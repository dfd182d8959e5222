"""Write the annotated copy of a checked workbook.

The copy keeps every original sheet and value; bad cells are filled red, coerced cells amber and
cells with a warning orange, each with a comment giving the rule and what was expected, and a
first sheet ``Issues`` lists every finding with a link to its cell. The input is never touched:
the copy is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from ._files import atomic_write, check_output
from .errors import OutputRefused
from .reading import read_workbook, sniff_kind
from .reporting import ValidationReport

FILLS = {"error": "FFC7CE", "warning": "F8CBAD", "coerced": "FFEB9C"}
_RANK = {"error": 0, "warning": 1, "coerced": 2}
_ISSUE_HEADERS = ["Sheet", "Row", "Column", "Severity", "Rule", "Message", "Expected", "Value",
                  "Go to cell"]
_BAD_TITLE = re.compile(r"[\[\]\*\?/\\:]")
EXCEL_MAX_ROWS = 1_048_576


def export_annotated_workbook(
    report: ValidationReport, output: str | Path
) -> list[Path]:
    """Write a highlighted, commented copy of each checked file.

    Args:
        report: what ``validate_workbook`` returned.
        output: the copy's path (.xlsx); with several input files, a folder that receives
            one ``<name>.checked.xlsx`` per input.

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
                "with several input files, --report must be an existing folder: one "
                "highlighted copy is written per file",
                file=out,
            )
        targets = [(f, out / f"{Path(f).stem}.checked.xlsx") for f in report.files]
    written = []
    for src, dest in targets:
        check_output(dest, report.files)
        written.append(_annotate_one(report, src, dest))
    return written


def _load_copy(src: str):  # type: ignore[no-untyped-def]
    import openpyxl

    path = Path(src)
    with path.open("rb") as fh:
        head = fh.read(8192)
    if sniff_kind(path, head) == "zip" and path.suffix.lower() in (".xlsx", ".xlsm"):
        return openpyxl.load_workbook(path, keep_vba=False, keep_links=False)
    # .xls, .ods and CSV: rebuild the sheets cell for cell from what was read.
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in read_workbook(path).sheets:
        ws = wb.create_sheet(_safe_title(sheet.name, wb.sheetnames))
        for r, row in enumerate(sheet.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is None or v == "":
                    continue
                cell = ws.cell(r, c, v)
                if isinstance(v, dt.date | dt.datetime):
                    cell.number_format = "DD/MM/YYYY"
        if sheet.hidden:
            ws.sheet_state = "hidden"
    return wb


def _safe_title(name: str, taken: list[str]) -> str:
    base = _BAD_TITLE.sub("_", name)[:31] or "Sheet"
    title, n = base, 2
    while title in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    return title


def _annotate_one(report: ValidationReport, src: str, dest: Path) -> Path:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = _load_copy(src)
    df = report.findings[report.findings["file"] == src] if len(report.findings) else (
        report.findings)
    # For CSV and .xls copies the sheet title may have been made safe for Excel.
    title_of = {name: name for name in wb.sheetnames}
    for s in report.sheets:
        if s.file == src and s.sheet not in title_of:
            title_of[s.sheet] = _safe_title(s.sheet, [])

    # One comment per cell, however many findings it has; the worst severity picks the fill.
    by_cell: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    links: list[str | None] = []
    records = df.to_dict("records")
    for rec in records:
        sheet, row = str(rec["sheet"]), rec["row"]
        link = None
        if sheet in title_of and row is not None and not pd.isna(row):
            cell_ref = rec["cell"] or f"A{int(row)}"  # a finding about a whole row: column A
            by_cell[(sheet, cell_ref)].append(rec)
            link = f"'{title_of[sheet]}'!{cell_ref}"
        links.append(link)

    fills = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in FILLS.items()}
    for (sheet, cell_ref), recs in by_cell.items():
        cell = wb[title_of[sheet]][cell_ref]
        worst = min((str(r["severity"]) for r in recs), key=_RANK.__getitem__)
        cell.fill = fills[worst]
        text = "\n".join(
            f"{r['severity'].upper()} ({r['rule']}): {r['message']}"  # type: ignore[union-attr]
            + (f". Expected: {r['expected']}" if r["expected"] else "")
            for r in recs
        )
        comment = Comment(text, "jtai")
        comment.width, comment.height = 320, min(60 + 40 * len(recs), 400)
        cell.comment = comment

    title = _safe_title("Issues", wb.sheetnames)
    ws = wb.create_sheet(title, 0)
    ws.append(_ISSUE_HEADERS)
    for c in ws[1]:
        c.font = Font(bold=True)
    limit = EXCEL_MAX_ROWS - 2
    for i, (rec, link) in enumerate(zip(records, links, strict=True)):
        if i >= limit:
            ws.append([f"... and {len(records) - limit} more findings: see the JSON report"])
            break
        row = rec["row"]
        ws.append([
            rec["sheet"], None if row is None or pd.isna(row) else int(row), rec["column"],
            rec["severity"], rec["rule"], rec["message"], rec["expected"], rec["value"],
            link.split("!")[1] if link else None,
        ])
        if link:
            cell = ws.cell(ws.max_row, len(_ISSUE_HEADERS))
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=link)
            cell.style = "Hyperlink"
    if not records:
        ws.append(["No findings: every list passed every check."])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(_ISSUE_HEADERS))}{max(ws.max_row, 2)}"
    for letter, width in zip("ABCDEFGHI", (18, 7, 30, 9, 22, 70, 35, 20, 11), strict=True):
        ws.column_dimensions[letter].width = width
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    with atomic_write(dest, report.files) as tmp:
        wb.save(tmp)
    return dest
