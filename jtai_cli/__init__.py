"""jtai: validate, merge and shortlist the child-level lists of a JTAI on child sexual abuse in
the family environment.

The command-line tool ``jtai`` is a thin shell over these functions.
"""

from .errors import JtaiError
from .filtering import FilterResult, filter_lists
from .issues import Issue
from .merging import MergeResult, merge_workbooks
from .reading import read_workbook
from .reporting import ValidationReport
from .schemas import load_schemas
from .shortlisting import Pick, Shortlist, shortlist
from .summarising import Summary, SummaryTable, summarise
from .templating import ExportResult, export_lists, write_template
from .tracking import TrackingResult, write_tracking_workbook
from .validation import validate_workbook

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
__version__ = "0.1.0"
