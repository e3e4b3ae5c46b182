"""Who hears of what: turn one event (a new task, an escalation) into outbox messages per channel.

* ``log`` and ``webhook``: one message listing the audience;
* ``webpush``: one message per person who subscribed (every browser of that person);
* ``wecom`` / ``dingtalk``: one message per group robot of the nearest cell (up the tree) that has
  robots, @-mentioning the audience's mobiles;
* ``sms``: per person only for escalations; phones outside the user table (a site's contact)
  always go by SMS when a gateway is configured, else to the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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


@dataclass
class Directory:
    """Who can be reached, looked up once for a batch of notifications: the enabled robots on the cells
    of the batch and their ancestors, and which of its users have a Web Push subscription."""

    robots: dict[str, list[NotifyRobot]] = field(default_factory=dict)  # by cell code, by id
    subscribed: set[int] = field(default_factory=set)

    @classmethod
    def load(
        cls, session: Session, tree: GridTree | None, cell_codes: Iterable[str], users: Iterable[User]
    ) -> Directory:
        starts = set() if tree is None else {code for code in cell_codes if code in tree}
        codes = sorted({c for code in starts for c in _chain(tree, code)}) if tree is not None else []
        out = cls()
        with session.no_autoflush:  # lookups: pending messages need not be written first
            for chunk in _chunks(codes):
                query = (
                    select(NotifyRobot)
                    .where(NotifyRobot.cell_code.in_(chunk), NotifyRobot.enabled)
                    .order_by(NotifyRobot.id)
                )
                for robot in session.scalars(query):
                    out.robots.setdefault(robot.cell_code, []).append(robot)
            for chunk in _chunks(sorted({u.id for u in users})):
                subscribers = select(PushSubscription.user_id).where(PushSubscription.user_id.in_(chunk))
                out.subscribed |= set(session.scalars(subscribers))
        return out

    def robots_for(self, tree: GridTree | None, cell_code: str | None, kind: str) -> list[NotifyRobot]:
        """Robots of ``kind`` on the deepest of the cell and its ancestors that has any."""
        if tree is None or cell_code is None or cell_code not in tree:
            return []
        for code in reversed(_chain(tree, cell_code)):
            found = [r for r in self.robots.get(code, []) if r.kind == kind]
            if found:
                return found
        return []


def _chain(tree: GridTree, cell_code: str) -> list[str]:
    return [cell.code for cell in tree.ancestors(cell_code)]


def _chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def notify(
    session: Session,
    channels: Sequence[str],
    key: str,
    topic: str,
    payload: dict[str, Any],
    audience: Audience,
    tree: GridTree | None,
    directory: Directory | None = None,
) -> int:
    """Queue the messages of one event (idempotent: ``key`` plus channel and recipient); ``directory``:
    robots and subscriptions already looked up for a batch that includes this event."""
    if directory is None and any(c == "webpush" or c in ROBOT_KINDS for c in channels):
        directory = Directory.load(session, tree, [audience.cell_code or ""], audience.users)
    names = [u.username for u in audience.users]
    mobiles = [u.mobile for u in audience.users if u.mobile]
    messages: list[tuple[str, str, dict[str, Any]]] = []
    for channel in channels:
        if channel in ("log", "webhook"):
            messages.append((channel, ",".join(names) or f"cell:{audience.cell_code}", payload))
        elif channel == "webpush":  # only people whose phone subscribed
            assert directory is not None
            messages += [
                (channel, f"user:{u.username}", payload)
                for u in audience.users
                if u.id in directory.subscribed
            ]
        elif channel in ROBOT_KINDS:
            assert directory is not None
            for robot in directory.robots_for(tree, audience.cell_code, channel):
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
