"""Notification endpoints: the app's Web Push subscriptions, the cells' group robots."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from firegrid.api.deps import NotifyManagerDep, PrincipalDep, SessionDep, StateDep
from firegrid.errors import InputError, NotFoundError
from firegrid.notify.webpush import application_server_key
from firegrid.services.grid import cell_row
from firegrid.store.tables import NotifyRobot, PushSubscription

router = APIRouter(tags=["notifications"])


class SubscriptionKeys(BaseModel):
    """The browser's keys (base64url)."""

    p256dh: str = Field(min_length=10, max_length=200)
    auth: str = Field(min_length=4, max_length=100)


class SubscriptionIn(BaseModel):
    """``PushSubscription.toJSON()`` of the browser."""

    endpoint: str = Field(min_length=10, max_length=2000)
    keys: SubscriptionKeys


class RobotIn(BaseModel):
    """A group robot of a cell (the webhook URL holds its key; DingTalk may have a signing secret)."""

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["wecom", "dingtalk"]
    cell_code: str
    url: str = Field(pattern=r"^https?://", max_length=1000)
    secret: str | None = Field(None, max_length=200)


class RobotOut(BaseModel):
    """A robot without its secret (the URL is shown without its query string)."""

    id: int
    name: str
    kind: str
    cell_code: str
    url: str
    signed: bool
    enabled: bool


def _out(robot: NotifyRobot) -> RobotOut:
    return RobotOut(
        id=robot.id,
        name=robot.name,
        kind=robot.kind,
        cell_code=robot.cell_code,
        url=robot.url.split("?")[0],
        signed=bool(robot.secret),
        enabled=robot.enabled,
    )


@router.get("/push/key")
def vapid_key(state: StateDep) -> dict[str, str]:
    """The VAPID public key for ``pushManager.subscribe({applicationServerKey})``."""
    return {"key": application_server_key(state.runtime.settings.vapid_key())}


@router.post("/push/subscriptions", status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionIn, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> dict[str, int]:
    """Keep (or move to this user) a browser subscription (its endpoint must be a public URL)."""
    if principal.user_id is None:
        raise InputError("API keys cannot subscribe to pushes")
    state.runtime.settings.guard().check_url(body.endpoint, "web push endpoint")
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == body.endpoint))
    if row is None:
        row = PushSubscription(
            user_id=principal.user_id, endpoint=body.endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth
        )
        session.add(row)
    else:
        row.user_id, row.p256dh, row.auth = principal.user_id, body.keys.p256dh, body.keys.auth
    session.commit()
    return {"id": row.id}


@router.delete("/push/subscriptions", status_code=status.HTTP_204_NO_CONTENT)
def unsubscribe(body: SubscriptionIn, principal: PrincipalDep, session: SessionDep) -> None:
    """Forget a subscription of the caller."""
    session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == body.endpoint, PushSubscription.user_id == principal.user_id
        )
    )
    session.commit()


@router.get("/notify/robots")
def robots(_: NotifyManagerDep, session: SessionDep) -> list[RobotOut]:
    """Registered group robots."""
    return [_out(r) for r in session.scalars(select(NotifyRobot).order_by(NotifyRobot.id))]


@router.post("/notify/robots", status_code=status.HTTP_201_CREATED)
def add_robot(body: RobotIn, principal: NotifyManagerDep, session: SessionDep, state: StateDep) -> RobotOut:
    """Register a robot for a cell in the caller's subtree."""
    cell = cell_row(session, body.cell_code)
    if not principal.sees(cell.path):
        raise NotFoundError(f"no cell {body.cell_code}")
    state.runtime.settings.guard().check_url(body.url, f"robot {body.kind} URL")
    robot = NotifyRobot(**body.model_dump())
    session.add(robot)
    session.commit()
    return _out(robot)


@router.delete("/notify/robots/{robot_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_robot(robot_id: int, _: NotifyManagerDep, session: SessionDep) -> None:
    """Disable a robot (kept for the delivery audit)."""
    robot = session.get(NotifyRobot, robot_id)
    if robot is None:
        raise NotFoundError(f"no robot {robot_id}")
    robot.enabled = False
    session.commit()
