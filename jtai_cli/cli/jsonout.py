"""JSON on stdout: every document carries ``schema_version``; errors are JSON too.

An error document is ``{"schema_version": 1, "error": {"kind", "message", "file"}}``: ``kind``
is ``usage`` (exit 2), ``internal`` (exit 4), ``stopped`` (jtai was stopped by a signal: exit
128 + its number) or, for an input that cannot be used (exit 3), what is wrong with it
(``file-not-found``, ``workbook-unreadable``, ``workbook-encrypted``...). Its
JSON Schema is ``jtai schemas json-schema error``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

#: Version of every JSON document jtai prints. It is the report's version
#: (``jtai_cli.reporting.SCHEMA_VERSION``, equal by test): written here too so that an
#: argument error answers in JSON without importing pandas.
SCHEMA_VERSION = 1

#: Temporary paths -> what the user typed: standard input's private copy is called ``stdin``.
_ALIASES: dict[str, str] = {}


def add_alias(path: str, name: str) -> None:
    """Say ``name`` wherever ``path`` would be printed (until ``remove_alias``)."""
    _ALIASES[path] = name


def remove_alias(path: str) -> None:
    """Stop replacing ``path``."""
    _ALIASES.pop(path, None)


def redact(text: str) -> str:
    """The text with temporary paths replaced by their names."""
    for path, name in sorted(_ALIASES.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(path, name)
    return text


def has_aliases() -> bool:
    """Whether some path must be redacted (standard input was copied to a temporary file)."""
    return bool(_ALIASES)


def with_version(data: Any) -> dict[str, Any]:
    """The document with ``schema_version`` first; a bare list goes under ``items``."""
    if isinstance(data, dict):
        return {"schema_version": SCHEMA_VERSION,
                **{k: v for k, v in data.items() if k != "schema_version"},
                **({"schema_version": data["schema_version"]} if "schema_version" in data
                   else {})}
    return {"schema_version": SCHEMA_VERSION, "items": data}


def print_json(data: Any) -> None:
    """Print one JSON document on stdout and nothing else."""
    text = json.dumps(with_version(data), ensure_ascii=False, default=str)
    sys.stdout.write(redact(text) + "\n")
    sys.stdout.flush()


def error_kind(exc: BaseException) -> str:
    """``WorkbookEncrypted`` -> ``workbook-encrypted``; jtai's UsageError -> ``usage``."""
    name = type(exc).__name__
    if name == "UsageError":
        return "usage"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def print_error(kind: str, message: str, file: str | None) -> None:
    """Print the error document on stdout."""
    print_json({"error": {"kind": kind, "message": message, "file": file}})


def wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for JSON (--json, --format json, -f json, -fjson)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            return False
        low = arg.lower()
        if low in ("--json", "--format=json", "-fjson", "-f=json"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1].lower() == "json":
            return True
    return False
