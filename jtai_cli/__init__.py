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
from .summarising import Summary, SummaryTable, summarise
from .validation import validate_workbook

__all__ = [
    "Summary",
    "SummaryTable",
    "summarise",
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
