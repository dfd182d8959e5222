"""Scan an OpenDocument spreadsheet's content.xml: each table's used area and formula cells.

The reader makes every repeated cell a cell of its own (1.1 KB can repeat a value over 33
million cells), so repeats are counted out here; the parser refuses DTDs and entities.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from jtai_cli.excel_names import column_letter

from . import limits
from .limits import _Scan
from .refusals import _damaged, _entities, _too_many_cells, _too_many_elements, _too_many_sheets


class _Refused(Exception):
    """Raised inside expat handlers to stop the parse."""


@dataclass
class _OdsPosition:
    """Where the ODS scan is: row and column (0-based), rows repeated, the open cell."""

    row: int = 0
    col: int = 0
    rrep: int = 1
    cell: tuple[int, int, int] | None = None  # (row, column, columns repeated)


def _scan_ods(p: Path, stream: Iterator[bytes]) -> dict[str, _Scan]:
    """Used area and formula cells of each table in an ODS content.xml."""
    ns_table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    ns_office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    scans: dict[str, _Scan] = {}
    cur: list[_Scan | None] = [None]  # the table being read
    pos = _OdsPosition()

    def refuse(*_args: object) -> None:
        raise _Refused("dtd")

    def start(name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition("|")
        scan = cur[0]
        if ns == ns_table and local == "table":
            s = _Scan()
            name = attrs.get(f"{ns_table}|name", f"Sheet{len(scans) + 1}")
            if name in scans:  # one name, two tables: only one would be counted
                raise _damaged(p, f"two sheets are named '{name}'")
            if len(scans) >= limits.MAX_SHEETS:
                raise _too_many_sheets(p)
            scans[name] = s
            cur[0] = s
            pos.row, pos.col, pos.rrep = 0, 0, 1
            return
        if scan is None:
            return
        if ns == ns_table and local == "table-row":
            pos.rrep = _repeat(attrs.get(f"{ns_table}|number-rows-repeated"))
            pos.col = 0
            return
        if ns == ns_table and local in ("table-cell", "covered-table-cell"):
            crep = _repeat(attrs.get(f"{ns_table}|number-columns-repeated"))
            col, row = pos.col, pos.row
            pos.col = col + crep
            has_value = f"{ns_office}|value-type" in attrs
            pos.cell = None if has_value else (row, col, crep)
            if has_value:
                _grow_ods(scan, row, col, crep, pos.rrep)
            if f"{ns_table}|formula" in attrs:
                scan.formula_count += 1
                if len(scan.formulas) < limits.FORMULA_CELLS_KEPT:
                    scan.formulas.append((row + 1, col))
            return
        if pos.cell is not None:  # text inside a cell: the cell holds something
            row, col, crep = pos.cell
            _grow_ods(scan, row, col, crep, pos.rrep)
            pos.cell = None  # counted once

    def end(name: str) -> None:
        ns, _, local = name.rpartition("|")
        if ns == ns_table and local == "table-row":
            pos.row += pos.rrep
            pos.rrep = 1
        elif ns == ns_table and local in ("table-cell", "covered-table-cell"):
            pos.cell = None
        elif ns == ns_table and local == "table":
            cur[0] = None

    parser = expat.ParserCreate(namespace_separator="|")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        for chunk in stream:
            parser.Parse(chunk, False)
            if sum(s.area for s in scans.values()) > limits.MAX_CELLS:
                raise _too_many_cells(p, scans)
            cells = sum(s.cells for s in scans.values())
            if cells > limits.MAX_ODS_CELLS:
                raise _too_many_elements(p, None, cells, limits.MAX_ODS_CELLS)
        parser.Parse(b"", True)
    except _Refused:
        raise _entities(p, "part 'content.xml'") from None
    except expat.ExpatError:
        raise _damaged(p, "its content.xml is not valid XML") from None
    return scans


def _repeat(value: str | None) -> int:
    try:
        n = int(value) if value else 1
    except ValueError:
        return 1
    return max(1, n)


def _grow_ods(scan: _Scan, row: int, col: int, crep: int, rrep: int) -> None:
    # The reader makes each repeat a cell of its own: count what the repeats expand to.
    scan.cells += crep * rrep
    last_row, last_col = row + rrep, col + crep
    if last_row > scan.max_row:
        scan.max_row = last_row
        scan.far_row = f"{column_letter(col)}{last_row}"
    if last_col > scan.max_col:
        scan.max_col = last_col
        scan.far_col = f"{column_letter(last_col - 1)}{row + 1}"
