"""The ``ValidationReport``: what was found, as a value (never printed here).

Findings are kept column-wise in a DataFrame because a big, messy workbook can produce hundreds
of thousands of them (every "Yes" read as "a) Yes" is reported); ``Issue`` objects are built only
when asked for.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, TextIO, cast

import numpy as np
import pandas as pd

from .excel_names import column_letter as column_letter  # also named here, as before
from .issues import CATALOGUE, Issue

SCHEMA_VERSION = 1
FINDING_FIELDS = (
    "file", "sheet", "row", "column", "cell", "severity", "rule", "message", "expected", "list",
    "value",
)


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
    """Collects findings one at a time or a column's worth at once.

    Chunks stay as the arrays (or one scalar for the whole chunk) they were given; ``frame``
    builds each column once with numpy, sorts with one ``lexsort`` and makes one DataFrame.
    """

    _FIELDS = ("file", "sheet", "row", "column", "rule", "message", "expected", "list", "value",
               "_f", "_s", "_c", "_norow")

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self._chunks: list[tuple[int, dict[str, Any]]] = []

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
        self._chunks.append((n, {
            "file": file, "sheet": sheet, "row": np.asarray(rows).astype("int64"),
            "column": column, "rule": rules, "message": messages, "expected": expected,
            "list": list_name, "value": values, "_f": order[0], "_s": order[1], "_c": order[2],
        }))

    def _column(self, name: str, chunks: list[tuple[int, dict[str, Any]]]) -> np.ndarray:
        is_int = name in ("_f", "_s", "_c", "row", "_norow")
        parts = []
        for n, c in chunks:
            v = c.get(name)
            if name == "_norow" and not isinstance(v, np.ndarray):
                parts.append(np.zeros(n, dtype=bool))  # add_many: every finding has a row
            elif isinstance(v, np.ndarray) and v.ndim:
                parts.append(v.astype("int64") if is_int and name != "_norow"
                             else v.astype(object, copy=False) if not is_int else v)
            else:
                part = np.empty(n, dtype="int64" if is_int else object)
                part[:] = v if not (v is None and is_int) else -1
                parts.append(part)
        return np.concatenate(parts)

    def frame(self) -> pd.DataFrame:
        """All findings, sorted as the user reads the workbook, with severities filled in."""
        chunks = list(self._chunks)
        if self._rows:
            recs = self._rows
            rows_of = [r["row"] for r in recs]
            no_row = np.array([v is None or v != v for v in rows_of], dtype=bool)  # None, NaN
            chunk: dict[str, Any] = {
                k: np.array([r[k] for r in recs], dtype=object)
                if k not in ("_f", "_s", "_c") else np.array([r[k] for r in recs], dtype="int64")
                for k in self._FIELDS if k not in ("row", "_norow")}
            chunk["row"] = np.array([-1 if missing else int(v)
                                     for v, missing in zip(rows_of, no_row, strict=True)],
                                    dtype="int64")
            chunk["_norow"] = no_row
            chunks.append((len(recs), chunk))
        if not chunks:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_FIELDS})
        col = {k: self._column(k, chunks) for k in self._FIELDS}
        # Rows: int64 (-1 and "_norow" for a finding without one, possible from ``add``).
        rows, no_row = col["row"], col["_norow"].astype(bool)
        codes, rules = pd.factorize(col["rule"])
        sev_u = np.array([CATALOGUE[r].severity.value for r in rules], dtype=object)
        severity = sev_u[codes]
        sev_order = np.array([_SEVERITY_ORDER[v] for v in sev_u], dtype="int64")[codes]
        order = np.lexsort((sev_order, col["_c"], rows, col["_s"], col["_f"]))
        rows, no_row, c_idx = rows[order], no_row[order], col["_c"][order]
        has_cell = ~no_row & (c_idx >= 0)
        cell = np.full(len(order), None, dtype=object)
        if has_cell.any():  # "B" + "123", in C: numpy's string functions
            at = c_idx[has_cell]
            letters = np.array([column_letter(c) for c in range(int(at.max()) + 1)])
            cell[has_cell] = np.strings.add(letters[at], rows[has_cell].astype(str)).astype(
                object)
        out: dict[str, pd.Series] = {}
        for name in FINDING_FIELDS:
            if name == "row":
                out[name] = pd.Series(pd.arrays.IntegerArray(rows, no_row), copy=False)
                continue
            if name == "cell":
                v = cell
            elif name == "severity":
                v = severity[order]
            else:
                v = col[name][order]
                na = pd.isna(v)
                if na.any():
                    v[na] = None
            out[name] = pd.Series(v, dtype=object, copy=False)  # not pandas 3's inferred str
        return pd.DataFrame(out, copy=False)


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

    def without_lists(self, names: Sequence[str]) -> ValidationReport:
        """The report with the findings of these lists (schema names) left out: their sheets
        are still listed, noted as skipped, and still took part in the checks across lists."""
        if not names:
            return self
        df = self.findings
        if len(df):
            df = df[~df["list"].isin(list(names)).to_numpy()].reset_index(drop=True)
        sheets = [replace(s, note="; ".join(filter(None, [s.note, "skipped: its findings are "
                                                          "not reported (skip_lists)"])))
                  if s.list in names else s for s in self.sheets]
        return replace(self, findings=df, sheets=sheets)

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
        # Column-wise: one C-level ``tolist`` per column, then one dict per finding (pandas'
        # ``to_dict("records")`` boxes every cell on its own, 10x slower on 100,000s).
        df = self.findings
        if not len(df):
            return []
        cols = [_column_values(df, c) for c in FINDING_FIELDS]
        return [dict(zip(FINDING_FIELDS, t, strict=True)) for t in zip(*cols, strict=True)]

    def sheet_key(self, info_or_file: SheetInfo | str, sheet: str | None = None) -> str:
        """How a sheet is named in ``lists``: its name, or ``[file]sheet`` for several files."""
        if isinstance(info_or_file, SheetInfo):
            file, sheet = info_or_file.file, info_or_file.sheet
        else:
            file = info_or_file
        if len(self.files) <= 1:
            return str(sheet)
        return f"[{Path(file).name}]{sheet}"

    def counts(self) -> dict[str, int]:
        """Number of findings of each severity."""
        vc: Mapping[str, int] = _counts(self.findings["severity"]) if len(self.findings) else {}
        return {s: int(vc.get(s, 0)) for s in ("error", "warning", "coerced")}

    def summary(self) -> dict[str, object]:
        """Counts by severity, by list and by rule."""
        df = self.findings
        # One count per (file, sheet, severity), not one scan of the findings per sheet.
        per: dict[tuple[str, str], dict[str, int]] = {}
        if len(df):
            sizes = df.groupby(["file", "sheet", "severity"], sort=False).size()
            for key3, k in sizes.items():
                f, sh, sev = (str(x) for x in key3)  # type: ignore[attr-defined]
                per.setdefault((f, sh), {})[sev] = int(k)
        by_sheet: dict[str, dict[str, int]] = {}
        for info in self.sheets:
            key = self.sheet_key(info)
            vc = per.get((info.file, info.sheet), {})
            by_sheet[key] = {
                "rows": info.rows,
                **{s: int(vc.get(s, 0)) for s in ("error", "warning", "coerced")},
            }
        by_rule = {str(k): int(v) for k, v in df["rule"].value_counts().items()} if len(df) else {}
        return {**self.counts(), "by_sheet": by_sheet, "by_rule": by_rule}

    def _head(self) -> dict[str, object]:
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
        }

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data: what ``jtai validate --format json`` prints."""
        return {**self._head(), "findings": self._records(), "summary": self.summary()}

    def write_json(self, out: TextIO) -> None:
        """Write ``to_dict()`` as one line of JSON to ``out``, streamed as it is encoded.

        The text is exactly ``json.dumps(self.to_dict(), ensure_ascii=False, default=str)``
        plus a newline, but no finding becomes a dict and the document is never one string:
        findings are encoded a chunk of rows at a time, each column once per distinct value.
        """
        head = _dumps(self._head())
        out.write(head[:-1] + ', "findings": [')
        df = self.findings
        for start in range(0, len(df), _JSON_CHUNK):
            if start:
                out.write(", ")
            out.write(", ".join(_encode_findings(df.iloc[start:start + _JSON_CHUNK])))
        out.write('], "summary": ' + _dumps(self.summary()) + "}\n")

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


