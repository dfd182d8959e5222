"""The ``ValidationReport``: what was found, as a value (never printed here).

Findings are kept column-wise in a DataFrame because a big, messy workbook can produce hundreds
of thousands of them (every "Yes" read as "a) Yes" is reported); ``Issue`` objects are built only
when asked for.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from .issues import CATALOGUE, Issue

SCHEMA_VERSION = 1
FINDING_FIELDS = (
    "file", "sheet", "row", "column", "cell", "severity", "rule", "message", "expected", "list",
    "value",
)


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index: 0 -> A, 26 -> AA."""
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_SEVERITY_ORDER = {"error": 0, "warning": 1, "coerced": 2}
#: Columns of ``group_findings``'s table.
GROUP_FIELDS = ("file", "sheet", "column", "rule", "severity", "count", "first_cell",
                "first_row", "rows", "values", "message", "expected")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular or plural: "1 error", "2 errors", "1,250 cells".

    Example:
        >>> counted(1, "error"), counted(3, "child", "children")
        ('1 error', '3 children')
    """
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def group_findings(findings: pd.DataFrame, *, max_values: int = 3) -> pd.DataFrame:
    """One row per (file, sheet, column, rule): how many cells, where first, and examples.

    The groups come in the order of their first finding (errors before warnings before
    coercions when ``findings`` is sorted so). ``rows`` holds every Excel row of the group;
    ``values`` the first few distinct values; ``message`` and ``expected`` are the first
    finding's.
    """
    if not len(findings):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GROUP_FIELDS})
    keys = ["file", "sheet", "column", "rule"]
    grouped = findings.groupby(keys, sort=False, dropna=False)
    rows_all = findings["row"].to_numpy(dtype=object)
    values_all = findings["value"].to_numpy(dtype=object)
    cells_all = findings["cell"].to_numpy(dtype=object)
    out = []
    for key_, idx in grouped.indices.items():
        key = tuple(None if isinstance(k, float) and np.isnan(k) else k
                    for k in cast(tuple[object, ...], key_))
        first = int(idx[0])
        seen: list[str] = []
        for v in values_all[idx]:
            if v is not None and v not in seen:
                seen.append(v)
                if len(seen) == max_values:
                    break
        rec = findings.iloc[first]
        rows = [int(r) for r in rows_all[idx] if r is not None and not pd.isna(r)]
        out.append({
            "file": key[0], "sheet": key[1], "column": key[2], "rule": key[3],
            "severity": rec["severity"], "count": len(idx), "first_cell": cells_all[first],
            "first_row": rows[0] if rows else None, "rows": rows, "values": seen,
            "message": rec["message"], "expected": rec["expected"], "_first": first,
        })
    df = pd.DataFrame(out)
    df["_v"] = df["severity"].map(_SEVERITY_ORDER)
    df = df.sort_values(["_v", "_first"], kind="stable")
    return df[list(GROUP_FIELDS)].reset_index(drop=True)


class FindingsBuilder:
    """Collects findings one at a time or a column's worth at once."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self._chunks: list[pd.DataFrame] = []

    def add(
        self,
        rule: str,
        *,
        file: str,
        sheet: str,
        row: int | None,
        column: str | None,
        message: str,
        expected: str = "",
        list_name: str | None = None,
        value: object = None,
        order: tuple[int, int, int] = (0, 0, -1),
    ) -> None:
        """Add one finding. ``order`` is (file, sheet, column) position for sorting."""
        self._rows.append({
            "file": file, "sheet": sheet, "row": row, "column": column, "rule": rule,
            "message": message, "expected": expected, "list": list_name,
            "value": None if value is None else str(value),
            "_f": order[0], "_s": order[1], "_c": order[2],
        })

    def add_many(
        self,
        *,
        rules: np.ndarray,
        file: str,
        sheet: str,
        rows: np.ndarray,
        column: str | None,
        messages: np.ndarray,
        expected: np.ndarray | str,
        list_name: str | None,
        values: np.ndarray | None,
        order: tuple[int, int, int],
    ) -> None:
        """Add one finding per element of the arrays (all the same length)."""
        n = len(rows)
        if n == 0:
            return
        self._chunks.append(pd.DataFrame({
            "file": file, "sheet": sheet, "row": rows.astype("int64"), "column": column,
            "rule": rules, "message": messages, "expected": expected, "list": list_name,
            "value": values if values is not None else None,
            "_f": order[0], "_s": order[1], "_c": order[2],
        }))

    def frame(self) -> pd.DataFrame:
        """All findings, sorted as the user reads the workbook, with severities filled in."""
        parts = list(self._chunks)
        if self._rows:
            parts.append(pd.DataFrame(self._rows))
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_FIELDS})
        df = pd.concat(parts, ignore_index=True)
        df["row"] = df["row"].astype("Int64")
        has_cell = df["row"].notna() & (df["_c"] >= 0)
        df["cell"] = None
        if has_cell.any():
            letters = {c: column_letter(int(c)) for c in df.loc[has_cell, "_c"].unique()}
            df.loc[has_cell, "cell"] = (df.loc[has_cell, "_c"].map(letters)
                                        + df.loc[has_cell, "row"].astype("int64").astype(str))
        df["severity"] = df["rule"].map(lambda r: CATALOGUE[r].severity.value)
        df["_r"] = df["row"].fillna(-1).astype("int64")
        df["_v"] = df["severity"].map(_SEVERITY_ORDER)
        df = df.sort_values(["_f", "_s", "_r", "_c", "_v"], kind="stable")
        df = df[list(FINDING_FIELDS)].reset_index(drop=True)
        df = df.astype({c: object for c in FINDING_FIELDS if c != "row"})
        return df.where(df.notna(), None) if len(df) else df


