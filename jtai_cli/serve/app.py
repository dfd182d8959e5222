"""The Starlette application: its state, its jobs and the guard every request passes.

Security, as for a local notebook server (each point is tested in tests/test_serve.py):

- **Token.** Every request needs the one-time token: in the link printed by ``jtai serve``
  (``?token=...``), after which it is held in an HttpOnly, SameSite=Strict cookie and removed
  from the address bar; scripts may send it as ``Authorization: Bearer ...``.
- **Host allowlist** (against DNS rebinding): only ``127.0.0.1:PORT`` and ``localhost:PORT``.
- **Origin check** on every POST: a browser's POST must come from the page itself; a POST
  with no Origin header (a script, not a browser) must carry the token itself, not the cookie.
- **Headers**: ``Content-Security-Policy: default-src 'self'`` (no inline script or style, no
  other site), ``Cache-Control: no-store``, referrers only to the page itself, no framing.
- **Limits** on the size and number of uploaded files (see ``uploads.py``).
- **Private folder**: uploads and outputs live in one folder readable only by this user,
  emptied after ``idle`` seconds without a request and removed when the server stops.
- **No child data in logs**: nothing here logs a request, a file name or a cell value.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

COOKIE = "jtai_token"

#: Sent with every response. ``default-src 'self'`` forbids inline scripts and styles and
#: anything from another site; the page uses only /static/jtai.css and /static/jtai.js.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on a form
    # POST, and the Origin check could not tell the page from another site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass(frozen=True)
class Limits:
    """What one request may upload.

    Attributes:
        file_bytes: the largest file accepted (default 300 MB: a full national list set as
            .xlsx is about 200 MB).
        files: the most files in one request.
        fields: the most form fields (other than files) in one request.
        field_bytes: the longest form field (other than files).
    """

    file_bytes: int = 300 * 1024 * 1024
    files: int = 20
    fields: int = 50
    field_bytes: int = 64 * 1024

    @property
    def request_bytes(self) -> int:
        """The largest request body accepted: every file at its limit, plus the fields."""
        return self.file_bytes * self.files + self.fields * self.field_bytes + 1024 * 1024


@dataclass
class Job:
    """One upload and what was made from it (a check, a shortlist or a summary).

    ``step``, ``done`` and ``total`` are the library's progress while a check runs in its
    thread; ``status`` is "running", "done" or "failed" (``error`` then says why, in the
    library's words, with the private folder's paths replaced by the files' own names).
    """

    id: str
    kind: str
    folder: Path
    inputs: list[Path]
    names: list[str]
    options: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
    step: str = "Starting"
    done: int = 0
    total: int = 1
    error: str | None = None
    error_status: int = 422
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def progress(self, step: str, done: int, total: int) -> None:
        """The library's progress callback."""
        self.step, self.done, self.total = step, done, max(total, 1)

    def plain(self, text: str) -> str:
        """Text with the private folder's paths replaced by the uploaded files' names."""
        for path, name in zip(self.inputs, self.names, strict=True):
            text = text.replace(str(path), name)
        return text.replace(str(self.folder) + "/", "").replace(str(self.folder), "")


class ServeState:
    """The server's token, addresses, private folder, limits and jobs.

    Args:
        port: the port the server listens on (Host and Origin are checked against it).
        token: the one-time token (made here when not given).
        workdir: the private folder (made here, mode 0700, when not given).
        limits: upload limits.
        idle: seconds without a request after which every job and file is removed.
    """

    def __init__(self, port: int, *, token: str | None = None, workdir: Path | None = None,
                 limits: Limits | None = None, idle: float = 30 * 60) -> None:
        self.port = port
        self.token = token or secrets.token_urlsafe(32)
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="jtai-serve-"))
        self.workdir.chmod(0o700)
        self.limits = limits or Limits()
        self.idle = idle
        self.hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})
        self.origins = frozenset(f"http://{h}" for h in self.hosts)
        self.cookie = f"{COOKIE}_{port}"  # cookies ignore ports: one per server
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.last_seen = time.monotonic()
        self.closed = False

    @property
    def url(self) -> str:
        """The link to open: the first line ``jtai serve`` prints."""
        return f"http://127.0.0.1:{self.port}/?{urlencode({'token': self.token})}"

    def token_ok(self, value: str | None) -> bool:
        """Whether ``value`` is the token (compared in constant time)."""
        return bool(value) and hmac.compare_digest(str(value).encode(), self.token.encode())

    def touch(self) -> None:
        """Note a request (the idle clock starts again)."""
        self.last_seen = time.monotonic()

    def new_job(self, kind: str, options: dict[str, Any] | None = None) -> Job:
        """A job with its own private sub-folder."""
        job_id = secrets.token_urlsafe(12)
        folder = self.workdir / job_id
        folder.mkdir(mode=0o700)
        job = Job(job_id, kind, folder, [], [], options or {})
        with self.lock:
            self.jobs[job_id] = job
        return job

    def job(self, job_id: str, kind: str) -> Job | None:
        """The job of that id and kind, if it still exists."""
        with self.lock:
            job = self.jobs.get(job_id)
        return job if job is not None and job.kind == kind else None

    def drop(self, job: Job) -> None:
        """Forget a job and delete its files."""
        with self.lock:
            self.jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)

    def reap(self, now: float | None = None) -> bool:
        """Remove every job and file if no request came for ``idle`` seconds.

        Returns:
            Whether anything was removed.
        """
        now = time.monotonic() if now is None else now
        if now - self.last_seen < self.idle:
            return False
        with self.lock:
            jobs = list(self.jobs.values())
            busy = [j for j in jobs if j.status == "running"]
            if busy:  # a long check counts as activity; its thread still writes there
                return False
            self.jobs.clear()
        for job in jobs:
            shutil.rmtree(job.folder, ignore_errors=True)
        return bool(jobs)

    def close(self) -> None:
        """Remove the private folder and everything in it."""
        self.closed = True
        with self.lock:
            self.jobs.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _refuse(status: int, text: str) -> Response:
    return PlainTextResponse(text + "\n", status_code=status, headers=SECURITY_HEADERS)


