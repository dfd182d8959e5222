"""Settings a team repeats every run, kept in ``jtai.toml`` or ``[tool.jtai]`` in pyproject.toml.

Only the working directory is looked in (not its parents), so a nightly job's settings apply
exactly where the job runs. ``jtai.toml`` wins over ``pyproject.toml`` when both are there.
Command-line options always win over the file. The file holds settings, never data.

Example ``jtai.toml``::

    as-of = "today"                 # every command with --as-of
    [validate]
    fail-on = "warning"             # exit 1 on warnings too
    skip-lists = ["List 1"]         # lists whose findings are not reported

A top-level key applies to every command that has that option; a table named after a command
(``[validate]``, ``[filter]``...) applies to that command only and wins over the top level.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from .errors import UsageError

CONFIG_FILE = "jtai.toml"

#: Setting -> the commands that have it. An unknown setting is an error, not silently ignored.
SETTINGS: dict[str, tuple[str, ...]] = {
    "as-of": ("validate", "merge", "filter", "export", "shortlist", "tracking", "summary"),
    "fail-on": ("validate",),
    "skip-lists": ("validate",),
    "workers": ("validate",),
    "notified": ("export", "template", "shortlist", "tracking", "timeline"),
    "option": ("export", "template", "shortlist", "timeline"),
    "inspectorate": ("tracking",),
}


def find_config(folder: str | Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The settings file in ``folder`` (default: the working directory) and its jtai table.

    Returns:
        The file and its settings, or None when there is no jtai.toml and no ``[tool.jtai]``.

    Raises:
        UsageError: the file is not valid TOML.
    """
    root = Path.cwd() if folder is None else Path(folder)
    own = root / CONFIG_FILE
    if own.is_file():
        return own, _read(own)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _read(pyproject).get("tool", {}).get("jtai")
        if isinstance(table, dict):
            return pyproject, table
    return None


#: The largest settings file read: a settings file is a few lines; anything bigger (a symlink
#: to a big file, a generated file) is refused before it is read.
MAX_SETTINGS_BYTES = 64 * 1024


def _read(path: Path) -> dict[str, Any]:
    """The TOML in ``path``, or one ``UsageError`` saying what is wrong with the file.

    Refused before parsing: anything but a regular file (a pipe would wait for ever), and a
    file over ``MAX_SETTINGS_BYTES``. Refused while parsing: text that is not UTF-8, TOML that
    is not valid, and nesting deeper than Python's parser can follow (a ``RecursionError``).
    """
    try:
        with path.open("rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise UsageError("this settings file is not a regular file: jtai reads "
                                 "settings from a file only", file=path)
            if st.st_size > MAX_SETTINGS_BYTES:
                raise UsageError(f"this settings file is {st.st_size:,} bytes, more than the "
                                 f"{MAX_SETTINGS_BYTES // 1024} KB a settings file may be: "
                                 "is it the right file?", file=path)
            data = fh.read(MAX_SETTINGS_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"this settings file cannot be read ({exc.strerror})",
                         file=path) from None
    if len(data) > MAX_SETTINGS_BYTES:  # it grew while being read
        raise UsageError(f"this settings file is more than the {MAX_SETTINGS_BYTES // 1024} "
                         "KB a settings file may be: is it the right file?", file=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"this settings file is not UTF-8 text (byte {exc.start + 1} cannot "
                         "be read): save it as UTF-8", file=path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"this settings file is not valid TOML ({exc})", file=path) from None
    except RecursionError:
        raise UsageError("this settings file nests tables or lists too deeply to be "
                         "settings: it is not valid jtai TOML", file=path) from None


def command_defaults(settings: dict[str, Any], where: Path | str = CONFIG_FILE,
                     ) -> dict[str, dict[str, Any]]:
    """Turn the file's settings into per-command defaults (``{"validate": {"as_of": ...}}``).

    Raises:
        UsageError: an unknown setting or command, or a setting a command does not have.
    """
    out: dict[str, dict[str, Any]] = {}

    def put(command: str, key: str, value: Any) -> None:
        if key not in SETTINGS:
            raise UsageError(f"unknown setting '{key}': jtai reads {', '.join(SETTINGS)}",
                             file=where)
        if command not in SETTINGS[key]:
            raise UsageError(f"'{key}' is not a setting of '{command}' (it is one of "
                             f"{', '.join(SETTINGS[key])})", file=where)
        if isinstance(value, list):
            value = [str(v) for v in value]
        elif not isinstance(value, str | int | bool):
            value = str(value)  # a TOML date: 2026-11-23
        out.setdefault(command, {})[key.replace("-", "_")] = value

    commands = {c for cs in SETTINGS.values() for c in cs}
    for key, value in settings.items():
        if isinstance(value, dict):
            if key not in commands:
                raise UsageError(f"unknown command '[{key}]': tables are named after commands "
                                 f"({', '.join(sorted(commands))})", file=where)
            continue
        if key not in SETTINGS:
            raise UsageError(f"unknown setting '{key}': jtai reads {', '.join(SETTINGS)}",
                             file=where)
        for command in SETTINGS[key]:
            put(command, key, value)
    for command, table in settings.items():
        if isinstance(table, dict):
            for key, value in table.items():
                put(command, key, value)
    return out
