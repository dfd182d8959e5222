"""Read cells through python-calamine (the reader, in Rust), after the file has passed its checks.

A workbook is opened once for all its lazily read sheets. Whatever the reader raises becomes
jtai's own error, and a Rust panic's report, with its stack trace, is kept off the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, PasswordError

from jtai_cli._memory import trim_heap
from jtai_cli.errors import WorkbookEncrypted, WorkbookUnreadable
from jtai_cli.tempdirs import anonymous_file

from . import limits
from .limits import _Scan
from .refusals import _reader_errors, _too_many_cells, _too_many_sheets, _unchecked
from .sheets import RawSheet, _Cells
from .sparse import is_sparse, sparse_cells


def _read_with_calamine(
    p: Path, scans: dict[str, _Scan], *, by_content: bool, lazy: bool = False,
    checked: bool = False, book: _OpenBook | None = None,
) -> list[RawSheet]:
    def unreadable(kind: str) -> WorkbookUnreadable:
        return WorkbookUnreadable(
            f"the workbook could not be read ({kind}): it may be damaged or not really an "
            "Excel file; open it in Excel and save it again as .xlsx",
            file=p,
        )

    with _panics_kept_off_stderr():
        return _calamine_sheets(p, scans, by_content, {}, unreadable, lazy, checked, book)


def _open_calamine(p: Path, by_content: bool) -> Any:

    if by_content:
        # The name's extension is wrong: let the reader go by the bytes.
        with p.open("rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    return CalamineWorkbook.from_path(str(p))


def _sheet_cells(
    sheet: Any, scan: _Scan | None
) -> tuple[list[list[object]], list[tuple[int, int, int, int]]]:
    """A calamine sheet's cells as Python rows (error cells filled in), and its merged ranges."""
    rows = sheet.to_python(skip_empty_area=False)
    if scan is not None:
        for (r1, c0), text in scan.errors.items():
            if r1 - 1 < len(rows) and c0 < len(rows[r1 - 1]) and rows[r1 - 1][c0] in ("", None):
                rows[r1 - 1][c0] = text
    merged = sheet.merged_cell_ranges or []
    return rows, [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in merged]


def _sparse_sheet_cells(p: Path, name: str, scan: _Scan) -> _Cells:
    """A sheet whose cells lie far apart, read without the grid they span (``sparse``)."""
    rows, merged = sparse_cells(p, name, scan, CalamineWorkbook.from_filelike)
    if scan.errors:
        for (r1, c0), text in scan.errors.items():
            if r1 - 1 < len(rows) and c0 < len(rows[r1 - 1]) and rows[r1 - 1][c0] in ("", None):
                rows[r1 - 1][c0] = text
    return rows, merged


class _OpenBook:
    """One workbook opened once for all its lazily read sheets, closed when each was read.

    Opening an .xlsx makes the reader parse its shared strings and styles again; once per
    sheet, 3,000 sheets took 63 s and 2.1 GB. The reads come from one reader thread (or the
    main thread, one at a time), so a lock is enough. A sheet read again after the book was
    closed (its rows were freed) reopens it.
    """

    def __init__(self, p: Path, by_content: bool):
        self.p, self.by_content = p, by_content
        self.lock = threading.Lock()
        self.wb: Any = None
        self.wanted: set[str] = set()
        self.read: set[str] = set()

    def want(self, name: str) -> None:
        with self.lock:
            self.wanted.add(name)

    def cells(self, name: str, scan: _Scan) -> _Cells:
        with self.lock:
            try:
                if scan.part and is_sparse(scan):
                    return _sparse_sheet_cells(self.p, name, scan)
                if self.wb is None:
                    self.wb = _open_calamine(self.p, self.by_content)
                return _sheet_cells(self.wb.get_sheet_by_name(name), scan)
            finally:
                self.read.add(name)
                if self.read >= self.wanted and self.wb is not None:
                    wb, self.wb = self.wb, None
                    wb.close()
                trim_heap()  # the reader's cells are freed: hand their pages back


def _lazy_loader(
    p: Path, name: str, by_content: bool, scan: _Scan, book: _OpenBook | None = None
) -> Callable[[], _Cells]:
    """Read one sheet when asked, from ``book`` (opened once for every sheet)."""
    shared = book if book is not None else _OpenBook(p, by_content)
    shared.want(name)

    def load() -> _Cells:
        def unreadable(kind: str) -> WorkbookUnreadable:
            return WorkbookUnreadable(
                f"sheet '{name}' could not be read ({kind}): the workbook may be damaged; "
                "open it in Excel and save it again as .xlsx", file=p)

        with _panics_kept_off_stderr(), _reader_errors(p, unreadable):
            return shared.cells(name, scan)

    return load


