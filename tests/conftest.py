"""Shared fixtures: the shipped schemas and a fixed as-of date."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
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


def need_program(env: str, what: str) -> None:
    """A system program that pip cannot install (Chromium, LibreOffice) is missing.

    The test skips, saying so, except where the environment variable ``env`` is 1: .ci/run
    installs those programs and sets it, so there a missing one fails the test.
    """
    if os.environ.get(env) == "1":
        pytest.fail(f"{env}=1 but {what}")
    pytest.skip(f"{what}; a system program, not in the test extra (set {env}=1 to fail "
                "instead, as .ci/run does)")
