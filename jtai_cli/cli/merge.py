"""``jtai merge``: one workbook from many files, every row accounted for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import stdio
from .options import AsOf, Debug, Files, Force, Format, Json, OutputFormat, Quiet, parse_day

if TYPE_CHECKING:
    from rich.console import Console

    from jtai_cli.merging import MergeResult

#: Rows of the duplicates and conflicts tables shown before pointing at the Sources sheet.
LIMIT = 30


def merge(
    files: Files,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The merged workbook to write (.xlsx); never one "
                     "of the inputs.", show_default=False),
    ],
    as_of: AsOf = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    quiet: Quiet = False,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Merge the lists in several workbooks or CSV files into one workbook, losing no row.

    Rows of the same list are stacked in the order the files are given. Exact duplicates are
    removed and counted; two different rows for the same child on lists 6, 7, 8, YOT or NPS
    are both kept and reported as a conflict, for you to decide. A Sources sheet says where
    every row came from. The merged workbook is then checked as validate does.

    Exit code 0: merged and no errors; 1: merged, but the merged workbook has errors
    (conflicts included); 2: usage error; 3: a file cannot be used.

    Example: jtai merge lists-6-8.xlsx contacts.csv referrals.csv yot-nps.xlsx -o return.xlsx
    """
    day = parse_day(as_of)
    stdio.refuse_stdout(output, "The merged workbook")
    as_json = json_flag or output_format is OutputFormat.json
    # lazy: the library and rich load only when the command runs, so --help stays quick
    from jtai_cli.merging import merge_workbooks
    from jtai_cli.reporting import counted

    from . import render

    with stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths:
        result = render.run(lambda: merge_workbooks(paths, output, as_of=day), debug=debug,
                            force=force, as_json=as_json)
    if as_json:
        render.print_json(result.to_dict())
    elif not (quiet and result.valid):
        if quiet:
            c = result.validation.counts()
            render.err_console().print(f"{counted(c['error'], 'error')} in {output}")
        else:
            console = render.out_console()
            render_merge(result, console)
            render.render_report(result.validation, console)
    raise typer.Exit(render.EXIT_OK if result.valid else render.EXIT_ERRORS)


def render_merge(result: MergeResult, console: Console, *, limit: int = LIMIT) -> None:
    """The row accounting, duplicates, conflicts and notes of a merge."""
    # lazy: rich loads only when the command runs, so --help stays quick
    from rich.table import Table
    from rich.text import Text

    spans = {(a.first, a.last) for a in result.list_dates.values()}
    when = (f"as of {result.as_of:%d/%m/%Y}" if len(spans) <= 1 and all(
        a.is_exact for a in result.list_dates.values())
            else "each list on its own extraction: see the note below")
    console.print(Text(f"Merged {len(result.files)} file(s) into {result.output} ({when})",
                       style="bold"))
    table = Table(title="Rows accounted for: rows in = rows out + exact duplicates removed",
                  title_justify="left")
    table.add_column("List")
    table.add_column("Sheet")
    for col in ("Rows in", "Rows out", "Duplicates removed", "In conflict"):
        table.add_column(col, justify="right")
    table.add_column("Check")
    for a in result.lists:
        check = (Text(f"{a.rows_in} = {a.rows_out} + {a.duplicates_removed}", style="green")
                 if a.balanced else Text("DOES NOT BALANCE", style="bold red"))
        table.add_row(a.title, a.sheet, str(a.rows_in), str(a.rows_out),
                      str(a.duplicates_removed),
                      Text(str(a.rows_in_conflict), style="yellow" if a.rows_in_conflict else ""),
                      check)
    console.print(table)

    titles = {a.list: a.title.split(":")[0] for a in result.lists}
    dups = result.duplicates
    if dups:
        t = Table(title=f"Exact duplicates removed ({len(dups)})", title_justify="left")
        for col in ("List", "Removed row", "Same as (kept)"):
            t.add_column(col, overflow="fold")
        for r in dups[:limit]:
            t.add_row(titles[r.list], str(r.source), str(r.duplicate_of))
        console.print(t)
    if result.conflicts:
        n = len(result.conflicts)
        t = Table(title=f"Conflicts: same child, different rows, all kept ({n} "
                        f"{'child' if n == 1 else 'children'})", title_justify="left",
                  title_style="bold yellow")
        for col in ("List", "Child", "Rows (input -> merged row)", "Columns that differ"):
            t.add_column(col, overflow="fold")
        for c in result.conflicts[:limit]:
            rows = "\n".join(f"{r} -> row {o}" for r, o in zip(c.rows, c.output_rows,
                                                                strict=True))
            t.add_row(titles[c.list], c.child_id, rows, ", ".join(c.columns))
        console.print(t)
    if result.unreadable:
        t = Table(title=f"Values that could not be read ({len(result.unreadable)})",
                  title_justify="left")
        for col in ("List", "Row", "Column", "Value as written", "In the merged workbook"):
            t.add_column(col, overflow="fold")
        for u in result.unreadable[:limit]:
            t.add_row(titles[u.list], str(u.source), u.column, u.value,
                      "kept as written" if u.kept else "blank (a number was expected)")
        console.print(t)
    if limit < max(len(dups), len(result.conflicts), len(result.unreadable)):
        console.print(Text("... more in the Sources sheet of the merged workbook, or with "
                           "--format json", style="dim"))
    for note in result.notes:
        console.print(Text(f"Note: {note}", style="yellow"))
    console.print(Text(f"Written to {result.output}; its Sources sheet says where every row came "
                       "from. Its check follows.", style="dim"))
