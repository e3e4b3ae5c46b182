"""Tasks: creation for new incidents (with assignees, audit and outbox), and the inspector's actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Permission, Principal, Role
from firegrid.config import PipelineConfig
from firegrid.errors import NotFoundError, PermissionDeniedError
from firegrid.grid.cells import GridTree
from firegrid.notify.outbox import queue_message
from firegrid.store.tables import (
    IncidentRow,
    SiteRow,
    TaskAssignee,
    TaskEvent,
    TaskRow,
    User,
    UserCell,
    utcnow,
)
from firegrid.types import Hazard
from firegrid.workflow import TaskStatus, check_rejection, check_transition

FIELD_ROLES = (Role.INSPECTOR.value, Role.CHIEF.value)


def assignees_for(session: Session, tree: GridTree, cell_code: str) -> list[User]:
    """Inspectors/chiefs of the cell; if it has none, of the nearest ancestor that has some."""
    for cell in reversed(tree.ancestors(cell_code)):
        users = list(
            session.scalars(
                select(User)
                .join(UserCell, UserCell.user_id == User.id)
                .where(UserCell.cell_code == cell.code, User.role.in_(FIELD_ROLES), User.is_active)
                .order_by(User.id)
            )
        )
        if users:
            return users
    return []


def create_task(
    session: Session, incident: IncidentRow, tree: GridTree, config: PipelineConfig, channels: Sequence[str]
) -> TaskRow:
    """One task for a new routed incident, its assignees, a 'created' event and outbox messages."""
    assert incident.cell_code is not None and incident.cell_path is not None
    kind = incident.source_kinds.split(",")[0]
    rule = config.deadlines.rule(kind, incident.hazard)
    now = utcnow()
    task = TaskRow(
        incident_id=incident.id,
        cell_code=incident.cell_code,
        cell_path=incident.cell_path,
        source_kind=kind,
        status=TaskStatus.NEW.value,
        acknowledge_by=now + timedelta(minutes=rule.acknowledge_min),
        verify_by=rule.verify_deadline(now, config.zone),
    )
    session.add(task)
    session.flush()
    users = assignees_for(session, tree, incident.cell_code)
    session.add_all([TaskAssignee(task_id=task.id, user_id=u.id) for u in users])
    session.add(TaskEvent(task_id=task.id, actor="firegrid", action="create", to_status=task.status))
    site = session.get(SiteRow, incident.site_id) if incident.site_id else None
    payload = task_payload(task, incident, tree, users, site)
    for channel in channels:
        queue_message(
            session,
            idem_key=f"task:{task.id}:created:{channel}",
            channel=channel,
            topic="task.created",
            recipient=",".join(u.username for u in users) or f"cell:{task.cell_code}",
            payload=payload,
        )
        if site is not None and site.contact_phone:  # the site's responsible person hears of it too
            queue_message(
                session,
                idem_key=f"task:{task.id}:site-contact:{channel}",
                channel=channel,
                topic="task.site_contact",
                recipient=f"tel:{site.contact_phone}",
                payload=payload,
            )
    return task


HAZARD_TITLES = {
    Hazard.FIRE: "疑似火点",
    Hazard.DUST: "疑似扬尘源(裸土/堆场/扬尘)",
    Hazard.SITE_COMPLIANCE: "工地视频监控不达标",
}


def task_payload(
    task: TaskRow, incident: IncidentRow, tree: GridTree, users: Sequence[User], site: SiteRow | None = None
) -> dict[str, Any]:
    """What a notification about a new task says."""
    place = " / ".join(c.name for c in tree.ancestors(task.cell_code))
    title = HAZARD_TITLES.get(Hazard(incident.hazard), incident.hazard)
    where = f" 工地 {site.name}" if site is not None else ""
    text = (
        f"{title} #{incident.id} {place}{where}: {incident.lat:.5f}N {incident.lon:.5f}E, "
        f"{incident.first_seen:%Y-%m-%d %H:%M} UTC, {incident.n_detections} detection(s); "
        f"核查截止 {task.verify_by:%Y-%m-%d %H:%M} UTC"
    )
    payload: dict[str, Any] = {
        "type": "task.created",
        "hazard": incident.hazard,
        "task_id": task.id,
        "incident_id": incident.id,
        "cell_code": task.cell_code,
        "place": place,
        "lon": incident.lon,
        "lat": incident.lat,
        "first_seen": incident.first_seen.isoformat(),
        "verify_by": task.verify_by.isoformat(),
        "assignees": [u.username for u in users],
        "text": text,
    }
    if site is not None:
        payload["site"] = {
            "id": site.id,
            "name": site.name,
            "responsible_person": site.responsible_person,
            "contact_phone": site.contact_phone,
        }
    return payload


def visible_task(session: Session, principal: Principal, task_id: int) -> TaskRow:
    """The task if the principal may see it; otherwise ``NotFoundError`` (no existence leak)."""
    task = session.get(TaskRow, task_id)
    if task is None or not principal.sees(task.cell_path):
        raise NotFoundError(f"no task {task_id}")
    return task


def _transition(
    session: Session,
    task: TaskRow,
    target: TaskStatus,
    actor: str,
    action: str,
    reason: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> TaskRow:
    check_transition(task.status, target)
    session.add(
        TaskEvent(
            task_id=task.id,
            actor=actor,
            action=action,
            from_status=task.status,
            to_status=target.value,
            reason=reason,
            lon=lon,
            lat=lat,
        )
    )
    task.status = target.value
    task.updated_at = utcnow()
    return task


def _require_actor(principal: Principal) -> None:
    if not principal.can(Permission.ACT_ON_TASKS):
        raise PermissionDeniedError(f"a {principal.role} cannot act on tasks")


def acknowledge(
    session: Session, principal: Principal, task_id: int, lon: float | None = None, lat: float | None = None
) -> TaskRow:
    """The inspector has seen the task and is on the way."""
    task = visible_task(session, principal, task_id)
    _require_actor(principal)
    return _transition(
        session, task, TaskStatus.ACKNOWLEDGED, principal.name, "acknowledge", lon=lon, lat=lat
    )


def give_verdict(
    session: Session,
    principal: Principal,
    task_id: int,
    *,
    confirmed: bool,
    reason_code: str | None = None,
    reason_text: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> TaskRow:
    """查实 (confirmed) or 查否 (rejected, with a required reason)."""
    task = visible_task(session, principal, task_id)
    _require_actor(principal)
    if confirmed:
        target = TaskStatus.CONFIRMED
    else:
        check_rejection(reason_code, reason_text)
        target = TaskStatus.REJECTED
    reason = None if confirmed else f"{reason_code}: {reason_text or ''}".strip(": ")
    _transition(session, task, target, principal.name, "verdict", reason, lon, lat)
    task.verdict = target.value
    task.reason_code = None if confirmed else reason_code
    task.reason_text = reason_text
    return task


def mark_dispatched(session: Session, task_id: int) -> None:
    """A notification reached the inspector: new -> dispatched (no-op otherwise)."""
    task = session.get(TaskRow, task_id)
    if task is not None and task.status == TaskStatus.NEW.value:
        _transition(session, task, TaskStatus.DISPATCHED, "firegrid", "dispatch")
