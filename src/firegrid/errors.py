"""The firegrid exception tree.

Every error raised on purpose by firegrid derives from :class:`FiregridError`;
the API maps classes to HTTP status codes in one table (``api/errors.py``).

* FiregridError
  + InputError                 bad input a user can fix (file, row, field)
    - UnsupportedFormatError   a file firegrid cannot recognise
    - RowError                 one bad row in an otherwise good file
    - GridValidationError      a grid file that cannot be imported
    - UploadTooLargeError      an upload above the configured limit
    - UnsafeFileError          a file or path the file gate refuses (outside the roots, VRT, driver)
  + NotFoundError              an id that does not exist (or is not visible)
  + ConflictError              a state change that is not allowed now
    - IllegalTransitionError   a task transition the state machine refuses
  + AuthError                  missing or bad credentials
  + PermissionDeniedError      authenticated, but not allowed
  + RateLimitedError           too many attempts (failed logins); retry later
  + ConfigError                settings that cannot work
  + ServiceUnavailableError    a backing service (database, broker) is down
    - SourceUnavailableError   a remote data source (Sentinel Hub, FIRMS) failed
"""

from __future__ import annotations


class FiregridError(Exception):
    """Base class of every firegrid error.

    ``str(exc)`` is the technical detail (English, naming the input); ``code`` is the machine code the
    API returns, and ``message_key`` the catalogue entry people read (``error.<code>`` by default; a
    refused task step names the next step, ``next.<status>``).
    """

    code = "error"

    def __init__(self, *args: object, code: str | None = None, message_key: str | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code
        self.message_key = message_key or f"error.{self.code}"


class InputError(FiregridError):
    """Input that firegrid cannot accept; the message names the input and the problem."""

    code = "invalid_input"


class UnsupportedFormatError(InputError):
    """A file whose format is not recognised."""

    code = "unsupported_format"


class RowError(InputError):
    """One bad row; carries the line number (1-based, header is line 1)."""

    code = "row_error"

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class GridValidationError(InputError):
    """A grid that cannot be imported (the message lists the offending features)."""

    code = "grid_invalid"


class UploadTooLargeError(InputError):
    """An upload larger than the configured limit."""

    code = "upload_too_large"


class UnsafeFileError(InputError):
    """A file or path the file gate refuses: outside the data roots, a link out of them, markup
    (GDAL VRT, XML) where data was expected, or a format not allowed for this purpose."""

    code = "unsafe_file"


class NotFoundError(FiregridError):
    """A resource that does not exist, or is outside the caller's grid subtree."""

    code = "not_found"


class ConflictError(FiregridError):
    """A request that conflicts with the current state."""

    code = "conflict"


class IllegalTransitionError(ConflictError):
    """A task state transition the state machine refuses."""

    code = "illegal_transition"


class AuthError(FiregridError):
    """Missing, expired or wrong credentials."""

    code = "not_authenticated"


class PermissionDeniedError(FiregridError):
    """The caller is known but lacks the role for this action."""

    code = "permission_denied"


class RateLimitedError(FiregridError):
    """Too many attempts; ``retry_after`` seconds until the next is accepted."""

    code = "too_many_logins"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigError(FiregridError):
    """Settings that cannot work."""

    code = "config_error"


class ServiceUnavailableError(FiregridError):
    """A backing service (database, broker) cannot be reached."""

    code = "service_unavailable"


class SourceUnavailableError(ServiceUnavailableError):
    """A remote data source failed; the message names the source and the problem."""

    code = "service_unavailable"
