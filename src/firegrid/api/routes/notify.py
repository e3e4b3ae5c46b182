"""Notification endpoints: the app's Web Push subscriptions, the cells' group robots."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from firegrid.api.access import At, access
from firegrid.api.deps import NotifyManagerDep, PrincipalDep, SessionDep, StateDep
from firegrid.auth.roles import Permission
from firegrid.errors import InputError
from firegrid.notify.webpush import application_server_key
from firegrid.redact import redact_url
from firegrid.services import robots as robot_service
from firegrid.services.robots import robots_of
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
        url=redact_url(robot.url),
        signed=bool(robot.secret),
        enabled=robot.enabled,
    )


@router.get("/push/key", **access(At.PUBLIC, None))
def vapid_key(state: StateDep) -> dict[str, str]:
    """The VAPID public key for ``pushManager.subscribe({applicationServerKey})``."""
    return {"key": application_server_key(state.runtime.settings.vapid_key())}


@router.post(
    "/push/subscriptions",
    status_code=status.HTTP_201_CREATED,
    **access(At.CALLER, writes=("push_subscriptions",)),
)
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


@router.delete(
    "/push/subscriptions",
    status_code=status.HTTP_204_NO_CONTENT,
    **access(At.CALLER, writes=("push_subscriptions",)),
)
def unsubscribe(body: SubscriptionIn, principal: PrincipalDep, session: SessionDep) -> None:
    """Forget a subscription of the caller."""
    session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == body.endpoint, PushSubscription.user_id == principal.user_id
        )
    )
    session.commit()


@router.get("/notify/robots", **access(At.SUBTREE, Permission.MANAGE_NOTIFY, reads=("robots",)))
def robots(principal: NotifyManagerDep, session: SessionDep) -> list[RobotOut]:
    """The group robots of the caller's subtree."""
    return [_out(r) for r in robots_of(session, principal)]


@router.post(
    "/notify/robots",
    status_code=status.HTTP_201_CREATED,
    **access(At.SUBTREE, Permission.MANAGE_NOTIFY, writes=("robots",)),
)
def add_robot(body: RobotIn, principal: NotifyManagerDep, session: SessionDep, state: StateDep) -> RobotOut:
    """Register a robot for a cell in the caller's subtree."""
    state.runtime.settings.guard().check_url(body.url, f"robot {body.kind} URL")
    robot = robot_service.add_robot(
        session, principal, body.name, body.kind, body.cell_code, body.url, body.secret
    )
    session.commit()
    return _out(robot)


@router.delete(
    "/notify/robots/{robot_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    **access(At.SUBTREE, Permission.MANAGE_NOTIFY, writes=("robots",)),
)
def remove_robot(robot_id: int, principal: NotifyManagerDep, session: SessionDep) -> None:
    """Disable a robot of the caller's subtree (kept for the delivery audit)."""
    robot_service.disable_robot(session, principal, robot_id)
    session.commit()
