"""Terminal output: one stdout console for results, one stderr console for problems.

Rendering never decides anything: it shows what the library returned.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from jtai_cli.errors import JtaiError, UsageError

from . import jsonout

if TYPE_CHECKING:  # pandas is imported when a report is rendered, not for --help
    import pandas as pd

    from jtai_cli.reporting import ValidationReport

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3, 4
T = TypeVar("T")

#: How many errors and warnings the terminal table shows before pointing at --report.
TABLE_LIMIT = 60


def out_console() -> Console:
    """Console for results (stdout); 120 columns wide when written to a file or pipe."""
    return Console(highlight=False, soft_wrap=False,
                   width=None if sys.stdout.isatty() else 120)


def err_console() -> Console:
    """Console for problems (stderr)."""
    return Console(stderr=True, highlight=False)


print_json = jsonout.print_json


def run(fn: Callable[[], T], *, debug: bool, as_json: bool = False) -> T:
    """Call the library; turn unusable input into one red panel and exit code 3.

    A bug in jtai shows its type only (messages may hold cell values) and exits 4; ``--debug``
    shows the full traceback instead. With ``as_json`` the problem is a JSON document on
    stdout instead of the panel.
    """
    try:
        return fn()
    except JtaiError as exc:
        if debug:
            traceback.print_exc()
        if as_json:
            jsonout.print_error(jsonout.error_kind(exc), str(exc), exc.file)
            raise typer.Exit(EXIT_USAGE if isinstance(exc, UsageError)
                             else EXIT_UNUSABLE) from None
        title = ("jtai: check the command" if isinstance(exc, UsageError)
                 else "jtai: cannot use this input")
        err_console().print(Panel(Text(jsonout.redact(str(exc)), overflow="fold"), title=title,
                                  border_style="red", expand=False))
        raise typer.Exit(EXIT_USAGE if isinstance(exc, UsageError) else EXIT_UNUSABLE) from None
    except (KeyboardInterrupt, typer.Exit):
        raise
    except Exception as exc:
        if debug:
            raise
        if as_json:
            jsonout.print_error("internal", f"jtai hit an internal problem "
                                f"({type(exc).__name__}); rerun with --debug and report it",
                                None)
            raise typer.Exit(EXIT_BUG) from None
        err_console().print(Panel(
            Text(f"jtai hit an internal problem ({type(exc).__name__}). Nothing was written. "
                 "Run the same command with --debug to see the details, and report it."),
            title="jtai: internal error", border_style="red", expand=False))
        raise typer.Exit(EXIT_BUG) from None


def _severity_style(sev: str) -> str:
    return {"error": "bold red", "warning": "yellow", "coerced": "cyan"}.get(sev, "")


def _findings_table(title: str, part: pd.DataFrame, limit: int, style: str) -> Table:
    import pandas as pd

    t = Table(title=title, title_justify="left", title_style=style)
    t.add_column("Sheet", overflow="fold", max_width=14)
    t.add_column("Cell", no_wrap=True)
    t.add_column("Column", overflow="fold", max_width=24)
    t.add_column("What is wrong", overflow="fold", ratio=1, min_width=36)
    t.add_column("Rule", style="dim", overflow="fold", max_width=22)
    for rec in part.head(limit).to_dict("records"):
        row = "" if rec["row"] is None or pd.isna(rec["row"]) else str(int(rec["row"]))
        t.add_row(str(rec["sheet"]), rec["cell"] or (f"row {row}" if row else ""),
                  str(rec["column"] or ""), rec["message"], rec["rule"])
    return t


def render_report(report: ValidationReport, console: Console, *, limit: int = TABLE_LIMIT) -> None:
    """The human summary: per-list counts, then errors, warnings, and coercions grouped."""
    names = jsonout.redact(", ".join(report.files))
    source = "" if report.as_of_source == "given" else f", from {report.as_of_source}"
    console.print(Text(f"Checked {names} (as of {report.as_of:%d/%m/%Y}{source})", style="bold"))
    summary = report.summary()
    by_sheet: dict[str, dict[str, int]] = summary["by_sheet"]  # type: ignore[assignment]

    table = Table(title="Lists found", title_justify="left")
    table.add_column("Sheet")
    table.add_column("List")
    for col in ("Header row", "Rows", "Errors", "Warnings", "Coerced"):
        table.add_column(col, justify="right")
    skipped: dict[str, list[str]] = {}
    for info in report.sheets:
        key = report.sheet_key(info)
        counts = by_sheet[key]
        if info.list is None:
            skipped.setdefault(_why_skipped(info.note), []).append(key)
            continue
        table.add_row(key, _list_title(report, info.list), str(info.header_row), str(info.rows),
                      Text(str(counts["error"]), style="red" if counts["error"] else ""),
                      str(counts["warning"]), str(counts["coerced"]))
    console.print(table)
    mapped = [(report.sheet_key(info), written, canon) for info in report.sheets
              for written, canon in info.columns.items() if written.strip() != canon.strip()]
    if mapped:
        t = Table(title="Headers read as the template's", title_justify="left")
        for col in ("Sheet", "Header in the file", "Read as"):
            t.add_column(col, overflow="fold")
        for row in mapped[:limit]:
            t.add_row(*row)
        console.print(t)
        if len(mapped) > limit:
            console.print(Text(f"... and {len(mapped) - limit} more (--format json lists them "
                               "all)", style="dim"))
    if skipped:
        console.print(Text("Not checked: " + "; ".join(
            f"{', '.join(keys)} ({why})" for why, keys in skipped.items()), style="dim"))

    df = report.findings
    for severity, title, style in (("error", "Errors", "bold red"),
                                   ("warning", "Warnings", "bold yellow")):
        part = df[df["severity"] == severity] if len(df) else df
        if len(part):
            console.print(_findings_table(f"{title} ({len(part)})", part, limit, style))
            if len(part) > limit:
                console.print(Text(f"... and {len(part) - limit} more {title.lower()}: see the "
                                   "highlighted copy (--report) or --format json", style="dim"))
    coerced = df[df["severity"] == "coerced"] if len(df) else df
    if len(coerced):
        t = Table(title=f"Values read in the template's form ({len(coerced)} cells, not errors)",
                  title_justify="left", title_style="bold cyan")
        for col in ("Sheet", "Column", "Cells", "Example"):
            t.add_column(col, overflow="fold")
        grouped = coerced.groupby(["sheet", "column", "rule"], sort=False, dropna=False)
        for (sheet, column, _rule), g in list(grouped)[:limit]:
            t.add_row(str(sheet), str(column or ""), str(len(g)), str(g["message"].iloc[0]))
        console.print(t)

    c = report.counts()
    verdict = ("VALID: no errors" if report.valid
               else "NOT VALID: fix the errors above before sending")
    style = "bold green" if report.valid else "bold red"
    console.print(Text(f"{verdict} ({c['error']} errors, {c['warning']} warnings, "
                       f"{c['coerced']} values coerced)", style=style))


def _why_skipped(note: str | None) -> str:
    if not note:
        return "not a list"
    if "template guidance" in note:
        return "template guidance sheets"
    if "jtai writes" in note:
        return "sheets jtai writes beside the lists"
    if "does not ask for" in note:
        return "ILACS lists the JTAI does not ask for"
    if "empty" in note:
        return "empty"
    return "headers match no JTAI list"


def _list_title(report: ValidationReport, name: str) -> str:
    from jtai_cli.schemas import load_schemas

    schema = load_schemas().lists.get(name)
    return schema.title if schema else name


class ProgressBar:
    """A progress callback for the library: a transient bar on stderr, terminals only.

    It stays invisible for quick jobs and appears once work has run for about 1.5 seconds, so
    a small workbook prints nothing extra. Never on stdout, never when stderr is not a
    terminal, never with --quiet or --format json.
    """

    DELAY = 1.5

    def __init__(self, enabled: bool) -> None:
        import time

        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, step: str, done: int, total: int) -> None:
        import time

        if not self.enabled:
            return
        if self._progress is None:
            if time.monotonic() - self.started < self.DELAY:
                return
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.completed}/{task.total}"),
                                      TimeElapsedColumn(), console=err_console(), transient=True)
            self._progress.start()
            self._task = self._progress.add_task(step, total=max(total, 1))
        self._progress.update(self._task, description=step, completed=done, total=max(total, 1))

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
