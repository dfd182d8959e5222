"""``jtai export``: the workbook the local authority sends on day 2."""

from __future__ import annotations

from typing import Annotated

import typer

from . import stdio
from .options import (
    AsOf,
    Debug,
    Files,
    Force,
    Format,
    Json,
    OptionAB,
    Output,
    OutputFormat,
    Quiet,
    parse_day,
)
from .shortlist import Notified


def export(
    files: Files,
    option: OptionAB,
    output: Output,
    allow_errors: Annotated[bool, typer.Option(
        "--allow-errors", help="Write the workbook even though the lists have errors.")] = False,
    notified: Notified = None,
    as_of: AsOf = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    force: Force = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Write the day-2 return: lists 6-8 with the CSA-FE flag, and the YOT and NPS lists.

    Under option B the seven additional Y/N answers go beside every CSA-FE child on lists 6-8
    (para 26), from the lists' own columns or an additional fields sheet. The lists are checked
    first, as validate does: while they have errors nothing is written, unless --allow-errors.

    Exit code 0: written, no errors; 1: the lists have errors (written only with
    --allow-errors); 2: usage error; 3: a file cannot be used.

    Example: jtai export lists.xlsx --option B -o day2-return.xlsx
    """
    # lazy: rich loads only when the command runs, so --help stays quick
    from rich.table import Table
    from rich.text import Text

    day = parse_day(as_of)
    notified_day = parse_day(notified)
    stdio.refuse_stdout(output, "The day-2 workbook")
    as_json = json_flag or output_format is OutputFormat.json

    # lazy: the library and rich load only when the command runs, so --help stays quick
    from jtai_cli.reporting import counted
    from jtai_cli.templating import export_lists

    from . import render

    with stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths:
        result = render.run(lambda: export_lists(
            paths, output, option=option.value, as_of=day, allow_errors=allow_errors,
            notified=notified_day), debug=debug, force=force, as_json=as_json)
    if as_json:
        render.print_json(result.to_dict())
    elif quiet:
        if not result.report.valid:
            render.err_console().print(
                f"{counted(result.report.counts()['error'], 'error')}: "
                + ("written anyway (--allow-errors)" if result.written else "not written"))
    else:
        console = render.out_console()
        if not result.report.valid:
            render.render_report(result.report, console)
        if result.written:
            t = Table(title=f"Written to {result.output}", title_justify="left")
            t.add_column("List")
            t.add_column("Rows", justify="right")
            # lazy: the library loads only when the command runs, so --help stays quick
            from jtai_cli.schemas import load_schemas

            titles = load_schemas().lists
            for name, n in result.rows.items():
                t.add_row(titles[name].title, str(n))
            console.print(t)
        for note in result.notes:
            console.print(Text(f"Note: {note}", style="yellow"))
        if not result.written:
            errors = counted(result.report.counts()["error"], "error")
            render.err_console().print(Text(
                f"Not written: the lists have {errors} (shown "
                "above). Fix them, or use --allow-errors to write anyway.", style="bold red"))
    raise typer.Exit(render.EXIT_OK if result.report.valid else render.EXIT_ERRORS)
