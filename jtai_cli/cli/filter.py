"""``jtai filter``: the rows of the lists that meet the criteria, to .xlsx or .csv."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import stdio
from .options import (
    AsOf,
    Debug,
    Files,
    Force,
    Format,
    Ids,
    Json,
    OutputFormat,
    Quiet,
    ids_value,
    parse_day,
)

if TYPE_CHECKING:
    from rich.console import Console

    from jtai_cli.filtering import FilterResult


class Window(StrEnum):
    """Look-back windows."""

    three = "3m"
    six = "6m"
    twelve = "12m"


def filter_(
    files: Files,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="File to write: .xlsx (one sheet per list) or .csv "
                     "(one list, UTF-8, opens cleanly in Excel); - writes the CSV to standard "
                     "output.", show_default=False),
    ],
    lists: Annotated[
        list[str] | None,
        typer.Option("--list", "-l", help="A list to keep: its number (6, 7, 8; 8 is both "
                     "forms) or name (contacts, referrals, assessments, section_47, yot, nps). "
                     "Repeat it, or separate with commas. Default: every list.",
                     show_default=False),
    ] = None,
    csa_only: Annotated[bool, typer.Option("--csa-only", help="Only children flagged at risk "
                                           "of or subject to CSA-FE (Y) on any list; their "
                                           "contacts and referrals follow them.")] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only open cases: no closure or end "
                                            "date (lists 4, 6, 7, 8).")] = False,
    closed_only: Annotated[bool, typer.Option("--closed", help="Only closed cases: a closure "
                                              "or end date (lists 4, 6, 7, 8).")] = False,
    within: Annotated[
        Window | None,
        typer.Option("--within", help="Only events dated, or cases open, in the 3, 6 or 12 "
                     "months before --as-of.", show_default=False),
    ] = None,
    as_of: AsOf = None,
    team: Annotated[
        str | None,
        typer.Option("--team", help="Only rows whose allocated team contains this text "
                     "(case ignored).", show_default=False),
    ] = None,
    ids: Ids = None,
    referrals_csa: Annotated[
        bool,
        typer.Option("--referrals-csa", help="Referrals of children flagged elsewhere: a "
                     "draft to review, not the para 33 list. Referrals in the three months "
                     "before --as-of for children flagged CSA-FE on any list (give the "
                     "referrals and lists 4-8 together). It misses referrals of children "
                     "flagged nowhere (e.g. ended in no further action) and keeps unrelated "
                     "ones; the para 33 list is the 'Para 33' sheet of jtai template."),
    ] = False,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    quiet: Quiet = False,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Write the rows that meet every criterion to a workbook (.xlsx) or a CSV (one list).

    CSV files are UTF-8 with a byte-order mark, so Excel opens them cleanly, and a cell that
    Excel would run as a formula is prefixed with '. A .csv output holds one list: pick it with
    --list.

    Example: jtai filter lists.xlsx referrals.csv --referrals-csa --as-of 23/11/2026 -o draft.csv
    """
    day = parse_day(as_of)
    wanted = ids_value(ids)
    as_json = json_flag or output_format is OutputFormat.json
    if as_json and stdio.is_stdout(output):
        raise typer.BadParameter("-o - and --format json would both print on standard output: "
                                 "write the rows to a file", param_hint="--output")
    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from jtai_cli.filtering import filter_lists

    from . import render

    with (stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths,
          stdio.output_to_stdout(output, ".csv") as target):
        assert target is not None
        result = render.run(lambda: filter_lists(
            paths, target, lists=lists, csa_only=csa_only, open_only=open_only,
            closed_only=closed_only, within=within.value if within else None, as_of=day,
            team=team, ids=wanted, referrals_csa=referrals_csa), debug=debug,
            force=force, as_json=as_json)
    if as_json:
        render.print_json(result.to_dict())
    elif not (quiet or stdio.is_stdout(output)):
        render_filter(result, render.out_console())
    elif result.unreadable and not quiet:  # the rows went to stdout: say it on stderr
        render.err_console().print(f"Note: {result.unreadable}", style="yellow",
                                   markup=False, highlight=False)
    raise typer.Exit(render.EXIT_OK)


def render_filter(result: FilterResult, console: Console) -> None:
    """What was kept, list by list."""
    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from rich.table import Table
    from rich.text import Text

    source = "" if result.as_of_source == "given" else f", from {result.as_of_source}"
    console.print(Text(f"Filtered {', '.join(result.files)} (as of {result.as_of:%d/%m/%Y}"
                       f"{source})", style="bold"))
    console.print("Rows kept where: " + "; ".join(result.criteria))
    if result.caveat:
        console.print(Text(result.caveat, style="yellow"))
    if result.unreadable:
        console.print(Text(f"Note: {result.unreadable}", style="yellow"))
    if result.children_flagged is not None:
        console.print(f"{result.children_flagged} children are flagged CSA-FE on at least one "
                      "list.")
    table = Table(title_justify="left")
    table.add_column("List")
    table.add_column("Rows in", justify="right")
    table.add_column("Rows out", justify="right")
    table.add_column("Not applied", overflow="fold")
    for lf in result.lists:
        table.add_row(lf.title, str(lf.rows_in), str(lf.rows_out), "; ".join(lf.not_applied))
    console.print(table)
    console.print(Text(f"{result.rows_out} rows written to {result.output}", style="bold green"))
