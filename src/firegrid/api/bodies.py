"""Request bodies: credentials checked and sizes limited before a byte of the body is read.

FastAPI reads (and, for forms, spools to disk) a request body before it resolves dependencies,
so an anonymous client could make the server store hundreds of megabytes before its 401. This
ASGI middleware runs first:

* a request with a body to a route that needs a principal must carry a bearer token that verifies
  (signature and expiry; no database) or an API key of the right form; otherwise 401 at once;
* every body has a limit: the route's own (``@body_limit("upload")`` / ``("photo")``) or the small
  default for JSON; a ``Content-Length`` above it is a 413 before reading, and a body that grows
  past it while streaming is a 413 too.

Upload routes declare no body parameters, so their dependencies (authentication *and* permission)
run before they stream the body themselves (``api/uploads.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from firegrid import i18n
from firegrid.auth import credentials
from firegrid.errors import AuthError, FiregridError, UploadTooLargeError

ATTRIBUTE = "firegrid_body_limit"
F = TypeVar("F", bound=Callable[..., Any])


def body_limit(kind: str) -> Callable[[F], F]:
    """Give a route the body limit ``kind`` (a key of the middleware's ``limits``)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, ATTRIBUTE, kind)
        return endpoint

    return mark


def _needs_principal(dependant: Dependant, principal: Callable[..., Any]) -> bool:
    return any(d.call is principal or _needs_principal(d, principal) for d in dependant.dependencies)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestGuard:
    """The middleware described above over the app's ``routes`` (with their full paths);
    ``principal`` is the dependency that authenticates."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Sequence[APIRoute],
        limits: Mapping[str, int],
        default: int,
        principal: Callable[..., Any],
    ) -> None:
        self.app = app
        self.routes = list(routes)
        self.limits = dict(limits)
        self.default = default
        self.protected = {id(r): _needs_principal(r.dependant, principal) for r in self.routes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self._route(scope)
        limit = (
            self.limits.get(getattr(route.endpoint, ATTRIBUTE, ""), self.default) if route else self.default
        )
        length = self._length(scope)
        has_body = bool(length) or "chunked" in (_header(scope, b"transfer-encoding") or "").lower()
        if has_body and route is not None and self._protects(route):
            problem = self._credentials_problem(scope)
            if problem is not None:
                await _answer(scope, receive, send, 401, problem, AuthError("", code=_auth_code(problem)))
                return
        if length is not None and length > limit:
            message = f"the request body of {length} bytes is above this route's limit of {limit} bytes"
            await _answer(scope, receive, send, 413, message, UploadTooLargeError())
            return
        await self.app(scope, _counted(receive, limit), send)

    def _route(self, scope: Scope) -> APIRoute | None:
        return next((r for r in self.routes if r.matches(scope)[0] == Match.FULL), None)

    def _protects(self, route: APIRoute) -> bool:
        return self.protected[id(route)]

    def _length(self, scope: Scope) -> int | None:
        value = _header(scope, b"content-length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def _credentials_problem(self, scope: Scope) -> str | None:
        """Why the request's credentials cannot be right (None: they may be)."""
        api_key = _header(scope, b"x-api-key")
        if api_key:
            return None if api_key.startswith(credentials.API_KEY_PREFIX) else "invalid API key"
        authorization = _header(scope, b"authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "not authenticated"
        state = getattr(getattr(scope.get("app"), "state", None), "firegrid", None)
        if state is None:
            return None  # not started yet: the route's own check answers
        try:
            credentials.decode_token(token.strip(), state.jwt_keys or state.runtime.settings.jwt_keys())
        except AuthError as exc:
            return str(exc)
        return None


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, f"the request body is above this route's limit of {limit} bytes")
        return message

    return counted


def _auth_code(problem: str) -> str:
    return "not_authenticated" if problem == "not authenticated" else "session_expired"


async def _answer(
    scope: Scope, receive: Receive, send: Send, status: int, detail: str, error: FiregridError
) -> None:
    """Answer like ``api/errors.py`` without reading the body; the server closes the connection
    instead of draining it."""
    language = i18n.lang_of(_header(scope, b"accept-language"))
    body = {
        "detail": detail,
        "error": type(error).__name__,
        "code": error.code,
        "message": i18n.text(error.message_key, language),
    }
    headers = {"Connection": "close"}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)
