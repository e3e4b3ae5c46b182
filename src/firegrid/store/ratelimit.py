"""A token bucket per key (20 messages a minute per group robot, 5 failed logins per quarter hour per user
and address), kept in the database so every process shares it. Taking a token locks the bucket row for the
transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from firegrid.store.tables import RateBucket


def take(session: Session, key: str, per_minute: float, now: datetime, burst: float | None = None) -> float:
    """Take one token; returns 0.0 on success, else the seconds until one is available."""
    capacity = burst if burst is not None else per_minute
    bucket = session.get(RateBucket, key, with_for_update=True)
    if bucket is None:
        bucket = RateBucket(key=key, tokens=capacity, updated_at=now)
        session.add(bucket)
    elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
    tokens = min(capacity, bucket.tokens + elapsed * per_minute / 60.0)
    bucket.updated_at = now
    if tokens >= 1.0:
        bucket.tokens = tokens - 1.0
        session.flush()
        return 0.0
    bucket.tokens = tokens
    session.flush()
    return (1.0 - tokens) * 60.0 / per_minute


def wait(session: Session, key: str, per_minute: float, now: datetime, burst: float | None = None) -> float:
    """Seconds until a token is available (0.0 now), without taking one."""
    bucket = session.get(RateBucket, key)
    if bucket is None:
        return 0.0
    capacity = burst if burst is not None else per_minute
    elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
    tokens = min(capacity, bucket.tokens + elapsed * per_minute / 60.0)
    return 0.0 if tokens >= 1.0 else (1.0 - tokens) * 60.0 / per_minute
