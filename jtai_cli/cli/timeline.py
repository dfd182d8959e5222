"""``jtai timeline``: every deadline of the inspection, dated from the notification call."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from jtai_cli._files import write_text_atomic

from . import stdio
from .options import AnnexOption, Debug, Force, Format, Json, OutputFormat, Quiet, parse_day


def timeline(
    notified: Annotated[str, typer.Option("--notified", help="The Monday the local authority "
                                          "was notified (day 0), e.g. 2026-11-23 or 23/11/2026.",
                                          show_default=False)],
    option: Annotated[AnnexOption | None, typer.Option(
        "--option", case_sensitive=False, help="A or B (Annex C); both if not given.",
        show_default=False)] = None,
    ics: Annotated[Path | None, typer.Option(
        "--output", "-o", "--ics", help="Also write a calendar file (.ics) any calendar can "
        "import; - prints it on standard output.", show_default=False)] = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    force: Force = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """List every deadline of the fortnight with its date, time and guidance paragraph.

    England and Wales bank holidays are flagged (on a deadline, on the notification day, and
    on any other inspection day), never skipped: the guidance counts inspection days, and
    moving a deadline is the lead inspector's call. The dates come from the 'holidays' package,
    offline.

    Example: jtai timeline --notified 2026-11-23 --option A --ics jtai.ics
    """
    # lazy: rich loads only when the command runs, so --help stays quick
    from rich.table import Table
    from rich.text import Text

    day = parse_day(notified)
    assert day is not None
    opt = option.value if option else None
    as_json = json_flag or output_format is OutputFormat.json
    if as_json and stdio.is_stdout(ics):
        raise typer.BadParameter("-o - and --format json would both print on standard output: "
                                 "write the calendar to a file", param_hint="--output")

    # lazy: the library and rich load only when the command runs, so --help stays quick
    from jtai_cli.timetable import timeline as build_timeline

    from . import render

    tl = render.run(lambda: build_timeline(day, opt),  # type: ignore[arg-type]
                    debug=debug, force=force, as_json=as_json)
    if stdio.is_stdout(ics):
        sys.stdout.write(tl.to_ics())
        return
    if ics is not None:
        render.run(lambda: write_text_atomic(ics, tl.to_ics()), debug=debug, force=force,
                   as_json=as_json)
    if as_json:
        render.print_json(tl.to_dict())
        return
    if quiet:
        return
    console = render.out_console()
    table = Table(title=f"JTAI timetable, notified {day:%A %d/%m/%Y}"
                  + (f", option {opt}" if opt else ", options A and B"), title_justify="left")
    for col in ("Day", "Date", "Time", "Who", "What", "Options", "Source"):
        table.add_column(col, overflow="fold")
    for d in tl.deadlines:
        what = Text(d.what + (f"\n[{d.note}]" if d.note else ""))
        when = Text(f"{d.date:%a %d/%m}")
        if d.bank_holiday:
            what.append(f"\nBANK HOLIDAY: {d.bank_holiday}", style="bold yellow")
            when.append(" (bank holiday)", style="bold yellow")
        table.add_row(str(d.day), when, d.time.strftime("%H:%M") if d.time
                      else "end of day", d.who, what, "/".join(sorted(d.options)), d.source)
    console.print(table)
    if tl.notified_bank_holiday:
        console.print(Text(f"The notification day, {day:%d/%m/%Y}, is a bank holiday "
                           f"({tl.notified_bank_holiday}).", style="bold yellow"))
    for b in tl.bank_holidays:
        console.print(Text(f"Bank holiday on day {b.day}, {b.date:%A %d/%m/%Y}: {b.name} "
                           "(England and Wales).", style="yellow"))
    if tl.bank_holidays:
        console.print(Text("The guidance counts inspection days and does not mention bank "
                           "holidays: no deadline has been moved; that is the lead inspector's "
                           "call.", style="dim"))
    if ics is not None:
        console.print(Text(f"Calendar written to {ics}", style="dim"))
