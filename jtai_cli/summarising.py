"""Kept so that ``from jtai_cli.summarising import summarise`` goes on working: the summary now
lives in the ``jtai_cli.summary`` package (tables, disclosure, results, html, xlsx)."""

from __future__ import annotations

from .summary import (
    HIDDEN,
    PRIMARY,
    PUBLISHED,
    RANGE,
    SCHEMA_VERSION,
    SECONDARY,
    SMALL,
    SYMBOLS,
    THRESHOLD,
    Snapshot,
    Summary,
    SummaryTable,
    hidden_ranges,
    pinned_cells,
    summarise,
    suppress_table,
)

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
