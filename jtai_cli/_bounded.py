"""Run the ``jtai`` command in a child process with a memory limit sized to the machine.

The pre-read scan bounds what a file can cost (cells, sheets, text, expansion), but a reader
written in Rust that cannot get memory does not raise an exception: it aborts the whole
process, with no message. So the command's work runs in a forked child under ``RLIMIT_AS``
(the machine's physical memory, or less if the caller already set a lower limit); the parent
only waits. If the child is killed while reading a file (Rust's abort, the kernel's
out-of-memory killer), the parent says so in one message naming the file, and exits 3:
running out of memory on a file is the file's doing, not a bug in jtai.

Measured on the generated LA workbook (60,000 rows): forking costs a few milliseconds, while
sending the cells back from a reading child costs more than the read saves: pickling the
workbook's rows took 1.1 s and unpickling them 0.6 s, against 1.8 s for the read itself, on
the same (loaded) machine. So the child does the whole command, not only the read.

Linux and macOS only (``os.fork``); elsewhere the command runs in one process, as before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

_marker_fd: int | None = None
#: True in a parent that forked the command's child and waited for it (``run_bounded``).
_waited = False
_ENV_LIMIT = "JTAI_MEMORY_LIMIT_GB"


def memory_limit() -> int | None:
    """Bytes of address space the child may use: the machine's memory, or less if asked.

    ``JTAI_MEMORY_LIMIT_GB`` sets it (for a shared server); a lower limit already set on the
    process (``ulimit -v``) is kept.
    """
    try:  # Unix only: Windows has no resource module
        import resource
    except ImportError:
        return None
    limit: int | None = None
    env = os.environ.get(_ENV_LIMIT)
    if env:
        with contextlib.suppress(ValueError):
            limit = int(float(env) * 1024**3)
    if limit is None:
        try:
            limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    for current in (soft, hard):
        if current != resource.RLIM_INFINITY and current < limit:
            limit = current
    return limit


def note_reading(path: str | Path) -> None:
    """Tell the parent which file is being read (so its message can name it)."""
    if _marker_fd is None:
        return
    with contextlib.suppress(OSError):
        data = os.fsencode(str(path))[:3000] + b"\n"
        os.write(_marker_fd, data)


def run_bounded(command: Callable[[], object], on_memory: Callable[[str | None, int], None]
                ) -> int:
    """Run ``command`` in a forked child under ``memory_limit()``; return its exit code.

    Args:
        command: the whole command (it may call ``sys.exit``).
        on_memory: called in the parent with the file being read (or None) and the limit,
            when the child was killed; it prints the message.

    Returns:
        The child's exit code; 3 when it was killed while reading, 130 after Ctrl-C.
    """
    limit = memory_limit()
    if not hasattr(os, "fork") or limit is None or os.environ.get("JTAI_ONE_PROCESS"):
        return _call(command)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work
        global _marker_fd
        os.close(read_fd)
        _marker_fd = write_fd
        import resource  # Unix only, as fork is: this is the child

        with contextlib.suppress(ValueError, OSError):
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        code = 4
        try:
            code = _call(command)
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)
    # The parent: wait, keeping the last file the child said it was reading.
    global _waited
    _waited = True
    os.close(write_fd)
    # Signals meant for jtai reach the child that does the work. Ctrl-C in a terminal already
    # goes to the whole foreground process group (the child included), so it is ignored here
    # rather than sent twice, which could cut short the child's clean-up; sent to this process
    # alone (kill, a test, a scheduler), SIGINT, SIGTERM and SIGHUP are passed on.
    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    wanted = {signal.SIGTERM: forward, signal.SIGHUP: forward,
              signal.SIGINT: signal.SIG_IGN if _foreground_of_a_terminal() else forward}
    old = {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}
    last = b""
    try:
        with os.fdopen(read_fd, "rb") as marks:
            while True:
                try:
                    line = marks.readline()
                except InterruptedError:  # pragma: no cover - PEP 475 retries for us
                    continue
                if not line:
                    break
                last = line.rstrip(b"\n")
        _, status = os.waitpid(pid, 0)
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    sig = os.WTERMSIG(status)
    if sig == signal.SIGINT:
        return 130
    on_memory(os.fsdecode(last) if last else None, limit)
    return 3 if last or sig == signal.SIGKILL else 4


def exit_now(code: int) -> None:
    """End the process with ``code``: at once in a parent that only waited for its child.

    The parent imported the command line (typer, pydantic) and did nothing else, so tearing
    its modules down one by one is only time: 20-40 ms of every run, a tenth of an argument
    error's. Its output is flushed first; it holds no files, and no exit handler of jtai's.
    Anywhere else (one process, no fork), an ordinary exit.
    """
    if not _waited:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _foreground_of_a_terminal() -> bool:
    """Whether this process is in the foreground process group of its controlling terminal
    (so a Ctrl-C typed there reaches every process of the group)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def _call(command: Callable[[], object]) -> int:
    try:
        command()
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    return 0
