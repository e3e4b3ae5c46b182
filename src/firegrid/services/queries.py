"""Read-side queries, always filtered to the caller's grid subtree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from firegrid.auth.roles import Permission, Principal
from firegrid.errors import NotFoundError
from firegrid.grid.cells import PATH_SEPARATOR
from firegrid.store.tables import (
    DetectionRow,
    GridVersion,
    IncidentRow,
    TaskAssignee,
    TaskEvent,
    TaskRow,
    User,
)
from firegrid.types import BBox, DetectionStatus


def scope_clause(column: InstrumentedAttribute[Any], principal: Principal) -> ColumnElement[bool]:
    """SQL for "inside the principal's subtree" on a materialised-path column."""
    if principal.paths is None:
        return true()
    if not principal.paths:
        return false()
    return or_(
        *(or_(column == p, column.startswith(p + PATH_SEPARATOR, autoescape=True)) for p in principal.paths)
    )


@dataclass(frozen=True)
class Filters:
    """Common list filters; ``bbox`` is WGS84."""

    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None
    bbox: BBox | None = None
    cell_path: str | None = None
    limit: int = 500
    offset: int = 0


def _apply(query: Select[Any], table: Any, time_column: Any, filters: Filters) -> Select[Any]:
    if filters.since is not None:
        query = query.where(time_column >= filters.since)
    if filters.until is not None:
        query = query.where(time_column <= filters.until)
    if filters.status is not None:
        query = query.where(table.status == filters.status)
    if filters.bbox is not None:
        x0, y0, x1, y1 = filters.bbox.bounds
        query = query.where(table.lon.between(x0, x1), table.lat.between(y0, y1))
    if filters.cell_path is not None:
        query = query.where(
            or_(
                table.cell_path == filters.cell_path,
                table.cell_path.startswith(filters.cell_path + PATH_SEPARATOR, autoescape=True),
            )
        )
    return query.limit(filters.limit).offset(filters.offset)


def list_incidents(session: Session, principal: Principal, filters: Filters) -> list[IncidentRow]:
    """Incidents in the caller's subtree, newest first."""
    query = select(IncidentRow).where(scope_clause(IncidentRow.cell_path, principal))
    query = _apply(
        query.order_by(IncidentRow.last_seen.desc(), IncidentRow.id.desc()),
        IncidentRow,
        IncidentRow.last_seen,
        filters,
    )
    return list(session.scalars(query))


def get_incident(session: Session, principal: Principal, incident_id: int) -> IncidentRow:
    """One visible incident or ``NotFoundError``."""
    incident = session.get(IncidentRow, incident_id)
    if incident is None or not principal.sees(incident.cell_path):
        raise NotFoundError(f"no incident {incident_id}")
    return incident


def incident_detections(session: Session, incident_id: int) -> list[DetectionRow]:
    """The detections of an incident, oldest first."""
    return list(
        session.scalars(
            select(DetectionRow)
            .where(DetectionRow.incident_id == incident_id)
            .order_by(DetectionRow.observed_at, DetectionRow.id)
        )
    )


def list_detections(session: Session, principal: Principal, filters: Filters) -> list[DetectionRow]:
    """Detections in the subtree; unrouted ones too for principals allowed to see them."""
    visible = scope_clause(DetectionRow.cell_path, principal)
    if principal.can(Permission.SEE_UNROUTED):
        visible = or_(visible, DetectionRow.status == DetectionStatus.UNROUTED.value)
    query = (
        select(DetectionRow).where(visible).order_by(DetectionRow.observed_at.desc(), DetectionRow.id.desc())
    )
    return list(session.scalars(_apply(query, DetectionRow, DetectionRow.observed_at, filters)))


def list_tasks(
    session: Session, principal: Principal, filters: Filters, *, overdue_at: datetime | None = None
) -> list[TaskRow]:
    """Tasks in the subtree; ``overdue_at``: only open tasks past their verify deadline."""
    query = select(TaskRow).where(scope_clause(TaskRow.cell_path, principal))
    if overdue_at is not None:
        query = query.where(
            TaskRow.verify_by < overdue_at,
            TaskRow.status.in_(("new", "dispatched", "acknowledged", "on_site")),
        )
    query = query.order_by(TaskRow.verify_by, TaskRow.id)
    return list(session.scalars(_apply(query, TaskRow, TaskRow.created_at, filters)))


def tasks_of_user(session: Session, user_id: int, status: str | None = None) -> list[TaskRow]:
    """Tasks assigned to a user."""
    query = (
        select(TaskRow)
        .join(TaskAssignee, TaskAssignee.task_id == TaskRow.id)
        .where(TaskAssignee.user_id == user_id)
    )
    if status is not None:
        query = query.where(TaskRow.status == status)
    return list(session.scalars(query.order_by(TaskRow.verify_by, TaskRow.id)))


def cards_of_user(
    session: Session, user_id: int, status: str | None = None, include_done: bool = False
) -> list[tuple[TaskRow, IncidentRow]]:
    """Tasks assigned to a user with their incidents (open ones unless ``include_done``)."""
    query = (
        select(TaskRow, IncidentRow)
        .join(IncidentRow, IncidentRow.id == TaskRow.incident_id)
        .join(TaskAssignee, TaskAssignee.task_id == TaskRow.id)
        .where(TaskAssignee.user_id == user_id)
    )
    if status is not None:
        query = query.where(TaskRow.status == status)
    elif not include_done:
        query = query.where(TaskRow.status.not_in(("closed",)))
    return [(t, i) for t, i in session.execute(query.order_by(TaskRow.id)).all()]


_CARDS_VERSION = (  # built once: asked on every "my tasks"
    select(
        func.count(),
        func.max(TaskRow.id),
        func.max(TaskRow.updated_at),
        func.max(IncidentRow.updated_at),
        select(GridVersion.id).where(GridVersion.is_active).limit(1).scalar_subquery(),  # place names
    )
    .select_from(TaskAssignee)
    .join(TaskRow, TaskRow.id == TaskAssignee.task_id)
    .join(IncidentRow, IncidentRow.id == TaskRow.incident_id)
    .where(TaskAssignee.user_id == bindparam("user_id"))
)


def cards_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """What a user's task cards depend on: their assignments, the newest change of those tasks and
    incidents (every change of a task or an incident moves its ``updated_at``), the active grid."""
    return tuple(session.execute(_CARDS_VERSION, {"user_id": user_id}).one())


def task_assignees(session: Session, task_id: int) -> list[str]:
    """Usernames a task was sent to."""
    return list(
        session.scalars(
            select(User.username)
            .join(TaskAssignee, TaskAssignee.user_id == User.id)
            .where(TaskAssignee.task_id == task_id)
        )
    )


def display_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Display names of the given users (only those that have one)."""
    wanted = sorted(set(usernames))
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {name: shown for name, shown in rows if shown}


def task_events(session: Session, task_id: int) -> list[TaskEvent]:
    """The audit trail of a task."""
    return list(session.scalars(select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id)))


def task_of_incident(session: Session, incident_id: int) -> int | None:
    """The task id of an incident, if it has one."""
    return session.scalars(select(TaskRow.id).where(TaskRow.incident_id == incident_id)).first()