def _counts(values: pd.Series) -> dict[str, int]:
    """How many times each value occurs, keyed by its text."""
    return {str(k): int(v) for k, v in values.value_counts().items()}


@dataclass
class SheetInfo:
    """Which list a sheet became, and how its headers were read."""

    file: str
    sheet: str
    list: str | None
    title: str | None
    header_row: int | None
    rows: int
    columns: dict[str, str] = field(default_factory=dict)
    # builtins.list: the field ``list`` (the list a sheet became) shadows it in this class.
    unknown_columns: builtins.list[str] = field(default_factory=builtins.list)
    missing_columns: builtins.list[str] = field(default_factory=builtins.list)
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "file": self.file, "list": self.list, "title": self.title,
            "header_row": self.header_row, "rows": self.rows, "columns": self.columns,
            "unknown_columns": self.unknown_columns, "missing_columns": self.missing_columns,
            "note": self.note,
        }


@dataclass
class ValidationReport:
    """Everything ``validate_workbook`` found.

    Attributes:
        files: the inputs, as given.
        as_of: the date ages, periods and "future" are measured from (the last day of the
            extraction window when the date was worked out as a window).
        as_of_source: where that date came from and why ("given", a sheet title, or the
            window from the latest event in the lists to the file's saved date).
        as_of_first: the first day of that window (None or ``as_of``: one date).
        sheets: one ``SheetInfo`` per sheet read.
        findings: one row per finding (see ``FINDING_FIELDS``).
    """

    files: list[str]
    as_of: dt.date
    sheets: list[SheetInfo]
    findings: pd.DataFrame
    as_of_source: str = "given"
    unusable_files: dict[str, str] = field(default_factory=dict)
    as_of_first: dt.date | None = None

    @property
    def as_of_window(self) -> tuple[dt.date, dt.date]:
        """The first and last day the lists may have been extracted on (equal when exact)."""
        return (self.as_of_first or self.as_of, self.as_of)

    @property
    def as_of_text(self) -> str:
        """The date as shown to the analyst: "23/11/2026" or "16/11/2026 to 23/11/2026"."""
        first, last = self.as_of_window
        if first == last:
            return f"{last:%d/%m/%Y}"
        return f"{first:%d/%m/%Y} to {last:%d/%m/%Y}"

    @property
    def exit_code(self) -> int:
        """What ``jtai validate`` exits with: 3 a file unusable, 1 errors found, else 0."""
        if self.unusable_files:
            return 3
        return 0 if self.valid else 1

    @property
    def valid(self) -> bool:
        """True when there are no error findings (warnings and coercions are allowed)."""
        if not len(self.findings):
            return True
        return not bool((self.findings["severity"] == "error").any())

    @property
    def issues(self) -> list[Issue]:
        """The findings as ``Issue`` objects."""
        return [Issue(**rec) for rec in self._records()]

    def _records(self) -> list[dict[str, Any]]:
        recs: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()} for r in self.findings.to_dict("records")]
        for r in recs:
            r["row"] = None if r["row"] is None or pd.isna(r["row"]) else int(r["row"])
            r["expected"] = r["expected"] or ""
        return recs

    def sheet_key(self, info_or_file: SheetInfo | str, sheet: str | None = None) -> str:
        """How a sheet is named in ``lists``: its name, or ``[file]sheet`` for several files."""
        if isinstance(info_or_file, SheetInfo):
            file, sheet = info_or_file.file, info_or_file.sheet
        else:
            file = info_or_file
        if len(self.files) <= 1:
            return str(sheet)
        from pathlib import Path

        return f"[{Path(file).name}]{sheet}"

    def counts(self) -> dict[str, int]:
        """Number of findings of each severity."""
        vc: Mapping[str, int] = _counts(self.findings["severity"]) if len(self.findings) else {}
        return {s: int(vc.get(s, 0)) for s in ("error", "warning", "coerced")}

    def summary(self) -> dict[str, object]:
        """Counts by severity, by list and by rule."""
        df = self.findings
        by_sheet: dict[str, dict[str, int]] = {}
        for info in self.sheets:
            key = self.sheet_key(info)
            part = df[(df["file"] == info.file) & (df["sheet"] == info.sheet)] if len(df) else df
            vc: Mapping[str, int] = _counts(part["severity"]) if len(part) else {}
            by_sheet[key] = {
                "rows": info.rows,
                **{s: int(vc.get(s, 0)) for s in ("error", "warning", "coerced")},
            }
        by_rule = {str(k): int(v) for k, v in df["rule"].value_counts().items()} if len(df) else {}
        return {**self.counts(), "by_sheet": by_sheet, "by_rule": by_rule}

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data: what ``jtai validate --format json`` prints."""
        return {
            "schema_version": SCHEMA_VERSION,
            "valid": self.valid,
            "as_of": self.as_of.isoformat(),
            "as_of_source": self.as_of_source,
            "as_of_window": {"from": self.as_of_window[0].isoformat(),
                             "to": self.as_of_window[1].isoformat()},
            "files": self.files,
            "lists": {self.sheet_key(s): s.to_dict() for s in self.sheets},
            "unusable_files": self.unusable_files,
            "findings": self._records(),
            "summary": self.summary(),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per finding, like pandera's failure cases."""
        return self.findings.copy()

    def flatten(self, keys: Sequence[str] = ("sheet", "row", "column", "rule")) -> list[list[Any]]:
        """Findings as short lists of the chosen fields: handy in tests."""
        recs = self._records()
        return [[r[k] for k in keys] for r in recs]

    def where(self, **conditions: object) -> list[dict[str, Any]]:
        """Findings whose fields equal the given values, e.g. ``where(rule="dob-mismatch")``."""
        return [r for r in self._records() if all(r.get(k) == v for k, v in conditions.items())]
