"""Terminal output: one stdout console for results, one stderr console for problems.

Rendering never decides anything: it shows what the library returned.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO, TypeVar, cast

import typer
from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from jtai_cli._files import replacing_allowed
from jtai_cli.errors import JtaiError, UsageError

from . import jsonout

if TYPE_CHECKING:  # pandas is imported when a report is rendered, not for --help
    import pandas as pd

    from jtai_cli.reporting import ValidationReport

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3, 4
T = TypeVar("T")

#: How many errors and warnings the terminal table shows before pointing at --report.
TABLE_LIMIT = 60


class _TrimmedLines:
    """Standard output without the spaces rich pads each line with, for files and pipes.

    A table's title is padded to the table's width, and a table's last column to its edge;
    a script comparing lines, or an analyst pasting them into an email, gets them trimmed.
    Whole lines are written as they come; a partial line waits for its end or a flush.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        *whole, self._pending = (self._pending + text).split("\n")
        if whole:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in whole))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending)
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"


def pipe_width() -> int:
    """Columns for output to a file or pipe: ``COLUMNS`` when set to a sane number, else 120."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isdigit() and 40 <= int(text) <= 1000:
        return int(text)
    return 120


def out_console() -> Console:
    """Console for results (stdout): the terminal's width, or ``COLUMNS`` (else 120 columns)
    when written to a file or pipe, with no trailing spaces there."""
    if sys.stdout.isatty():
        return Console(highlight=False, soft_wrap=False)
    return Console(highlight=False, soft_wrap=False, width=pipe_width(),
                   file=cast("IO[str]", _TrimmedLines(sys.stdout)))


def err_console() -> Console:
    """Console for problems (stderr)."""
    return Console(stderr=True, highlight=False)


print_json = jsonout.print_json


def run(fn: Callable[[], T], *, debug: bool, force: bool = False,
        as_json: bool = False) -> T:
    """Call the library; turn unusable input into one red panel and exit code 3.

    A bug in jtai shows its type only (messages may hold cell values) and exits 4; ``--debug``
    shows the full traceback instead. With ``force``, outputs may replace files jtai did not
    write (``--force``). With ``as_json`` the problem is a JSON document on stdout instead of
    the panel.
    """
    try:
        with replacing_allowed(force):
            return fn()
    except JtaiError as exc:
        if debug:
            print_safe_traceback(exc)
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
    except MemoryError:
        if as_json:
            jsonout.print_error("out-of-memory", "jtai ran out of memory on this input (the "
                                "file is far bigger inside than a JTAI list)", None)
            raise typer.Exit(EXIT_UNUSABLE) from None
        err_console().print(Panel(
            Text("jtai ran out of memory on this input (the file is far bigger inside than a "
                 "JTAI list): split the workbook or export the lists as CSV files, or close "
                 "other programs and try again. Outputs not completed were not written."),
            title="jtai: cannot use this input", border_style="red", expand=False))
        raise typer.Exit(EXIT_UNUSABLE) from None
    except Exception as exc:
        if debug:
            print_safe_traceback(exc)
            raise typer.Exit(EXIT_BUG) from None
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


def print_safe_traceback(exc: BaseException) -> None:
    """``--debug``'s traceback: every frame (file, line, function, code), no cell value.

    A library's exception message may quote a cell ("could not convert 'Zebedee' to
    float"), and a name with a control character once carried child data into the printed
    traceback; so only jtai's own errors (whose messages name files, sheets, rows and
    columns) keep their message, and every other exception shows its type alone.
    """
    chain: list[BaseException] = []
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        chain.append(cur)
        seen.add(id(cur))
        cur = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
    lines: list[str] = []
    for i, e in enumerate(reversed(chain)):
        if i:
            lines.append("\nDuring handling of the above exception, another was raised:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(e.__traceback__)))
        name = f"{type(e).__module__}.{type(e).__qualname__}"
        if isinstance(e, JtaiError):
            lines.append(f"{name}: {e}\n")
        else:
            lines.append(f"{name} (message not shown: it may quote a cell's value)\n")
    text = "".join(lines)
    # Control characters from a file or sheet name must not rewrite the terminal.
    text = "".join(ch if ch in "\n\t" or ch >= " " else "?" for ch in text)
    sys.stderr.write(text)
    sys.stderr.flush()


def out_of_memory(file: str | None, limit: int) -> None:
    """The one message when the reading child process was killed (see ``_bounded``)."""
    gb = f"{limit / 1024**3:.1f} GB"
    if file:
        text = (f"{file}: jtai ran out of memory reading this file (it allows itself {gb} on "
                "this computer) and stopped. The file is far bigger inside than a JTAI list, "
                "or is built to exhaust memory: split the workbook, export the lists as CSV "
                "files, or check where the file came from.")
        title = "jtai: cannot use this input"
    else:
        text = (f"jtai stopped unexpectedly (it allows itself {gb} of memory on this "
                "computer). Nothing more was written. Run the same command with --debug to "
                "see the details, and report it.")
        title = "jtai: internal error"
    err_console().print(Panel(Text(text, overflow="fold"), title=title, border_style="red",
                              expand=False))


#: What each signal that stops jtai means, as a user would say it.
_SIGNALS = {
    "SIGTERM": "SIGTERM: asked to stop, by kill, timeout, a scheduler or the system shutting "
               "down",
    "SIGHUP": "SIGHUP: its terminal was closed",
    "SIGINT": "SIGINT: Ctrl-C",
    "SIGKILL": "SIGKILL: killed outright, by kill -9 or by the system when memory ran out",
}


def stopped_text(signum: int, worker: bool) -> str:
    """The message when jtai (or, ``worker``, its worker process) was stopped by a signal."""
    from signal import Signals  # lazy: only when jtai was stopped

    try:
        name = Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    why = _SIGNALS.get(name, name)
    who = "jtai's worker process was stopped" if worker else "jtai was stopped"
    return (f"{who} ({why}) before the command finished. Outputs it had not finished were not "
            "written, and its temporary files were removed.")


def stopped(text: str) -> None:
    """The one message when jtai was stopped by a signal (see ``_bounded``)."""
    problem(text, "jtai: stopped")


def problem(text: str, title: str) -> None:
    """One red panel on standard error."""
    err_console().print(Panel(Text(text, overflow="fold"), title=title, border_style="red",
                              expand=False))


def _severity_style(sev: str) -> str:
    return {"error": "bold red", "warning": "yellow", "coerced": "cyan"}.get(sev, "")


#: A rule firing on this many cells of one column is shown as one line.
GROUP_AT = 3


def _rows_text(rows: list[int]) -> str:
    if len(rows) <= 6:
        return ", ".join(map(str, rows))
    return ", ".join(map(str, rows[:4])) + f", ... {rows[-1]}"


def _lines(report: ValidationReport, part: pd.DataFrame) -> list[tuple[str, ...]]:
    """Table lines for one severity: single findings, and one line per rule that fires on
    GROUP_AT or more cells of one column (count, rows, first values)."""
    # lazy: the library loads only when the command runs, so --help stays quick
    import pandas as pd

    from jtai_cli.reporting import counted, group_findings

    groups = group_findings(part)
    big = groups[groups["count"] >= GROUP_AT]
    big_keys: dict[tuple[object, ...], dict[str, Any]] = {
        (g["file"], g["sheet"], _key(g["column"]), g["rule"]): {str(k): v for k, v in g.items()}
        for g in big.to_dict("records")}
    lines: list[tuple[str, ...]] = []
    done: set[tuple[object, ...]] = set()
    for rec in part.to_dict("records"):
        key = (rec["file"], rec["sheet"], _key(rec["column"]), rec["rule"])
        where = report.sheet_key(str(rec["file"]), str(rec["sheet"]))
        g = big_keys.get(key)
        if g is None:
            row = "" if rec["row"] is None or pd.isna(rec["row"]) else str(int(rec["row"]))
            lines.append((where, rec["cell"] or (f"row {row}" if row else ""),
                          str(rec["column"] or ""), str(rec["message"]), str(rec["rule"])))
            continue
        if key in done:
            continue
        done.add(key)
        values = ", ".join(f"'{v}'" for v in g["values"])
        n = int(g["count"])
        lines.append((where, f"{g['first_cell'] or ''} +{n - 1}", str(g["column"] or ""),
                      f"{counted(n, 'cell')} (rows {_rows_text(g['rows'])}): "
                      f"{g['message']}" + (f" (values include {values})" if values else ""),
                      str(g["rule"])))
    return lines


def _plain(*cells: str) -> list[Text]:
    """Cells as plain text: "[a.xlsx]List_6" and values with brackets are not rich markup."""
    return [Text(c) for c in cells]


def _key(column: object) -> object:
    # lazy: the library loads only when the command runs, so --help stays quick
    import pandas as pd

    return None if column is None or (isinstance(column, float) and pd.isna(column)) else column


#: Borders and padding of the five-column findings table, in columns.
_TABLE_FRAME = 16
#: The narrowest "What is wrong" column worth a table; below it findings are stacked.
_MESSAGE_MIN = 30


def _findings_table(lines: list[tuple[str, ...]], width: int) -> Table | None:
    """The findings as a table when the width holds it whole, else None (stack them).

    The cell reference and the rule's slug are never wrapped (a slug is what an analyst
    copies into ``jtai rules``), so the table is only used when they fit beside a message
    column at least ``_MESSAGE_MIN`` wide.
    """
    cell_w = max(len(line[1]) for line in lines)
    slug_w = max(len(line[4]) for line in lines)
    sheet_w = max(5, min(max(len(line[0]) for line in lines), 20))
    column_w = max(6, min(max(len(line[2]) for line in lines), 24))
    room = width - _TABLE_FRAME - sheet_w - cell_w - slug_w  # for Column and What is wrong
    column_w = min(column_w, max(14, room - _MESSAGE_MIN))
    message_w = room - column_w
    if message_w < _MESSAGE_MIN:
        return None
    t = Table()
    t.add_column("Sheet", overflow="fold", width=sheet_w)
    t.add_column("Cell", no_wrap=True, width=cell_w)
    t.add_column("Column", overflow="fold", width=column_w)
    t.add_column("What is wrong", overflow="fold", width=message_w)
    t.add_column("Rule", style="dim", no_wrap=True, width=slug_w)
    for line in lines:
        t.add_row(*_plain(*line))
    return t


def _print_findings(console: Console, title: str, lines: list[tuple[str, ...]],
                    style: str) -> None:
    """A severity's findings: a table on a wide screen, one stacked entry each on a narrow one
    ("Sheet CELL · Column · rule-slug", then the message indented below it)."""
    console.print(Text(title, style=style))
    table = _findings_table(lines, console.width)
    if table is not None:
        console.print(table)
        return
    for sheet, cell, column, message, rule in lines:
        head = Text()
        head.append(f"{sheet} {cell}".strip(), style="bold")
        if column:
            head.append(f" · {column}")
        head.append(" · ")
        head.append(rule, style="dim")
        console.print(head, overflow="fold")
        console.print(Padding(Text(message, overflow="fold"), (0, 0, 0, 4)))


def _not_shown(report: ValidationReport, hidden: list[tuple[str, ...]], part: pd.DataFrame,
               shown: list[tuple[str, ...]], noun: str) -> str:
    """Which sheets and rules the lines cut off hold, so no error is hidden unnamed."""
    # lazy: the library loads only when the command runs, so --help stays quick
    from jtai_cli.reporting import counted

    shown_keys = {(line[0], line[4], line[2], line[1]) for line in shown}
    rest = part.assign(_where=[report.sheet_key(str(f), str(s))
                               for f, s in zip(part["file"], part["sheet"], strict=True)])
    keep = [(w, r, str(c or ""), cell or "") not in shown_keys
            for w, r, c, cell in zip(rest["_where"], rest["rule"], rest["column"],
                                     rest["cell"], strict=True)]
    rest = rest[keep]
    per_sheet: dict[str, list[str]] = {}
    for where, rule in zip(rest["_where"], rest["rule"], strict=True):
        per_sheet.setdefault(str(where), []).append(str(rule))
    per_sheet = {w: [f"{r} x{rules.count(r)}" for r in dict.fromkeys(rules)]
                 for w, rules in per_sheet.items()}
    parts = "; ".join(f"{w}: {', '.join(rules)}" for w, rules in per_sheet.items())
    return (f"Not shown above: {counted(len(rest), noun)} on {len(hidden)} more lines: {parts}. "
            "See them all in the highlighted copy (--report) or with --format json.")


def quiet_line(report: ValidationReport) -> str:
    """The one line ``-q`` prints when something is wrong, naming each file and its errors."""
    # lazy: the library loads only when the command runs, so --help stays quick
    from jtai_cli.reporting import counted

    df = report.findings
    parts = []
    for f in report.files:
        n = int(((df["file"] == f) & (df["severity"] == "error")).sum()) if len(df) else 0
        name = Path(f).name if len(report.files) > 1 else f
        if f in report.unusable_files:
            parts.append(f"{name}: cannot be used ({report.unusable_files[f]})")
        elif n:
            parts.append(f"{name}: {counted(n, 'error')}")
    return jsonout.redact("; ".join(parts) or "no errors")  # stdin's copy is 'stdin'


def render_report(report: ValidationReport, console: Console, *, limit: int = TABLE_LIMIT,
                  verbose: bool = False) -> None:
    """The human summary: per-list counts, then errors, warnings, coercions grouped, and which
    headers were read as the template's (one line, or a table with ``verbose``)."""
    # lazy: the library loads only when the command runs, so --help stays quick
    from jtai_cli.reporting import counted

    names = jsonout.redact(", ".join(report.files))
    # Each list on its own extraction: the header says so, the table says each list's date
    # and the reasons follow it.
    judged = any(info.as_of is not None for info in report.sheets)
    source = "" if report.as_of_source == "given" else f", from {report.as_of_source}"
    if judged:
        source = ", each list on its own extraction: see 'Judged on'"
    console.print(Text(f"Checked {names} (as of {report.as_of_text}{source})", style="bold"))
    summary = report.summary()
    by_sheet: dict[str, dict[str, int]] = summary["by_sheet"]  # type: ignore[assignment]

    table = Table(title="Lists found", title_justify="left")
    table.add_column("Sheet")
    table.add_column("List")
    for col in ("Header row", "Rows", "Errors", "Warnings", "Coerced"):
        table.add_column(col, justify="right")
    if judged:
        table.add_column("Judged on")
    skipped: dict[str, list[str]] = {}
    for info in report.sheets:
        key = report.sheet_key(info)
        counts = by_sheet[key]
        if info.list is None:
            skipped.setdefault(_why_skipped(info.note), []).append(key)
            continue
        when = ([info.as_of.describe() if info.as_of else report.as_of_text]
                if judged else [])
        if info.note and "skip_lists" in info.note:  # its findings are not reported
            table.add_row(*_plain(key, _list_title(report, info.list), str(info.header_row),
                                  str(info.rows), "skipped", "skipped", "skipped", *when))
            continue
        table.add_row(*_plain(key, _list_title(report, info.list), str(info.header_row),
                              str(info.rows)),
                      Text(str(counts["error"]), style="red" if counts["error"] else ""),
                      str(counts["warning"]), str(counts["coerced"]), *_plain(*when))
    console.print(table)
    if judged:
        console.print(Text(f"Judged on: {report.as_of_source}"))
    for info in report.sheets:  # what jtai noted about a list it read (list 3's layout)
        if info.list is not None and info.note and "skip_lists" not in info.note:
            console.print(Text(f"{report.sheet_key(info)}: {info.note}.", style="dim"))
    if skipped:
        console.print(Text("Not checked: " + "; ".join(
            f"{', '.join(keys)} ({why})" for why, keys in skipped.items()), style="dim"))

    df = report.findings
    for severity, noun, style in (("error", "error", "bold red"),
                                  ("warning", "warning", "bold yellow")):
        part = df[df["severity"] == severity] if len(df) else df
        if not len(part):
            continue
        lines = _lines(report, part)
        shown = lines[:limit]
        title = f"{noun.capitalize()}s ({len(part):,}" + (
            f", on {counted(len(lines), 'line')})" if len(lines) != len(part) else ")")
        _print_findings(console, title, shown, style)
        if len(lines) > limit:
            console.print(Text(_not_shown(report, lines[limit:], part, shown, noun),
                               style="red" if severity == "error" else "yellow"))
    c = report.counts()
    if c["coerced"]:  # counted per column: the cells themselves may not have been kept
        t = Table(title=f"Values read in the template's form ({counted(c['coerced'], 'cell')}"
                        ", not errors)", title_justify="left", title_style="bold cyan")
        for col in ("Sheet", "Column", "Cells", "Example"):
            t.add_column(col, overflow="fold")
        grouped = report.coerced_groups()
        for g in grouped.head(limit).itertuples(index=False):
            t.add_row(*_plain(report.sheet_key(str(g.file), str(g.sheet)), str(g.column or ""),
                              f"{g.count:,}", str(g.message)))
        console.print(t)
        if len(grouped) > limit:
            console.print(Text(f"... and {len(grouped) - limit} more columns with values read "
                               "in the template's form (--report lists them on its Coerced "
                               "sheet)", style="dim"))

    _render_headers(report, console, verbose=verbose)
    verdict = ("VALID: no errors" if report.valid
               else "NOT VALID: fix the errors above before sending")
    style = "bold green" if report.valid else "bold red"
    console.print(Text(f"{verdict} ({counted(c['error'], 'error')}, "
                       f"{counted(c['warning'], 'warning')}, "
                       f"{counted(c['coerced'], 'value')} coerced)", style=style))


