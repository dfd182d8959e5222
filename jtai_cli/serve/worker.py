"""Each job of the page runs in a process of its own, under the command line's memory limit.

A file inside every reading limit can still cost gigabytes (a far stray cell, millions of
cells), and a reader written in Rust that cannot get memory aborts its whole process. So the
server never reads a list itself: each check, shortlist or summary runs in a child process
under ``RLIMIT_AS`` (``memory_limit()``, the limit ``jtai validate`` gives its own worker), and
sends its result back. When the child ends, all its memory goes back to the system; when it
runs out of memory, only that job fails, with a message naming its files; the server goes on.

At most ``slots`` jobs run at once (as many as the machine's memory holds at that limit, and
no more than its processors); up to ``waiting`` more wait their turn (the page says so), and
beyond that a job is refused with ``Busy`` (a 503 asking to try again).

Children are forked from a small server process started once (``forkserver``, with the
library already imported), not from the web server itself, whose threads a fork would copy
in the middle of their work. A job dies the moment the web server has gone, however it
ended (``kill -9`` too): it watches a pipe only the server holds open (``_watch``), and dies
with the fork server as well (``PR_SET_PDEATHSIG``). The fork server itself ends once the
server and its jobs have.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import multiprocessing.util
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from jtai_cli._bounded import memory_limit
from jtai_cli._memory import share_one_arena, trim_heap
from jtai_cli.tempdirs import make_dir

#: Imported once by the process the workers are forked from, so a job starts in milliseconds.
PRELOAD = ["jtai_cli.serve.routes"]
_PR_SET_PDEATHSIG = 1
#: Bytes ``/jtai-mp-pPID-tSTART-XXXXXXXX/pymp-XXXXXXXX/listener-XXXXXXXX`` adds to a path.
_SOCKET_PATH_ADDS = 72


class Busy(Exception):
    """Every slot is taken and the queue is full: try again later."""


class WorkerDied(Exception):
    """The job's process ended without a result; the message says why, in plain words."""

    def __init__(self, message: str, out_of_memory: bool) -> None:
        super().__init__(message)
        self.message = message
        self.out_of_memory = out_of_memory


Progress = Callable[[str, int, int], None]


