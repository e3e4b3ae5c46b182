"""Leases in the database: one holder of a named role (the periodic scheduler) at a time.

A holder renews its lease well before it expires; a holder that dies stops renewing, and after
``ttl`` another may take it. Taking and renewing are one conditional UPDATE (or the first INSERT),
so two contenders can never both win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from firegrid.store.tables import SchedulerLease


def hold(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + ttl``; False while another holds it.
    Commits (or rolls back) the session."""
    taken = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name)
        .where(or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount:  # type: ignore[attr-defined]
        session.commit()
        return True
    if session.get(SchedulerLease, name) is not None:
        session.rollback()
        return False
    session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl, acquired_at=now))
    try:
        session.commit()
    except IntegrityError:  # another contender inserted first
        session.rollback()
        return False
    return True


def release(session: Session, name: str, holder: str, now: datetime) -> None:
    """Give the lease up at once (a clean stop), if ``holder`` has it."""
    session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def current_holder(session: Session, name: str, now: datetime) -> str | None:
    """Who holds the lease now (None: nobody, or it expired)."""
    row = session.get(SchedulerLease, name)
    return row.holder if row is not None and row.expires_at >= now else None
