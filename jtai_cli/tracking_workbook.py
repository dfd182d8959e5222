"""Write the tracking workbook: an index of the tracked children, then one Annex B sheet each.

``tracking`` decides what goes on each sheet; this module lays it out, through jtai's one xlsx
writer (text stays text: a child ID that starts with '=' is never a formula).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .writing import xlsx_output

__all__ = ["GAP", "Item", "write_tracking_sheets"]

#: One row of a child's sheet: (label, value, yellow for the inspector, row height, section
#: heading). A negative height is a gap row.
Item = tuple[str, object, bool, float, bool]
#: A gap between sections.
GAP: Item = ("", None, False, -1.0, False)


def write_tracking_sheets(
    output: str | Path, protected: Sequence[str | Path], intro: str,
    index_rows: Sequence[tuple[str, str, str]],
    sheets: Sequence[tuple[str, Sequence[Item]]],
) -> None:
    """Write the index sheet and one Annex B sheet per child (xlsx_output: text is text)."""
    with xlsx_output(output, protected) as wb:
        title_fmt = wb.add_format({"bold": True, "font_size": 14})
        bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        cell = {(head, fill): wb.add_format({
            "text_wrap": True, "valign": "top", "border": 1, "border_color": "#999999",
            "bold": head and not fill, **({"bg_color": "#DDEBF7"} if head else {}),
            **({"bg_color": "#FFF2CC"} if fill else {})})
            for head in (False, True) for fill in (False, True)}
        label_fmt = {head: wb.add_format({
            "text_wrap": True, "valign": "top", "border": 1, "border_color": "#999999",
            "bold": head, **({"bg_color": "#DDEBF7"} if head else {})})
            for head in (False, True)}
        link_fmt = wb.add_format({"font_color": "blue", "underline": 1})

        index = wb.add_worksheet("Tracked children")
        index.write_string(0, 0, "Children tracked (Annex B tracking tool)", title_fmt)
        index.merge_range(1, 0, 1, 2, intro, wrap)
        index.set_row(1, 45)
        index.write_row(3, 0, ["Case number", "Lists", "Sheet"], bold)
        index.set_column(0, 0, 18)
        index.set_column(1, 1, 60)
        index.set_column(2, 2, 24)
        index.fit_to_pages(1, 0)
        for r, (child_id, lists, title) in enumerate(index_rows, start=4):
            index.write_string(r, 0, child_id)
            index.write_string(r, 1, lists)
            target = title.replace("'", "''")
            index.write_url(r, 2, f"internal:'{target}'!A1", link_fmt, string=title)

        for title, items in sheets:
            ws = wb.add_worksheet(title)
            ws.set_column(0, 0, 48)
            ws.set_column(1, 1, 95)
            ws.write_string(0, 0, "Tool for tracking children's experiences (Annex B)",
                            title_fmt)
            ws.write_string(1, 0, "Joint targeted area inspection: child sexual abuse in the "
                                  "family environment. Yellow cells are for the inspector.")
            r = 3
            for label, value, fill, height, head in items:
                if height < 0:  # a gap row
                    r += 1
                    continue
                ws.write_string(r, 0, label, label_fmt[head])
                fmt = cell[(head, fill)]
                if value is None:
                    ws.write_blank(r, 1, None, fmt)
                else:
                    ws.write_string(r, 1, str(value), fmt)
                if height:
                    ws.set_row(r, height)
                r += 1
            ws.freeze_panes(1, 0)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
