"""Every rule on a dataset: the checks the guidance states (``checks``), then those it implies
(``implied_checks``), in that order, adding findings to ``data.findings``.

The one entry point for "run the rules": ``validation`` and ``templating`` call it. The implied
checks use the row checks' helpers, so they import ``checks``; running both from here keeps
``checks`` from importing them back.
"""

from __future__ import annotations

from . import checks
from .implied_checks import run_implied_checks
from .model import Dataset


def run_rules(data: Dataset) -> None:
    """Run the stated checks on every list and across lists, then the implied ones."""
    checks.run_checks(data)  # looked up here, so a test can stand in for the checks
    run_implied_checks(data)
