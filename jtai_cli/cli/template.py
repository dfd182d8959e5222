"""``jtai template``: a blank workbook for the local authority to fill in."""

from __future__ import annotations

from . import stdio
from .options import Debug, Force, OptionAB, Output, Quiet, parse_day
from .shortlist import Notified


def template(
    option: OptionAB,
    output: Output,
    notified: Notified = None,
    force: Force = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Write a blank workbook: every list's sheet with its exact headers, drop-downs and dates.

    Code and Y/N columns have drop-downs, date columns show dd/mm/yyyy, and an Instructions
    sheet says what goes where and every deadline (Annex C). Option B adds the seven additional
    Y/N columns to lists 6-8 and an Additional fields sheet (para 26).

    Example: jtai template --option B --notified 2026-11-23 -o blank.xlsx
    """
    # lazy: rich loads only when the command runs, so --help stays quick
    from rich.text import Text

    day = parse_day(notified)
    stdio.refuse_stdout(output, "The blank workbook")
    # lazy: the library and rich load only when the command runs, so --help stays quick
    from jtai_cli.templating import write_template

    from . import render

    path = render.run(lambda: write_template(output, option=option.value, notified=day),
                      debug=debug, force=force)
    if not quiet:
        render.out_console().print(Text(f"Blank option {option.value} workbook written to {path}"))
