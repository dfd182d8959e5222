"""``jtai validate``: check the lists cell by cell."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from jtai_cli._memory import settle_imports

from . import jsonout, stdio
from .options import (
    AsOf,
    Debug,
    FailOn,
    FailOnOption,
    Files,
    Force,
    Format,
    Json,
    OutputFormat,
    Quiet,
    Verbose,
    parse_day,
)


def validate(
    files: Files,
    as_of: AsOf = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    report: Annotated[
        Path | None,
        typer.Option("--output", "-o", "--report", "-r", help="Write a copy of the workbook "
                     "with bad cells highlighted and explained, and an Issues sheet first "
                     "(.xlsx). With several files checked separately, a folder.",
                     show_default=False),
    ] = None,
    fail_on: FailOnOption = None,
    skip_lists: Annotated[list[str] | None, typer.Option(
        "--skip-list", show_default=False,
        help="A list whose findings are not reported (repeat for more): its name, number or "
        "short name (contacts, 6, CIN...). Its sheets are still identified and still take "
        "part in the checks across lists.")] = None,
    each: Annotated[
        bool | None,
        typer.Option("--each/--together", help="Check each file on its own (in parallel), or "
                     "all files together so a child's facts are compared across them. "
                     "Default: each for a folder, together for files.", show_default=False),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Processes for --each (default, and at most: one per "
                     "core this computer lets jtai use; more is lowered to that).",
                     show_default=False),
    ] = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Check every JTAI list in the workbook(s) and say, cell by cell, what is wrong.

    FILES are workbooks (.xlsx, .xlsm, .xls, .ods), CSV or Parquet files (one list each; a
    list cut into parts, contacts_part1.csv, contacts_part2.csv, is checked as one) or folders;
    - reads one file from standard input. Exit code 0: no errors (warnings allowed, unless
    --fail-on warning); 1: errors found; 2: usage error; 3: a file cannot be used.

    Example: jtai validate lists.xlsx -o lists-checked.xlsx
    """
    day = parse_day(as_of)
    stdio.refuse_stdout(report, "The highlighted copy (a workbook)")
    as_json = json_flag or output_format is OutputFormat.json

    # lazy: the library and rich load only when the command runs, so --help stays quick
    from jtai_cli.validation import validate_workbook

    from . import render

    settle_imports()  # the imports done, out of the collector's way: a faster exit too
    with (stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths,
          render.ProgressBar(enabled=not (quiet or as_json)) as bar):
        result = render.run(
            lambda: validate_workbook(paths, as_of=day, report_path=report, separately=each,
                                      workers=workers, progress=bar,
                                      skip_lists=skip_lists or (),
                                      # the terminal only counts coerced cells
                                      coerced_cells=as_json),
            debug=debug, force=force, as_json=as_json,
        )
    code = result.exit_code
    if code == render.EXIT_OK and fail_on is FailOn.warning and result.counts()["warning"]:
        code = render.EXIT_ERRORS
    if as_json and jsonout.has_aliases():
        render.print_json(result.to_dict())  # the temporary copy of stdin named 'stdin'
    elif as_json:
        result.write_json(sys.stdout)  # streamed: a national return's JSON is gigabytes
    elif quiet:
        if result.exit_code:
            render.err_console().print(render.quiet_line(result))
        elif code:
            # lazy: the library loads only when the command runs, so --help stays quick
            from jtai_cli.reporting import counted

            render.err_console().print(
                f"{counted(result.counts()['warning'], 'warning')} (--fail-on warning) in "
                f"{jsonout.redact(', '.join(map(str, result.files)))}")
    else:
        render.render_report(result, render.out_console(), verbose=verbose)
        if code == render.EXIT_ERRORS and result.valid:
            # lazy: the library loads only when the command runs, so --help stays quick
            from jtai_cli.reporting import counted

            render.out_console().print(
                f"Exit code 1: {counted(result.counts()['warning'], 'warning')}, and "
                "--fail-on warning")
        if report is not None:
            render.out_console().print(f"Highlighted copy written to {report}")
    raise typer.Exit(code)
