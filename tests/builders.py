"""Build small workbooks in a few lines, so each test shows the cells that matter."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

Rows = Sequence[Sequence[Any]]


def make_workbook(
    tmp_path: Path,
    sheets: dict[str, Rows],
    *,
    name: str = "lists.xlsx",
    title_rows: int = 0,
) -> Path:
    """Write an .xlsx with one sheet per entry; ``title_rows`` blank-ish title rows go above."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet_name, rows in sheets.items():
        ws = wb.create_sheet(sheet_name)
        for i in range(title_rows):
            ws.append([f"{sheet_name}: title row {i + 1}"])
        for row in rows:
            ws.append(list(row))
    path = tmp_path / name
    wb.save(path)
    return path


def make_csv(tmp_path: Path, name: str, rows: Rows, *, encoding: str = "utf-8") -> Path:
    """Write a CSV file in the given encoding (utf-8-sig for Excel's 'CSV UTF-8')."""
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path
