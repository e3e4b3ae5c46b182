"""Map firegrid errors to HTTP status codes, in one table."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from firegrid import errors

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
    OperationalError: 503,
    DBAPIError: 503,
}


def status_for(exc: Exception) -> int:
    """The status of the most specific class in the table."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    status = status_for(exc)
    if isinstance(exc, DBAPIError):
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        detail = "the database is unavailable; try again shortly"
    else:
        detail = str(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "5"}
    if isinstance(exc, errors.RateLimitedError):
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
    return JSONResponse({"detail": detail, "error": type(exc).__name__}, status_code=status, headers=headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Register the table."""
    for exc in STATUS_CODES:
        app.add_exception_handler(exc, _handle)
