"""The ``jtai`` command. The only package that imports typer or rich.

Exit codes: 0 all well (warnings allowed), 1 errors found in the data, 2 the command was typed
wrongly, 3 an input cannot be used (missing, corrupt, encrypted, not a workbook), 4 jtai itself
failed (a bug: rerun with --debug and report it).

Importing this package imports typer and the command modules, never pandas: each command
imports the library when it runs, so ``jtai --help`` and a mistyped command answer at once.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from jtai_cli._bounded import exit_now, on_failed, on_stopped, run_bounded
from jtai_cli._memory import share_one_arena
from jtai_cli._version import __version__
from jtai_cli.config import command_defaults, find_config
from jtai_cli.errors import UsageError as SettingsError
from jtai_cli.tempdirs import sweep

from . import export as export_cmd
from . import filter as filter_cmd
from . import merge as merge_cmd
from . import rules as rules_cmd
from . import schemas as schemas_cmd
from . import shortlist as shortlist_cmd
from . import summary as summary_cmd
from . import template as template_cmd
from . import timeline as timeline_cmd
from . import tracking as tracking_cmd
from . import validate as validate_cmd
from .jsonout import print_error, wants_json
from .usage import JtaiCommand

try:  # typer 0.26 and later carry their own copy of click
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover - older typer, on click
    import click.exceptions as _click_exceptions  # type: ignore[import-not-found,no-redef,unused-ignore]

ClickException = _click_exceptions.ClickException
UsageError = _click_exceptions.UsageError


class JtaiGroup(TyperGroup):
    """The top-level group: with --format json, a mistyped command answers in JSON too."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        if not (standalone_mode and wants_json(sys.argv[1:] if args is None else args)):
            return super().main(args, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except ClickException as exc:  # a usage error: unknown option, bad value...
            print_error("usage", exc.format_message(), None)
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    name="jtai",
    cls=JtaiGroup,
    help="Check, merge and shortlist the child-level lists for a JTAI deep dive on child sexual "
    "abuse in the family environment.\n\nExit codes: 0 all well, 1 errors in the data, 2 usage "
    "error, 3 input unusable, 4 internal error.\n\nSettings repeated every run (--as-of, "
    "--fail-on...) can go in jtai.toml, or [tool.jtai] in pyproject.toml, in the working "
    "directory; options typed on the command line win.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"jtai {__version__}")
        raise typer.Exit()


@app.callback()
def _settings(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option(
        "--version", "-V", is_eager=True, callback=_show_version,
        help="Print jtai's version and stop.")] = False,
) -> None:
    """Read jtai.toml (or [tool.jtai] in pyproject.toml) as the commands' defaults."""
    try:
        found = find_config()
        if found is not None:
            ctx.default_map = {**command_defaults(found[1], found[0]), **(ctx.default_map or {})}
    except SettingsError as exc:
        raise UsageError(str(exc), ctx) from None


app.command("validate", cls=JtaiCommand)(validate_cmd.validate)
app.command("timeline", cls=JtaiCommand)(timeline_cmd.timeline)
app.command("summary", cls=JtaiCommand)(summary_cmd.summary)
app.command("merge", cls=JtaiCommand)(merge_cmd.merge)
app.command("filter", cls=JtaiCommand)(filter_cmd.filter_)
app.command("shortlist", cls=JtaiCommand)(shortlist_cmd.shortlist)
app.command("template", cls=JtaiCommand)(template_cmd.template)
app.command("export", cls=JtaiCommand)(export_cmd.export)
app.command("tracking", cls=JtaiCommand)(tracking_cmd.tracking)
app.add_typer(schemas_cmd.app, name="schemas")
app.command("rules", cls=JtaiCommand)(rules_cmd.rules)
# serve imports only typer here; Starlette and uvicorn (the serve extra) load inside the command.
from .serve import serve as serve_cmd  # noqa: E402

app.command("serve", cls=JtaiCommand)(serve_cmd)


def main() -> None:
    """Entry point of the ``jtai`` console script.

    The command runs in a child process with a memory limit (``jtai_cli/_bounded.py``): a
    file that makes the reader run out of memory ends in one message and exit code 3.
    """
    share_one_arena()  # one malloc arena for the reader thread too (see jtai_cli/_memory.py)
    sweep()  # temporary folders left by jtai runs that were killed (jtai_cli/tempdirs.py)
    exit_now(run_bounded(app, _out_of_memory))


def _out_of_memory(file: str | None, limit: int) -> None:
    """The reading child ran out of memory: one message, as JSON when JSON was asked for."""
    from . import render  # rich, only now that there is something to show

    if wants_json(sys.argv[1:]):
        print_error("out-of-memory" if file else "internal",
                    f"jtai ran out of memory reading this file (it allows itself "
                    f"{limit / 1024**3:.1f} GB on this computer)" if file else
                    "jtai stopped unexpectedly; rerun with --debug and report it", file)
        return
    render.out_of_memory(file, limit)


def _stopped(signum: int, worker: bool) -> None:
    """jtai, or its worker process, was stopped by a signal: one message saying which and
    what is left (nothing), as JSON when JSON was asked for."""
    from . import render  # rich, only now that there is something to show

    text = render.stopped_text(signum, worker)
    if wants_json(sys.argv[1:]):
        print_error("stopped", text, None)
        return
    render.stopped(text)


#: Why writing to standard output fails: the user's situation (exit 3), not a bug.
_STREAM_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                  errno.EPIPE: "the program reading it stopped reading",
                  errno.EBADF: "it is closed", errno.EIO: "the terminal is gone",
                  errno.EFBIG: "the file is too large"}


def _failed(exc: BaseException) -> int:
    """An exception escaped the command: standard output could not be written (exit 3,
    one message), or a bug (exit 4: its type only, the traceback with --debug)."""
    from . import render  # rich, only now that there is something to show

    stream_gone = sys.stdout is None or (isinstance(exc, OSError)
                                         and exc.errno in _STREAM_ERRORS)
    if stream_gone:
        why = _STREAM_ERRORS.get(getattr(exc, "errno", None) or errno.EBADF, "it is closed")
        render.problem(
            f"jtai could not write to its standard output ({why}), so what it printed there "
            "is incomplete. Send it to a file (-o FILE, or > FILE on a disk with space), or "
            "let the program reading it read to the end.", "jtai: cannot write output")
        return render.EXIT_UNUSABLE
    if "--debug" in sys.argv[1:]:
        render.print_safe_traceback(exc)
    else:
        render.problem(
            f"jtai hit an internal problem ({type(exc).__name__}). Run the same command with "
            "--debug to see the details, and report it.", "jtai: internal error")
    return render.EXIT_BUG


on_stopped(_stopped)
on_failed(_failed)