#: Findings encoded per chunk by ``ValidationReport.write_json`` (bounds its memory).
_JSON_CHUNK = 50_000


def _dumps(value: object) -> str:
    """JSON as ``--format json`` writes it (the one encoding both paths share)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _column_values(df: pd.DataFrame, name: str) -> builtins.list[Any]:
    """One findings column as Python values, as ``_records`` gives them."""
    s = df[name]
    if name == "row":
        return [None if v is None or v is pd.NA else int(v)
                for v in s.astype(object).where(s.notna(), None).tolist()]
    values = s.where(s.notna(), None).tolist() if s.hasnans else s.tolist()
    if name == "expected":
        return [v or "" for v in values]
    return values


def _encode_codes(df: pd.DataFrame, name: str) -> tuple[np.ndarray, builtins.list[str]]:
    """One column as (a code per row, the JSON text of each code): each distinct value once."""
    values = df[name].to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not all(type(u) is str for u in uniques):  # 1, 1.0 and True would share a code
        return np.arange(len(df)), [_dumps(v) for v in _column_values(df, name)]
    # For text, json.dumps(ensure_ascii=False) is exactly this C function.
    if name == "expected":  # no expectation is written as ""
        encoded = [encode_basestring(u) if u else '""' for u in uniques] + ['""']
    else:
        encoded = [*map(encode_basestring, uniques), "null"]
    codes[codes < 0] = len(uniques)  # no value: the last
    return codes, encoded


def _encode_group(df: pd.DataFrame, names: Sequence[str], lead: str) -> builtins.list[str]:
    """Each row's JSON text for ``names`` (keys and values, after ``lead``), built once per
    distinct combination of their values."""
    key = None
    parts = []
    for name in names:
        codes, encoded = _encode_codes(df, name)
        parts.append((codes, encoded))
        key = pd.factorize(codes if key is None else key * (len(encoded) + 1) + codes)[0]
    assert key is not None
    # factorize numbers groups 0, 1, ... as they first appear: a group starts where the
    # running maximum goes up.
    top = np.maximum.accumulate(key)
    first = np.flatnonzero(np.concatenate(([True], top[1:] > top[:-1])))
    keys = [_dumps(n) + ": " for n in names]
    texts = [lead + ", ".join([k + enc[codes[i]] for k, (codes, enc)
                               in zip(keys, parts, strict=True)]) for i in first.tolist()]
    return np.asarray(texts, dtype=object)[key].tolist()  # type: ignore[no-any-return]


def _encode_findings(df: pd.DataFrame) -> builtins.list[str]:
    """One JSON object per finding, keys in ``FINDING_FIELDS`` order as ``json.dumps`` writes.

    Only the row and the cell differ from one coerced finding to the next in a column; the
    rest is encoded once per distinct combination and pasted around them.
    """
    assert FINDING_FIELDS[2] == "row" and FINDING_FIELDS[4] == "cell"
    head = _encode_group(df, FINDING_FIELDS[:2], "{")
    column = _encode_group(df, FINDING_FIELDS[3:4], ", ")
    tail = _encode_group(df, FINDING_FIELDS[5:], ", ")
    r = df["row"]
    rows = ([str(v) for v in r.astype("int64").tolist()] if not r.hasnans
            else ["null" if v is None else str(v) for v in _column_values(df, "row")])
    cells = [f'"{c}"' if type(c) is str and c.isascii() and c.isalnum()
             else _dumps(c) for c in df["cell"].tolist()]
    return [f'{h}, "row": {r}{c}, "cell": {ce}{t}}}'
            for h, r, c, ce, t in zip(head, rows, column, cells, tail, strict=True)]
