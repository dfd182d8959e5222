"""The pages and the JSON API. Each calls the same library function as the command line.

| page | library call | command line |
|---|---|---|
| /check | ``validate_workbook(files, report_path=...)`` | ``jtai validate --report`` |
| /shortlist | ``shortlist(files, option=..., output=...)`` | ``jtai shortlist -o`` |
| /timetable | ``timetable.timeline(notified, option)`` | ``jtai timeline --ics`` |
| /summary | ``summarise(files)`` | ``jtai summary -o --xlsx`` |
| POST /api/validate | ``ValidationReport.to_dict()`` | ``jtai validate --format json`` |

A file that cannot be used is a message on the page (422, or 400 for a form filled in
wrongly: a date the page cannot use is said beside its field, the form shown again with what
was typed), in the library's own words with the private folder's paths replaced by the file's
name; it is never a server error.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from jtai_cli._version import __version__
from jtai_cli.csv_output import csv_text
from jtai_cli.dates import typed_day
from jtai_cli.errors import JtaiError, UsageError
from jtai_cli.issues import CATALOGUE
from jtai_cli.reading import read_workbook
from jtai_cli.reporting import SCHEMA_VERSION
from jtai_cli.schemas import load_schemas
from jtai_cli.shortlisting import shortlist
from jtai_cli.summary import summarise
from jtai_cli.timetable import timeline
from jtai_cli.validation import validate_workbook

from .state import Job, ServeState
from .uploads import Form, FormRefused, read_form
from .worker import Busy, WorkerDied, Workers

T = TypeVar("T")
STATIC = Path(__file__).parent / "static"
#: Seconds a busy server asks a client to wait before trying again (503).
RETRY_AFTER = 60
#: Findings shown under each rule before pointing at the downloads.
DRILL_LIMIT = 200
#: A rule's rows shown from the sheet (the child's record), and the bounds on each: what a
#: check's process sends back besides its report is at most this many cells per rule.
EXCERPT_ROWS = 20
EXCERPT_COLUMNS = 60
EXCERPT_CHARS = 120
_PARA = re.compile(r"\b(?:guidance )?(paras? \d+(?:\s*(?:-|to|and|,)\s*\d+)*)", re.IGNORECASE)

_env = Environment(loader=PackageLoader("jtai_cli.serve", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)

#: The command line's option names in the library's words, as the page says them (the page
#: has boxes and choices, not options).
_PAGE_WORDS = [
    (re.compile(r" \(--include or --require\)"), ""),
    (re.compile(r"--include \(or --require\)"), "the boxes to include"),
    (re.compile(r" \(--exclude\)"), ""),
    (re.compile(r"\(--stage select\)"), "(the stage chosen on this page)"),
    (re.compile(r"because --stage track was given"),
     "because the tracking stage was chosen on this page"),
    (re.compile(r"Use --stage select to propose the 20 again"),
     "Choose the stage \"propose 20\" below to propose the 20 again"),
    (re.compile(r"\(--prefer ([^)]*)\)"), r"(preferred: \1)"),
    (re.compile(r"\(--require ([^)]*)\)"), r"(required: \1)"),
    (re.compile(r"--require (\S+):"), r"Required \1:"),
    (re.compile(r"--include:"), "To include:"),
    (re.compile(r"--exclude:"), "To exclude:"),
    (re.compile(r"--include"), "the boxes to include"),
    (re.compile(r"--exclude"), "the boxes to exclude"),
    (re.compile(r"--stage (select|track)"), r"the \1 stage"),
    (re.compile(r"[Gg]ive --option (A|B)"), r"Choose option \1"),
    (re.compile(r"--option (A|B)"), r"option \1"),
    (re.compile(r"use --as-of to set one date"), "give the as-of date to set one"),
    (re.compile(r"--as-of"), "the as-of date"),
]


def page_words(text: object) -> str:
    """The library's sentence without command-line option names (``--include``...)."""
    out = str(text)
    for pattern, words in _PAGE_WORDS:
        out = pattern.sub(words, out)
    return out


_env.filters["page_words"] = page_words