class Guard(BaseHTTPMiddleware):
    """Host allowlist, token, Origin check and security headers, for every request."""

    def __init__(self, app: Any, state: ServeState) -> None:
        super().__init__(app)
        self.state = state

    async def dispatch(self, request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        state = self.state
        if request.headers.get("host", "") not in state.hosts:
            return _refuse(400, "jtai serve answers only at the address it printed "
                           f"(http://127.0.0.1:{state.port}/): this request was for another "
                           "host name.")
        query_token = request.query_params.get("token")
        auth = request.headers.get("authorization", "")
        header_token = auth[7:] if auth.lower().startswith("bearer ") else None
        by_link = state.token_ok(query_token)
        by_token = by_link or state.token_ok(header_token)
        by_cookie = state.token_ok(request.cookies.get(state.cookie))
        if not (by_token or by_cookie):
            return _refuse(403, "Open the link jtai serve printed when it started (it ends in "
                           "?token=...). Each start makes a new link.")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            fetch_site = request.headers.get("sec-fetch-site")
            if origin is not None and origin not in state.origins:
                return _refuse(403, "This form was sent from another web site, so it was "
                               "refused.")
            if fetch_site is not None and fetch_site not in ("same-origin", "none"):
                return _refuse(403, "This form was sent from another web site, so it was "
                               "refused.")
            if origin is None and not by_token:
                return _refuse(403, "A form sent without its Origin needs the token itself "
                               "(?token=... or an Authorization: Bearer header).")
        state.touch()
        if by_link and request.method == "GET" and \
                not request.url.path.startswith("/api/"):
            # Swap the token in the address bar for the cookie: it stays out of history,
            # bookmarks and anything copied from the address bar.
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
        else:
            response = await call_next(request)
        if by_link and request.method == "GET":
            response.set_cookie(state.cookie, state.token, httponly=True, samesite="strict",
                                path="/")
        for name, value in SECURITY_HEADERS.items():
            if name not in response.headers:  # a route may only send a stricter policy
                response.headers[name] = value
        return response


def create_app(state: ServeState) -> Starlette:
    """The application for ``state``: pages, the JSON API and the static files."""
    from .routes import routes

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()

        def reaper() -> None:
            while not stop.wait(min(60.0, max(state.idle / 4, 0.05))):
                state.reap()

        thread = threading.Thread(target=reaper, name="jtai-serve-reaper", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            state.close()

    app = Starlette(routes=routes(state), middleware=[Middleware(Guard, state=state)],
                    lifespan=lifespan)
    app.state.jtai = state
    return app
