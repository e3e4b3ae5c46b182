"""Write outbox messages idempotently (one per idempotency key)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.store.tables import OutboxMessage


def queue_message(
    session: Session, *, idem_key: str, channel: str, topic: str, recipient: str, payload: dict[str, Any]
) -> OutboxMessage:
    """The message with ``idem_key``, created if it does not exist yet."""
    existing = session.scalars(select(OutboxMessage).where(OutboxMessage.idem_key == idem_key)).first()
    if existing is not None:
        return existing
    message = OutboxMessage(
        idem_key=idem_key, channel=channel, topic=topic, recipient=recipient, payload=payload
    )
    session.add(message)
    session.flush()
    return message
