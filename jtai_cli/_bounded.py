"""Run the ``jtai`` command in a child process with a memory limit sized to the machine.

The pre-read scan bounds what a file can cost (cells, sheets, text, expansion), but a reader
written in Rust that cannot get memory does not raise an exception: it aborts the whole
process, with no message. So the command's work runs in a forked child under ``RLIMIT_AS``
(the machine's physical memory, or less if the caller already set a lower limit); the parent
only waits. If the child runs out of memory while reading a file (Rust's abort under the
limit, or a kill the kernel counts as out of memory), the parent says so in one message naming
the file (standard input's copy as ``stdin``), and exits 3: running out of memory on a file is
the file's doing, not a bug in jtai.

Measured on the generated LA workbook (60,000 rows): forking costs a few milliseconds, while
sending the cells back from a reading child costs more than the read saves: pickling the
workbook's rows took 1.1 s and unpickling them 0.6 s, against 1.8 s for the read itself, on
the same (loaded) machine. So the child does the whole command, not only the read.

Stopping jtai, however it is done, leaves no file behind and says what happened:

- SIGTERM (``kill``, ``timeout``, cron, a scheduler) and SIGHUP (the terminal closed) sent to
  jtai are passed to the child, where they become ``Stopped`` (a ``SystemExit``): every
  ``finally`` runs, so partly written outputs (``.part``), xlsxwriter's temporary files and
  standard input's copy are removed; then one message, and exit 143 (SIGTERM) or 129 (SIGHUP).
- The child dies with its parent: ``PR_SET_PDEATHSIG`` (Linux) sends it SIGTERM when the
  parent dies, even by ``kill -9``; it then cleans up as above and says nothing (its command
  has already ended). It never renames an output into place once its parent is gone
  (``may_write``).
- When the child is killed outright (``kill -9`` of the child, the kernel's out-of-memory
  killer), the parent removes the temporary files the child told it about (``note_temp``) and
  says so: exit 137, and "out of memory" only when the kernel counted an out-of-memory kill
  meanwhile, or the reader aborted (the memory limit reached).

Linux and macOS only (``os.fork``); elsewhere the command runs in one process, as before
(SIGTERM and SIGHUP are still turned into ``Stopped`` there).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import sys
from collections.abc import Callable
from pathlib import Path

_marker_fd: int | None = None
#: True in a parent that forked the command's child and waited for it (``run_bounded``).
_waited = False
#: In the command's child: the pid of the parent that forked it (see ``parent_alive``).
_parent_pid: int | None = None
_ENV_LIMIT = "JTAI_MEMORY_LIMIT_GB"
_PR_SET_PDEATHSIG = 1  # from linux/prctl.h
#: The signals that stop jtai cleanly (Windows has no SIGHUP).
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                      if hasattr(signal, name))
#: Called with (signal number, whether only the worker process was killed) to say that jtai
#: was stopped; set by the command line (``on_stopped``).
_say_stopped: Callable[[int, bool], None] | None = None
#: Called with an exception that escaped the command; prints one message and returns the
#: exit code (``on_failed``).
_say_failed: Callable[[BaseException], int] | None = None


class Stopped(SystemExit):
    """jtai was asked to stop by a signal (SIGTERM, SIGHUP): unwinds like ``sys.exit`` (every
    ``finally`` and ``with`` cleans up) with the shell's code for that signal, 128 + its
    number. A ``SystemExit``, so that no ``except Exception`` (nor the reader's guard, which
    lets ``SystemExit`` through) turns it into a finding or an internal error."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def on_failed(say: Callable[[BaseException], int]) -> None:
    """Set what prints the message when an exception escapes the command (standard output
    on a full disk, a bug): ``say(exc)`` prints it and returns the exit code."""
    global _say_failed
    _say_failed = say


def on_stopped(say: Callable[[int, bool], None]) -> None:
    """Set what prints the message when jtai is stopped by a signal: ``say(signum, worker)``,
    ``worker`` True when the parent saw its worker process killed."""
    global _say_stopped
    _say_stopped = say


def parent_alive() -> bool:
    """False in the command's child once the parent that started it is gone (it was killed:
    the child is now an orphan whose command has ended); True anywhere else."""
    return _parent_pid is None or os.getppid() == _parent_pid


def may_write() -> None:
    """Raise ``Stopped`` if the command has ended under this process (its parent is gone):
    called just before an output is renamed into place, so nothing appears after jtai died."""
    if not parent_alive():
        raise Stopped(signal.SIGTERM)


def note_temp(path: str | Path) -> None:
    """Tell the parent about a temporary file or folder this run made, so that the parent
    removes it if the child is killed before it can (``kill -9``, out of memory)."""
    if _marker_fd is None:
        return
    data = os.fsencode(str(Path(path).absolute()))
    if b"\n" in data or len(data) > 3000:
        return
    with contextlib.suppress(OSError):
        os.write(_marker_fd, b"\0T" + data + b"\n")


