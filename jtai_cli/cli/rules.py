"""``jtai rules``: every rule jtai checks, with its slug, severity, meaning and paragraph."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import typer

from .options import Debug, Format, Json, OutputFormat, Quiet


class SeverityChoice(StrEnum):
    """The severities a rule can have."""

    error = "error"
    warning = "warning"
    coerced = "coerced"


def rules(
    slug: Annotated[str | None, typer.Argument(
        help="One rule's slug (as in a report's 'rule' column, e.g. duplicate-child) to show "
        "its message and the columns it reads. Leave out to list them all.",
        show_default=False)] = None,
    severity: Annotated[SeverityChoice | None, typer.Option(
        "--severity", "-s", case_sensitive=False, help="Only the rules of this severity.",
        show_default=False)] = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """List the rules jtai checks: slug, severity, what it means and the guidance paragraph.

    The slug is the 'rule' of each finding in a report; it never changes meaning.

    Example: jtai rules duplicate-child
    """
    # lazy: rich and the rule modules load only when the command runs, so --help stays quick
    from rich.table import Table
    from rich.text import Text

    from jtai_cli.rules import STAGE_TITLES, rules_view

    from . import render

    as_json = json_flag or output_format is OutputFormat.json
    view = render.run(lambda: rules_view(slug, severity.value if severity else None),
                      debug=debug, as_json=as_json)
    if as_json:
        render.print_json(view)
        return
    if quiet:
        return
    console = render.out_console()
    found = view["rules"]
    assert isinstance(found, list)
    if slug is not None:
        r = found[0]
        console.print(Text(f"{r['slug']} ({r['severity']}): {r['title']}", style="bold"))
        console.print(str(r["meaning"]))
        for label, value in (("Guidance", r["paragraph"] or "jtai's own rule"),
                             ("Its words", " / ".join(f'"{q}"' for q in r["quote"])),
                             ("jtai's policy", r["policy"])):
            if value:
                console.print(Text.assemble((f"{label}: ", "bold"), str(value)))
        console.print(Text("What the report says (words in <> are filled in from the cell):",
                           style="bold"))
        for message in r["messages"]:
            console.print(Text("  " + _placeholders(str(message))))
        console.print(Text("jtai rules --format json adds the columns and code it reads.",
                           style="dim"))
        return
    table = Table(title="Rules jtai checks", title_justify="left", show_lines=False)
    for col in ("Rule", "Severity", "What it means", "Guidance"):
        table.add_column(col, overflow="fold")
    stage = None
    for r in found:
        if r["stage"] != stage:
            stage = r["stage"]
            table.add_row(Text(STAGE_TITLES[str(stage)], style="bold"), "", "", "")
        source = str(r["paragraph"] or "jtai")
        if r["policy"] and r["paragraph"]:
            source += "; jtai policy"
        table.add_row(str(r["slug"]), str(r["severity"]), str(r["meaning"]), source)
    console.print(table)
    console.print(Text("One rule's message and columns: jtai rules <slug>, e.g. jtai rules "
                       "duplicate-child", style="dim"))


def _placeholders(template: str) -> str:
    """A message template in words: "{age} on the {column}" -> "<age> on the <column>"."""
    return re.sub(r"\{(\w+)\}", lambda m: "<" + m.group(1).replace("_", " ") + ">", template)
