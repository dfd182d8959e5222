"""Parquet files (lists delivered in parts at national scale), read with the optional pyarrow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jtai_cli.errors import WorkbookTooLarge, WorkbookUnreadable

from . import limits
from .refusals import _reader_errors
from .sheets import RawSheet


def _read_parquet(p: Path) -> RawSheet:
    """One Parquet file as one sheet: its column names, then its rows as Python values.

    Parquet columns are typed, so dates arrive as dates and numbers as numbers, as from an
    .xlsx (text in a date column is then reported as a coercion). Needs the optional pyarrow
    package (``pip install pyarrow``, jtai's ``parquet`` extra). The footer says how many rows
    and columns the file holds; a file over ``limits.MAX_CELLS`` cells is refused before any data is
    read.
    """
    try:  # optional: pyarrow comes with jtai's parquet extra only
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise WorkbookUnreadable(
            "this is a Parquet file, and reading Parquet needs the optional pyarrow package: "
            "install it with  pip install pyarrow  (jtai's 'parquet' extra), or export the list "
            "as CSV or .xlsx",
            file=p,
        ) from None
    if _version(pyarrow.__version__) < (14, 0, 1):
        raise WorkbookUnreadable(
            f"this is a Parquet file, and the pyarrow installed here ({pyarrow.__version__}) is "
            "too old to read one safely (before 14.0.1 a crafted file could run code): "
            "upgrade it with  pip install -U pyarrow",
            file=p,
        )

    def unreadable(kind: str) -> WorkbookUnreadable:
        return WorkbookUnreadable(
            f"this Parquet file could not be read ({kind}): it may be damaged or cut short; "
            "export it again",
            file=p,
        )

    with _reader_errors(p, unreadable):
        pf = pq.ParquetFile(p, memory_map=False)
        meta = pf.metadata
        n_rows, n_cols = meta.num_rows, meta.num_columns
        most = min(limits.MAX_CELLS, limits.MAX_READ_CELLS)
        if n_rows * max(n_cols, 1) > most:
            raise WorkbookTooLarge(
                f"this Parquet file holds {n_rows:,} rows by {n_cols:,} columns, more than the "
                f"{most:,} cells jtai reads from one file: split it into parts",
                file=p,
            )
        expands = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if expands > limits.MAX_UNCOMPRESSED_BYTES:
            raise WorkbookTooLarge(
                f"this Parquet file would expand to {expands / 1024**3:.1f} GB, over the "
                f"{limits.MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GB safety limit: split it into "
                "parts",
                file=p,
            )
        table = pf.read()
        columns = [_parquet_values(table.column(i)) for i in range(table.num_columns)]
    del table
    header: list[object] = [str(name) for name in pf.schema_arrow.names]
    rows: list[list[object]] = [header]
    rows.extend(map(list, zip(*columns, strict=True)))
    return RawSheet(str(p), p.name, rows)


def _version(text: str) -> tuple[int, ...]:
    """'14.0.1' -> (14, 0, 1); a part that is not a number ends it ('15.0.0.dev3' -> 15, 0, 0)."""
    parts: list[int] = []
    for piece in text.split(".")[:3]:
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def _parquet_values(column: Any) -> list[object]:
    """A Parquet column as the Python values a spreadsheet reader would give.

    Text, numbers, dates, date-times and true/false come through as they are; decimals become
    numbers; anything else (lists, structures, times, binary) becomes its text, which the
    checks then report as a value of the wrong kind.
    """
    # optional: only reached once _read_parquet has imported pyarrow
    import pyarrow as pa
    import pyarrow.types as pt

    kind = column.type
    if pt.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pt.is_decimal(kind):
        column = column.cast(pa.float64())
    elif not (pt.is_string(kind) or pt.is_large_string(kind) or pt.is_integer(kind)
              or pt.is_floating(kind) or pt.is_boolean(kind) or pt.is_date(kind)
              or pt.is_timestamp(kind) or pt.is_null(kind)):
        return [None if v is None else str(v) for v in column.to_pylist()]
    if pt.is_timestamp(kind) and kind.tz is not None:
        return [None if v is None else v.replace(tzinfo=None) for v in column.to_pylist()]
    values: list[object] = column.to_pylist()
    return values
