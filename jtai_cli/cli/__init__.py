"""The ``jtai`` command. The only package that imports typer or rich.

Exit codes: 0 all well (warnings allowed), 1 errors found in the data, 2 the command was typed
wrongly, 3 an input cannot be used (missing, corrupt, encrypted, not a workbook), 4 jtai itself
failed (a bug: rerun with --debug and report it).
"""

from __future__ import annotations

import typer

from . import export as export_cmd
from . import filter as filter_cmd
from . import merge as merge_cmd
from . import render
from . import schemas as schemas_cmd
from . import shortlist as shortlist_cmd
from . import summary as summary_cmd
from . import template as template_cmd
from . import timeline as timeline_cmd
from . import tracking as tracking_cmd
from . import validate as validate_cmd

app = typer.Typer(
    name="jtai",
    help="Check, merge and shortlist the child-level lists for a JTAI deep dive on child sexual "
    "abuse in the family environment.\n\nExit codes: 0 all well, 1 errors in the data, 2 usage "
    "error, 3 input unusable, 4 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("validate")(validate_cmd.validate)
app.command("timeline")(timeline_cmd.timeline)
app.command("summary")(summary_cmd.summary)
app.command("merge")(merge_cmd.merge)
app.command("filter")(filter_cmd.filter_)
app.command("shortlist")(shortlist_cmd.shortlist)
app.command("template")(template_cmd.template)
app.command("export")(export_cmd.export)
app.command("tracking")(tracking_cmd.tracking)
app.add_typer(schemas_cmd.app, name="schemas")
# serve imports only typer here; Starlette and uvicorn (the serve extra) load inside the command.
from .serve import serve as serve_cmd  # noqa: E402

app.command("serve")(serve_cmd)


def main() -> None:
    """Entry point of the ``jtai`` console script.

    The command runs in a child process with a memory limit (``jtai_cli/_bounded.py``): a
    file that makes the reader run out of memory ends in one message and exit code 3.
    """
    import sys

    from jtai_cli._bounded import run_bounded
    from jtai_cli._memory import share_one_arena

    share_one_arena()  # one malloc arena for the reader thread too (see jtai_cli/_memory.py)
    sys.exit(run_bounded(app, render.out_of_memory))
