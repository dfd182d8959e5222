"""Merge lists from several files into one workbook in the standard layout, losing no row.

The performance team assembles the return from many sources: lists 6-8 from the case-management
system, the YOT list from the youth offending team, the NPS list from probation, one CSV per list,
or last week's workbook plus today's extract. ``merge_workbooks`` reads them all as ``validate``
does, stacks the rows of each list in the order the files were given, and accounts for every
input row:

- a row identical in every column to an earlier row of the same list is an *exact duplicate*: it
  is removed and counted, and the Sources sheet says which row it duplicated;
- two different rows for the same child on a one-row-per-child list (lists 6, 7 and 8, YOT, NPS)
  are a *conflict*: both are kept and reported, because only the user can say which is right;
- every other row is *kept*.

So for every list, rows in = rows out + exact duplicates removed. The merged workbook is then
validated and the report carried in the result.

Values are compared and written in their canonical form ("Yes" on a Y/N column is written "Y",
"N1 Abuse or neglect" is written "N1 - Abuse or neglect"). A value that could not be read at all
is kept as it was written, so the merged workbook's own check shows it where it now sits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._files import shown, still_ours
from .errors import OutputRefused, SheetMissing, UsageError
from .extraction import AsOf
from .parsing import ERROR, fmt_date, show
from .reporting import SCHEMA_VERSION, ValidationReport
from .schemas import ListSchema, SchemaSet
from .validation import Dataset, ParsedList, load_dataset, validate_workbook
from .writing import ExtraSheet, sheet_title, write_lists_workbook

#: First Excel row of data in the standard layout (title in row 1, headers in row 2).
FIRST_DATA_ROW = 3
KEPT, DUPLICATE, CONFLICT = "kept", "duplicate", "conflict"


# --------------------------------------------------------------------------- result values


@dataclass(frozen=True)
class RowRef:
    """Where a row was read: file, sheet and the Excel row number the user sees."""

    file: str
    sheet: str
    row: int

    def __str__(self) -> str:
        return f"{Path(self.file).name}, sheet '{self.sheet}', row {self.row}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"file": self.file, "sheet": self.sheet, "row": self.row}


@dataclass(frozen=True)
class RowOutcome:
    """What happened to one input row.

    Attributes:
        list: the list's schema name.
        source: where the row was read.
        child_id: the child's ID as written in the output, if any.
        outcome: "kept", "duplicate" (removed) or "conflict" (kept, and reported).
        output_row: the Excel row it was written to on the list's sheet; None if removed.
        duplicate_of: for a duplicate, the row it repeats.
        conflicts_with: for a conflict, the other rows for the same child.
    """

    list: str
    source: RowRef
    child_id: str | None
    outcome: str
    output_row: int | None
    duplicate_of: RowRef | None = None
    conflicts_with: tuple[RowRef, ...] = ()

    def describe(self) -> str:
        """Plain words for the Sources sheet."""
        if self.outcome == DUPLICATE:
            assert self.duplicate_of is not None
            return f"removed: exact duplicate of {self.duplicate_of}"
        if self.outcome == CONFLICT:
            others = "; ".join(str(r) for r in self.conflicts_with)
            return f"kept, in conflict with {others}: same child, different values"
        return "kept"


@dataclass(frozen=True)
class ListAccounting:
    """Row counts of one list: rows in = rows out + exact duplicates removed."""

    list: str
    title: str
    sheet: str
    rows_in: int
    rows_out: int
    duplicates_removed: int
    rows_in_conflict: int
    inputs: tuple[tuple[str, str, int], ...]

    @property
    def balanced(self) -> bool:
        """True when every input row is either written or counted as a duplicate."""
        return self.rows_in == self.rows_out + self.duplicates_removed

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "title": self.title, "sheet": self.sheet, "rows_in": self.rows_in,
            "rows_out": self.rows_out, "duplicates_removed": self.duplicates_removed,
            "rows_in_conflict": self.rows_in_conflict, "balanced": self.balanced,
            "inputs": [{"file": f, "sheet": s, "rows": n} for f, s, n in self.inputs],
        }


@dataclass(frozen=True)
class Conflict:
    """Two or more different rows for one child on a one-row-per-child list (all kept)."""

    list: str
    child_id: str
    rows: tuple[RowRef, ...]
    output_rows: tuple[int, ...]
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "list": self.list, "child_id": self.child_id, "columns": list(self.columns),
            "rows": [{**r.to_dict(), "output_row": o}
                     for r, o in zip(self.rows, self.output_rows, strict=True)],
        }


@dataclass(frozen=True)
class UnreadableCell:
    """A value that could not be read as its column's type; ``kept`` says if it was written."""

    list: str
    source: RowRef
    column: str
    value: str
    kept: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"list": self.list, **self.source.to_dict(), "column": self.column,
                "value": self.value, "kept": self.kept}