def _calamine_sheets(
    p: Path, scans: dict[str, _Scan], by_content: bool, read: dict[str, _Scan],
    unreadable: Callable[[str], WorkbookUnreadable],
    lazy: bool = False, checked: bool = False, book: _OpenBook | None = None,
) -> list[RawSheet]:
    """Every sheet through calamine; with ``checked``, each must have passed the scan."""

    sheets: list[RawSheet] = []
    with _reader_errors(p, unreadable):
        try:
            wb = _open_calamine(p, by_content)
            try:
                if len(wb.sheets_metadata) > limits.MAX_SHEETS:
                    raise _too_many_sheets(p)
                for meta in wb.sheets_metadata:
                    if str(meta.typ).endswith("ChartSheet"):
                        continue
                    hidden = not str(meta.visible).endswith(".Visible")
                    scan = scans.get(meta.name)
                    if scan is None and checked:
                        raise _unchecked(p, meta.name)
                    if lazy and scan is not None:
                        # The pre-read scan already bounded this sheet (at most
                        # limits.MAX_CELLS); its cells are read when needed and freed after, one
                        # sheet at a time, so the whole-workbook total does not apply.
                        raw = RawSheet(str(p), meta.name, [], hidden=hidden,
                                       loader=_lazy_loader(p, meta.name, by_content, scan,
                                                           book))
                    elif scan is not None and scan.part and is_sparse(scan):
                        # Read at the cost of its cells, which the scan counted.
                        read[meta.name] = _Scan(scan.cells, 1)
                        rows, merged = _sparse_sheet_cells(p, meta.name, scan)
                        raw = RawSheet(str(p), meta.name, rows, hidden=hidden, merged=merged)
                    else:
                        sheet = wb.get_sheet_by_name(meta.name)
                        end = sheet.end
                        read[meta.name] = _Scan(end[0] + 1, end[1] + 1) if end else _Scan()
                        if sum(s.area for s in read.values()) > limits.MAX_CELLS:
                            raise _too_many_cells(p, read)
                        rows, merged = _sheet_cells(sheet, scan)
                        raw = RawSheet(str(p), meta.name, rows, hidden=hidden, merged=merged)
                    if scan is not None:
                        raw.formula_cells = list(scan.formulas)
                        raw.formula_count = scan.formula_count
                    sheets.append(raw)
            finally:
                wb.close()
        except PasswordError:
            raise WorkbookEncrypted(
                "this workbook is password-protected: save an unprotected copy and give jtai that",
                file=p,
            ) from None
    return sheets


class _StderrGuard:
    """Keep the Rust reader's panic report off the terminal, for any number of threads.

    A damaged file can make the reader panic; the panic arrives here as an exception (and
    becomes a plain "could not be read"), but Rust also writes its own report, with a stack
    trace, straight to the process's stderr (file descriptor 2). While any read is in
    progress, descriptor 2 points at a temporary file; when the last read in progress ends,
    it is restored and what was caught is passed on unchanged, or dropped if a read panicked.
    Reads on two threads (one reading ahead) share one redirection, so neither restores the
    other's. Python's own ``sys.stderr`` (the progress bar, warnings) is pointed at the real
    stderr meanwhile, so it is neither delayed nor dropped.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved = -1
        self.tmp: Any = None
        self.panicked = False
        self.py_stderr: Any = None
        self.direct: Any = None
        self.direct_key: tuple[int, int] = (0, 0)

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if self.depth == 0 and not self._start():
                active = False
            else:
                self.depth += 1
                active = True
        if not active:
            yield
            return
        panicked = False
        try:
            yield
        except BaseException as exc:
            panicked = type(exc).__name__ == "PanicException" or isinstance(
                exc, WorkbookUnreadable)
            raise
        finally:
            with self.lock:
                self.panicked |= panicked
                self.depth -= 1
                if self.depth == 0:
                    self._end()

    def _start(self) -> bool:
        try:
            saved = os.dup(2)
        except OSError:
            return False
        if sys.stderr is not None:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
        self.tmp = anonymous_file()
        os.dup2(self.tmp.fileno(), 2)
        self.saved, self.panicked = saved, False
        self._python_stderr_direct(saved)
        return True

    def _python_stderr_direct(self, saved: int) -> None:
        """Point ``sys.stderr`` at a copy of the real stderr while fd 2 is redirected.

        The copy is kept and reused while stderr stays the same file, and never closed while
        it may be in use: rich's refresh thread looks ``sys.stderr`` up at each write.
        """
        current = sys.stderr
        try:
            if current is None or current.fileno() != 2:
                return  # already elsewhere (a test's capture, a log file): leave it be
            st = os.fstat(saved)
            key = (st.st_dev, st.st_ino)
            if self.direct is None or self.direct_key != key:
                old = self.direct
                self.direct = open(os.dup(saved), "w", encoding=current.encoding,
                                   errors=current.errors, buffering=1)
                self.direct_key = key
                if old is not None:
                    old.close()  # stderr was pointed elsewhere since: this copy is stale
        except (AttributeError, OSError, ValueError):
            return
        self.py_stderr = current
        sys.stderr = self.direct

    def _end(self) -> None:
        if self.py_stderr is not None:
            if sys.stderr is self.direct:
                sys.stderr = self.py_stderr
            with contextlib.suppress(Exception):
                self.direct.flush()
            self.py_stderr = None
        os.dup2(self.saved, 2)
        os.close(self.saved)
        tmp, self.tmp = self.tmp, None
        try:
            if not self.panicked:
                tmp.seek(0)
                data = tmp.read(1024**2)
                if data:
                    os.write(2, data)
        finally:
            tmp.close()


_panics_kept_off_stderr = _StderrGuard()
