"""Exceptions for input that cannot be used at all.

Wrong *data* (a bad date, an unknown code) is never an exception: it is a finding in the
``ValidationReport``. These exceptions are for a file that cannot be opened, read or trusted.
Their messages name the file, sheet and what was expected, and never carry a cell's value:
these workbooks identify children.
"""

from __future__ import annotations

from pathlib import Path


class JtaiError(Exception):
    """Base class: the input cannot be used, so no report can be made.

    Args:
        message: one plain paragraph saying what is wrong and what was expected.
        file: the file concerned, if any.
        sheet: the sheet concerned, if any.
    """

    def __init__(self, message: str, *, file: str | Path | None = None, sheet: str | None = None):
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class FileNotFound(JtaiError):
    """The path does not exist or is not a file."""


class WorkbookUnreadable(JtaiError):
    """The file is not a workbook or CSV we can read (corrupt, wrong kind, empty)."""


class WorkbookEncrypted(WorkbookUnreadable):
    """The workbook is password-protected."""


class WorkbookTooLarge(WorkbookUnreadable):
    """The workbook would expand past the safety limit (a zip bomb, or simply too big)."""


class SheetMissing(JtaiError):
    """A sheet the command needs is not in the workbook."""


class SchemaInvalid(JtaiError):
    """A schema file in ``schemas/`` is malformed."""


class OutputRefused(JtaiError):
    """An output path cannot be written (it is an input, or its folder does not exist)."""


class UsageError(JtaiError):
    """Arguments that are individually valid but cannot be used together."""
