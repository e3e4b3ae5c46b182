"""Logging for every entrypoint: plain or JSON lines on stderr, each record tagged with its request id.

The request id comes from the API middleware (the caller's ``X-Request-ID`` or a fresh one) or the Celery
task id in a worker, through a context variable, so a log search can follow one request or job across
processes.
"""

from __future__ import annotations

import logging
import logging.config
import uuid
from contextvars import ContextVar
from typing import Any, Literal

from firegrid.redact import redact_text

request_id: ContextVar[str] = ContextVar("firegrid_request_id", default="-")
_base_factory = logging.getLogRecordFactory()
QUIET = {"rasterio": "ERROR", "alembic": "WARNING", "httpx": "WARNING", "pyogrio": "WARNING"}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always passes the record on."""
        record.request_id = request_id.get()
        return True


def _redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """A log record whose message has every URL redacted (``firegrid.redact``), whoever logs it."""
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it itself when the record is emitted
        return record
    cleaned = redact_text(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None:  # the traceback names URLs too
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
    return record


def install_redaction() -> None:
    """Redact URLs (credentials, token-like parameters) in every log record of this process."""
    if logging.getLogRecordFactory() is not _redacted_record:
        logging.setLogRecordFactory(_redacted_record)


def new_request_id(supplied: str | None = None) -> str:
    """A caller's id when it is sane (printable, ≤ 64 chars), otherwise a fresh one."""
    if supplied and len(supplied) <= 64 and supplied.isprintable() and " " not in supplied:
        return supplied
    return uuid.uuid4().hex


def configure(level: str = "INFO", fmt: Literal["plain", "json"] = "plain") -> None:
    """Configure the root logger once per process (with URL redaction)."""
    install_redaction()
    formatters = {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    }
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request_id": {"()": RequestIdFilter}},
            "formatters": {fmt: formatters[fmt]},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": fmt,
                    "filters": ["request_id"],
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"level": level, "handlers": ["stderr"]},
            "loggers": {name: {"level": lvl} for name, lvl in QUIET.items()},
        }
    )
