"""``jtai summary``: how many children are flagged CSA-FE, who they are, and their journey."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import stdio
from .options import AnnexOption, Debug, Files, Force, Format, Json, OutputFormat, Quiet, parse_day

if TYPE_CHECKING:
    from rich.console import Console

    from jtai_cli.summary import Summary

AsOfSummary = Annotated[
    str | None,
    typer.Option("--as-of", help="Date of the lists, for every list: ages are counted at it "
                 "(2026-11-23 or 23/11/2026). Default: each list's own extraction, as validate "
                 "works it out (its 'data as at' title, else the window from the latest event "
                 "of the lists due on the same day to the file's saved date). Leave it out to "
                 "compare snapshots.", show_default=False),
]


def summary(
    files: Files,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this HTML file: every table "
                     "with its chart, in one page that opens offline in any browser; - prints "
                     "it on standard output.",
                     show_default=False),
    ] = None,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", help="Also write the same tables to this workbook (.xlsx).",
                     show_default=False),
    ] = None,
    as_of: AsOfSummary = None,
    population: Annotated[
        int | None,
        typer.Option("--population", min=1, help="The area's 0-17 population (e.g. a published "
                     "mid-year estimate): adds rates per 10,000 children to the table by list, "
                     "with the base stated.", show_default=False),
    ] = None,
    option: Annotated[
        AnnexOption | None,
        typer.Option("--option", case_sensitive=False,
                     help="A or B (Annex C): the base of the seven answers' '% yes'. A: the "
                     "lead inspector's sample of up to 20; B: every flagged child. Default: "
                     "read from whom the answers cover (A only when at most 20 children have "
                     "answers and some flagged child has none), said in the notes.",
                     show_default=False),
    ] = None,
    no_suppress: Annotated[
        bool,
        typer.Option("--no-suppress", help="Show counts of 1 to 4 as they are. For internal "
                     "use only: never publish or share the result."),
    ] = False,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    force: Force = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Count the children flagged at risk of or subject to CSA-FE, by list, age, gender,
    ethnicity, disability, team, legal status, need and category of abuse, and follow them
    across the lists. Counts of 1 to 4 are shown as <5, a 0 beside a <5 in its row is hidden
    too, and other figures hidden ([c]) where they would give a small count away; a hidden
    figure the others confine to a range of large numbers is shown as that range (22-25). The
    seven answers' "% yes" is of the children asked and answering (option A: the lead
    inspector's sample). Flag counts are of the children the lists identify, not a prevalence
    (paras 3, 13). Several dated workbooks give a trend.

    Example: jtai summary lists.xlsx -o summary.html --xlsx summary.xlsx
    """
    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from rich.text import Text

    day = parse_day(as_of)
    stdio.refuse_stdout(xlsx, "The summary workbook", "--xlsx")
    as_json = json_flag or output_format is OutputFormat.json
    if as_json and stdio.is_stdout(output):
        raise typer.BadParameter("-o - and --format json would both print on standard output: "
                                 "write the page to a file", param_hint="--output")
    if (output is not None and not stdio.is_stdout(output)
            and output.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods", ".csv")):
        raise typer.BadParameter(f"-o writes the report as a web page, not a {output.suffix} "
                                 f"file: give a name ending .html, and --xlsx {output.name} "
                                 "for the workbook", param_hint="--output")
    opt = option.value if option else None

    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from jtai_cli.summary import summarise

    from . import render

    with stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths:
        result = render.run(lambda: summarise(paths, as_of=day, suppress=not no_suppress,
                                              option=opt, population=population),
                            debug=debug, force=force, as_json=as_json)
    if xlsx is not None:
        render.run(lambda: result.to_xlsx(xlsx), debug=debug, force=force, as_json=as_json)
    if output is not None:
        try:
            with stdio.output_to_stdout(output, ".html") as target:
                assert target is not None
                render.run(lambda: result.write_html(target), debug=debug, force=force,
                           as_json=as_json)
        except typer.Exit:
            if xlsx is not None and not as_json:  # say what was written before this failed
                render.err_console().print(
                    f"The workbook {xlsx} was written (complete) before this failed.")
            raise
        if stdio.is_stdout(output):
            return
    if as_json:
        render.print_json(result.to_dict())
        return
    if quiet:
        return
    console = render.out_console()
    _render(result, console)
    for path, what in ((output, "Report"), (xlsx, "Workbook")):
        if path is not None:
            console.print(Text(f"{what} written to {path}", style="bold"))
    if output is None:
        console.print(Text("Add -o summary.html for the report with charts.", style="dim"))


def _render(result: Summary, console: Console) -> None:
    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from rich.table import Table
    from rich.text import Text

    dates = ", ".join(f"{s.as_of:%d/%m/%Y}" for s in result.snapshots)
    console.print(Text(f"Summary of {', '.join(result.files)} (data as at {dates})",
                       style="bold"))
    if result.suppressed:
        console.print(Text("Small numbers suppressed: <5 is 1 to 4 children; [c] is hidden so "
                           "that a number under 5 cannot be worked out; 22-25 is hidden but "
                           "confined to that range by the other figures.", style="dim"))
    else:
        console.print(Text("NOT suppressed: internal use only, do not publish or share.",
                           style="bold red"))
    for note in result.notes:
        console.print(Text(f"Note: {note}", style="yellow"))
    for t in result.tables.values():
        table = Table(title=t.title, title_justify="left", title_style="bold",
                      caption=t.description if t.name == "additional" else None,
                      caption_justify="left")
        table.add_column(str(t.frame.index.name or ""), overflow="fold")
        for col in t.frame.columns:
            table.add_column(str(col), justify="right")
        for label, row in t.frame.iterrows():
            style = "bold" if label == t.total_row else ""
            table.add_row(Text(str(label)), *[Text(_cell(v), style="" if isinstance(v, int | float)
                                                   else "dim italic") for v in row],
                          style=style)
        console.print(table)


def _cell(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