@dataclass(frozen=True)
class MergeResult:
    """Everything ``merge_workbooks`` did, and the check of what it wrote.

    Attributes:
        files: the inputs, as given.
        output: the workbook written.
        as_of: the date the lists are as at.
        lists: row accounting per list, in guidance order.
        rows: one outcome per input row, in input order.
        conflicts: children with different rows on a one-row-per-child list.
        unreadable: values that could not be read (kept as written where the column allows).
        notes: plain sentences about what else the user should know (sheets not merged,
            columns not carried over, list 8 in two forms).
        validation: the report on the merged workbook.
        list_dates: each list's date or window (by list name), as written in its title.
    """

    files: tuple[str, ...]
    output: Path
    as_of: dt.date
    lists: tuple[ListAccounting, ...]
    rows: tuple[RowOutcome, ...]
    conflicts: tuple[Conflict, ...]
    unreadable: tuple[UnreadableCell, ...]
    notes: tuple[str, ...]
    validation: ValidationReport
    list_dates: Mapping[str, AsOf] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when the merged workbook has no errors."""
        return self.validation.valid

    @property
    def duplicates(self) -> tuple[RowOutcome, ...]:
        """The input rows removed as exact duplicates."""
        return tuple(r for r in self.rows if r.outcome == DUPLICATE)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: what ``jtai merge --format json`` prints."""
        return {
            "schema_version": SCHEMA_VERSION,
            "valid": self.valid,
            "output": str(self.output),
            "files": list(self.files),
            "as_of": self.as_of.isoformat(),
            "lists_as_of": {name: {"from": a.first.isoformat(), "to": a.last.isoformat(),
                                   "source": a.source} for name, a in self.list_dates.items()},
            "accounting": {a.list: a.to_dict() for a in self.lists},
            "duplicates": [{"list": r.list, **r.source.to_dict(),
                            "duplicate_of": r.duplicate_of.to_dict() if r.duplicate_of else None}
                           for r in self.duplicates],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "unreadable": [u.to_dict() for u in self.unreadable],
            "notes": list(self.notes),
            "validation": self.validation.to_dict(),
        }


# --------------------------------------------------------------------------- cells of a list


def present_columns(schema: ListSchema, parts: Sequence[ParsedList]) -> list[str]:
    """The schema's columns found in at least one of the parts, in schema order."""
    found = {h for pl in parts for h in pl.positions}
    return [c.header for c in schema.columns if c.header in found]


