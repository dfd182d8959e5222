"""Shared option types, so every command spells its options the same way."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    """How results are printed."""

    text = "text"
    json = "json"


def parse_day(value: str | None) -> dt.date | None:
    """Read a date typed on the command line: 2026-11-23 or 23/11/2026 (day first)."""
    if value is None:
        return None
    text = value.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if not m:
            raise typer.BadParameter(f"'{value}' is not a date: use 2026-11-23 or 23/11/2026")
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a real date (dates are day first)") from None


Files = Annotated[
    list[Path],
    typer.Argument(help="Workbooks (.xlsx, .xlsm, .xls, .ods), or CSV or Parquet files (one "
                        "list each).", show_default=False),
]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Date ages and look-back periods are counted from "
                 "(2026-11-23 or 23/11/2026). Default: the 'data as at' date in the sheets' "
                 "titles, else today.", show_default=False),
]
Format = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="text for people, json for scripts (one JSON object on "
                 "stdout, nothing else)."),
]
Json = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing when all is well.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback when something "
                                     "goes wrong (for reporting a bug).")]
Output = Annotated[
    Path,
    typer.Option("--output", "-o", help="File to write.", show_default=False),
]
Force = Annotated[bool, typer.Option("--force", help="Replace an output file even if jtai did "
                                     "not write it (by default jtai replaces only its own "
                                     "outputs, never an input).")]
