"""``jtai summary``: flagged children counted, broken down, followed across the lists.

- ``tables``: reading the lists and counting children (``summarise``);
- ``disclosure``: small-number suppression (``suppress_table``);
- ``results``: what ``summarise`` returns (``Summary``, ``SummaryTable``);
- ``html`` and ``xlsx``: the page with its charts, and the workbook.
"""

from __future__ import annotations

from .disclosure import (
    HIDDEN,
    PRIMARY,
    PUBLISHED,
    RANGE,
    SECONDARY,
    SMALL,
    SYMBOLS,
    THRESHOLD,
    hidden_ranges,
    pinned_cells,
    suppress_table,
)
from .results import SCHEMA_VERSION, Snapshot, Summary, SummaryTable
from .tables import summarise

__all__ = [
    "HIDDEN",
    "PRIMARY",
    "PUBLISHED",
    "RANGE",
    "SCHEMA_VERSION",
    "SECONDARY",
    "SMALL",
    "SYMBOLS",
    "THRESHOLD",
    "Snapshot",
    "Summary",
    "SummaryTable",
    "hidden_ranges",
    "pinned_cells",
    "summarise",
    "suppress_table",
]
