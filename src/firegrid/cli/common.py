"""Shared CLI plumbing: settings, logging, the runtime, console output."""

from __future__ import annotations

import logging.config
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from firegrid.config import Settings
from firegrid.store.db import migrate
from firegrid.worker.context import Runtime, build_runtime

err = Console(stderr=True)


def setup_logging(level: str) -> None:
    """Log to stderr; quiet the chatty libraries."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "plain",
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"level": level, "handlers": ["stderr"]},
            "loggers": {
                "rasterio": {"level": "ERROR"},
                "alembic": {"level": "WARNING"},
                "httpx": {"level": "WARNING"},
                "pyogrio": {"level": "WARNING"},
            },
        }
    )


def settings() -> Settings:
    """Settings from the environment (the only place the CLI reads it)."""
    s = Settings()
    setup_logging(s.log_level)
    return s


@contextmanager
def runtime(s: Settings) -> Iterator[Runtime]:
    """A migrated runtime for one command."""
    rt = build_runtime(s)
    try:
        migrate(rt.engine)
        yield rt
    finally:
        rt.close()
