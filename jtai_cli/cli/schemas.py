"""``jtai schemas``: show the lists jtai knows, in an analyst's words."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from jtai_cli.schemas import load_schemas, schema_view

from . import render
from .options import Debug, Format, Json, OutputFormat

app = typer.Typer(help="Show the lists jtai checks and their columns.", no_args_is_help=True)


@app.command("list")
def list_schemas(
    output_format: Format = OutputFormat.text, json_flag: Json = False, debug: Debug = False
) -> None:
    """List every list jtai can find in a workbook.

    Example: jtai schemas list
    """
    schemas = render.run(load_schemas, debug=debug)
    rows = [
        {"name": s.name, "title": s.title, "columns": len(s.columns),
         "required": sum(c.required for c in s.columns)}
        for s in schemas.lists.values()
    ]
    if json_flag or output_format is OutputFormat.json:
        render.print_json(rows)
        return
    table = Table(title="Lists jtai checks", title_justify="left")
    for col in ("Name", "Title", "Columns", "Required"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["name"]), str(r["title"]), str(r["columns"]), str(r["required"]))
    render.out_console().print(table)
    render.out_console().print(Text("See one list's columns: jtai schemas show children_in_need",
                                    style="dim"))


@app.command("show")
def show_schema(
    name: Annotated[str, typer.Argument(help="The list's name, as in 'jtai schemas list', or a "
                                           "code list's (primary_need).")],
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    debug: Debug = False,
) -> None:
    """Show one list's columns (header, type, required, codes, rules), or a code list's codes.

    Example: jtai schemas show children_in_need
    """
    view = render.run(lambda: schema_view(name), debug=debug)
    if json_flag or output_format is OutputFormat.json:
        render.print_json(view)
        return
    console = render.out_console()
    console.print(Text(str(view["title"]), style="bold"))
    if "codes" in view:  # a code list
        table = Table()
        for col in ("Value as written in the template", "Code", "Meaning"):
            table.add_column(col, overflow="fold")
        for c in view["codes"]:  # type: ignore[attr-defined]
            table.add_row(c["value"], c["code"] or "", c["label"])
        console.print(table)
        return
    console.print(str(view["description"]))
    table = Table(show_lines=True)
    for col in ("Header", "Type", "Required", "Codes / rules", "Also accepted", "Meaning"):
        table.add_column(col, overflow="fold")
    for c in view["columns"]:  # type: ignore[attr-defined]
        rules = ", ".join(f"{k}: {v}" for k, v in c["rules"].items())
        codes = c["codes"] or ""
        table.add_row(c["header"], c["type"], "yes" if c["required"] else "",
                      "; ".join(x for x in (codes, rules) if x), ", ".join(c["also_accept"]),
                      c["description"])
    console.print(table)
