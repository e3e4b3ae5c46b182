"""Deliver outbox messages: one attempt at a time, logged, with exponential backoff and jitter."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from firegrid.notify.channels import Channel
from firegrid.store.tables import DeliveryAttempt, OutboxMessage, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BASE_DELAY_S = 30.0
MAX_DELAY_S = 3600.0


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next attempt: exponential, capped, with full jitter on the top half."""
    ceiling = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0.5, 1.0)
    return timedelta(seconds=ceiling * jitter)


def due_message_ids(session: Session, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending messages whose next attempt is due."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def claim(session: Session, outbox_id: int) -> bool:
    """Atomically take a pending message for sending (False: someone else has it, or it is done)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_stale_claims(session: Session, older_than: timedelta) -> int:
    """Put back messages whose sender died mid-send (at-least-once; the Idempotency-Key dedups)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - older_than)
        .values(status="pending")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def deliver(session: Session, outbox_id: int, channels: Mapping[str, Channel]) -> OutboxMessage | None:
    """Attempt one message claimed with ``claim`` (committed), then record the outcome."""
    message = session.get(OutboxMessage, outbox_id)
    if message is None or message.status != "sending":
        return message
    channel = channels.get(message.channel)
    if channel is None:
        _record(
            session,
            message,
            ok=False,
            status_code=None,
            response=f"channel {message.channel!r} not configured",
        )
        message.status = "failed"
        return message
    result = channel.send(message.recipient, message.payload, message.idem_key)
    _record(session, message, result.ok, result.status_code, result.response)
    if result.ok:
        message.status, message.sent_at = "sent", utcnow()
    elif result.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        log.warning("giving up on outbox message %s after %d attempts", message.id, message.attempts)
    else:
        message.status = "pending"
        message.next_attempt_at = utcnow() + backoff(message.attempts)
    return message


def _record(
    session: Session, message: OutboxMessage, ok: bool, status_code: int | None, response: str
) -> None:
    message.attempts += 1
    message.last_error = None if ok else response
    session.add(DeliveryAttempt(outbox_id=message.id, ok=ok, status_code=status_code, response=response))