def die_with_parent(signum: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send ``signum`` to this process when its parent dies (Linux's
    ``PR_SET_PDEATHSIG``). Returns False where that cannot be asked (not Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes  # lazy: only the forked child asks, on Linux

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def usable_cpus() -> int:
    """How many processors this process may run on (its affinity mask where the system has
    one, else the machine's count): the most worker processes worth starting."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def pool_worker_init() -> None:
    """Initializer of the process pools the command starts (``validate --each``): a pool
    worker writes nothing and holds no temporary file, so it ends at once on SIGTERM or
    SIGHUP, and when the command's process dies."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    die_with_parent(signal.SIGKILL)


def _raise_stopped(signum: int, _frame: object) -> None:
    # Once: a second signal must not cut short the clean-up the first one started.
    for other in _STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


def _catch_stops() -> None:
    for signum in _STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            signal.signal(signum, _raise_stopped)


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
    data = os.fsencode(str(path))[:3000].replace(b"\n", b" ")
    with contextlib.suppress(OSError):
        os.write(_marker_fd, b"\0R" + data + b"\n")


def run_bounded(command: Callable[[], object], on_memory: Callable[[str | None, int], None]
                ) -> int:
    """Run ``command`` in a forked child under ``memory_limit()``; return its exit code.

    Args:
        command: the whole command (it may call ``sys.exit``).
        on_memory: called in the parent with the file being read (or None) and the limit,
            when the child ran out of memory (or died of a crash); it prints the message.

    Returns:
        The child's exit code; 3 when it ran out of memory while reading, 130 after Ctrl-C,
        128 + the signal's number when jtai or its child was stopped by a signal.
    """
    limit = memory_limit()
    if not hasattr(os, "fork") or limit is None or os.environ.get("JTAI_ONE_PROCESS"):
        _catch_stops()
        return _call(command)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    oom_before = _oom_kills()
    pid = os.fork()
    if pid == 0:  # the child: do the work
        global _marker_fd, _parent_pid
        os.close(read_fd)
        _marker_fd = write_fd
        _parent_pid = parent
        _catch_stops()
        die_with_parent(signal.SIGTERM)  # cleans up as any SIGTERM does, then says nothing
        if os.getppid() != parent:  # the parent died before the line above: end now
            os._exit(128 + signal.SIGTERM)
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
    temps: list[bytes] = []
    try:
        with os.fdopen(read_fd, "rb") as marks:
            while True:
                try:
                    line = marks.readline()
                except InterruptedError:  # pragma: no cover - PEP 475 retries for us
                    continue
                if not line:
                    break
                line = line.rstrip(b"\n")
                if line.startswith(b"\0T"):
                    temps.append(line[2:])
                elif line.startswith(b"\0R"):
                    last = line[2:]
        _, status = os.waitpid(pid, 0)
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    # Killed before it could clean up: what it told us it made goes now.
    for temp in reversed(temps):
        _remove(os.fsdecode(temp))
    sig = os.WTERMSIG(status)
    if sig == signal.SIGINT:
        return 130
    reading = _shown_name(os.fsdecode(last)) if last else None
    if sig == signal.SIGKILL:
        after = _oom_kills()
        if oom_before is not None and after is not None and after > oom_before:
            on_memory(reading, limit)  # the kernel's out-of-memory killer, counted
            return 3
        _say(sig, worker=True)
        return 128 + sig
    if sig in _STOP_SIGNALS:  # before its handler was set, or by a SIGKILL-like default
        _say(sig, worker=True)
        return 128 + sig
    # SIGABRT (the Rust reader could not get memory under the limit), SIGSEGV, SIGBUS.
    on_memory(reading, limit)
    return 3 if reading else 4


def _say(signum: int, worker: bool) -> None:
    if _say_stopped is None:
        return
    with contextlib.suppress(Exception):  # a closed terminal (SIGHUP) may refuse it
        _say_stopped(signum, worker)


def _shown_name(path: str) -> str:
    """The file's name as the user knows it: standard input's private copy is ``stdin``."""
    p = Path(path)
    if p.parent.name.startswith("jtai-stdin-") and p.name.startswith("stdin"):
        return "stdin"
    return path


def _remove(path: str) -> None:
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _oom_kills() -> int | None:
    """How many processes the kernel's out-of-memory killer has killed since boot (Linux
    4.13 and later), or None where that is not counted."""
    try:
        with open("/proc/vmstat", "rb") as fh:
            for line in fh:
                if line.startswith(b"oom_kill "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


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
        try:
            command()
        finally:
            # What the command printed is written now, while a failure can still be said
            # (standard output on a full disk, or closed): not lost in a flush at exit.
            if sys.stdout is not None:
                sys.stdout.flush()
    except Stopped as exc:
        # Every ``finally`` has run: partial outputs and temporary files are gone.
        if parent_alive():  # an orphan's command has already ended: nothing to say
            _say(exc.signum, worker=False)
        return 128 + exc.signum
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # escaped the command's own handling: said here, never silent
        code = 4
        try:
            if _say_failed is not None:
                code = _say_failed(exc)
            else:
                sys.stderr.write(f"jtai: internal error ({type(exc).__name__})\n")
        except Exception:  # noqa: S110 - standard error is gone too: the code says it
            pass
        _quiet_stdout()
        return code
    return 0


def _quiet_stdout() -> None:
    """After standard output failed, drop what is still buffered for it: a flush at exit
    would fail again (or say "Exception ignored")."""
    with contextlib.suppress(Exception):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
