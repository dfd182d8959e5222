"""The Starlette application: its routes and the guard every request passes.

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
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from .routes import routes
from .state import ServeState

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