def _machine_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_slots(limit: int | None) -> int:
    """Jobs that may run at once: as many as the machine's memory holds at ``limit`` each,
    at least one, at most the number of processors."""
    cpus = os.cpu_count() or 1
    total = _machine_memory()
    if limit is None or total is None:
        return 1
    return max(1, min(cpus, total // max(limit, 1)))


class Workers:
    """The processes that run the page's jobs.

    Args:
        slots: jobs run at once (default: ``default_slots``).
        waiting: jobs that may wait for a slot before more are refused.
        limit: bytes of address space per job (default: ``memory_limit()``, as the command
            line).
    """

    def __init__(self, slots: int | None = None, waiting: int = 8,
                 limit: int | None = None) -> None:
        self.limit = limit if limit is not None else memory_limit()
        #: Where a job's temporary files go (the server's private folder); None: the system's.
        self.scratch: str | None = None
        self.slots = slots or default_slots(self.limit)
        self.waiting = waiting
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        self._ctx: Any = multiprocessing.get_context(method)
        if method == "forkserver":
            self._ctx.set_forkserver_preload(PRELOAD)
        self._lock = threading.Lock()
        self._free = threading.Semaphore(self.slots)
        self._pending = 0
        self._running: set[Any] = set()
        self._started = False
        self.closed = False

    def start(self) -> None:
        """Start the process workers are forked from now, rather than at the first job.

        Called once, before the server's threads start. multiprocessing's own folder
        (``pymp-*``: the fork server's socket) is made inside a jtai folder named for this
        process, so that after a ``kill -9`` the next command removes it too.
        """
        self._started = True
        # A Unix socket's path may hold at most 107 bytes: where the temporary folder's own
        # path is too long for jtai's folder around multiprocessing's, it goes without.
        if len(os.fsencode(tempfile.gettempdir())) + _SOCKET_PATH_ADDS < 100:
            saved = tempfile.tempdir
            tempfile.tempdir = str(make_dir("mp"))
            try:
                multiprocessing.util.get_temp_dir()
            finally:
                tempfile.tempdir = saved
        if self._ctx.get_start_method() == "forkserver":
            # Closing the terminal sends SIGHUP to the whole process group: multiprocessing's
            # resource tracker (which ignores only SIGINT and SIGTERM) died of it and was
            # relaunched with a warning on stderr. The tracker and the fork server are
            # started ignoring it (an ignored signal stays ignored across their exec); the
            # server stops its jobs itself, and a job dies with the server (its lifeline).
            sighup = getattr(signal, "SIGHUP", None)  # not on Windows (nor a fork server)
            can = sighup is not None and threading.current_thread() is threading.main_thread()
            hup = signal.getsignal(sighup) if can and sighup is not None else None
            if can and sighup is not None:
                signal.signal(sighup, signal.SIG_IGN)
            try:
                multiprocessing.resource_tracker.ensure_running()
                multiprocessing.forkserver.ensure_running()
            finally:
                if can and sighup is not None:
                    signal.signal(sighup, hup)

    @property
    def pending(self) -> int:
        """Jobs running or waiting."""
        return self._pending

    def full(self) -> bool:
        """Whether a new job would be refused (``Busy``) now."""
        return self._pending >= self.slots + self.waiting

    def run(self, fn: Callable[..., Any], *args: Any, names: list[str],
            progress: Progress | None = None) -> Any:
        """Run ``fn(*args, progress=...)`` in a child process and return its result.

        Blocks (call it from a thread). ``fn`` and its arguments and result must pickle; an
        exception ``fn`` raises is raised here.

        Raises:
            Busy: every slot is taken and ``waiting`` jobs already wait.
            WorkerDied: the child ended without a result (out of memory, or the server is
                stopping); ``names`` are the files the message names.
        """
        with self._lock:
            if self.closed:
                raise WorkerDied("jtai serve is stopping: nothing more is checked.", False)
            if self._pending >= self.slots + self.waiting:
                raise Busy()
            self._pending += 1
        try:
            if not self._free.acquire(blocking=False):
                if progress is not None:
                    progress("Waiting for another check to finish", 0, 1)
                self._free.acquire()
            try:
                return self._run(fn, args, names, progress)
            finally:
                self._free.release()
        finally:
            with self._lock:
                self._pending -= 1
            trim_heap()  # the result's pickle, freed: give it back to the system

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], names: list[str],
             progress: Progress | None) -> Any:
        if self.closed:
            raise WorkerDied("jtai serve is stopping: nothing more is checked.", False)
        mine, theirs = self._ctx.Pipe(duplex=False)
        # The job's lifeline: only this process holds its write end, so the job reads EOF
        # the moment the server ends, however it ends (kill -9 too), and stops at once.
        lifeline, held = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child, args=(theirs, lifeline, self.limit, fn, args,
                                                       self.scratch),
                                 name="jtai-serve-job", daemon=True)
        with self._lock:
            self._running.add(proc)
            self._started = True
        try:
            try:
                proc.start()
            except OSError:  # the fork server is gone: the server is being stopped
                for end in (mine, theirs, lifeline, held):
                    end.close()
                if self.closed:
                    raise WorkerDied("jtai serve is stopping: nothing more is checked.",
                                     False) from None
                raise WorkerDied("jtai serve could not start a process for this check: try "
                                 "again, or restart jtai serve.", False) from None
            theirs.close()
            lifeline.close()
            outcome: tuple[Any, ...] | None = None
            with mine:
                while True:
                    try:
                        msg = mine.recv()
                    except (EOFError, OSError):
                        break
                    except MemoryError:  # a result too big for the server: the job fails
                        proc.kill()
                        msg = ("memory",)
                    if msg[0] == "progress":
                        if progress is not None:
                            progress(*msg[1:])
                        continue
                    outcome = msg
                    break
            proc.join()
        finally:
            held.close()
            with self._lock:
                self._running.discard(proc)
        if outcome is not None and outcome[0] == "done":
            return outcome[1]
        if outcome is not None and outcome[0] == "raised":
            raise outcome[1]
        if self.closed:
            raise WorkerDied("jtai serve is stopping: nothing more is checked.", False)
        return self._died(outcome, proc.exitcode, names)

    def _died(self, outcome: tuple[Any, ...] | None, code: int | None, names: list[str]
              ) -> Any:
        what = names[0] if len(names) == 1 else f"{len(names)} files ({', '.join(names)})"
        gb = f"{self.limit / 1024**3:.1f} GB" if self.limit else "all the memory it could get"
        if (outcome is not None and outcome[0] == "memory") or code in (
                -signal.SIGKILL, -signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):
            raise WorkerDied(
                f"{what}: jtai ran out of memory checking this (each check may use {gb} on "
                "this computer). Check for cells far below or to the right of the data (a "
                "stray value in row 1,048,576), or split the list into smaller files. The "
                "page goes on working.", True)
        if outcome is not None and outcome[0] == "failed":
            raise WorkerDied(
                f"jtai hit an internal problem ({outcome[1]}) and made no result. Run the "
                "same check with `jtai validate --debug` and report it.", False)
        raise WorkerDied(f"{what}: the check stopped unexpectedly (exit {code}) and made no "
                         "result. Try again; if it happens again, run the same check with "
                         "`jtai validate --debug`.", False)

    def close(self) -> None:
        """Stop every running job at once (their files go with the private folder)."""
        with self._lock:
            self.closed = True
            running = list(self._running)
        for proc in running:
            with contextlib.suppress(Exception):
                proc.kill()
        for proc in running:
            with contextlib.suppress(Exception):
                proc.join(5)

    def remove_socket_folder(self) -> None:
        """Remove multiprocessing's own folder (``pymp-*``: the fork server's socket, no
        data). Its exit handler would, but the ``jtai`` command's child ends with
        ``os._exit``. Only when this process is about to end: no job can start after it."""
        if not self._started:
            return
        folder = Path(multiprocessing.util.get_temp_dir())
        top = folder.parent if folder.parent.name.startswith("jtai-mp-") else folder
        shutil.rmtree(top, ignore_errors=True)
        # Where this process still runs its exit handlers (one process, no fork),
        # multiprocessing's own removes the folder it made, and fails if it is gone: it gets
        # an empty one back (atexit runs this before it), and ours goes after it.
        atexit.register(folder.mkdir, parents=True, exist_ok=True)
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(str(top), True),
                                      exitpriority=-101)


