"""xlsxwriter's constant-memory row files, unlinked as soon as they are open (POSIX).

In constant-memory mode xlsxwriter writes each sheet's rows (child IDs, names) to a temporary
file until the workbook is closed, and reopens that file by its name. A file whose name is
removed while it is open stays readable and writable through the open handle, and the system
frees it when the handle closes, however the process ends: so a ``kill -9`` or the kernel's
out-of-memory killer leaves no copy of the rows on disk. ``UnlinkedRowsWorksheet`` removes the
name at once and keeps the handle open instead of reopening it.

The short-lived files xlsxwriter writes while it zips the workbook (``Workbook.close``) are
written and read back by name, so they cannot be unlinked early: they live in jtai's private
temporary folder (``writing.private_temp_dir``), removed when the block ends, by the parent
process when the worker is killed (``_bounded.note_temp``), or by the next run otherwise.

Windows cannot remove an open file: there the worksheet behaves as xlsxwriter's own.
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import Any


@functools.cache
def unlinked_rows_worksheet() -> type:
    """The worksheet class (made on first use: xlsxwriter is imported only to write)."""
    from xlsxwriter.worksheet import Worksheet  # lazy: xlsxwriter loads only to write

    class UnlinkedRowsWorksheet(Worksheet):  # type: ignore[misc]
        """A worksheet whose constant-memory row file has no name on disk."""

        _unlinked = False

        def _initialize(self, init_data: Any) -> None:
            super()._initialize(init_data)
            if os.name != "posix" or not getattr(self, "constant_memory", False):
                return
            name = getattr(self, "row_data_filename", None)
            if name and getattr(self, "row_data_fh", None) is not None:
                with contextlib.suppress(OSError):
                    os.unlink(name)
                    self._unlinked = True

        def _opt_close(self) -> None:
            if not self._unlinked:
                super()._opt_close()
            # else: the handle is the only way to the rows; it stays open

        def _opt_reopen(self) -> None:
            if not self._unlinked:
                super()._opt_reopen()
                return
            self.row_data_fh.seek(0, os.SEEK_END)
            self.row_data_fh_closed = False
            self.fh = self.row_data_fh

        def _write_optimized_sheet_data(self) -> None:
            if not self._unlinked:
                super()._write_optimized_sheet_data()
                return
            # xlsxwriter's own, without removing the (already removed) name at the end.
            if self.dim_rowmin is None:
                self._xml_empty_tag("sheetData")
                return
            self._xml_start_tag("sheetData")
            self.row_data_fh.seek(0)
            while data := self.row_data_fh.read(65536):
                self.fh.write(data)
            self.row_data_fh.close()
            self._xml_end_tag("sheetData")

    return UnlinkedRowsWorksheet
