"""Every temporary folder and file jtai makes, named so that a later run can prove it stale.

The lists identify abused children: a copy left in the temporary folder is a data breach. A
run removes its own temporary files however it ends, except when it cannot run any code at
all (``kill -9``, the kernel's out-of-memory killer, a power cut). So every name carries its
owner, and the next ``jtai`` command (and the next ``jtai serve``) removes what it can prove
is dead:

- a folder: ``jtai-KIND-pPID-tSTART-RANDOM`` in the system's temporary folder
  (``make_dir``);
- a partly written output: ``.NAME.jtai-pPID-tSTART-RANDOM.part`` beside the output
  (``part_file``).

``START`` is the owning process's start time (clock ticks after boot, field 22 of
``/proc/PID/stat``). An owner is dead when ``/proc/PID`` is gone, or when that pid now
belongs to a process that started at another time (the pid was reused). Nothing else is
ever removed: a name of another shape, another user's folder, a symlink, or anything on a
system without ``/proc`` (macOS, Windows: there a pid alone cannot prove its owner dead).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import IO

_PROC = Path("/proc")
_DIR = re.compile(r"jtai-(?P<kind>[a-z]+)-p(?P<pid>\d+)-t(?P<start>\d+)-[A-Za-z0-9_]+")
_PART = re.compile(r"\.(?P<name>.+)\.jtai-p(?P<pid>\d+)-t(?P<start>\d+)-[A-Za-z0-9_]+\.part")


def start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot), or None if there is no such
    process or no ``/proc`` to ask."""
    try:
        text = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    try:  # the command name (field 2) may hold spaces and brackets: split after the last ")"
        return int(text[text.rindex(b")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None


def owner_mark() -> str:
    """The mark this process puts in every temporary name: ``pPID-tSTART`` (``t0`` where
    there is no /proc). Worked out each time: a forked child has its own pid and start."""
    pid = os.getpid()
    return f"p{pid}-t{start_time(pid) or 0}"


def make_dir(kind: str, parent: str | Path | None = None) -> Path:
    """A new folder only this user can open (mode 0700), named for this process.

    Args:
        kind: what it holds, in lower-case letters (``serve``, ``stdin``, ``xlsx``...).
        parent: where to make it (default: the system's temporary folder).
    """
    if not kind.isalpha() or not kind.islower():
        raise ValueError(f"kind must be lower-case letters: {kind!r}")
    return Path(tempfile.mkdtemp(prefix=f"jtai-{kind}-{owner_mark()}-", dir=parent))


def part_file(out: Path) -> tuple[int, Path]:
    """A new, owner-only, open file beside ``out`` to write it in before renaming it onto
    ``out``; stale parts of ``out`` left by dead runs are removed first.

    Returns:
        The open file descriptor and the file's path.
    """
    sweep_parts(out)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.jtai-{owner_mark()}-", suffix=".part",
                                dir=out.parent)
    return fd, Path(name)


def anonymous_file() -> IO[bytes]:
    """A temporary file with no name (removed by the system when closed, or at once where
    the platform allows), for scratch bytes that are never a copy of a list."""
    return tempfile.TemporaryFile(prefix=f"jtai-scratch-{owner_mark()}-")


def is_dead(pid: int, start: int) -> bool:
    """Whether the process ``pid`` that started at ``start`` is provably gone."""
    if start == 0 or not (_PROC / "self" / "stat").exists():
        return False  # no start time recorded, or no /proc: nothing can be proved
    now = start_time(pid)
    if now is None:
        return not (_PROC / str(pid)).exists()
    return now != start


def _mine(st: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or st.st_uid == os.getuid()


def sweep(folder: str | Path | None = None) -> list[Path]:
    """Remove the jtai temporary folders in ``folder`` (default: the system's temporary
    folder) whose owning process is provably dead.

    Only this user's own folders, named by ``make_dir``, are considered; a symlink is never
    followed. Errors (a folder removed meanwhile, no permission) are ignored: this is
    housekeeping and must never stop a command.

    Returns:
        The folders removed.
    """
    root = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        m = _DIR.fullmatch(entry.name)
        if m is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or not _mine(st):
            continue
        if is_dead(int(m["pid"]), int(m["start"])):
            shutil.rmtree(entry.path, ignore_errors=True)
            if not os.path.lexists(entry.path):
                removed.append(Path(entry.path))
    return removed


def sweep_parts(out: Path) -> list[Path]:
    """Remove partly written copies of ``out`` (``part_file``) whose writer is provably
    dead. Returns the files removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return removed
    for entry in entries:
        m = _PART.fullmatch(entry.name)
        if m is None or m["name"] != out.name:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and _mine(st) and is_dead(int(m["pid"]), int(m["start"])):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed
