"""What people do with a task: the inspector's steps and verdict, the reviewer's close,
reassign and merge. Each checks the permission, applies the state machine and audits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from firegrid import i18n
from firegrid.auth.roles import Permission, Principal
from firegrid.config import PipelineConfig
from firegrid.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from firegrid.grid.cells import GridTree
from firegrid.grid.ownership import distance_to_cell_m
from firegrid.services.camera_masks import learn_from_rejection
from firegrid.services.incident_changes import merge_incidents
from firegrid.services.incident_state import revise
from firegrid.services.incidents import add_inspector_fix
from firegrid.services.notifications import Audience, notify
from firegrid.services.tasks import assignees_for, task_payload, transition, visible_task
from firegrid.store.tables import (
    HeatSourceProposal,
    IncidentRow,
    TaskAssignee,
    TaskEvent,
    TaskEvidence,
    TaskRow,
    utcnow,
)
from firegrid.workflow import (
    ADMINISTRATIVE,
    RejectReason,
    TaskAction,
    TaskStatus,
    check_rejection,
    check_reopen,
    check_transition,
)


@dataclass(frozen=True)
class Where:
    """The device position sent with an action (WGS84), if any."""

    lon: float | None = None
    lat: float | None = None


def _require(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise PermissionDeniedError(f"a {principal.role} cannot {permission.value.replace('_', ' ')}")


def _field_task(session: Session, principal: Principal, task_id: int) -> TaskRow:
    task = visible_task(session, principal, task_id)
    _require(principal, Permission.ACT_ON_TASKS)
    return task


def acknowledge(
    session: Session, principal: Principal, task_id: int, where: Where = Where(), now: datetime | None = None
) -> TaskRow:
    """The inspector has the task and is on the way."""
    task = _field_task(session, principal, task_id)
    return transition(
        session,
        task,
        TaskStatus.ACKNOWLEDGED,
        principal.name,
        TaskAction.ACKNOWLEDGE,
        None,
        where.lon,
        where.lat,
        now=now,
    )


def arrive(
    session: Session, principal: Principal, task_id: int, where: Where = Where(), now: datetime | None = None
) -> TaskRow:
    """The inspector is at the point."""
    task = _field_task(session, principal, task_id)
    return transition(
        session,
        task,
        TaskStatus.ON_SITE,
        principal.name,
        TaskAction.ON_SITE,
        None,
        where.lon,
        where.lat,
        now=now,
    )


@dataclass(frozen=True)
class VerdictIn:
    """查实 or 查否 with its reason; ``reroute_to`` / ``duplicate_of`` complete the administrative ones."""

    confirmed: bool
    reason_code: str | None = None
    reason_text: str | None = None
    reroute_to: str | None = None
    duplicate_of: int | None = None


def give_verdict(
    session: Session,
    principal: Principal,
    task_id: int,
    verdict: VerdictIn,
    where: Where,
    tree: GridTree,
    config: PipelineConfig,
    channels: tuple[str, ...] = ("log",),
    needs_photo: bool = False,
    now: datetime | None = None,
    *,
    reroute_max_m: float = 3000.0,
) -> TaskRow:
    """Confirm or reject; administrative rejections re-route (to a cell within ``reroute_max_m`` of
    the incident, for callers who cannot reassign) or merge the task instead."""
    task = _field_task(session, principal, task_id)
    if verdict.confirmed:
        transition_check = TaskStatus.CONFIRMED
        check_transition(task.status, transition_check)
        reason = None
    else:
        reason = check_rejection(task.status, verdict.reason_code, verdict.reason_text)
        transition_check = TaskStatus.REJECTED
    administrative = reason in ADMINISTRATIVE
    if needs_photo and not administrative and not _has_photo(session, task.id):
        raise InputError(
            "a verdict needs at least one photo (POST /tasks/{id}/evidence first)", code="photo_required"
        )
    text = None if verdict.confirmed else f"{verdict.reason_code}: {verdict.reason_text or ''}".strip(": ")
    if reason is RejectReason.OUTSIDE_MY_AREA:
        route = _Route(tree, config, channels, reroute_max_m)
        return _reroute(session, principal, task, verdict, text, where, route)
    if reason is RejectReason.DUPLICATE:
        if verdict.duplicate_of is None:
            raise InputError(
                "a 'duplicate' rejection needs duplicate_of (the task it duplicates)",
                code="duplicate_needs_task",
            )
        return merge(session, principal, task.id, verdict.duplicate_of, check_permission=False)
    transition(
        session,
        task,
        transition_check,
        principal.name,
        TaskAction.VERDICT,
        text,
        where.lon,
        where.lat,
        now=now,
    )
    task.verdict = transition_check.value
    task.reason_code = None if verdict.confirmed else verdict.reason_code
    task.reason_text = verdict.reason_text
    incident = session.get_one(IncidentRow, task.incident_id)
    if verdict.confirmed:
        if where.lon is not None and where.lat is not None:  # the best location there is, when near
            add_inspector_fix(session, incident, where.lon, where.lat, principal.name)
        revise(session, incident, "Update", "confirmed on site")
    else:
        revise(session, incident, "Cancel", f"rejected on site: {verdict.reason_code}")
        incident.status = "closed"
    if reason is RejectReason.INDUSTRIAL_HEAT_SOURCE:
        session.add(
            HeatSourceProposal(
                task_id=task.id,
                incident_id=incident.id,
                lon=where.lon if where.lon is not None else incident.lon,
                lat=where.lat if where.lat is not None else incident.lat,
                proposed_by=principal.name,
                reason=verdict.reason_text,
                owner_path=task.cell_path,
            )
        )
    return task


def _has_photo(session: Session, task_id: int) -> bool:
    return bool(
        session.scalar(select(func.count()).select_from(TaskEvidence).where(TaskEvidence.task_id == task_id))
    )


@dataclass(frozen=True)
class _Route:
    tree: GridTree
    config: PipelineConfig
    channels: tuple[str, ...]
    reroute_max_m: float


def _reroute(
    session: Session,
    principal: Principal,
    task: TaskRow,
    verdict: VerdictIn,
    text: str | None,
    where: Where,
    route: _Route,
) -> TaskRow:
    """'Not my area': to the cell the inspector names, else up to the parent for the township.

    Someone who cannot reassign (an inspector) may only send it to a cell near the incident (within
    ``reroute_max_m``); reviewers reassign anywhere in their subtree (:func:`reassign`)."""
    tree, reroute_max_m = route.tree, route.reroute_max_m
    target = verdict.reroute_to or tree[task.cell_code].parent_code
    if target is None or target not in tree:
        raise InputError(f"cannot re-route task {task.id}: unknown cell {target!r}")
    if not principal.can(Permission.REVIEW_TASKS):
        incident = session.get_one(IncidentRow, task.incident_id)
        away = distance_to_cell_m(tree, target, incident.lon, incident.lat)
        if away > reroute_max_m:
            raise InputError(
                f"cell {target} is {away / 1000:.1f} km from the incident; an 'outside my area' re-route"
                f" may only go to a cell within {reroute_max_m / 1000:.1f} km of it",
                code="reroute_too_far",
            )
    transition(
        session,
        task,
        TaskStatus.NEW,
        principal.name,
        TaskAction.NOT_MY_AREA,
        text,
        where.lon,
        where.lat,
        checked=False,
    )
    return _assign(session, task, target, principal.name, tree, route.config, route.channels)


def handle(
    session: Session,
    principal: Principal,
    task_id: int,
    note: str | None,
    where: Where = Where(),
    now: datetime | None = None,
) -> TaskRow:
    """The fire is out / the source covered (处置完毕)."""
    task = _field_task(session, principal, task_id)
    return transition(
        session,
        task,
        TaskStatus.HANDLED,
        principal.name,
        TaskAction.HANDLE,
        note,
        where.lon,
        where.lat,
        now=now,
    )


def close(
    session: Session, principal: Principal, task_id: int, note: str | None = None, now: datetime | None = None
) -> TaskRow:
    """The township signs the task off (销号)."""
    task = visible_task(session, principal, task_id)
    _require(principal, Permission.REVIEW_TASKS)
    transition(session, task, TaskStatus.CLOSED, principal.name, TaskAction.CLOSE, note, now=now)
    session.get_one(IncidentRow, task.incident_id).status = "closed"
    learn_from_rejection(session, task, principal.name)  # a reviewed 查否 of a camera alarm masks its box
    return task


def reassign(
    session: Session,
    principal: Principal,
    task_id: int,
    cell_code: str,
    tree: GridTree,
    config: PipelineConfig,
    channels: tuple[str, ...] = ("log",),
    note: str | None = None,
) -> TaskRow:
    """Send an open task to another cell's inspectors (back to ``new``, deadlines restart)."""
    task = visible_task(session, principal, task_id)
    _require(principal, Permission.REVIEW_TASKS)
    check_reopen(task.status)
    if cell_code not in tree or not principal.sees(tree.path(cell_code)):
        raise NotFoundError(f"no cell {cell_code!r}")
    reason = note or i18n.text("text.reassigned_to", config.language, cell=_cell_name(tree, cell_code))
    transition(session, task, TaskStatus.NEW, principal.name, TaskAction.REASSIGN, reason, checked=False)
    return _assign(session, task, cell_code, principal.name, tree, config, channels)


