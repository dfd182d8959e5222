"""Shared fixtures: the shipped schemas and a fixed as-of date."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from jtai_cli.schemas import load_schemas

AS_OF = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def schemas():
    return load_schemas()


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
