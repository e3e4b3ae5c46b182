"""Deliver outbox messages: one attempt at a time, logged, with exponential backoff and jitter,
a shared token bucket per rate-limited recipient, and bursts to one robot coalesced into a digest."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from firegrid.notify.channels import Channel, DeliveryResult
from firegrid.store import ratelimit
from firegrid.store.tables import DeliveryAttempt, OutboxMessage, utcnow
from firegrid.telemetry import NOTIFICATION_FAILURES

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BASE_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
DIGEST_MAX = 20  # messages folded into one digest


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


def claim(session: Session, outbox_id: int, now: datetime | None = None) -> bool:
    """Atomically take a pending message that is due (False: someone else has it, it is done, or its
    next attempt is not due yet, so a late duplicate task cannot bypass the backoff)."""
    return bool(claim_many(session, [outbox_id], now))


def claim_many(session: Session, outbox_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """:func:`claim` for many messages in one statement; the ids taken."""
    now = now or utcnow()
    taken = session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(outbox_ids)),
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status="sending", claimed_at=now)
        .returning(OutboxMessage.id)
    )
    return sorted(taken)


def release_stale_claims(session: Session, older_than: timedelta) -> int:
    """Put back messages whose sender died mid-send (at-least-once; the Idempotency-Key dedups)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - older_than)
        .values(status="pending")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def deliver(
    session: Session, outbox_id: int, channels: Mapping[str, Channel], now: datetime | None = None
) -> OutboxMessage | None:
    """Attempt one message claimed with ``claim`` (committed), then record the outcome.

    A rate-limited recipient without a token gets its message back as pending, due when a
    token will be free (not counted as an attempt). A digest channel takes every other due
    message to the same recipient along, and sends them as one.
    """
    now = now or utcnow()
    message = session.get(OutboxMessage, outbox_id)
    if message is None or message.status != "sending":
        return message
    channel = channels.get(message.channel)
    if channel is None:
        _record(session, message, DeliveryResult(False, None, f"channel {message.channel!r} not configured"))
        message.status = "failed"
        return message
    rate = getattr(channel, "rate_per_minute", None)
    if rate:
        wait = ratelimit.take(session, channel.rate_key(message.recipient), rate, now)  # type: ignore[attr-defined]
        if wait > 0:
            message.status, message.next_attempt_at = "pending", now + timedelta(seconds=wait)
            return message
    batch = [message, *(_siblings(session, message, now) if getattr(channel, "digest", False) else [])]
    payload = message.payload if len(batch) == 1 else {"type": "digest", "items": [m.payload for m in batch]}
    result = channel.send(message.recipient, payload, message.idem_key)
    for item in batch:
        _record(session, item, result)
        _settle(item, result, now)
    return message


def _siblings(session: Session, message: OutboxMessage, now: datetime) -> list[OutboxMessage]:
    """Claim other due messages to the same channel and recipient (for one digest)."""
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.channel == message.channel,
                OutboxMessage.recipient == message.recipient,
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.id != message.id,
            )
            .order_by(OutboxMessage.id)
            .limit(DIGEST_MAX - 1)
        )
    )
    return [session.get_one(OutboxMessage, i) for i in claim_many(session, ids, now)]


def _settle(message: OutboxMessage, result: DeliveryResult, now: datetime) -> None:
    if not result.ok:
        NOTIFICATION_FAILURES.labels(message.channel).inc()
    if result.ok:
        message.status, message.sent_at = "sent", now
    elif result.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        log.warning("giving up on outbox message %s after %d attempts", message.id, message.attempts)
    else:
        message.status = "pending"
        message.next_attempt_at = now + backoff(message.attempts)


def _record(session: Session, message: OutboxMessage, result: DeliveryResult) -> None:
    message.attempts += 1
    message.last_error = None if result.ok else result.response
    session.add(
        DeliveryAttempt(
            outbox_id=message.id, ok=result.ok, status_code=result.status_code, response=result.response
        )
    )
