"""Findings: the ``Issue`` record; the catalogue of rules is ``rules.CATALOGUE``.

A finding's ``rule`` is a slug that never changes meaning (scripts branch on it); its
``message`` is plain English for the analyst. ``Issue.__repr__`` deliberately leaves out the
cell's value: findings may be logged, and a value can identify a child.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import CATALOGUE, Rule, Severity

# The registry lives in ``rules``; these names stay importable from here.
__all__ = ["CATALOGUE", "Issue", "Rule", "Severity"]


@dataclass(frozen=True)
class Issue:
    """One finding, pointing at a cell, a row or a whole sheet.

    ``row`` is the Excel row number the user sees (None for a whole sheet); ``column`` is the
    header exactly as written in the file (None for a whole row). ``message``, ``expected``
    and ``value`` can quote the cell, so they are shown only in the user's own report and are
    left out of ``repr`` (which may end up in a log).
    """

    rule: str
    severity: str
    file: str
    sheet: str
    row: int | None
    column: str | None
    message: str = field(repr=False)
    cell: str | None = None
    expected: str = field(default="", repr=False)
    list: str | None = None
    value: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, in the report's field order."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "expected": self.expected,
            "list": self.list,
            "value": self.value,
        }