def _assign(
    session: Session,
    task: TaskRow,
    cell_code: str,
    actor: str,
    tree: GridTree,
    config: PipelineConfig,
    channels: tuple[str, ...],
) -> TaskRow:
    from firegrid.services.tasks import set_deadlines

    incident = session.get_one(IncidentRow, task.incident_id)
    task.cell_code, task.cell_path = cell_code, tree.path(cell_code)
    incident.cell_code, incident.cell_path = task.cell_code, task.cell_path
    task.escalation_level, task.escalation_stage, task.escalated_at = 0, None, None
    set_deadlines(task, task.source_kind, incident.hazard, config, utcnow())
    session.execute(delete(TaskAssignee).where(TaskAssignee.task_id == task.id))
    users = assignees_for(session, tree, cell_code)
    session.add_all([TaskAssignee(task_id=task.id, user_id=u.id) for u in users])
    session.flush()
    events = session.scalar(select(func.count()).select_from(TaskEvent).where(TaskEvent.task_id == task.id))
    payload = task_payload(task, incident, tree, users, config) | {
        "type": "task.reassigned",
        "by": actor,
    }
    key = f"task:{task.id}:assigned:{cell_code}:{events}"  # one notification per assignment
    notify(session, channels, key, "task.reassigned", payload, Audience(users, cell_code), tree)
    return task


def merge(
    session: Session, principal: Principal, task_id: int, into_id: int, *, check_permission: bool = True
) -> TaskRow:
    """Close a duplicate into another open task: its detections join the other incident (undoable)."""
    task = visible_task(session, principal, task_id)
    if check_permission:
        _require(principal, Permission.REVIEW_TASKS)
    target = visible_task(session, principal, into_id)
    if target.id == task.id:
        raise ConflictError("a task cannot be merged into itself")
    check_reopen(task.status)
    if target.status == TaskStatus.CLOSED:
        raise ConflictError(f"task {into_id} is closed", code="task_closed")
    merge_incidents(
        session, target.incident_id, task.incident_id, principal.name, f"duplicate of task {target.id}"
    )
    return task


def _cell_name(tree: GridTree, code: str) -> str:
    return f"{tree[code].name} ({code})" if code in tree else code
