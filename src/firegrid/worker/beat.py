"""The periodic scheduler (Celery beat) that runs only while it holds the database lease.

Every worker started with ``--beat`` (the embedded one of ``firegrid serve``, or a standalone one)
runs this scheduler, but only the holder of the ``beat`` lease (``services/leases.py``) sends
periodic tasks; the others wait and take over within ``FIREGRID_SCHEDULER_LEASE_S`` once the
holder stops renewing (it died) or at once when it stops cleanly. The schedule lives in memory:
there is no shelve file for two schedulers to fight over, and every periodic task is idempotent.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from datetime import timedelta
from typing import Any

from celery.beat import Scheduler
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from firegrid.services import leases
from firegrid.store.db import make_engine, session_factory
from firegrid.store.tables import utcnow
from firegrid.worker.lifetime import set_parent_death_signal

log = logging.getLogger(__name__)

LEASE = "beat"


def _follow_worker() -> int | None:
    """In the worker's embedded beat process: die with the worker (a SIGKILLed worker would leave an
    orphan scheduler renewing the lease forever). Returns the worker's pid, or None when not embedded."""
    from billiard.process import current_process

    if current_process().name != "Beat":
        return None
    set_parent_death_signal(signal.SIGKILL)
    return os.getppid()


class LeasedScheduler(Scheduler):  # type: ignore[misc]
    """Celery's in-memory scheduler, gated by the ``beat`` lease."""

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        settings = app.firegrid_settings
        self.lease_ttl = timedelta(seconds=settings.scheduler_lease_s)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._db_url = settings.db_url
        self._sessions: sessionmaker[Session] | None = None  # opened in the process that schedules
        self._held: bool | None = None  # unknown until the first attempt (which is logged)
        self._renewed_at = 0.0
        self._parent = _follow_worker()
        super().__init__(app, *args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Send what is due when holding the lease; otherwise wait a third of its lifetime."""
        if self._parent is not None and os.getppid() != self._parent:
            log.warning("scheduler %s: its worker is gone; stopping", self.holder)
            raise SystemExit(1)
        third = self.lease_ttl.total_seconds() / 3
        if not self._hold():
            return third
        return float(min(super().tick(*args, **kwargs), third))

    def _hold(self) -> bool:
        now = utcnow()
        if self._held and now.timestamp() - self._renewed_at < self.lease_ttl.total_seconds() / 3:
            return True  # renewed recently: at least two thirds of the lease are left
        try:
            with self._session() as session:
                held = leases.hold(session, LEASE, self.holder, now, self.lease_ttl)
        except SQLAlchemyError as exc:
            log.warning("scheduler %s: cannot reach the lease (%s); not scheduling", self.holder, exc)
            held = False
        if held != self._held:
            log.warning("scheduler %s %s the lease", self.holder, "holds" if held else "waits for")
        self._held, self._renewed_at = held, now.timestamp() if held else 0.0
        return held

    def _session(self) -> Session:
        if self._sessions is None:
            self._sessions = session_factory(make_engine(self._db_url))
        return self._sessions()

    def close(self) -> None:
        """Give the lease up so another scheduler takes over at once."""
        if self._held:
            try:
                with self._session() as session:
                    leases.release(session, LEASE, self.holder, utcnow())
            except SQLAlchemyError as exc:
                log.warning("scheduler %s: could not release the lease (%s)", self.holder, exc)
            self._held = False
        super().close()
