"""``jtai shortlist``: propose the 20 children (option A) or the five to seven to track."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import stdio
from .options import AnnexOption as AnnexOption  # re-exported: its home was here
from .options import AsOf, Debug, Files, Format, Json, OptionAB, OutputFormat, Quiet, parse_day

if TYPE_CHECKING:
    from rich.console import Console

    from jtai_cli.shortlisting import Shortlist

#: Children shown in the "not picked" table before pointing at --format json.
LIMIT = 40


Notified = Annotated[
    str | None,
    typer.Option("--notified", show_default=False,
                 help="The Monday the area was notified (day 0), e.g. 2026-11-23, to put dates "
                 "on the deadlines. Without it deadlines are given by day number."),
]


def shortlist(
    files: Files,
    option: OptionAB,
    seed: Annotated[int, typer.Option("--seed", help="Tie-break seed: the same lists and seed "
                                      "always give the same children.")] = 0,
    include: Annotated[str | None, typer.Option(
        "--include", show_default=False, help="Child IDs to pick whatever the rules say "
        "(comma-separated, or a file of IDs), e.g. for local context the DCS raised (para 16).",
    )] = None,
    exclude: Annotated[str | None, typer.Option(
        "--exclude", show_default=False, help="Child IDs never to pick (comma-separated, or a "
        "file of IDs).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False, help="Also write a workbook (.xlsx): at option "
        "A's first stage, the one the local authority fills in and returns by day 3; when "
        "choosing children to track, the selection with its reasons.")] = None,
    notified: Notified = None,
    as_of: AsOf = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Propose the children to ask about (option A: 20) or to track (five to seven).

    The stage is read from the lists: without the seven additional Y/N answers (option A, day
    3) it proposes 20 CSA-FE children, always taking the YOT and NPS list children and keeping
    a mix of legal status, open and closed cases, ages, gender, ethnicity, disability and teams.
    With the answers (option A's returned workbook, or option B's lists) it proposes five to
    seven children to track, every one with multi-agency involvement and current or recent work
    on CSA-FE concerns (paras 25 and 28). Every choice comes with its reasons.

    Exit code 0: proposed; 1: fewer than five children can be tracked (each other child's
    reason is shown); 2: usage error; 3: a file cannot be used.

    Example: jtai shortlist lists.xlsx --option A --notified 2026-11-23 -o for-the-la.xlsx
    """
    day = parse_day(as_of)
    notified_day = parse_day(notified)
    stdio.refuse_stdout(output, "The shortlist workbook")
    as_json = json_flag or output_format is OutputFormat.json
    from jtai_cli.shortlisting import shortlist as build_shortlist

    from . import render

    with stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths:
        result = render.run(lambda: build_shortlist(
            paths, option=option.value, seed=seed, include=include or (),
            exclude=exclude or (), as_of=day, output=output, notified=notified_day),
            debug=debug, as_json=as_json)
    if as_json:
        render.print_json(result.to_dict())
    elif quiet:
        if not result.complete:
            render.err_console().print("Fewer than five children can be tracked")
    else:
        render_shortlist(result, render.out_console(), output=output)
    raise typer.Exit(render.EXIT_OK if result.complete else render.EXIT_ERRORS)


def render_shortlist(result: Shortlist, console: Console, *, output: Path | None = None,
                     limit: int = LIMIT) -> None:
    """The picks with their reasons, the children not picked with theirs, and the notes."""
    from rich.table import Table
    from rich.text import Text

    as_of = f" (as of {result.as_of:%d/%m/%Y})" if result.as_of else ""
    if result.stage == "select-20":
        head = (f"Option A, first stage: {len(result.picks)} CSA-FE children proposed for the "
                f"seven additional questions{as_of}")
    else:
        head = (f"Option {result.option}: {len(result.picks)} children proposed to track"
                f"{as_of}")
    console.print(Text(head, style="bold"))
    table = Table(title_justify="left", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Child", no_wrap=True)
    table.add_column("Lists", overflow="fold")
    table.add_column("Why", overflow="fold", ratio=4)
    for i, p in enumerate(result.picks, start=1):
        table.add_row(str(i), p.child_id, ", ".join(p.lists), "\n".join(p.reasons))
    if result.picks:
        console.print(table)
    if result.not_picked:
        t = Table(title=f"Not picked ({len(result.not_picked)})", title_justify="left")
        t.add_column("Child", no_wrap=True)
        t.add_column("Why not", overflow="fold")
        for cid, why in result.not_picked[:limit]:
            t.add_row(cid, "; ".join(why))
        console.print(t)
        if len(result.not_picked) > limit:
            console.print(Text(f"... and {len(result.not_picked) - limit} more: see "
                               "--format json", style="dim"))
    for note in result.notes:
        console.print(Text(f"Note: {note}", style="yellow"))
    if output is not None:
        what = ("for the local authority to answer the seven questions and return"
                if result.stage == "select-20" else "with the selection and its reasons")
        console.print(Text(f"Workbook {what} written to {output}", style="dim"))
    if result.stage == "track" and not result.complete:
        console.print(Text("FEWER THAN FIVE children can be tracked: see why each other child "
                           "was not picked", style="bold red"))
