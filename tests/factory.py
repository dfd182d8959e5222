"""A schema-driven row factory: a small ``Dataset`` in memory, no workbook on disk.

``dataset({"children_in_need": [{"Age of Child (Years)": 20}, {}]})`` reads list 6's YAML,
fills every cell not given with a valid value for its column (its type, code list, role,
rules and the list's period), and parses the rows as ``validate`` would (``parse_list``), so
a rule's unit test shows only the cells that matter to it. Each list gets a sheet of its own;
the child in row ``i`` is ``C{i + 1}`` unless the test gives an ID, so the same child is on
several lists with the same date of birth and gender.

The cells ``validate`` would read are built exactly as a sheet's cells: a header row, then
one row per dict, a value ``BLANK`` leaving a cell empty (``None`` would mean "fill it").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from conftest import AS_OF

from jtai_cli.reading import RawSheet
from jtai_cli.reporting import FindingsBuilder
from jtai_cli.schemas import Column, ListSchema, SchemaSet, load_schemas, normalise
from jtai_cli.validation import Dataset, _Match, parse_list

#: Put this in a row to leave the cell blank.
BLANK = object()
#: The default child's date of birth: 10 on the as-of date, under 18 on every date.
DOB = dt.date(2016, 3, 1)
#: The default date of an event (a contact, a start): well inside every look-back period.
EVENT = AS_OF - dt.timedelta(days=30)

Rows = Sequence[Mapping[str, Any]]


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _code(col: Column, schemas: SchemaSet, *, yes: bool = False) -> str:
    codes = schemas.codes_for(col)
    assert codes is not None, col.header
    values = list(codes.values)
    if col.role == "csa_flag" or yes:
        for v in values:  # Y for the CSA-FE flag, so the YOT/NPS and answers rules are quiet
            if normalise(codes.means(v)) in ("yes", "y"):
                return v
    return values[0]


def valid_row(schema: ListSchema, schemas: SchemaSet, i: int, as_of: dt.date = AS_OF,
              given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One row of valid values for every column (``given`` wins), by header."""
    given = dict(given or {})
    row: dict[str, Any] = {}
    period = schema.period
    for col in schema.columns:
        value: Any = None
        if col.role == "child_id":
            value = f"C{i + 1}"
        elif col.role == "date_of_birth":
            value = DOB
        elif col.role == "age":
            value = _age(DOB, as_of)
        elif col.type == "date":
            starts = period is not None and period.starts == col.header
            if starts or col.required or col.role == "start_date":
                value = as_of - (AS_OF - EVENT)
        elif col.type == "integer" and col.required:
            value = max(col.rules.at_least or 0, 0)
        elif col.type in ("code", "yes_no") and col.required and not col.rules.only_with:
            value = _code(col, schemas)
        elif col.type == "text" and col.required:
            value = "SW1A 1AA" if "postcode" in normalise(col.header) else "Team A"
        row[col.header] = value
    for header, value in given.items():
        if header not in row:
            raise KeyError(f"{schema.name} has no column '{header}'")
        row[header] = None if value is BLANK else value
    # A value that goes with another (an outcome with its date) is given when that one is.
    for col in schema.columns:
        other = col.rules.expected_with
        if (other and row.get(other) is not None and row[col.header] is None
                and col.header not in given):
            row[col.header] = (_code(col, schemas) if col.type in ("code", "yes_no")
                               else "Team A" if col.type == "text" else row[other])
    return row


def cells(
    name: str,
    rows: Rows = ({},),
    *,
    schemas: SchemaSet | None = None,
    as_of: dt.date = AS_OF,
    omit: Sequence[str] = (),
    extra: Mapping[str, Sequence[object]] | None = None,
) -> list[list[object]]:
    """A sheet's cells: the header row, then one row per dict (see ``parsed_list``)."""
    schemas = schemas or load_schemas()
    schema = schemas.lists[name]
    headers = [c.header for c in schema.columns if c.header not in omit]
    more = dict(extra or {})
    grid: list[list[object]] = [[*headers, *more]]
    for i, given in enumerate(rows):
        row = valid_row(schema, schemas, i, as_of, given)
        grid.append([row[h] for h in headers] + [v[i] for v in more.values()])
    return grid


def parsed_list(
    name: str,
    rows: Rows = ({},),
    *,
    schemas: SchemaSet | None = None,
    as_of: dt.date = AS_OF,
    omit: Sequence[str] = (),
    sheet: str | None = None,
    order: tuple[int, int] = (0, 0),
    findings: FindingsBuilder | None = None,
    extra: Mapping[str, Sequence[object]] | None = None,
) -> tuple[Any, Any]:
    """One list parsed from rows built by ``valid_row``: (``ParsedList``, ``SheetInfo``).

    ``omit``: headers left out of the sheet (a column the LA did not send); ``extra``: more
    columns after the list's own, header -> one cell per row (an unknown or repeated header).
    """
    schemas = schemas or load_schemas()
    schema = schemas.lists[name]
    grid = cells(name, rows, schemas=schemas, as_of=as_of, omit=omit, extra=extra)
    raw = RawSheet(file="memory.xlsx", name=sheet or schema.short_name or name, rows=grid)
    own = {c.header for c in schema.columns}
    match = _Match(schema, 0, {j: str(h) for j, h in enumerate(grid[0]) if h in own}, 1.0)
    return parse_list(raw, match, schemas, findings or FindingsBuilder(), order)


def dataset(
    lists: Mapping[str, Rows],
    *,
    schemas: SchemaSet | None = None,
    as_of: dt.date = AS_OF,
    omit: Mapping[str, Sequence[str]] | None = None,
    sheets: Mapping[str, str] | None = None,
    extra: Mapping[str, Mapping[str, Sequence[object]]] | None = None,
) -> Dataset:
    """A ``Dataset`` of these lists (schema name -> rows), as ``load_dataset`` would give.

    No rule has run yet; parsing's findings (coercions, codes not in the list) are in
    ``findings`` already, as they are for a real file.
    """
    schemas = schemas or load_schemas()
    findings = FindingsBuilder()
    parsed, infos = [], []
    for si, (name, rows) in enumerate(lists.items()):
        pl, info = parsed_list(name, rows, schemas=schemas, as_of=as_of,
                               omit=(omit or {}).get(name, ()),
                               sheet=(sheets or {}).get(name), order=(0, si), findings=findings,
                               extra=(extra or {}).get(name))
        parsed.append(pl)
        infos.append(info)
    return Dataset(files=["memory.xlsx"], as_of=as_of, lists=parsed, sheets=infos,
                   findings=findings, schemas=schemas)


def with_rules(schemas: SchemaSet, name: str, header: str, **rules: Any) -> SchemaSet:
    """A copy of ``schemas`` whose column ``header`` of list ``name`` has these rules changed."""
    schema = schemas.lists[name]
    columns = [c.model_copy(update={"rules": c.rules.model_copy(update=rules)})
               if c.header == header else c for c in schema.columns]
    lists = {**schemas.lists, name: schema.model_copy(update={"columns": columns})}
    return SchemaSet(lists, schemas.codes, schemas.code_lists, schemas.folder)


def findings(data: Dataset, rule: str | None = None) -> list[dict[str, Any]]:
    """The dataset's findings so far as dicts (``rule``: only that rule's)."""
    frame = data.findings.frame()
    out = frame.to_dict("records")
    return [f for f in out if rule is None or f["rule"] == rule]
