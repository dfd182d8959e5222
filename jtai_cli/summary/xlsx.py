"""The summary tables as a workbook, through jtai's one xlsx writer (text stays text)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jtai_cli.excel_names import safe_sheet_name
from jtai_cli.parsing import fmt_date
from jtai_cli.writing import xlsx_output

from .disclosure import NOT_PREVALENCE, SYMBOLS, plain

if TYPE_CHECKING:  # the type only: results imports this module to write
    from .results import Summary

_SHEETS = {
    "by_list": "By list", "by_age": "By age", "by_gender": "By gender",
    "by_ethnicity": "By ethnicity", "by_disability": "By disability", "by_team": "By team",
    "legal_status": "Legal status (list 8)", "primary_need": "Primary need (list 6)",
    "category_of_abuse": "Category of abuse (list 7)",
    "sexual_abuse_category": "Sexual abuse category", "journey": "Journey",
    "additional": "Additional fields", "trend": "Trend",
}


def _sheet_name(title: str, used: set[str]) -> str:
    name = safe_sheet_name(title, used)
    used.add(name.lower())
    return name


def write_xlsx(s: Summary, path: Path, inputs: Iterable[str | Path]) -> Path:
    """The summary tables as a workbook, through jtai's one xlsx writer (text stays text).

    Labels come from the lists (a team name may start with '='): written as text, never as
    a formula.
    """
    rows: list[list[object]] = [
        ["Children at risk of or subject to sexual abuse in the family environment"],
        [NOT_PREVALENCE],
        ["Data as at", fmt_date(s.as_of)],
        ["Snapshots", ", ".join(fmt_date(x.as_of) for x in s.snapshots)],
        ["Files", ", ".join(Path(f).name for f in s.files)],
        ["Small numbers", "suppressed (<5 and [c])" if s.suppressed
         else "NOT suppressed: internal use only"],
        [],
    ]
    rows += [[k, v] for k, v in SYMBOLS.items() if s.suppressed or k == "-"]
    rows += [[]] + [["Note", n] for n in s.notes]
    rows += [[]] + [["Sheet", "Table"]]
    used = {"about"}
    names = {name: _sheet_name(_SHEETS.get(name, t.title), used) for name, t in s.tables.items()}
    rows += [[names[n], t.title] for n, t in s.tables.items()]

    with xlsx_output(path, list(inputs)) as wb:
        bold = wb.add_format({"bold": True})
        head = wb.add_format({"bold": True, "bg_color": "#F3F2F1"})
        right = wb.add_format({"align": "right"})
        right_1dp = wb.add_format({"align": "right", "num_format": "0.0"})
        bold_right = wb.add_format({"align": "right", "bold": True})
        bold_right_1dp = wb.add_format({"align": "right", "bold": True, "num_format": "0.0"})

        def put(ws: Any, r: int, c: int, v: object, fmt: Any = None) -> None:
            if v is None:
                if fmt is not None:
                    ws.write_blank(r, c, None, fmt)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v, fmt)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v, fmt)
            else:
                ws.write_string(r, c, str(v), fmt)

        about = wb.add_worksheet("About")
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                put(about, r, c, plain(v))
        about.write_string(0, 0, str(rows[0][0]), wb.add_format({"bold": True, "font_size": 14}))
        about.set_column(0, 0, 24)
        about.set_column(1, 1, 100)

        for name, t in s.tables.items():
            ws = wb.add_worksheet(names[name])
            ws.write_string(0, 0, t.title, wb.add_format({"bold": True, "font_size": 13}))
            ws.write_string(1, 0, t.description)
            header = [t.frame.index.name or "", *[str(c) for c in t.frame.columns]]
            for c, v in enumerate(header):
                ws.write_string(3, c, v, head)
            for r, (label, values) in enumerate(t.frame.iterrows(), start=4):
                total = label == t.total_row
                ws.write_string(r, 0, str(label), bold if total else None)
                for c, v in enumerate(values, start=1):
                    if isinstance(v, float):
                        fmt = bold_right_1dp if total else right_1dp
                    else:
                        fmt = bold_right if total else right
                    put(ws, r, c, "-" if v is None else plain(v), fmt)
            ws.set_column(0, 0, max(18, min(60, max(
                len(str(x)) for x in [header[0], *t.frame.index]) + 2)))
            for j, col in enumerate(t.frame.columns, start=1):
                ws.set_column(j, j, max(10, len(str(col)) + 2))
            ws.freeze_panes(4, 1)
    return path