def list_cells(
    pl: ParsedList, columns: Sequence[str], *, text_in_numbers: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[int, str, str, bool]]]:
    """One list's rows as values to write, and as values to compare.

    A value that was read is in its canonical typed form. A value that could not be read is
    written as it was typed, except on a number column (the workbook writer takes numbers only
    there; ``text_in_numbers`` lifts that, for CSV), where it is left blank; either way it is
    listed in the third return value as (row position, column, text as written, kept). The
    comparison frame always holds the text as written, so two rows that differ only in
    unreadable values are not duplicates.

    Returns:
        (values to write, values to compare, unreadable cells).
    """
    write: dict[str, pd.Series] = {}
    compare: dict[str, pd.Series] = {}
    unreadable: list[tuple[int, str, str, bool]] = []
    for header in columns:
        typed = pl.typed[header]
        parsed = pl.parsed.get(header)
        bad = np.flatnonzero(parsed.state == ERROR) if parsed is not None else np.array([], int)
        if not len(bad):
            write[header] = typed
            compare[header] = typed
            continue
        kind = pl.schema.column(header).type
        texts = [show(v) for v in pl.raw[header][bad]]
        cmp = typed.astype(object).where(typed.notna(), None)
        cmp.iloc[bad] = [f"\x00{t}" for t in texts]  # never equal to a value that was read
        compare[header] = cmp
        kept = text_in_numbers or kind != "integer"
        if kept:
            out = typed.astype(object).where(typed.notna(), None)
            out.iloc[bad] = texts
            write[header] = out
        else:
            write[header] = typed
        unreadable.extend((int(i), header, t, kept) for i, t in zip(bad, texts, strict=True))
    index = pd.RangeIndex(len(pl.typed))
    return (pd.DataFrame(write, index=index, columns=list(columns)),
            pd.DataFrame(compare, index=index, columns=list(columns)), unreadable)


def _row_codes(frames: Sequence[pd.DataFrame], columns: Sequence[str]) -> np.ndarray:
    """An integer matrix with one row per input row: equal rows have equal codes."""
    n = sum(len(f) for f in frames)
    codes = np.zeros((n, max(len(columns), 1)), dtype=np.int64)
    for j, header in enumerate(columns):
        values = np.empty(n, dtype=object)
        at = 0
        for f in frames:
            col = f[header]
            vals = np.array(col.astype(object).to_numpy(), dtype=object)
            mask = col.isna().to_numpy()
            vals[mask] = None
            values[at:at + len(f)] = vals
            at += len(f)
        codes[:, j], _ = pd.factorize(values, use_na_sentinel=False)
    return codes


# --------------------------------------------------------------------------- merging one list


@dataclass
class _Merged:
    frame: pd.DataFrame
    accounting: ListAccounting
    outcomes: list[RowOutcome]
    conflicts: list[Conflict]
    unreadable: list[UnreadableCell]


