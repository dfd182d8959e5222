"""``jtai validate``: check the lists cell by cell."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from jtai_cli._memory import settle_imports
from jtai_cli.validation import validate_workbook

from . import render
from .options import AsOf, Debug, Files, Format, Json, OutputFormat, Quiet, parse_day


def validate(
    files: Files,
    as_of: AsOf = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", "-r", help="Write a copy of the workbook with bad cells "
                     "highlighted and explained, and an Issues sheet first (.xlsx). With "
                     "several files checked separately, a folder.", show_default=False),
    ] = None,
    each: Annotated[
        bool | None,
        typer.Option("--each/--together", help="Check each file on its own (in parallel), or "
                     "all files together so a child's facts are compared across them. "
                     "Default: each for a folder, together for files.", show_default=False),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Processes for --each (default: one per core).",
                     show_default=False),
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Check every JTAI list in the workbook(s) and say, cell by cell, what is wrong.

    FILES are workbooks (.xlsx, .xlsm, .xls, .ods), CSV or Parquet files (one list each; a
    list cut into parts, contacts_part1.csv, contacts_part2.csv, is checked as one) or folders.
    Exit code 0: no errors (warnings allowed); 1: errors found; 2: usage error; 3: a file
    cannot be used.

    Example: jtai validate lists.xlsx --report lists-checked.xlsx
    """
    settle_imports()  # a faster exit too (see jtai_cli/_memory.py)
    day = parse_day(as_of)
    as_json = json_flag or output_format is OutputFormat.json
    with render.ProgressBar(enabled=not (quiet or as_json)) as bar:
        result = render.run(
            lambda: validate_workbook(files, as_of=day, report_path=report, separately=each,
                                      workers=workers, progress=bar),
            debug=debug,
        )
    if as_json:
        result.write_json(sys.stdout)  # streamed: a national return's JSON is gigabytes
    elif quiet:
        if result.exit_code:
            c = result.counts()
            render.err_console().print(
                f"{c['error']} errors in {', '.join(map(str, result.files))}")
    else:
        render.render_report(result, render.out_console())
        if report is not None:
            render.out_console().print(f"Highlighted copy written to {report}")
    raise typer.Exit(result.exit_code)
