"""Run the page: bind 127.0.0.1, print the link, open the browser, serve until Ctrl-C.

The socket is bound here, before uvicorn starts, so that ``--port 0`` knows its port (for the
link and the Host allowlist) before anything is served.
"""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from collections.abc import Callable

import uvicorn

from .app import create_app
from .state import Limits, ServeState

HOST = "127.0.0.1"  # never 0.0.0.0: the page is for this computer only


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
          say: Callable[[str], None] = print, quiet: bool = False) -> None:
    """Serve on ``sock`` until interrupted; the private folder is removed on the way out.

    The first line written is the link with its token (``http://127.0.0.1:PORT/?token=...``);
    with ``quiet`` it is the only line.
    """
    port = sock.getsockname()[1]
    state = ServeState(port, limits=limits, idle=idle)
    try:
        app = create_app(state)
        say(state.url)
        if not quiet:
            say("jtai serve: your data stays on this computer. Press Ctrl-C to stop; uploads and "
                "results are then removed.")
        sys.stdout.flush()
        # No access log: request lines carry the token, and nothing about a request is logged.
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                server_header=False, date_header=False, use_colors=False)
        server = uvicorn.Server(config)
        if open_browser:
            threading.Timer(0.5, webbrowser.open, args=(state.url,)).start()
        server.run(sockets=[sock])
    finally:
        state.close()
        sock.close()