def merge_list(schema: ListSchema, parts: Sequence[ParsedList], sheet: str) -> _Merged:
    """Stack the parts of one list, remove exact duplicates, find conflicts; account for all."""
    columns = present_columns(schema, parts)
    id_col = schema.by_role("child_id")
    assert id_col is not None
    write_frames, cmp_frames, refs, keys, ids = [], [], [], [], []
    unreadable: list[UnreadableCell] = []
    for pl in parts:
        w, c, bad = list_cells(pl, columns)
        write_frames.append(w)
        cmp_frames.append(c)
        part_refs = [RowRef(pl.file, pl.sheet, int(r)) for r in pl.excel_rows]
        refs.extend(part_refs)
        keys.extend(pl.keys.tolist())
        ids.extend(pl.typed[id_col.header].tolist())
        unreadable.extend(UnreadableCell(schema.name, part_refs[i], pl.written.get(h, h), t, k)
                          for i, h, t, k in bad)
    n = len(refs)

    # Exact duplicates: the first of each group of equal rows is kept.
    codes = _row_codes(cmp_frames, columns)
    if n:
        _, first, inverse = np.unique(codes, axis=0, return_index=True, return_inverse=True)
        first_of = first[inverse.reshape(-1)]
    else:
        first_of = np.zeros(0, dtype=np.int64)
    is_dup = first_of != np.arange(n)
    kept_pos = np.flatnonzero(~is_dup)
    kept_list = [int(p) for p in kept_pos]
    output_row = {p: FIRST_DATA_ROW + i for i, p in enumerate(kept_list)}

    # Conflicts: different kept rows for the same child on a one-row-per-child list.
    groups: dict[str, list[int]] = {}
    if schema.one_row_per_child:
        for p in kept_list:
            key = keys[p]
            if isinstance(key, str):
                groups.setdefault(key, []).append(p)
    conflicts: list[Conflict] = []
    partners: dict[int, tuple[RowRef, ...]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        differ = tuple(h for j, h in enumerate(columns)
                       if len({int(codes[p, j]) for p in members}) > 1)
        conflicts.append(Conflict(schema.name, str(ids[members[0]]),
                                  tuple(refs[p] for p in members),
                                  tuple(output_row[p] for p in members), differ))
        for p in members:
            partners[p] = tuple(refs[q] for q in members if q != p)

    outcomes: list[RowOutcome] = []
    for p in range(n):
        child = ids[p] if isinstance(ids[p], str) else None
        if is_dup[p]:
            outcomes.append(RowOutcome(schema.name, refs[p], child, DUPLICATE, None,
                                       duplicate_of=refs[int(first_of[p])]))
        elif p in partners:
            outcomes.append(RowOutcome(schema.name, refs[p], child, CONFLICT, output_row[p],
                                       conflicts_with=partners[p]))
        else:
            outcomes.append(RowOutcome(schema.name, refs[p], child, KEPT, output_row[p]))

    if write_frames:
        stacked = pd.concat(write_frames, ignore_index=True)
        frame = stacked.iloc[kept_pos].reset_index(drop=True)
    else:
        frame = pd.DataFrame(columns=columns)
    accounting = ListAccounting(
        list=schema.name, title=schema.title, sheet=sheet, rows_in=n, rows_out=len(kept_pos),
        duplicates_removed=int(is_dup.sum()), rows_in_conflict=len(partners),
        inputs=tuple((pl.file, pl.sheet, len(pl.typed)) for pl in parts),
    )
    return _Merged(frame, accounting, outcomes, conflicts, unreadable)


# --------------------------------------------------------------------------- notes


#: How a merge note names each form of a list with two layouts (a schema's ``form``).
_FORM_WORDS = {"full": "the full ILACS list", "reduced": "the reduced JTAI list"}


def _and(items: Sequence[str]) -> str:
    """"a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _notes(data: Dataset, merged: dict[str, _Merged], titles: dict[str, str]) -> list[str]:
    notes: list[str] = []
    for info in data.sheets:
        where = f"{Path(info.file).name}, sheet '{info.sheet}'"
        if info.list is None:
            # An empty sheet or a template guidance tab holds no rows: nothing to account for.
            if info.note and (info.note == "empty sheet" or info.note.startswith("template")):
                continue
            notes.append(f"{where} was not merged: {info.note or 'it is not a list'}.")
        elif info.unknown_columns:
            unknown: list[str] = info.unknown_columns
            cols = ", ".join(f"'{c.strip()}'" for c in unknown)
            notes.append(f"{where}: column(s) {cols} are not columns of the list and were not "
                         "carried over.")
    dates = data.dates_of(merged)
    if data.as_of_source == "given":
        notes.append(f"Every list was checked as at {fmt_date(data.as_of)}, the date given "
                     "(--as-of), and its sheet's title says so.")
    else:
        said = [f"{_and([titles[n] for n, b in dates.items() if b == a])}: {a.describe()} "
                f"({a.source})" for a in dict.fromkeys(dates.values())]
        notes.append("Each list was checked on its own extraction (a list's own 'as at' title, "
                     "else the window from the latest event of the lists due on the same day "
                     "to the file's saved date), and its sheet's title says so ('data as at' "
                     "one date, 'data extracted' a window): " + "; ".join(said) + ". Give "
                     "--as-of to set one date for every list.")
    schemas = data.schemas
    for name in merged:
        forms = [n for n in schemas.forms_of(name) if n in merged]
        if len(forms) < 2 or forms[0] != name:
            continue
        keys = [{k for pl in data.of(n) for k in pl.keys.dropna()} for n in forms]
        on_all = set.intersection(*keys)
        said = [_FORM_WORDS.get(f or "", f"the {f} form") for f in
                (schemas.lists[n].form for n in forms)]
        sheets = [f"'{titles[n]}'" for n in forms]
        both = "both" if len(forms) == 2 else "all"
        notes.append(
            f"{schemas.lists[name].label} came in {'both' if len(forms) == 2 else 'several'} "
            f"forms, {_and(said)}: their columns differ, so each is on its own sheet "
            f"({_and(sheets)}). "
            + (f"{len(on_all)} child(ren) are on {both}: check they agree." if on_all
               else f"No child is on {both}.")
        )
    lost = [u for m in merged.values() for u in m.unreadable if not u.kept]
    if lost:
        notes.append(f"{len(lost)} number(s) could not be read and are blank in the merged "
                     "workbook: the Sources sheet lists each with its value as written.")
    return notes


def sources_sheet(result_lists: Sequence[ListAccounting], rows: Sequence[RowOutcome],
                  unreadable: Sequence[UnreadableCell], notes: Sequence[str],
                  files: Sequence[str]) -> list[list[object]]:
    """The rows of the Sources sheet: the accounting per list, notes, then every input row."""
    out: list[list[object]] = [
        ["Sources: where every row of this workbook came from"],
        ["Merged from: " + "; ".join(map(shown, files))],
        ["For every list, rows in = rows out + exact duplicates removed. Rows in conflict are "
         "kept (on the list's sheet) for you to decide which is right."],
        [],
        ["List", "Sheet", "Rows in", "Rows out", "Exact duplicates removed", "Rows in conflict",
         "Check"],
    ]
    for a in result_lists:
        check = (f"{a.rows_in} = {a.rows_out} + {a.duplicates_removed}" if a.balanced
                 else f"DOES NOT BALANCE: {a.rows_in} in, {a.rows_out} out, "
                      f"{a.duplicates_removed} removed")
        out.append([a.title, a.sheet, a.rows_in, a.rows_out, a.duplicates_removed,
                    a.rows_in_conflict, check])
    if notes:
        note_rows: list[list[object]] = [[n] for n in notes]
        out += [[], ["Notes"], *note_rows]
    if unreadable:
        out += [[], ["Values that could not be read"],
                ["File", "Sheet", "Row", "Column", "Value as written", "In the merged workbook"]]
        out += [[shown(u.source.file), u.source.sheet, u.source.row, u.column, u.value,
                 "kept as written" if u.kept else "blank (a number was expected)"]
                for u in unreadable]
    sheet_of = {a.list: a.sheet for a in result_lists}
    out += [[], ["Every input row: where it came from and the row of the list's sheet it is on"],
            ["File", "Sheet", "Row", "List's sheet", "Child Unique ID", "Outcome", "Row there"]]
    out += [[shown(r.source.file), r.source.sheet, r.source.row, sheet_of[r.list], r.child_id,
             r.describe(), r.output_row] for r in rows]
    return out


# --------------------------------------------------------------------------- public entry


def input_paths(inputs: str | Path | Sequence[str | Path]) -> list[Path]:
    """The input files as paths, each once.

    Raises:
        UsageError: no file, or the same file twice (its rows would be read twice).
    """
    paths = [Path(inputs)] if isinstance(inputs, str | Path) else [Path(p) for p in inputs]
    if not paths:
        raise UsageError("give at least one input file")
    seen: set[Path] = set()
    for p in paths:
        if p.resolve() in seen:
            raise UsageError("this file is given twice: give each input once", file=p)
        seen.add(p.resolve())
    return paths


def merge_workbooks(
    inputs: str | Path | Sequence[str | Path],
    output: str | Path,
    *,
    as_of: dt.date | None = None,
    schemas: SchemaSet | None = None,
) -> MergeResult:
    """Merge the lists in several workbooks or CSV files into one standard workbook.

    Rows of the same list are stacked in the order the files are given. Exact duplicates are
    removed and counted; different rows for the same child on a one-row-per-child list are all
    kept and reported as conflicts. A ``Sources`` sheet accounts for every input row. The
    merged workbook is then checked as ``validate_workbook`` would.

    Args:
        inputs: workbooks and/or CSV files, in any layout ``validate`` reads.
        output: the .xlsx to write (never one of the inputs).
        as_of: the date the lists are as at (default: the "as at" date in the inputs' titles
            when they agree on one, otherwise today). Shown in each sheet's title.
        schemas: the list schemas to use (default: the shipped ones).

    Returns:
        The accounting, the conflicts and the report on the merged workbook.

    Raises:
        UsageError: no inputs, a file given twice, or an output that is not an .xlsx file.
        SheetMissing: no file holds a JTAI list.
        JtaiError: an input cannot be used at all, or the output cannot be written.

    Example:
        >>> result = merge_workbooks(["lists-6-8.xlsx", "yot.csv", "nps.csv"],
        ...                          "return.xlsx")  # doctest: +SKIP
        >>> [(a.list, a.rows_in, a.rows_out, a.duplicates_removed)
        ...  for a in result.lists]  # doctest: +SKIP
    """
    paths = input_paths(inputs)
    out = Path(output)
    if out.suffix.lower() != ".xlsx":
        raise UsageError("merge writes an Excel workbook: give an output name ending .xlsx",
                         file=out)
    data = load_dataset(paths, as_of=as_of, schemas=schemas)
    schemas = data.schemas

    merged: dict[str, _Merged] = {}
    titles: dict[str, str] = {}
    for name, schema in schemas.lists.items():
        parts = sorted(data.of(name), key=lambda pl: pl.order)
        if parts:
            titles[name] = sheet_title(schema)
            merged[name] = merge_list(schema, parts, titles[name])
    if not merged:
        raise SheetMissing("no JTAI list was found in any of the files, so there is nothing to "
                           "merge (jtai validate says what each sheet holds)",
                           file=", ".join(str(p) for p in paths))

    accounting = tuple(m.accounting for m in merged.values())
    rows = tuple(o for m in merged.values() for o in m.outcomes)
    order = {(pl.file, pl.sheet): pl.order for pl in data.lists}
    rows = tuple(sorted(rows, key=lambda o: (*order[o.source.file, o.source.sheet],
                                                o.source.row)))
    conflicts = tuple(c for m in merged.values() for c in m.conflicts)
    unreadable = tuple(u for m in merged.values() for u in m.unreadable)
    notes = tuple(_notes(data, merged, titles))
    files = tuple(str(p) for p in paths)

    sources = ExtraSheet("Sources", sources_sheet(accounting, rows, unreadable, notes, files),
                         widths=(34, 24, 10, 18, 18, 60, 12))
    # Each list's own date or window is written into its title, and the output checked on
    # them: the merged file is judged as each input was (a date given applies to every list).
    dates = data.dates_of(merged)
    write_lists_workbook(
        out, {name: m.frame for name, m in merged.items()}, schemas=schemas, as_of=dates,
        columns={name: list(m.frame.columns) for name, m in merged.items()},
        sheets_after=[sources], inputs=paths,
    )
    given = data.as_of if data.as_of_source == "given" else None
    report = validate_workbook(out, as_of=given, schemas=schemas)
    if not still_ours(out):
        # Another program replaced the merged workbook while it was being checked: the
        # report would describe its file, not jtai's.
        raise OutputRefused(
            "the merged workbook was replaced or changed by another program while jtai "
            "checked it, so the check is not of what jtai wrote: run the merge again, "
            "writing to a file no other program uses",
            file=out,
        )
    return MergeResult(files, out, data.as_of, accounting, rows, conflicts, unreadable, notes,
                       report, dates)

