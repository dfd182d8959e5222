"""``jtai serve``: the same checks as the command line, as a page in the browser.

For analysts and inspectors who never open a terminal. The page keeps every promise the
command line makes: it listens on 127.0.0.1 only, fetches nothing from the internet (no CDN:
its style sheet and one small script are served from this package), and keeps uploads and
outputs in a private temporary folder that is removed when the server stops (Ctrl-C, SIGTERM
or SIGHUP) or has been idle for a while. Each check runs in a process of its own under the
command line's memory limit (``worker.py``), so a file that exhausts it fails alone.

This package needs the ``serve`` extra (Starlette, uvicorn, python-multipart, Jinja2):
``pip install 'jtai[serve]'``. Nothing here is imported when the ``jtai`` command starts;
only ``jtai serve`` imports it.
"""

from __future__ import annotations

from .app import create_app
from .state import Limits, ServeState

__all__ = ["Limits", "ServeState", "create_app"]
