"""jtai: validate, merge and shortlist the child-level lists of a JTAI on child sexual abuse in
the family environment.

The command-line tool ``jtai`` is a thin shell over these functions.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:  # the names below are imported on first use: `jtai --help` needs no pandas
    from .errors import JtaiError
    from .filtering import FilterResult, filter_lists
    from .issues import Issue
    from .merging import MergeResult, merge_workbooks
    from .reading import read_workbook
    from .reporting import ValidationReport
    from .schemas import load_schemas
    from .shortlisting import Pick, Shortlist, shortlist
    from .summary import Summary, SummaryTable, summarise
    from .templating import ExportResult, export_lists, write_template
    from .tracking import TrackingResult, write_tracking_workbook
    from .validation import validate_workbook

#: Public name -> the module that defines it.
_PUBLIC = {
    "JtaiError": "errors",
    "FilterResult": "filtering", "filter_lists": "filtering",
    "Issue": "issues",
    "MergeResult": "merging", "merge_workbooks": "merging",
    "read_workbook": "reading",
    "ValidationReport": "reporting",
    "load_schemas": "schemas",
    "Pick": "shortlisting", "Shortlist": "shortlisting", "shortlist": "shortlisting",
    "Summary": "summary", "SummaryTable": "summary", "summarise": "summary",
    "ExportResult": "templating", "export_lists": "templating", "write_template": "templating",
    "TrackingResult": "tracking", "write_tracking_workbook": "tracking",
    "validate_workbook": "validation",
}
__all__ = [
    "ExportResult",
    "Pick",
    "Shortlist",
    "export_lists",
    "shortlist",
    "Summary",
    "SummaryTable",
    "summarise",
    "write_template",
    "TrackingResult",
    "write_tracking_workbook",
    "FilterResult",
    "Issue",
    "JtaiError",
    "MergeResult",
    "ValidationReport",
    "filter_lists",
    "load_schemas",
    "merge_workbooks",
    "read_workbook",
    "validate_workbook",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'jtai_cli' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
