"""``jtai schemas``: show the lists jtai knows, in an analyst's words."""

from __future__ import annotations

import json
from enum import StrEnum
from importlib import resources
from typing import Annotated

import typer

from jtai_cli.errors import UsageError

from .options import Debug, Format, Json, OutputFormat, Quiet
from .usage import JtaiCommand

app = typer.Typer(help="Show the lists jtai checks, their columns and code lists, and the "
                  "JSON Schema of jtai's JSON output.", no_args_is_help=True)


class JsonDocument(StrEnum):
    """The JSON documents jtai publishes a JSON Schema for."""

    report = "report"
    error = "error"


#: Document -> its JSON Schema file, shipped in the package (jtai_cli/json_schemas/).
JSON_SCHEMA_FILES = {JsonDocument.report: "validate-report.schema.json",
                     JsonDocument.error: "error.schema.json"}


def resolve_list_name(name: str) -> str:
    """The schema name a list is called by: ``6``, ``list-6``, ``List 6``, ``CIN`` or
    ``children_in_need`` all mean ``children_in_need``, as with ``filter --list``.

    Raises:
        UsageError: no list is called that, or the name means two lists (8: both forms).
    """
    # lazy: the library loads only when the command runs, so --help stays quick
    from jtai_cli.schemas import list_names, load_schemas, normalise

    schemas = load_schemas()
    found = list_names(schemas).get(normalise(name))
    if not found and name in schemas.codes:
        return name  # a code list: `jtai schemas show primary_need` shows its codes
    if not found:
        raise UsageError(f"no list called '{name}': use a list number (6, 7, 8), list-6, or "
                         f"one of {', '.join(schemas.lists)}")
    if len(found) > 1:
        raise UsageError(f"'{name}' has {len(found)} forms: name one of {', '.join(found)}")
    return found[0]


@app.command("list", cls=JtaiCommand)
def list_schemas(
    output_format: Format = OutputFormat.text, json_flag: Json = False, quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """List every list jtai can find in a workbook.

    Example: jtai schemas list
    """
    # lazy: the library and rich load only when the command runs, so --help stays quick
    from rich.table import Table
    from rich.text import Text

    from jtai_cli.schemas import load_schemas

    from . import render

    as_json = json_flag or output_format is OutputFormat.json
    schemas = render.run(load_schemas, debug=debug, as_json=as_json)
    rows = [
        {"name": s.name, "title": s.title, "list_number": s.list_number,
         "columns": len(s.columns), "required": sum(c.required for c in s.columns)}
        for s in schemas.lists.values()
    ]
    if as_json:
        render.print_json({"lists": rows})
        return
    if quiet:
        return
    table = Table(title="Lists jtai checks", title_justify="left")
    for col in ("Name", "Title", "Columns", "Required"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["name"]), str(r["title"]), str(r["columns"]), str(r["required"]))
    render.out_console().print(table)
    render.out_console().print(Text("See one list's columns: jtai schemas show children_in_need "
                                    "(or show 6, show list-6)", style="dim"))


