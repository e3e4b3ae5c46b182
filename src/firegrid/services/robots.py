"""The cells' WeCom/DingTalk group robots: registered, listed and disabled within the caller's
subtree (audited; the webhook key and signing secret never leave the server)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.errors import NotFoundError
from firegrid.redact import redact_url
from firegrid.services.grid import cell_row
from firegrid.services.ownership import owned_by, record, visible
from firegrid.store.tables import NotifyRobot

KIND = "robot"


def robots_of(session: Session, principal: Principal) -> list[NotifyRobot]:
    """The robots of the caller's subtree."""
    query = select(NotifyRobot).where(owned_by(NotifyRobot.owner_path, principal))
    return list(session.scalars(query.order_by(NotifyRobot.id)))


def add_robot(
    session: Session,
    principal: Principal,
    name: str,
    kind: str,
    cell_code: str,
    url: str,
    secret: str | None,
) -> NotifyRobot:
    """Register a robot for a cell of the caller's subtree (other cells do not exist: 404)."""
    cell = cell_row(session, cell_code)
    if not principal.sees(cell.path):
        raise NotFoundError(f"no cell {cell_code}")
    robot = NotifyRobot(
        name=name, kind=kind, cell_code=cell_code, url=url, secret=secret, owner_path=cell.path
    )
    session.add(robot)
    session.flush()
    record(session, principal.name, KIND, robot.id, "create", cell.path, name=name, url=redact_url(url))
    return robot


def disable_robot(session: Session, principal: Principal, robot_id: int) -> None:
    """Disable a robot of the caller's subtree (kept for the delivery audit)."""
    robot: NotifyRobot = visible(principal, session.get(NotifyRobot, robot_id), f"robot {robot_id}")
    if robot.enabled:
        robot.enabled = False
        record(session, principal.name, KIND, robot.id, "disable", robot.owner_path, name=robot.name)
