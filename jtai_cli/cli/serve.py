"""``jtai serve``: the checks as a page in the browser, on this computer only.

Starlette and uvicorn are imported only inside the command (they are the optional ``serve``
extra), never when the ``jtai`` command starts.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .options import Quiet


def serve(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 "
                                      "(0: any free port).")] = 8765,
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open the browser; just "
                                          "print the link.")] = False,
    idle_minutes: Annotated[int, typer.Option("--idle-minutes", min=1, help="Remove uploads "
                                              "and results after this many minutes without "
                                              "use.")] = 30,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="Largest file "
                                               "accepted, in MB.")] = 300,
    max_files: Annotated[int, typer.Option("--max-files", min=1, help="Most files in one "
                                           "upload.")] = 20,
    quiet: Quiet = False,
) -> None:
    """Open the checks in the browser: check a workbook, shortlist, timetable, summary.

    Serves on 127.0.0.1 only and prints the link (with its one-time token) as the first line.
    Uploads and results stay in a private temporary folder, removed when you press Ctrl-C or
    after --idle-minutes without use. Needs the serve extra: pip install 'jtai[serve]'.

    Example: jtai serve
    """
    # lazy: rich loads only when the command runs, so --help stays quick
    from . import render

    try:
        # lazy: the library loads only when the command runs, so --help stays quick
        from jtai_cli.serve import Limits
        from jtai_cli.serve.server import bind
        from jtai_cli.serve.server import serve as run_server
    except ImportError as exc:
        missing = (exc.name or "?").split(".")[0]
        render.err_console().print(
            f"jtai serve needs the serve extra, which is not installed (missing: {missing}). "
            "Install it with: pip install 'jtai[serve]'", soft_wrap=True, markup=False)
        raise typer.Exit(render.EXIT_UNUSABLE) from None
    try:
        sock = bind(port)
    except OSError as exc:
        render.err_console().print(
            f"jtai serve cannot listen on 127.0.0.1 port {port} ({exc.strerror or exc}): "
            "another program may be using it. Try --port 0 for any free port.", soft_wrap=True,
            markup=False)
        raise typer.Exit(render.EXIT_UNUSABLE) from None
    limits = Limits(file_bytes=max_upload_mb * 1024 * 1024, files=max_files)
    # Ctrl-C, SIGTERM and SIGHUP are how a server is told to stop: once it has removed
    # every upload and result and said so, that is success (exit 0), as for other servers.
    try:
        run_server(sock, limits=limits, idle=idle_minutes * 60.0, open_browser=not no_open,
                   quiet=quiet)
    except KeyboardInterrupt:  # Ctrl-C before the server had started: nothing was served
        pass
