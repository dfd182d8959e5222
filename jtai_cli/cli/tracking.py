"""``jtai tracking``: one Annex B tracking sheet per tracked child."""

from __future__ import annotations

from pathlib import Path
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
    Output,
    OutputFormat,
    Quiet,
    ids_value,
    parse_day,
)
from .shortlist import Notified


def tracking(
    files: Files,
    ids: Annotated[str, typer.Option("--ids", show_default=False, help="The tracked children's "
                                     "IDs: separated by commas (210034,210058), or a file of "
                                     "IDs (one per line, or a column headed Child Unique "
                                     "ID).")],
    output: Output,
    inspectorate: Annotated[str | None, typer.Option(
        "--inspectorate", show_default=False, help="Fill in the inspectorate on every sheet "
        "(e.g. Ofsted, CQC, HMICFRS, HMI Probation).")] = None,
    notified: Notified = None,
    as_of: AsOf = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    force: Force = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Write one tracking sheet per child, laid out as the inspectors' tool in Annex B.

    The case number, age, gender, ethnicity, disability, the lists the child is on (with their
    key dates) and the seven additional answers are filled in from the lists; the local area's
    evaluation and the eight evaluative questions are left blank for the inspector.

    Exit code 0: a sheet for every child; 1: some IDs are on none of the lists (the others were
    written); 2: usage error (or none of the IDs is on the lists); 3: a file cannot be used.

    Example: jtai tracking lists.xlsx --ids 210034,210058 -o tracking.xlsx
    """
    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from rich.text import Text

    day = parse_day(as_of)
    notified_day = parse_day(notified)
    wanted = ids_value(ids)
    stdio.refuse_stdout(output, "The tracking workbook")
    as_json = json_flag or output_format is OutputFormat.json

    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from jtai_cli.tracking import write_tracking_workbook

    from . import render

    with stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths:
        result = render.run(lambda: write_tracking_workbook(
            paths, str(wanted) if isinstance(wanted, Path) else (wanted or []), output,
            as_of=day, notified=notified_day, inspectorate=inspectorate),
            debug=debug, force=force, as_json=as_json)
    if as_json:
        render.print_json(result.to_dict())
    else:
        if not quiet:
            render.out_console().print(Text(f"{len(result.children)} tracking sheet(s) "
                                            f"written to {result.output}: "
                                            + ", ".join(result.sheets)))
            for note in result.notes:
                render.out_console().print(Text(f"Note: {note}", style="yellow"))
        if result.not_found:
            render.err_console().print(Text(
                f"Not on any list, no sheet written: {', '.join(result.not_found)}",
                style="bold red"))
    raise typer.Exit(render.EXIT_ERRORS if result.not_found else render.EXIT_OK)
