"""``jtai shortlist``: propose the 20 children (option A) or the five to seven to track."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jtai_cli.policy import MIX_RULE

from . import stdio
from .options import AnnexOption as AnnexOption  # re-exported: its home was here
from .options import (
    AsOf,
    Debug,
    Files,
    Force,
    Format,
    Json,
    OptionAB,
    OutputFormat,
    Quiet,
    parse_day,
)

if TYPE_CHECKING:
    from rich.console import Console

    from jtai_cli.shortlisting import Shortlist

#: Children shown in the "not picked" table before pointing at --format json.
LIMIT = 40


class StageChoice(StrEnum):
    """Which stage to run, whatever the data says."""

    select = "select"
    track = "track"


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
    prefer: Annotated[str | None, typer.Option(
        "--prefer", show_default=False, help="Move matching children up jtai's mix rule: "
        "child IDs, lists (list-6, list-7, list-8, yot, nps) or age bands (unborn, 0-4, 5-9, "
        "10-15, 16-17), comma-separated.")] = None,
    require: Annotated[str | None, typer.Option(
        "--require", show_default=False, help="The selection must include a matching child: "
        "a child ID (picked, as --include), a list or an age band, comma-separated.")] = None,
    stage: Annotated[StageChoice | None, typer.Option(
        "--stage", case_sensitive=False, show_default=False, help="Force a stage: select (option "
        "A's 20 children, para 22) or track (five to seven, paras 24, 27). Default: read from "
        "the lists (the seven answers present: track).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False, help="Also write a workbook (.xlsx): at option "
        "A's first stage, the one the local authority fills in and returns by day 3; when "
        "choosing children to track, the selection with its reasons.")] = None,
    notified: Notified = None,
    as_of: AsOf = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    force: Force = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Propose the children to ask about (option A: 20) or to track (five to seven).

    The stage is read from the lists (or forced with --stage), and the output says which and
    why. Without the seven additional Y/N answers (option A, day 3) it proposes 20 CSA-FE
    children from all the lists provided, or all of them when fewer (para 22). With the answers
    (option A's returned workbook, or option B's lists) it proposes five to seven to track.

    No child is ruled out for a field. Paras 25 and 28 describe a phone call to confirm that
    the selection includes multi-agency involvement and current or recent work to address
    CSA-FE concerns: the proposal is built so that it does where the lists allow, reading
    multi-agency involvement from field 2 and work to address concerns from fields 5, 6 and 7
    (jtai's reading), and the output lists what the call must confirm and which picks rely on
    which fields. Every choice comes with its reasons.

    {mix_rule}

    Exit code 0: proposed; 1: fewer than five children could be proposed for tracking; 2:
    usage error; 3: a file cannot be used.

    Example: jtai shortlist lists.xlsx --option A --notified 2026-11-23 -o for-the-la.xlsx
    """
    day = parse_day(as_of)
    notified_day = parse_day(notified)
    stdio.refuse_stdout(output, "The shortlist workbook")
    as_json = json_flag or output_format is OutputFormat.json
    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from jtai_cli.shortlisting import shortlist as build_shortlist

    from . import render

    with stdio.stdin_inputs(files, debug=debug, as_json=as_json) as paths:
        result = render.run(lambda: build_shortlist(
            paths, option=option.value, seed=seed, include=include or (),
            exclude=exclude or (), prefer=prefer or (),
            require=require or (), stage=stage.value if stage else None, as_of=day,
            output=output, notified=notified_day),
            debug=debug, force=force, as_json=as_json)
    if as_json:
        render.print_json(result.to_dict())
    elif quiet:
        if not result.complete:
            render.err_console().print("Fewer than five children can be tracked")
    else:
        render_shortlist(result, render.out_console(), output=output)
    raise typer.Exit(render.EXIT_OK if result.complete else render.EXIT_ERRORS)


shortlist.__doc__ = (shortlist.__doc__ or "").replace("{mix_rule}", MIX_RULE)


def render_shortlist(result: Shortlist, console: Console, *, output: Path | None = None,
                     limit: int = LIMIT) -> None:
    """The picks with their reasons, the children not picked with theirs, and the notes."""
    # Imported here, not at the top: `jtai --help` loads neither rich nor pandas.
    from rich.table import Table
    from rich.text import Text

    from jtai_cli.reporting import counted

    as_of = f" (as of {result.as_of:%d/%m/%Y})" if result.as_of else ""
    if result.stage == "select-20":
        head = (f"Option A, first stage: {len(result.picks)} CSA-FE children proposed for the "
                f"seven additional questions{as_of}")
    else:
        head = (f"Option {result.option}: {counted(len(result.picks), 'child', 'children')} "
                "proposed to track"
                f"{as_of}")
    console.print(Text(head, style="bold"))
    if result.errors_note:  # export refuses such lists; the shortlist says so first
        console.print(Text(result.errors_note[0].upper() + result.errors_note[1:] + ".",
                           style="bold red"))
    if result.stage_note:
        console.print(Text(result.stage_note[0].upper() + result.stage_note[1:] + "."))
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
    if result.call_must_confirm:
        console.print(Text("What the phone call must confirm (paras 25, 28)", style="bold"))
        for line in result.call_must_confirm:
            console.print(Text(f"- {line}"))
    for note in result.notes:
        console.print(Text(f"Note: {note}", style="yellow"))
    console.print(Text(MIX_RULE, style="dim"))
    if output is not None:
        what = ("for the local authority to answer the seven questions and return"
                if result.stage == "select-20" else "with the selection and its reasons")
        console.print(Text(f"Workbook {what} written to {output}", style="dim"))
    if result.stage == "track" and not result.complete:
        console.print(Text("FEWER THAN FIVE children could be proposed for tracking",
                           style="bold red"))