def _child(conn: Connection, lifeline: Connection, limit: int | None,
           fn: Callable[..., Any], args: tuple[Any, ...], scratch: str | None = None) -> None:
    """In the job's process: bound memory, run, send the result (or what went wrong)."""
    _die_with_parent()
    own: str | None = None
    if scratch is not None:  # temporary files inside the server's private folder
        with contextlib.suppress(OSError):
            own = str(make_dir("job", scratch))
            tempfile.tempdir = own
            os.environ["TMPDIR"] = own
    share_one_arena()  # as the command's child: one malloc arena for every thread
    # The watcher needs little: a small stack, so it costs the job no address space to speak
    # of (a job at its limit behaves as the command's child does).
    old_size = threading.stack_size(256 * 1024)
    try:
        threading.Thread(target=_watch, args=(lifeline,), name="jtai-lifeline",
                         daemon=True).start()
    finally:
        threading.stack_size(old_size)
    # Ctrl-C or a closed terminal reach every process of the group: the server stops its
    # jobs itself, after its own clean-up, so a job does not die first with a traceback.
    for signum in (signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signum, signal.SIG_IGN)
    if limit is not None:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource  # lazy: Unix only (Windows has none); this is the job's process

            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            if hard != resource.RLIM_INFINITY and hard < limit:
                limit = hard
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

    def progress(step: str, done: int, total: int) -> None:
        with contextlib.suppress(Exception):
            conn.send(("progress", step, done, total))

    try:
        result = fn(*args, progress=progress)
    except MemoryError:
        result = None
        message: tuple[Any, ...] = ("memory",)
    except Exception as exc:
        message = ("raised", exc)
    else:
        message = ("done", result)
    try:
        conn.send(message)
    except MemoryError:
        with contextlib.suppress(Exception):
            conn.send(("memory",))
    except Exception as exc:  # a result or an exception that does not pickle: a bug
        with contextlib.suppress(Exception):
            conn.send(("failed", type(exc).__name__))
    conn.close()
    if own is not None:  # a job stopped before this has its folder removed with the server's
        shutil.rmtree(own, ignore_errors=True)
    sys.stdout.flush()


def _watch(lifeline: Connection) -> None:
    """End this job the moment the server has gone (its end of the lifeline closed): nothing
    is written after it."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            lifeline.recv_bytes()
    os.kill(os.getpid(), signal.SIGKILL)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent (the fork server) ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the parent is already gone
            os._exit(1)