def _same_but_style(written: str, canon: str) -> bool:
    """True when two headers differ only in case, spacing or the style of quote marks."""
    def norm(text: str) -> str:
        return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").lower().split())
    return norm(written) == norm(canon)


def _render_headers(report: ValidationReport, console: Console, *, verbose: bool) -> None:
    """Headers read as another of the template's spellings: a line, or with ``verbose`` a
    table. Headers that differ only in case, spacing or quote marks are counted, not named."""
    mapped = [(report.sheet_key(info), written, canon) for info in report.sheets
              for written, canon in info.columns.items() if written.strip() != canon.strip()]
    if not mapped:
        return
    if verbose:
        console.print(Text("Headers read as the template's", style="bold"))
        t = Table()
        for col in ("Sheet", "Header in the file", "Read as"):
            t.add_column(col, overflow="fold")
        for row in mapped:
            t.add_row(*_plain(*row))
        console.print(t)
        return
    renamed = [(w, c) for _, w, c in mapped if not _same_but_style(w, c)]
    styled = len(mapped) - len(renamed)
    pairs = list(dict.fromkeys(renamed))
    examples = ", ".join(f"'{w}' as '{c}'" for w, c in pairs[:3])
    parts = []
    if renamed:
        parts.append(f"{len(renamed)} read as the template's ({examples}"
                     + (", ..." if len(pairs) > 3 else "") + ")")
    if styled:
        parts.append(f"{styled} differing from the template's only in case, spaces or quote "
                     "marks")
    console.print(Text(f"Headers: {'; '.join(parts)}. --verbose lists them.", style="dim"))


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
    # lazy: the library loads only when the command runs, so --help stays quick
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
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            if time.monotonic() - self.started < self.DELAY:
                return
            # lazy: rich loads only when the command runs, so --help stays quick
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