@app.command("show", cls=JtaiCommand)
def show_schema(
    name: Annotated[str, typer.Argument(help="The list: its name as in 'jtai schemas list' "
                                        "(children_in_need), its number (6, list-6) or a "
                                        "short name (CIN, CP, CLA, S47, YOT, NPS); or a code "
                                        "list's name (primary_need).")],
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Show one list's columns (header, type, required, codes, rules), or a code list's codes.

    Example: jtai schemas show children_in_need
    """
    # lazy: the library and rich load only when the command runs, so --help stays quick
    from rich.table import Table
    from rich.text import Text

    from jtai_cli.schemas import schema_view

    from . import render

    as_json = json_flag or output_format is OutputFormat.json
    view = render.run(lambda: schema_view(resolve_list_name(name)), debug=debug,
                      as_json=as_json)
    if as_json:
        render.print_json(view)
        return
    if quiet:
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
        rules = "; ".join(rule_words(str(k), v) for k, v in c["rules"].items())
        codes = c["codes"] or ""
        table.add_row(c["header"], c["type"], "yes" if c["required"] else "",
                      "; ".join(x for x in (f"codes: {codes}" if codes else "", rules) if x),
                      ", ".join(c["also_accept"]),
                      c["description"])
    console.print(table)
    console.print(Text("A column's codes: jtai schemas codes <name>, e.g. jtai schemas codes "
                       "ethnicity", style="dim"))


def rule_words(key: str, value: object) -> str:
    """One of a column's rules said as an analyst would (``--format json`` keeps the keys)."""
    if isinstance(value, list):  # conditions, already in words ("when ... (source: ...)")
        lead = {"blank_when": "blank", "may_be_blank_when": "may be blank"}.get(
            key, key.replace("_", " "))
        return "; ".join(f"{lead} {cond}" for cond in value)
    if isinstance(value, bool):
        said = {"allow_future": "may be after the as-of date",
                "may_be_booked": "a date after the as-of date is a booking while the row is open",
                "has_been": "asks whether the child has ever been at risk (not only now)"}
        return said.get(key, key.replace("_", " ")) if value else ""
    said_with = {"not_before": "not before '{v}'", "only_with": "given only when '{v}' is",
                 "expected_with": "expected when '{v}' is given", "at_least": "{v} or more",
                 "at_most": "{v} or less"}
    if key in said_with:
        return said_with[key].format(v=value)
    return f"{key.replace('_', ' ')}: {value}"


def code_list_view(name: str | None) -> dict[str, object]:
    """One code list as plain data, or (no name) the names of every code list.

    Raises:
        UsageError: no code list is called that.
    """
    # lazy: the library loads only when the command runs, so --help stays quick
    from jtai_cli.schemas import load_schemas, normalise

    schemas = load_schemas()
    if name is None:
        return {"code_lists": [{"name": c.name, "title": c.title, "codes": len(c.codes)}
                               for c in schemas.code_lists.values()]}
    by_name = {normalise(n): n for n in schemas.code_lists}
    key = by_name.get(normalise(name))
    if key is None:
        raise UsageError(f"no code list called '{name}': choose one of "
                         f"{', '.join(schemas.code_lists)}")
    c = schemas.code_lists[key]
    return {"name": c.name, "title": c.title, "description": c.description,
            "source": c.source,
            "codes": [{"value": e.value, "code": e.code, "label": e.label,
                       "also_accept": list(e.also_accept)} for e in c.codes]}


@app.command("codes", cls=JtaiCommand)
def show_codes(
    name: Annotated[str | None, typer.Argument(
        help="The code list, as named in a column's 'Codes' (ethnicity, gender, "
        "category_of_abuse...). Leave out to list them all.", show_default=False)] = None,
    output_format: Format = OutputFormat.text,
    json_flag: Json = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Show a code list: every value the template writes, its code, its meaning, and the
    other spellings jtai accepts (and reports as coerced).

    Example: jtai schemas codes ethnicity
    """
    # lazy: rich loads only when the command runs, so --help stays quick
    from rich.table import Table
    from rich.text import Text

    from . import render

    as_json = json_flag or output_format is OutputFormat.json
    view = render.run(lambda: code_list_view(name), debug=debug, as_json=as_json)
    if as_json:
        render.print_json(view)
        return
    if quiet:
        return
    console = render.out_console()
    if name is None:
        table = Table(title="Code lists", title_justify="left")
        for col in ("Name", "Title", "Codes"):
            table.add_column(col)
        for c in view["code_lists"]:  # type: ignore[attr-defined]
            table.add_row(c["name"], c["title"], str(c["codes"]))
        console.print(table)
        return
    console.print(Text(str(view["title"]), style="bold"))
    if view["description"]:
        console.print(str(view["description"]))
    table = Table()
    for col in ("As in the template", "Code", "Meaning", "Also accepted"):
        table.add_column(col, overflow="fold")
    for e in view["codes"]:  # type: ignore[attr-defined]
        table.add_row(e["value"], e["code"] or "", e["label"] or "", ", ".join(e["also_accept"]))
    console.print(table)


@app.command("json-schema", cls=JtaiCommand)
def json_schema(
    document: Annotated[JsonDocument, typer.Argument(
        case_sensitive=False, help="report: what 'jtai validate --format json' prints; error: "
        "what any command prints with --format json when it cannot do its work.")
    ] = JsonDocument.report,
) -> None:
    """Print the JSON Schema (draft 2020-12) of jtai's JSON output, to check it in a pipeline.

    The same files ship inside the package, in jtai_cli/json_schemas/.

    Example: jtai schemas json-schema report > jtai-report.schema.json
    """
    text = resources.files("jtai_cli").joinpath("json_schemas",
                                                JSON_SCHEMA_FILES[document]).read_text("utf-8")
    json.loads(text)  # a damaged install fails here, not in the user's pipeline
    typer.echo(text.rstrip("\n"))