class Problem(Exception):
    """What to tell the user instead of a result, and the HTTP status to send it with.

    ``kind`` and ``file`` are what ``jtai ... --format json`` prints in its error document
    (``usage``, ``internal``, or what is wrong with the input, e.g. ``workbook-encrypted``).
    """

    def __init__(self, message: str, status: int = 422, kind: str | None = None,
                 file: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The form field the message belongs beside (a date typed wrongly), or None.
        self.field = field
        self.status = status
        self.kind = kind or ("usage" if status in (400, 413, 415) else
                             "internal" if status == 500 else
                             "busy" if status == 503 else "input-unusable")
        self.file = file

    def __reduce__(self) -> tuple[Any, ...]:  # raised in a job's process, sent to the server
        return (Problem, (self.message, self.status, self.kind, self.file, self.field))

    def document(self) -> dict[str, Any]:
        """The error as ``jtai ... --format json`` prints it (``error.schema.json``)."""
        return {"schema_version": SCHEMA_VERSION,
                "error": {"kind": self.kind, "message": self.message, "file": self.file}}


def error_kind(exc: BaseException) -> str:
    """``WorkbookEncrypted`` -> ``workbook-encrypted``; UsageError -> ``usage`` (as the CLI's
    ``jsonout.error_kind``)."""
    name = type(exc).__name__
    if name == "UsageError":
        return "usage"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _busy(workers: Workers) -> Problem:
    return Problem(f"jtai serve is busy: {workers.pending} checks are running or waiting, "
                   "the most this computer's memory allows. Try again in a minute.", 503)


def _in_worker(state: ServeState, job: Job, fn: Callable[..., T], *args: Any) -> T:
    """``fn(job, *args)`` in a process of its own (``worker.Workers``); what stops it is a
    ``Problem``: busy (503), out of memory (422), the server stopping (503)."""
    try:
        result: T = state.workers.run(fn, job.snapshot(), *args, names=list(job.names),
                                      progress=job.progress)
        return result
    except Busy:
        raise _busy(state.workers) from None
    except WorkerDied as exc:
        if exc.out_of_memory:
            raise Problem(exc.message, 422, "out-of-memory",
                          job.names[0] if len(job.names) == 1 else None) from None
        raise Problem(exc.message, 503, "stopped") from None


# --------------------------------------------------------------------------- helpers


def _state(request: Request) -> ServeState:
    state: ServeState = request.app.state.jtai
    return state


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    state = _state(request)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    html = _env.get_template(template).render(
        version=__version__, idle_minutes=max(1, round(state.idle / 60)),
        path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def _problem_page(request: Request, problem: Problem, back: str) -> HTMLResponse:
    page = _page(request, "problem.html", status=problem.status, message=problem.message,
                 back=back)
    if problem.status == 503:
        page.headers["Retry-After"] = str(RETRY_AFTER)
    return page


def _form_again(request: Request, template: str, problem: Problem,
                form: Form | None) -> HTMLResponse:
    """The form again, the message beside its field and the values typed kept (the files
    cannot be: a browser never lets a page fill in a file picker)."""
    values = {k: v[0] for k, v in form.fields.items() if v} if form is not None else {}
    for name in ("as_of", "notified"):  # a date box shows a date only as 2026-11-23
        try:
            day = parse_day(values.get(name, ""), name)
        except Problem:
            continue
        if day is not None:
            values[name] = day.isoformat()
    return _page(request, template, status=problem.status, values=values,
                 errors={problem.field: problem.message},
                 files_again=form is not None and bool(form.files))


def _in_page_words(problem: Problem) -> Problem:
    return Problem(page_words(problem.message), problem.status, problem.kind, problem.file,
                   problem.field)


def _json(data: Any, status: int = 200) -> Response:
    # Exactly as `jtai validate --format json` prints it (jtai_cli/cli/render.print_json).
    return Response(json.dumps(data, ensure_ascii=False, default=str) + "\n",
                    status_code=status, media_type="application/json",
                    headers={"Retry-After": str(RETRY_AFTER)} if status == 503 else None)


def _call(job: Job, fn: Callable[[], T]) -> T:
    """Call the library; unusable input becomes a ``Problem`` in plain words."""
    try:
        return fn()
    except MemoryError:
        raise  # the job's process says so (worker.py)
    except UsageError as exc:
        raise Problem(job.plain(str(exc)), 400, "usage",
                      job.plain(exc.file) if exc.file else None) from None
    except JtaiError as exc:
        raise Problem(job.plain(str(exc)), 422, error_kind(exc),
                      job.plain(exc.file) if exc.file else None) from None
    except Exception as exc:
        # A bug in jtai: its type only (a message may hold a cell's value).
        raise Problem(f"jtai hit an internal problem ({type(exc).__name__}) and made no result. "
                      "Run the same check with `jtai validate --debug` and report it.",
                      500) from None


def parse_day(text: str, what: str, field: str | None = None) -> dt.date | None:
    """A date typed in a form: 2026-11-23 (as a date picker sends it) or 23/11/2026.

    A ``Problem`` names ``field``, the form field the message is shown beside."""
    text = text.strip()
    if not text:
        return None
    try:
        return typed_day(text, f"The {what}")
    except ValueError as exc:
        raise Problem(f"{exc}.", 400, field=field) from None


def _option(text: str, required: bool = True) -> str | None:
    value = text.strip().upper()
    if not value and not required:
        return None
    if value not in ("A", "B"):
        raise Problem("Choose option A or option B.", 400, field="option")
    return value


def _ids(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [p.strip() for p in re.split(r"[,\s;]+", v) if p.strip()]
    return list(dict.fromkeys(out))


async def _upload(request: Request, kind: str) -> tuple[Job, Form]:
    """A new job holding the form's files; ``Problem`` if the form is unusable."""
    state = _state(request)
    if state.workers.full():  # refused before the upload is read
        raise _busy(state.workers)
    job = state.new_job(kind)
    try:
        form = await read_form(request, job.folder, state.limits)
    except FormRefused as exc:
        state.drop(job)
        raise Problem(str(exc), exc.status) from None
    for _field, name, path in form.files:
        job.inputs.append(path)
        job.names.append(name)
    if not job.inputs:
        state.drop(job)
        raise Problem("Choose at least one file to upload.", 400)
    return job, form


def _plain_data(job: Job, data: Any) -> Any:
    """``data`` with the private folder's paths replaced by the uploaded files' names."""
    folder = str(job.folder)
    if isinstance(data, str):
        return job.plain(data) if folder in data else data
    if isinstance(data, dict):
        return {_plain_data(job, k): _plain_data(job, v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain_data(job, v) for v in data]
    return data


def _download(job: Job, path: Path, name: str, media: str) -> Response:
    if not path.is_file():
        return Response("That file is no longer here: check again.\n", status_code=404,
                        media_type="text/plain")
    return FileResponse(path, media_type=media, filename=name)


def _stem(job: Job) -> str:
    return Path(job.names[0]).stem if len(job.names) == 1 else "lists"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- check a workbook


async def home(request: Request) -> Response:
    return _page(request, "home.html")


def _check_work(job: Job, progress: Callable[[str, int, int], None]
                ) -> tuple[Any, Any, dict[str, Any]]:
    """In a job's process: validate, write the highlighted copy; the report, its JSON and
    the rows its findings are on (``_rows_excerpt``)."""
    several = len(job.inputs) > 1
    out = job.folder / ("highlighted" if several else "highlighted.xlsx")
    if several:
        out.mkdir(mode=0o700)
    report = _call(job, lambda: validate_workbook(
        job.inputs, as_of=job.options.get("as_of"), report_path=out, progress=progress))
    if several:
        with zipfile.ZipFile(job.folder / "highlighted.zip", "w") as z:
            for f in sorted(out.iterdir()):
                z.write(f, f.name)
    try:
        excerpt = _rows_excerpt(report)
    except (JtaiError, OSError, ValueError, IndexError, KeyError):
        excerpt = {}  # the rows are a help, not the check: the findings stand without them
    return report, _plain_data(job, report.to_dict()), excerpt


def _cell_text(value: object) -> str:
    """A cell as the page shows it in a rule's rows (dates day first), cut to a bound."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dt.datetime):
        text = (f"{value:%d/%m/%Y}" if value.time() == dt.time() else f"{value:%d/%m/%Y %H:%M}")
    elif isinstance(value, dt.date):
        text = f"{value:%d/%m/%Y}"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "\u2026"


def _column_index(cell: object) -> int | None:
    """``C19`` -> 2 (0-based), or None for a finding on a whole row."""
    m = re.fullmatch(r"([A-Z]{1,3})\d+", str(cell or "").strip().upper())
    if not m:
        return None
    n = 0
    for ch in m.group(1):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _rows_excerpt(report: Any) -> dict[str, Any]:
    """In a job's process: the rows each rule fired on, as the sheet holds them.

    For each rule, its first ``EXCERPT_ROWS`` rows (file, sheet, Excel row), with the
    sheet's header and the cells of each row (``EXCERPT_COLUMNS`` columns at most, each cut
    to ``EXCERPT_CHARS``) and the columns its findings name: the child's record, shown
    beside the finding, without sending whole workbooks back to the server.
    """
    df = report.findings
    if not len(df):
        return {}
    headers = {(i.file, i.sheet): i.header_row for i in report.sheets if i.header_row}
    wanted: dict[str, dict[tuple[str, str, int], set[int]]] = {}
    for rule, f, s, r, cell in zip(df["rule"], df["file"], df["sheet"], df["row"], df["cell"],
                                   strict=True):
        if pd.isna(r) or (f, s) not in headers:
            continue
        rows = wanted.setdefault(str(rule), {})
        key = (str(f), str(s), int(r))
        if key not in rows and len(rows) >= EXCERPT_ROWS:
            continue
        col = _column_index(cell)
        rows.setdefault(key, set()).update(() if col is None else (col,))
    # One sheet's cells in memory at a time: only the header and the rows wanted are kept.
    kept: dict[tuple[str, str], tuple[list[object], dict[int, list[object]]]] = {}
    for f in sorted({k[0] for rows in wanted.values() for k in rows}):
        book = read_workbook(f, lazy=True)
        for raw in book.sheets:
            numbers = {k[2] for rows in wanted.values() for k in rows
                       if k[0] == f and k[1] == raw.name}
            if not numbers:
                continue
            raw.load()
            header_row = headers[(f, raw.name)]
            header = list(raw.rows[header_row - 1]) if header_row <= len(raw.rows) else []
            kept[(f, raw.name)] = (header, {r: list(raw.rows[r - 1]) for r in numbers
                                            if 1 <= r <= len(raw.rows)})
            raw.rows = []
            raw.loader = None  # let the cells go
    out: dict[str, Any] = {}
    for rule, rows in wanted.items():
        tables: dict[tuple[str, str], dict[str, Any]] = {}
        for (f, s, r), hits in rows.items():
            header_cells, sheet_rows = kept.get((f, s), ([], {}))
            if r not in sheet_rows:
                continue
            table = tables.get((f, s))
            if table is None:
                table = tables[(f, s)] = {
                    "file": f, "sheet": s,
                    "header": [_cell_text(c) for c in header_cells[:EXCERPT_COLUMNS]],
                    "rows": []}
            cells = [_cell_text(c) for c in sheet_rows[r][:EXCERPT_COLUMNS]]
            width = max(len(table["header"]), len(cells), max(hits, default=-1) + 1)
            width = min(width, EXCERPT_COLUMNS)
            cells += [""] * (width - len(cells))
            if len(table["header"]) < width:
                table["header"] += [""] * (width - len(table["header"]))
            table["rows"].append({"row": r, "cells": cells,
                                  "hits": sorted(c for c in hits if c < EXCERPT_COLUMNS)})
        if tables:
            out[rule] = list(tables.values())
    return out


def _run_check(state: ServeState, job: Job) -> None:
    """Thread: the check in its own process; note the result or the problem."""
    try:
        job.result, job.extra["json"], job.extra["rows"] = _in_worker(state, job, _check_work)
        job.status = "done"
    except Problem as exc:
        job.error, job.error_status, job.status = exc.message, exc.status, "failed"
    except Exception as exc:  # a bug in jtai: its type only, never a traceback on the terminal
        job.error, job.error_status, job.status = (
            f"jtai hit an internal problem ({type(exc).__name__}) and made no result.", 500,
            "failed")


async def check_start(request: Request) -> Response:
    state = _state(request)
    form: Form | None = None
    try:
        job, form = await _upload(request, "check")
        try:
            job.options["as_of"] = parse_day(form.get("as_of"), "as-of date", "as_of")
        except Problem:
            state.drop(job)
            raise
    except Problem as exc:
        if exc.field:
            return _form_again(request, "home.html", exc, form)
        return _problem_page(request, exc, "/")
    threading.Thread(target=_run_check, args=(state, job), name="jtai-check",
                     daemon=True).start()
    return RedirectResponse(f"/check/{job.id}", status_code=303)


def _norm_id(value: object) -> str:
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    return text.lstrip("0") if text.isdigit() else text.casefold()


def _child_rows(state: ServeState, job: Job, child: str) -> set[tuple[str, str, int]]:
    """(file, sheet, Excel row) of every row whose child ID is ``child``.

    The report names cells, not children, so the lists are read again (once per job, and
    only when the child filter is used, in a job's process) to find each row's child ID.
    """
    index: dict[str, set[tuple[str, str, int]]] | None = job.extra.get("child_index")
    if index is None:
        index = _in_worker(state, job, _child_index_work, job.result.sheets)
        job.extra["child_index"] = index
    return index.get(_norm_id(child), set())


def _child_index_work(job: Job, sheets: list[Any], progress: Callable[[str, int, int], None]
                      ) -> dict[str, set[tuple[str, str, int]]]:
    """In a job's process: each child ID to the (file, sheet, Excel row) it is on."""
    index: dict[str, set[tuple[str, str, int]]] = {}
    books: dict[str, Any] = {}
    for info in sheets:
        if info.list is None or not info.header_row:
            continue
        id_header = next((w for w, c in info.columns.items()
                          if re.sub(r"\W", "", c.lower()) in ("childuniqueid", "childid")),
                         None)
        if id_header is None:
            continue
        if info.file not in books:
            books[info.file] = read_workbook(info.file)
        sheet = next((s for s in books[info.file].sheets if s.name == info.sheet), None)
        if sheet is None or len(sheet.rows) < info.header_row:
            continue
        header = [str(c).strip() if c is not None else ""
                  for c in sheet.rows[info.header_row - 1]]
        if id_header.strip() not in header:
            continue
        j = header.index(id_header.strip())
        for r in range(info.header_row, len(sheet.rows)):
            row = sheet.rows[r]
            if j < len(row) and row[j] not in (None, ""):
                index.setdefault(_norm_id(row[j]), set()).add((info.file, info.sheet, r + 1))
    return index


def _groups(df: pd.DataFrame, excerpt: dict[str, Any] | None = None,
            keys: dict[tuple[str, str], str] | None = None) -> list[dict[str, Any]]:
    order = {"error": 0, "warning": 1, "coerced": 2}
    groups: list[dict[str, Any]] = []
    for rule, part in df.groupby("rule", sort=False):
        info = CATALOGUE.get(str(rule))
        severity = str(part["severity"].iloc[0])
        text = info.description if info else ""
        m = _PARA.search(text) or _PARA.search(str(part["message"].iloc[0]))
        shown = part.head(DRILL_LIMIT)
        rows = [{"where": w, "cell": c or (f"row {int(r)}" if pd.notna(r) else ""),
                 "column": col or "", "message": msg, "expected": exp or ""}
                for w, c, r, col, msg, exp in zip(shown["where"], shown["cell"], shown["row"],
                                                  shown["column"], shown["message"],
                                                  shown["expected"], strict=True)]
        groups.append({
            "rule": str(rule), "severity": severity, "count": len(part),
            "title": info.title if info else str(rule), "meaning": text,
            "paragraph": m.group(1) if m else None, "rows": rows,
            "more": max(0, len(part) - DRILL_LIMIT),
            "sheets": sorted({str(w) for w in part["where"].unique()}),
            "data": _data_rows(part, (excerpt or {}).get(str(rule), []), keys or {}),
        })
    groups.sort(key=lambda g: (order.get(str(g["severity"]), 3), -int(g["count"])))
    return groups


def _data_rows(part: pd.DataFrame, tables: list[dict[str, Any]],
               keys: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    """The rule's rows from the sheet, only those the (filtered) findings are on."""
    shown = {(str(f), str(s), int(r)) for f, s, r in
             zip(part["file"], part["sheet"], part["row"], strict=True) if pd.notna(r)}
    out = []
    for t in tables:
        rows = [r for r in t["rows"] if (t["file"], t["sheet"], r["row"]) in shown]
        if rows:
            out.append({"where": keys.get((t["file"], t["sheet"]), t["sheet"]),
                        "header": t["header"], "rows": rows})
    return out


async def check_result(request: Request) -> Response:
    job = _state(request).job(request.path_params["job"], "check")
    if job is None:
        return _problem_page(request, Problem("This check is no longer here (results are "
                                              "removed after a while without use): upload the "
                                              "file again.", 404), "/")
    if job.status == "running":
        return _page(request, "progress.html", job=job,
                     percent=round(100 * job.done / max(job.total, 1)))
    if job.status == "failed":
        return _problem_page(request, Problem(job.error or "", job.error_status), "/")
    report = job.result
    df = report.findings
    keys = {(f, s): report.sheet_key(f, s) for f, s in
            {(i.file, i.sheet) for i in report.sheets}}
    if len(df):
        df = df.assign(where=[keys.get((f, s), str(s)) for f, s in zip(df["file"], df["sheet"],
                                                                       strict=True)])
    q = request.query_params
    sheet, severity, child = q.get("sheet", ""), q.get("severity", ""), q.get("child", "").strip()
    if len(df) and sheet:
        df = df[df["where"] == sheet]
    if len(df) and severity in ("error", "warning", "coerced"):
        df = df[df["severity"] == severity]
    child_found = None
    if len(df) and child:
        try:
            rows = await run_in_threadpool(lambda: _child_rows(_state(request), job, child))
        except Problem as exc:
            return _problem_page(request, exc, f"/check/{job.id}")
        child_found = bool(rows)
        hit = [(f, s, int(r)) in rows if pd.notna(r) else False
               for f, s, r in zip(df["file"], df["sheet"], df["row"], strict=True)]
        df = df[hit]
    summary = report.summary()
    titles = {name: schema.title for name, schema in load_schemas().lists.items()}
    lists = []
    for info in report.sheets:
        key = report.sheet_key(info)
        counts = summary["by_sheet"][key]
        lists.append({"key": key, "list": titles.get(info.list or "", info.list),
                      "title": info.title or "",
                      "header_row": info.header_row, "rows": info.rows, "note": info.note,
                      **counts})
    return _page(request, "check.html", job=job, report=report, counts=report.counts(),
                 lists=lists,
                 groups=_groups(df, job.extra.get("rows"), keys) if len(df) else [], shown=len(df),
                 sheet=sheet, severity=severity, child=child, child_found=child_found,
                 several=len(job.inputs) > 1, stem=_stem(job), files=", ".join(job.names),
                 sheets=[i["key"] for i in lists])


async def check_download(request: Request) -> Response:
    job = _state(request).job(request.path_params["job"], "check")
    what = request.path_params["what"]
    if job is None or job.status != "done":
        return Response("That check is no longer here.\n", status_code=404,
                        media_type="text/plain")
    stem = _stem(job)
    if what == "highlighted":
        if len(job.inputs) > 1:
            return _download(job, job.folder / "highlighted.zip", f"{stem}-checked.zip",
                             "application/zip")
        return _download(job, job.folder / "highlighted.xlsx", f"{stem}-checked.xlsx", XLSX)
    if what == "json":
        return Response(json.dumps(job.extra["json"], ensure_ascii=False, default=str) + "\n",
                        media_type="application/json", headers={
                            "Content-Disposition": f'attachment; filename="{stem}-report.json"'})
    if what == "csv":
        frame = job.result.to_frame()
        frame["file"] = [job.plain(str(f)) for f in frame["file"]]
        text = "\ufeff" + csv_text(frame)  # byte-order mark: Excel reads it as UTF-8
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{stem}-findings.csv"'})
    return Response("No such download.\n", status_code=404, media_type="text/plain")


# --------------------------------------------------------------------------- shortlist


def _shortlist_work(job: Job, progress: Callable[[str, int, int], None]) -> Any:
    """In a job's process: the shortlist and its workbook."""
    o = job.options
    out = job.folder / "shortlist.xlsx"
    return _call(job, lambda: shortlist(
        job.inputs, option=o["option"], seed=o["seed"], include=o["include"],
        exclude=o["exclude"], as_of=o["as_of"], output=out, notified=o["notified"],
        stage=o.get("stage")))


def _run_shortlist(state: ServeState, job: Job) -> Any:
    job.result = _in_worker(state, job, _shortlist_work)
    job.status = "done"
    return job.result


def _shortlist_options(form: Form) -> dict[str, Any]:
    seed = form.get("seed", "0") or "0"
    if not re.fullmatch(r"\d{1,9}", seed):
        raise Problem("The seed is a whole number, e.g. 0.", 400, field="seed")
    stage = form.get("stage").strip().lower() or None
    if stage not in (None, "select", "track"):
        raise Problem("Choose the stage: read from the lists, propose 20, or track five to "
                      "seven.", 400, field="stage")
    return {"option": _option(form.get("option")), "seed": int(seed), "stage": stage,
            "include": _ids(form.getall("include")), "exclude": _ids(form.getall("exclude")),
            "as_of": parse_day(form.get("as_of"), "as-of date", "as_of"),
            "notified": _notified(form.get("notified"))}


def _notified(text: str) -> dt.date | None:
    """The notification date of a form: a real date, and a Monday (day 0), as the command
    line wants it (the timetable's own check, so the words are the same)."""
    day = parse_day(text, "notification date", "notified")
    if day is not None:
        try:
            timeline(day)
        except JtaiError as exc:
            raise Problem(_sentence(str(exc)), 400, field="notified") from None
    return day


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


async def shortlist_form(request: Request) -> Response:
    return _page(request, "shortlist_form.html")


async def shortlist_start(request: Request) -> Response:
    state = _state(request)
    form: Form | None = None
    try:
        job, form = await _upload(request, "shortlist")
        try:
            job.options = _shortlist_options(form)
            await run_in_threadpool(_run_shortlist, state, job)
        except Problem:
            state.drop(job)
            raise
    except Problem as exc:
        if exc.field:
            return _form_again(request, "shortlist_form.html", exc, form)
        return _problem_page(request, _in_page_words(exc), "/shortlist")
    return RedirectResponse(f"/shortlist/{job.id}", status_code=303)


async def shortlist_again(request: Request) -> Response:
    """Re-propose with the children ticked to include or exclude."""
    job = _state(request).job(request.path_params["job"], "shortlist")
    if job is None:
        return _problem_page(request, Problem("This shortlist is no longer here: upload the "
                                              "lists again.", 404), "/shortlist")
    try:
        form = await _fields_only(request, job)
        include, exclude = _ids(form.getall("include")), _ids(form.getall("exclude"))
        both = sorted(set(include) & set(exclude))
        if both:
            raise Problem("A child cannot be both included and excluded: "
                          f"{', '.join(both)}.", 400)
        job.options.update(include=include, exclude=exclude)
        if "stage" in form.fields:
            stage = form.get("stage").strip().lower()
            if stage not in ("", "select", "track"):
                raise Problem("Choose the stage: read from the lists, propose 20, or track "
                              "five to seven.", 400)
            job.options["stage"] = stage or None
        await run_in_threadpool(_run_shortlist, _state(request), job)
    except FormRefused as exc:
        return _problem_page(request, Problem(str(exc), exc.status), f"/shortlist/{job.id}")
    except Problem as exc:
        return _problem_page(request, _in_page_words(exc), f"/shortlist/{job.id}")
    return RedirectResponse(f"/shortlist/{job.id}", status_code=303)


async def _fields_only(request: Request, job: Job) -> Form:
    """A form with no files (the include/exclude boxes), in any encoding a form may use."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        scratch = job.folder / f"form-{len(list(job.folder.iterdir()))}"
        scratch.mkdir(mode=0o700)
        form = await read_form(request, scratch, _state(request).limits)
        if form.files:
            raise FormRefused("This form takes no files.", 400)
        return form
    body = await request.body()
    if len(body) > _state(request).limits.fields * _state(request).limits.field_bytes:
        raise FormRefused("The form is too large.", 413)
    return Form(fields=dict(parse_qs(body.decode("utf-8", "replace"),
                                      keep_blank_values=True)))


async def shortlist_result(request: Request) -> Response:
    job = _state(request).job(request.path_params["job"], "shortlist")
    if job is None:
        return _problem_page(request, Problem("This shortlist is no longer here: upload the "
                                              "lists again.", 404), "/shortlist")
    return _page(request, "shortlist.html", job=job, result=job.result,
                 include=job.options["include"], exclude=job.options["exclude"],
                 not_picked_ids={cid for cid, _ in job.result.not_picked},
                 files=", ".join(job.names))


async def shortlist_download(request: Request) -> Response:
    job = _state(request).job(request.path_params["job"], "shortlist")
    if job is None:
        return Response("That shortlist is no longer here.\n", status_code=404,
                        media_type="text/plain")
    name = "for-the-la.xlsx" if job.result.stage == "select-20" else "selection.xlsx"
    return _download(job, job.folder / "shortlist.xlsx", name, XLSX)


# --------------------------------------------------------------------------- timetable


def _timeline(request: Request) -> Any:
    q = request.query_params
    notified = parse_day(q.get("notified", ""), "notification date", "notified")
    if notified is None:
        return None
    option = _option(q.get("option", ""), required=False)
    try:
        return timeline(notified, option)  # type: ignore[arg-type]
    except JtaiError as exc:
        raise Problem(_sentence(str(exc)), 400, field="notified") from None


async def timetable(request: Request) -> Response:
    q = request.query_params
    try:
        tl = _timeline(request)
    except Problem as exc:
        if exc.field:
            return _page(request, "timetable.html", status=400, tl=None,
                         notified=q.get("notified", ""), option=q.get("option", "").upper(),
                         query="", errors={exc.field: exc.message})
        return _problem_page(request, exc, "/timetable")
    return _page(request, "timetable.html", tl=tl, notified=q.get("notified", ""),
                 option=q.get("option", "").upper(),
                 query=str(request.url.query))


async def timetable_ics(request: Request) -> Response:
    try:
        tl = _timeline(request)
    except Problem as exc:
        return _problem_page(request, exc, "/timetable")
    if tl is None:
        return _problem_page(request, Problem("Give the notification date.", 400), "/timetable")
    return Response(tl.to_ics().encode("utf-8"), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="jtai.ics"'})


# --------------------------------------------------------------------------- summary


def _summary_work(job: Job, progress: Callable[[str, int, int], None]) -> Any:
    """In a job's process: the summary, its page and its workbook."""
    result = _call(job, lambda: summarise(job.inputs, as_of=job.options.get("as_of")))
    _call(job, lambda: result.write_html(job.folder / "summary.html"))
    _call(job, lambda: result.to_xlsx(job.folder / "summary.xlsx"))
    return result


def _run_summary(state: ServeState, job: Job) -> Any:
    job.result = _in_worker(state, job, _summary_work)
    job.status = "done"
    return job.result


async def summary_form(request: Request) -> Response:
    return _page(request, "summary_form.html")


async def summary_start(request: Request) -> Response:
    state = _state(request)
    form: Form | None = None
    try:
        job, form = await _upload(request, "summary")
        try:
            job.options["as_of"] = parse_day(form.get("as_of"), "as-of date", "as_of")
            await run_in_threadpool(_run_summary, state, job)
        except Problem:
            state.drop(job)
            raise
    except Problem as exc:
        if exc.field:
            return _form_again(request, "summary_form.html", exc, form)
        return _problem_page(request, exc, "/summary")
    return RedirectResponse(f"/summary/{job.id}", status_code=303)


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, float):
        return f"{v:.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


async def summary_result(request: Request) -> Response:
    job = _state(request).job(request.path_params["job"], "summary")
    if job is None:
        return _problem_page(request, Problem("This summary is no longer here: upload the "
                                              "lists again.", 404), "/summary")
    result = job.result
    tables = []
    for t in result.tables.values():
        rows = [{"label": str(label), "total": label == t.total_row,
                 "cells": [(_cell(v), isinstance(v, str)) for v in row]}
                for label, row in t.frame.iterrows()]
        tables.append({"name": t.name, "title": t.title, "description": t.description,
                       "index": str(t.frame.index.name or ""),
                       "columns": [str(c) for c in t.frame.columns], "rows": rows})
    return _page(request, "summary.html", job=job, result=result, tables=tables,
                 dates=", ".join(f"{s.as_of:%d/%m/%Y}" for s in result.snapshots),
                 files=", ".join(job.names))


def report_csp(page: str) -> str:
    """A Content Security Policy for the summary's own HTML report, shown as it is.

    The report (``Summary.to_html``, what ``jtai summary -o`` writes) is one self-contained
    page whose charts are inline SVG with inline styles. Rather than allowing inline styles,
    this policy allows exactly the style elements and attributes the page holds, by hash, and
    nothing else: no script, no fetch, no form.
    """
    styles = {html.unescape(m) for m in re.findall(r"<style[^>]*>(.*?)</style>", page, re.S)}
    attrs = {html.unescape(m) for m in re.findall(r'\sstyle="([^"]*)"', page)}
    hashes = " ".join(sorted(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in styles | attrs))
    return (f"default-src 'none'; style-src 'unsafe-hashes' {hashes}; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")


async def summary_report(request: Request) -> Response:
    """The report with its charts, exactly as ``jtai summary -o summary.html`` writes it."""
    job = _state(request).job(request.path_params["job"], "summary")
    if job is None:
        return _problem_page(request, Problem("This summary is no longer here: upload the "
                                              "lists again.", 404), "/summary")
    page = (job.folder / "summary.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Content-Security-Policy": report_csp(page)})


async def summary_download(request: Request) -> Response:
    job = _state(request).job(request.path_params["job"], "summary")
    what = request.path_params["what"]
    if job is None:
        return Response("That summary is no longer here.\n", status_code=404,
                        media_type="text/plain")
    if what == "html":
        return _download(job, job.folder / "summary.html", "summary.html", "text/html")
    if what == "xlsx":
        return _download(job, job.folder / "summary.xlsx", "summary.xlsx", XLSX)
    return Response("No such download.\n", status_code=404, media_type="text/plain")


# --------------------------------------------------------------------------- JSON API


async def _api(request: Request, kind: str,
               work: Callable[[Job, Form, Callable[[str, int, int], None]], Any]) -> Response:
    state = _state(request)
    try:
        job, form = await _upload(request, kind)
    except Problem as exc:
        return _json(exc.document(), exc.status)
    try:
        return _json(await run_in_threadpool(_in_worker, state, job, work, form))
    except Problem as exc:
        return _json(exc.document(), exc.status)
    finally:
        state.drop(job)


def _api_validate(job: Job, form: Form, progress: Callable[[str, int, int], None]) -> Any:
    as_of = parse_day(form.get("as_of"), "as-of date", "as_of")
    report = _call(job, lambda: validate_workbook(job.inputs, as_of=as_of))
    return _plain_data(job, report.to_dict())


def _api_shortlist(job: Job, form: Form, progress: Callable[[str, int, int], None]) -> Any:
    o = _shortlist_options(form)
    result = _call(job, lambda: shortlist(
        job.inputs, option=o["option"], seed=o["seed"], include=o["include"],
        exclude=o["exclude"], as_of=o["as_of"], notified=o["notified"], stage=o["stage"]))
    return _plain_data(job, result.to_dict())


def _api_summary(job: Job, form: Form, progress: Callable[[str, int, int], None]) -> Any:
    as_of = parse_day(form.get("as_of"), "as-of date")
    result = _call(job, lambda: summarise(job.inputs, as_of=as_of))
    return _plain_data(job, result.to_dict())


async def api_validate(request: Request) -> Response:
    return await _api(request, "api", _api_validate)


async def api_shortlist(request: Request) -> Response:
    return await _api(request, "api", _api_shortlist)


async def api_summary(request: Request) -> Response:
    return await _api(request, "api", _api_summary)


async def api_timeline(request: Request) -> Response:
    try:
        tl = _timeline(request)
    except Problem as exc:
        return _json(exc.document(), exc.status)
    if tl is None:
        return _json(Problem("Give the notification date: ?notified=2026-11-23.", 400
                             ).document(), 400)
    return _json(tl.to_dict())


async def api_version(request: Request) -> Response:
    return _json({"version": __version__})


def routes(state: ServeState) -> list[BaseRoute]:
    """Every page, download, API endpoint and the static files."""
    return [
        Route("/", home),
        Route("/check", check_start, methods=["POST"]),
        Route("/check/{job}", check_result),
        Route("/check/{job}/download/{what}", check_download),
        Route("/shortlist", shortlist_form),
        Route("/shortlist", shortlist_start, methods=["POST"]),
        Route("/shortlist/{job}", shortlist_result),
        Route("/shortlist/{job}", shortlist_again, methods=["POST"]),
        Route("/shortlist/{job}/workbook.xlsx", shortlist_download),
        Route("/timetable", timetable),
        Route("/timetable/jtai.ics", timetable_ics),
        Route("/summary", summary_form),
        Route("/summary", summary_start, methods=["POST"]),
        Route("/summary/{job}", summary_result),
        Route("/summary/{job}/report", summary_report),
        Route("/summary/{job}/download/{what}", summary_download),
        Route("/api/validate", api_validate, methods=["POST"]),
        Route("/api/shortlist", api_shortlist, methods=["POST"]),
        Route("/api/summary", api_summary, methods=["POST"]),
        Route("/api/timeline", api_timeline),
        Route("/api/version", api_version),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
