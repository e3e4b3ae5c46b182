"""Tasks: mine, by cell, one with its audit trail; acknowledge and verdict."""

from __future__ import annotations

from fastapi import APIRouter

from firegrid.api.deps import PrincipalDep, SessionDep
from firegrid.api.routes.incidents import FiltersDep
from firegrid.api.schemas import IncidentOut, Position, TaskDetail, TaskEventOut, TaskOut, Verdict
from firegrid.errors import InputError
from firegrid.services import queries
from firegrid.services import tasks as task_service
from firegrid.store.tables import IncidentRow, TaskRow, utcnow

router = APIRouter(prefix="/tasks", tags=["tasks"])


def _detail(session: SessionDep, task: TaskRow) -> TaskDetail:
    incident = session.get_one(IncidentRow, task.incident_id)  # same cell as the visible task
    return TaskDetail(
        **TaskOut.model_validate(task).model_dump(),
        incident=IncidentOut.model_validate(incident),
        assignees=queries.task_assignees(session, task.id),
        events=[TaskEventOut.model_validate(e) for e in queries.task_events(session, task.id)],
    )


@router.get("/mine")
def my_tasks(principal: PrincipalDep, session: SessionDep, status: str | None = None) -> list[TaskOut]:
    """Tasks assigned to the caller."""
    if principal.user_id is None:
        raise InputError("API keys have no assigned tasks; use GET /tasks")
    return [TaskOut.model_validate(t) for t in queries.tasks_of_user(session, principal.user_id, status)]


@router.get("")
def list_tasks(
    principal: PrincipalDep, session: SessionDep, f: FiltersDep, overdue: bool = False
) -> list[TaskOut]:
    """Tasks in the caller's subtree (``cell=`` narrows to a township etc.; ``overdue=true``)."""
    rows = queries.list_tasks(session, principal, f, overdue_at=utcnow() if overdue else None)
    return [TaskOut.model_validate(t) for t in rows]


@router.get("/{task_id}")
def get_task(task_id: int, principal: PrincipalDep, session: SessionDep) -> TaskDetail:
    """One task with its incident, assignees and audit trail."""
    return _detail(session, task_service.visible_task(session, principal, task_id))


@router.post("/{task_id}/acknowledge")
def acknowledge(task_id: int, body: Position, principal: PrincipalDep, session: SessionDep) -> TaskDetail:
    """The inspector has the task and is on the way."""
    task = task_service.acknowledge(session, principal, task_id, body.lon, body.lat)
    session.commit()
    return _detail(session, task)


@router.post("/{task_id}/verdict")
def verdict(task_id: int, body: Verdict, principal: PrincipalDep, session: SessionDep) -> TaskDetail:
    """查实 (confirmed) or 查否 (rejected with a reason)."""
    task = task_service.give_verdict(
        session,
        principal,
        task_id,
        confirmed=body.verdict == "confirmed",
        reason_code=body.reason_code,
        reason_text=body.reason_text,
        lon=body.lon,
        lat=body.lat,
    )
    session.commit()
    return _detail(session, task)
