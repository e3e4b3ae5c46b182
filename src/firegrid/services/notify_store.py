"""What the push channels read and write in the database: subscriptions and robots."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from firegrid.notify.webpush import Subscription
from firegrid.store.db import transaction
from firegrid.store.tables import NotifyRobot, PushSubscription, User, utcnow


class NotifyStore:
    """Short transactions of their own (channels run inside delivery, outside its session)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def subscriptions(self, username: str) -> list[Subscription]:
        """Every browser subscription of a user."""
        with self.sessions() as session:
            rows = session.scalars(
                select(PushSubscription)
                .join(User, User.id == PushSubscription.user_id)
                .where(User.username == username)
                .order_by(PushSubscription.id)
            )
            return [Subscription(r.id, r.endpoint, r.p256dh, r.auth) for r in rows]

    def forget(self, subscription_id: int) -> None:
        """Delete a dead subscription (the push service said 404/410)."""
        with transaction(self.sessions) as session:
            session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))

    def touch(self, subscription_id: int) -> None:
        """Remember the last successful push."""
        with transaction(self.sessions) as session:
            session.execute(
                update(PushSubscription)
                .where(PushSubscription.id == subscription_id)
                .values(last_ok_at=utcnow())
            )

    def robot(self, robot_id: int) -> tuple[str, str | None] | None:
        """(url, secret) of an enabled robot."""
        with self.sessions() as session:
            row = session.get(NotifyRobot, robot_id)
            return (row.url, row.secret) if row is not None and row.enabled else None
