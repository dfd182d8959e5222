"""Shared option types, so every command spells its options the same way."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from jtai_cli.dates import typed_day

#: What ``-`` means for an input (standard input) or for ``-o`` (standard output).
STDIO = "-"


class OutputFormat(StrEnum):
    """How results are printed."""

    text = "text"
    json = "json"


class AnnexOption(StrEnum):
    """Annex C's two ways of providing the lists (typed A or a, B or b)."""

    A = "A"
    B = "B"


class FailOn(StrEnum):
    """The least severe finding that makes the exit code 1."""

    error = "error"
    warning = "warning"


#: The dates jtai works with: a child's list, a notification or an as-of date outside them is
#: a typing slip, and counting ages or working days from year 9999 overflows.


def parse_day(value: str | None) -> dt.date | None:
    """Read a date typed on the command line (or set in jtai.toml): 2026-11-23 or 23/11/2026
    (day first), or today; between 1900 and 2200 (``dates.typed_day``)."""
    if value is None:
        return None
    try:
        return typed_day(value, f"'{value}'")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


Files = Annotated[
    list[Path],
    typer.Argument(help="Workbooks (.xlsx, .xlsm, .xls, .ods), or CSV or Parquet files (one "
                        "list each); - reads one from standard input.", show_default=False),
]
def ids_value(value: str | None) -> Path | list[str] | None:
    """``--ids``: a file of child IDs when the value names one, else IDs separated by commas."""
    if value is None:
        return None
    if "," not in value and Path(value).is_file():
        return Path(value)
    ids = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if not ids:
        raise typer.BadParameter("give child IDs separated by commas, or a file of IDs",
                                 param_hint="--ids")
    return ids


AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="The day the lists were extracted, for every list: ages, "
                 "look-back periods and dates 'in the future' are counted from it (2026-11-23, "
                 "23/11/2026 or today). Default: each list on its own extraction: the 'data as "
                 "at' date in its own title, else the window from the latest event in the "
                 "untitled lists due on the same day (day 2: lists 6-8, YOT, NPS; day 7: lists "
                 "1, 3-5) to the day the file was saved, an age right on any day of it being "
                 "right. The report says which date each list was judged on.",
                 show_default=False),
]
OptionAB = Annotated[
    AnnexOption,
    typer.Option("--option", case_sensitive=False, show_default=False,
                 help="Annex C option: A (the lead inspector picks 20, the local authority "
                 "answers seven questions about them, then five to seven are tracked) or B (the "
                 "seven answers come with the lists; five to seven are picked straight away)."),
]
Ids = Annotated[
    str | None,
    typer.Option("--ids", show_default=False, help="Child IDs: separated by commas "
                 "(210034,210058), or a file of IDs (one per line, or a column headed Child "
                 "Unique ID)."),
]
Format = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", case_sensitive=False, help="text for people, json for "
                 "scripts (one JSON object on stdout, nothing else, also when an input cannot "
                 "be used)."),
]
Json = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing when all is well.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Also list every header read "
                                       "as another spelling of the template's.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback when something "
                                     "goes wrong (for reporting a bug).")]
Output = Annotated[
    Path,
    typer.Option("--output", "-o", help="File to write.", show_default=False),
]
Force = Annotated[bool, typer.Option("--force", help="Replace an output file even if jtai did "
                                     "not write it (by default jtai replaces only its own "
                                     "outputs, sealed and unchanged since, never an input).")]
FailOnOption = Annotated[
    FailOn | None,
    typer.Option("--fail-on", case_sensitive=False, show_default=False,
                 help="Exit with code 1 on errors only (error, the default) or on warnings too "
                 "(warning)."),
]
