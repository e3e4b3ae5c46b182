"""Map firegrid errors to HTTP status codes, in one table.

Every error answer carries ``detail`` (the technical detail, English, naming the input), ``error`` (the
class), ``code`` (a machine code) and ``message`` (what a person reads, from the catalogue, in the
language of ``Accept-Language``: zh-CN unless English comes first).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException

from firegrid import errors, i18n
from firegrid.redact import redact_text

log = logging.getLogger(__name__)

STATUS_CODES: dict[type[Exception], int] = {
    errors.InputError: 400,
    errors.UnsupportedFormatError: 415,
    errors.GridValidationError: 422,
    errors.UploadTooLargeError: 413,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.AuthError: 401,
    errors.PermissionDeniedError: 403,
    errors.RateLimitedError: 429,
    errors.ConfigError: 500,
    errors.ServiceUnavailableError: 503,
    OverflowError: 404,  # an id beyond 64 bits (SQLite refuses to bind it): no such object can exist
    DataError: 404,  # the same on PostgreSQL (an id beyond its integer column's range)
    IntegrityError: 409,  # a unique key taken by a parallel create (else a 500, see ``_duplicate``)
    OperationalError: 503,
    DBAPIError: 503,
}


# a unique key or primary key taken: PostgreSQL's SQLSTATE, SQLite's extended error name
DUPLICATE = {"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def _duplicate(exc: Exception) -> bool:
    """A parallel request created the same id (client-chosen ids: sites, cameras, robots, ...)
    between this one's read and its insert."""
    orig = getattr(exc, "orig", None)
    return bool({getattr(orig, "sqlstate", None), getattr(orig, "sqlite_errorname", None)} & DUPLICATE)


def status_for(exc: Exception) -> int:
    """The status of the most specific class in the table."""
    if isinstance(exc, IntegrityError) and not _duplicate(exc):
        return 500  # a broken constraint is a bug, not a busy database
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


# Starlette's and FastAPI's own errors (no such route, wrong method, a body cut at its limit while
# streaming): the code of the firegrid error with the same status
HTTP_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found", 413: "upload_too_large"}


def _message(request: Request, key: str) -> str:
    return i18n.text(key, i18n.lang_of(request.headers.get("accept-language")))


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    status = status_for(exc)
    if isinstance(exc, DataError | OverflowError):
        detail = "a value beyond the range the database can hold: no such object"
        code, key = "not_found", "error.not_found"
    elif isinstance(exc, IntegrityError) and status == 500:
        log.error("%s %s broke a constraint: %s", request.method, request.url.path, exc.orig)
        detail, code, key = "internal server error", "server_error", "error.server_error"
    elif isinstance(exc, IntegrityError):
        log.warning("%s %s lost a race for a key: %s", request.method, request.url.path, exc.orig)
        detail = "created meanwhile by a parallel request with the same id; reload to see it"
        code, key = "created_meanwhile", "error.created_meanwhile"
    elif isinstance(exc, DBAPIError):
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        detail = "the database is unavailable; try again shortly"
        code, key = "service_unavailable", "error.service_unavailable"
    elif isinstance(exc, errors.FiregridError):  # an error naming a URL never hands out its credentials
        detail, code, key = redact_text(str(exc)), exc.code, exc.message_key
    else:
        detail, code, key = redact_text(str(exc)), "error", "error.error"
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "5"}
    if isinstance(exc, errors.RateLimitedError):
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
    body = {"detail": detail, "error": type(exc).__name__, "code": code, "message": _message(request, key)}
    return JSONResponse(body, status_code=status, headers=headers)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 (the same ``detail`` list) with a code and a message."""
    assert isinstance(exc, RequestValidationError)
    body = {
        "detail": jsonable_encoder(exc.errors()),
        "code": "invalid_request",
        "message": _message(request, "error.invalid_request"),
    }
    return JSONResponse(body, status_code=422)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's ``HTTPException`` with the same body as every other error."""
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    body = {
        "detail": redact_text(str(exc.detail)),
        "error": "HTTPException",
        "code": code,
        "message": _message(request, f"error.{code}"),
    }
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Register the table."""
    for exc in STATUS_CODES:
        app.add_exception_handler(exc, _handle)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
