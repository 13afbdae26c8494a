"""The read gate: with a read token set, nothing but ``/healthz`` answers a request without it.

One ASGI middleware in front of the whole server, so the JSON routes, ``/docs``, the Gradio page
and every call the page makes (its config, queue, uploads, events) are behind the same door.
A program sends ``Authorization: Bearer TOKEN``; a browser is asked for the token once, on a
small form at ``/login``, and keeps an HttpOnly cookie derived from it (never the token itself).
The admin token opens the gate too: whoever may change the index may read it.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from ui.tokens import any_token, presented

COOKIE = "verbatim_read"
LOGIN = "/login"
OPEN = frozenset({"/healthz"})  # liveness probes carry no token
COOKIE_DAYS = 30
MAX_FORM_BYTES = 8192
NEEDS_TOKEN = (
    "This Verbatim server needs its read token: send the header 'Authorization: Bearer <token>' "
    "(the token it was started with, --read-token or VERBATIM_READ_TOKEN), or sign in once at /login in a browser."
)


def cookie_value(read_token: str) -> str:
    """What the browser keeps: a keyed digest of the read token, useless as a bearer token."""
    return hmac.new(read_token.encode("utf-8"), b"verbatim read cookie", hashlib.sha256).hexdigest()


class ReadGate:
    """ASGI middleware that lets in requests with the read (or admin) token, or the cookie of a sign-in.

    Args:
        app: the application behind the gate.
        read_token: the token every request needs.
        admin_token: also accepted (it may change the index, so it may read it).
    """

    def __init__(self, app: ASGIApp, read_token: str, admin_token: str | None = None) -> None:
        self.app = app
        self._tokens = (read_token, admin_token)
        self._cookie = cookie_value(read_token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN:
            await self.app(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] == LOGIN:
            await self._login(scope, receive, send)
        elif self.allows(Headers(scope=scope)):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await WebSocketClose(code=1008, reason="read token needed")(scope, receive, send)
        else:
            await self._refusal(scope)(scope, receive, send)

    def allows(self, headers: Headers) -> bool:
        """A request with the token, or with the cookie a sign-in set."""
        token = presented(headers.get("authorization"), headers.get("x-admin-token"))
        if any_token(token, *self._tokens):
            return True
        cookie = cookie_parser(headers.get("cookie", "")).get(COOKIE, "")
        return hmac.compare_digest(cookie.encode("utf-8", "replace"), self._cookie.encode("utf-8"))

    def _refusal(self, scope: Scope) -> Response:
        headers = Headers(scope=scope)
        if scope["method"] == "GET" and "text/html" in headers.get("accept", ""):
            query = scope.get("query_string", b"").decode("latin-1")
            return login_page(scope, scope["path"] + (f"?{query}" if query else ""), status=401)
        return JSONResponse({"detail": NEEDS_TOKEN}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            await login_page(scope, params.get("next", ["/"])[0])(scope, receive, send)
            return
        form = parse_qs((await _body(receive)).decode("utf-8", "replace"))
        target = _local(form.get("next", ["/"])[0])
        if not any_token(form.get("token", [""])[0].strip(), *self._tokens):
            await login_page(scope, target, status=401, wrong=True)(scope, receive, send)
            return
        response = RedirectResponse(scope.get("root_path", "") + target, status_code=303)
        response.set_cookie(
            COOKIE, self._cookie, max_age=COOKIE_DAYS * 86400, path="/", httponly=True, samesite="lax",
            secure=scope.get("scheme") == "https",
        )  # fmt: skip
        await response(scope, receive, send)


async def _body(receive: Receive) -> bytes:
    """The request body, at most ``MAX_FORM_BYTES`` of it (a token form is tiny)."""
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body") or len(body) > MAX_FORM_BYTES:
            return body[:MAX_FORM_BYTES]


def _local(target: str) -> str:
    """A path on this server to go back to after signing in; anything else goes to the page."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or target.startswith(LOGIN):
        return "/"
    return target


def login_page(scope: Scope, target: str, status: int = 200, wrong: bool = False) -> HTMLResponse:
    """The token prompt: one password field, no script, nothing fetched from elsewhere."""
    action = escape(scope.get("root_path", "") + LOGIN)
    problem = "<p class='wrong' role='alert'>That is not this server's read token.</p>" if wrong else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Verbatim — sign in</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 26rem; margin: 15vh auto; padding: 0 1rem; color: #1e293b; }}
input {{ width: 100%; padding: .5rem; margin: .5rem 0 1rem; box-sizing: border-box; font-size: 1rem; }}
button {{ padding: .5rem 1.2rem; font-size: 1rem; }} .wrong {{ color: #b91c1c; }}
</style></head>
<body><h1>Verbatim</h1>
<p>This server answers only those who have its read token. Type it once; this browser keeps it.</p>
{problem}<form method="post" action="{action}" id="vb-login">
<label for="vb-token">Read token</label>
<input id="vb-token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{escape(_local(target))}">
<button type="submit">Sign in</button>
</form></body></html>"""
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
