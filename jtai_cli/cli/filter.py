"""``jtai filter``: the rows of the lists that meet the criteria, to .xlsx or .csv."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from jtai_cli.filtering import FilterResult, filter_lists

from . import render
from .options import AsOf, Debug, Files, Force, Format, Json, OutputFormat, Quiet, parse_day


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
                     "(one list, UTF-8, opens cleanly in Excel).", show_default=False),
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
    ids: Annotated[
        Path | None,
        typer.Option("--ids", help="Only these children: a file with one child ID per line, or "
                     "a column headed Child Unique ID (CSV or workbook).", show_default=False),
    ] = None,
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
    result = render.run(lambda: filter_lists(
        files, output, lists=lists, csa_only=csa_only, open_only=open_only,
        closed_only=closed_only, within=within.value if within else None, as_of=day, team=team,
        ids=ids, referrals_csa=referrals_csa), debug=debug, force=force)
    if json_flag or output_format is OutputFormat.json:
        render.print_json(result.to_dict())
    elif not quiet:
        render_filter(result, render.out_console())
    raise typer.Exit(render.EXIT_OK)


def render_filter(result: FilterResult, console: Console) -> None:
    """What was kept, list by list."""
    source = "" if result.as_of_source == "given" else f", from {result.as_of_source}"
    console.print(Text(f"Filtered {', '.join(result.files)} (as of {result.as_of:%d/%m/%Y}"
                       f"{source})", style="bold"))
    console.print("Rows kept where: " + "; ".join(result.criteria))
    if result.caveat:
        console.print(Text(result.caveat, style="yellow"))
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
