"""jtai: validate, merge and shortlist the child-level lists of a JTAI on child sexual abuse in
the family environment.

The command-line tool ``jtai`` is a thin shell over these functions.
"""

from .errors import JtaiError
from .issues import Issue
from .reading import read_workbook
from .reporting import ValidationReport
from .schemas import load_schemas
from .validation import validate_workbook

__all__ = [
    "Issue",
    "JtaiError",
    "ValidationReport",
    "load_schemas",
    "read_workbook",
    "validate_workbook",
]
__version__ = "0.1.0"
