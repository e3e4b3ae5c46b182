"""Who hears of what: turn one event (a new task, an escalation) into outbox messages per channel.

* ``log`` and ``webhook``: one message listing the audience;
* ``webpush``: one message per person who subscribed (every browser of that person);
* ``wecom`` / ``dingtalk``: one message per group robot of the nearest cell (up the tree) that has
  robots, @-mentioning the audience's mobiles;
* ``sms``: per person only for escalations; phones outside the user table (a site's contact)
  always go by SMS when a gateway is configured, else to the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.grid.cells import GridTree
from firegrid.notify.outbox import queue_message
from firegrid.store.tables import NotifyRobot, PushSubscription, User

ROBOT_KINDS = ("wecom", "dingtalk")


@dataclass(frozen=True)
class Audience:
    """The people of one notification."""

    users: Sequence[User]
    cell_code: str | None = None  # robots of this cell or its nearest ancestor with robots
    sms: bool = False  # also SMS the users (escalations)
    phones: Sequence[str] = field(default_factory=tuple)  # people without an account (site contacts)


def robots_for(
    session: Session, tree: GridTree | None, cell_code: str | None, kind: str
) -> list[NotifyRobot]:
    """Enabled robots of ``kind`` on the deepest of the cell and its ancestors that has any."""
    if tree is None or cell_code is None or cell_code not in tree:
        return []
    depth = {cell.code: i for i, cell in enumerate(tree.ancestors(cell_code))}
    query = (  # one query for the whole chain, then the deepest level that has any
        select(NotifyRobot)
        .where(NotifyRobot.cell_code.in_(list(depth)), NotifyRobot.kind == kind, NotifyRobot.enabled)
        .order_by(NotifyRobot.id)
    )
    with session.no_autoflush:  # a lookup: pending messages need not be written first
        found = session.scalars(query).all()
    if not found:
        return []
    deepest = max(depth[r.cell_code] for r in found)
    return [r for r in found if depth[r.cell_code] == deepest]


def _subscribed(session: Session, users: Sequence[User]) -> set[int]:
    if not users:
        return set()
    ids = [u.id for u in users]
    with session.no_autoflush:
        return set(session.scalars(select(PushSubscription.user_id).where(PushSubscription.user_id.in_(ids))))


def notify(
    session: Session,
    channels: Sequence[str],
    key: str,
    topic: str,
    payload: dict[str, Any],
    audience: Audience,
    tree: GridTree | None,
) -> int:
    """Queue the messages of one event (idempotent: ``key`` plus channel and recipient)."""
    names = [u.username for u in audience.users]
    mobiles = [u.mobile for u in audience.users if u.mobile]
    messages: list[tuple[str, str, dict[str, Any]]] = []
    for channel in channels:
        if channel in ("log", "webhook"):
            messages.append((channel, ",".join(names) or f"cell:{audience.cell_code}", payload))
        elif channel == "webpush":  # only people whose phone subscribed
            subscribed = _subscribed(session, audience.users)
            messages += [
                (channel, f"user:{u.username}", payload) for u in audience.users if u.id in subscribed
            ]
        elif channel in ROBOT_KINDS:
            for robot in robots_for(session, tree, audience.cell_code, channel):
                messages.append((channel, f"robot:{robot.id}", payload | {"mention_mobiles": mobiles}))
        elif channel == "sms" and audience.sms:
            messages += [(channel, f"tel:{m}", payload) for m in mobiles]
    for channel, recipient, body in messages:
        queue_message(
            session,
            idem_key=f"{key}:{channel}:{recipient}"[:200],
            channel=channel,
            topic=topic,
            recipient=recipient,
            payload=body,
        )
    phone_channel = "sms" if "sms" in channels else "log"
    for phone in audience.phones:  # people without an account: a topic of their own
        queue_message(
            session,
            idem_key=f"{key}:contact:{phone_channel}:{phone}"[:200],
            channel=phone_channel,
            topic=f"{topic}.contact",
            recipient=f"tel:{phone}",
            payload=payload,
        )
    return len(messages) + len(audience.phones)
