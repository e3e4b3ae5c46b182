"""Shared CLI plumbing: settings, logging, the runtime, console output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from firegrid.config import Settings
from firegrid.logs import configure
from firegrid.store.db import migrate
from firegrid.worker.context import Runtime, build_runtime

err = Console(stderr=True)


def settings() -> Settings:
    """Settings from the environment (the only place the CLI reads it)."""
    s = Settings()
    configure(s.log_level, s.log_format)
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
