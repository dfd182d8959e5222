"""Run the page: bind 127.0.0.1, print the link, open the browser, serve until stopped.

The socket is bound here, before uvicorn starts, so that ``--port 0`` knows its port (for the
link and the Host allowlist) before anything is served.

Stopping: Ctrl-C (SIGINT), SIGTERM (``kill``, a service manager) and SIGHUP (the terminal
closed) all do the same: running jobs are stopped, no new request is answered, the private
folder with every upload and result is removed, and one line says which signal stopped the
server and that nothing is left. A ``kill -9`` cannot be answered: the next ``jtai`` command
or ``jtai serve`` removes the folder it left (``jtai_cli/tempdirs.py``).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn

from jtai_cli.tempdirs import sweep

from .app import create_app
from .state import Limits, ServeState

HOST = "127.0.0.1"  # never 0.0.0.0: the page is for this computer only
#: The signals that stop the server, and how the message names them.
STOP_SIGNALS: dict[int, str] = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM",
                signal.SIGHUP: "SIGHUP (the terminal was closed)"}
#: Seconds a request still running at a stop may take before it is cut off.
GRACE = 3


class _Server(uvicorn.Server):
    """uvicorn's server, stopped by SIGHUP too, and not killed again by the signal after its
    clean shutdown (uvicorn re-raises it; jtai reports it and exits with 128 + its number)."""

    def __init__(self, config: uvicorn.Config, state: ServeState) -> None:
        super().__init__(config)
        self.jtai_state = state
        self.stopped_by: int | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopped_by is not None:
            # Already stopping. uvicorn would take a second Ctrl-C as "stop at once" and skip
            # the application's shutdown (the private folder's removal) with a traceback; the
            # jobs are already stopped and requests get GRACE seconds, so it is not needed.
            return
        self.stopped_by = sig
        # Running jobs end now, so requests waiting on them answer at once; in a thread, as
        # a signal handler must not wait for locks the interrupted code may hold.
        threading.Thread(target=self.jtai_state.workers.close, daemon=True).start()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: a free port).

    Raises:
        OSError: the port is taken or not allowed.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    sock.listen(64)
    return sock


def serve(sock: socket.socket, *, limits: Limits, idle: float, open_browser: bool,
          say: Callable[[str], None] = print, quiet: bool = False,
          tell: Callable[[str], None] | None = None) -> int | None:
    """Serve on ``sock`` until stopped; the private folder is removed on the way out.

    The first line written is the link with its token (``http://127.0.0.1:PORT/?token=...``);
    with ``quiet`` it is the only line. ``tell`` (default: standard error) gets the line
    saying how the server stopped.

    Returns:
        The signal that stopped the server, if one did.
    """
    sweep()  # folders of servers and commands that were killed (kill -9)
    port = sock.getsockname()[1]
    state = ServeState(port, limits=limits, idle=idle)
    server: _Server | None = None
    early: list[int] = []

    def on_signal(sig: int, frame: FrameType | None) -> None:
        # Held from start to finish (uvicorn's own handlers only while it serves): a second
        # Ctrl-C, or the same signal sent to the whole process group and again by the
        # command's parent, must not cut the clean-up short with a traceback.
        if server is not None:
            server.handle_exit(sig, frame)
        else:
            early.append(sig)

    main = threading.current_thread() is threading.main_thread()
    old = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS} if main else {}
    try:
        state.workers.start()
        app = create_app(state)
        say(state.url)
        if not quiet:
            say("jtai serve: your data stays on this computer. Press Ctrl-C to stop; uploads and "
                "results are then removed.")
        sys.stdout.flush()
        # No access log: request lines carry the token, and nothing about a request is logged.
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                server_header=False, date_header=False, use_colors=False,
                                timeout_graceful_shutdown=GRACE)
        server = _Server(config, state)
        if early:  # stopped while starting
            server.handle_exit(early[0], None)
        if open_browser:
            timer = threading.Timer(0.5, webbrowser.open, args=(state.url,))
            timer.daemon = True
            timer.start()
        server.run(sockets=[sock])
    finally:
        state.close()
        # A job killed while writing (the highlighted copy's xlsx folder) cannot remove its
        # own temporary folder: its process has now ended, so the sweep can.
        sweep()
        state.workers.remove_socket_folder()
        sock.close()
        for sig, handler in old.items():
            signal.signal(sig, handler)
    stopped_by = server.stopped_by if server is not None else (early[0] if early else None)
    _stopped(stopped_by, state, tell or _stderr)
    return stopped_by


def _stopped(sig: int | None, state: ServeState, tell: Callable[[str], None]) -> None:
    """One line: what stopped the server, and whether anything is left behind."""
    how = STOP_SIGNALS.get(sig, f"signal {sig}") if sig is not None else "its own shutdown"
    if state.workdir.exists():
        left = (f"but its private folder {state.workdir} could not be removed: delete it "
                "yourself (it holds uploaded lists)")
    else:
        left = "every upload and result was removed"
    tell(f"jtai serve stopped by {how}: {left}.")


def _stderr(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # the terminal may be gone (SIGHUP)
        print(text, file=sys.stderr, flush=True)
