"""Tasks: creation for new incidents (assignees, deadlines, audit, notifications), visibility,
and the one place where a transition is applied and audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid import i18n
from firegrid.auth.roles import Principal, Role
from firegrid.config import PipelineConfig
from firegrid.errors import ConflictError, NotFoundError
from firegrid.grid.cells import GridTree
from firegrid.localtime import format_time
from firegrid.services.notifications import Audience, Directory, notify
from firegrid.store.cas import compare_and_set
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
from firegrid.workflow import TaskAction, TaskStatus, changed_meanwhile, check_transition

FIELD_ROLES = (Role.INSPECTOR.value, Role.CHIEF.value)


def users_of_cell(session: Session, tree: GridTree, cell_code: str, roles: Sequence[str]) -> list[User]:
    """Active users with one of ``roles`` on the cell, else on its nearest ancestor that has some."""
    return users_of_cells(session, tree, [cell_code], roles).get(cell_code, [])


def users_of_cells(
    session: Session, tree: GridTree, cell_codes: Iterable[str], roles: Sequence[str]
) -> dict[str, list[User]]:
    """:func:`users_of_cell` for many cells, in one query per 500 cells of their chains."""
    chains = {code: [c.code for c in tree.ancestors(code)] for code in set(cell_codes) if code in tree}
    wanted = sorted({code for chain in chains.values() for code in chain})
    found: dict[str, list[User]] = {}
    with session.no_autoflush:  # a lookup: pending tasks and events need not be written first
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = (
                select(UserCell.cell_code, User)
                .join(UserCell, UserCell.user_id == User.id)
                .where(UserCell.cell_code.in_(chunk), User.role.in_(roles), User.is_active)
                .order_by(User.id)
            )
            for code, user in session.execute(query):
                found.setdefault(code, []).append(user)
    return {
        code: next((found[c] for c in reversed(chain) if c in found), []) for code, chain in chains.items()
    }


def assignees_for(session: Session, tree: GridTree, cell_code: str) -> list[User]:
    """Inspectors/chiefs of the cell; if it has none, of the nearest ancestor that has some."""
    return users_of_cell(session, tree, cell_code, FIELD_ROLES)


def set_deadlines(task: TaskRow, kind: str, hazard: str, config: PipelineConfig, start: datetime) -> None:
    """Acknowledge / on-site / verify deadlines from the rule of the source kind (or hazard)."""
    rule = config.deadlines.rule(kind, hazard)
    task.acknowledge_by = start + timedelta(minutes=rule.acknowledge_min)
    task.on_site_by = start + timedelta(minutes=rule.on_site_min) if rule.on_site_min else None
    task.verify_by = rule.verify_deadline(start, config.zone)


def tighten_deadlines(
    task: TaskRow, kinds: Sequence[str], hazard: str, config: PipelineConfig, now: datetime
) -> bool:
    """A new kind of evidence with a stricter rule (a geostationary pixel: the fire burns now) brings
    the deadlines of the steps not yet done forward; never pushes one back. True if one moved."""
    moved = False
    for kind in kinds:
        probe = TaskRow()
        set_deadlines(probe, kind, hazard, config, now)
        steps = (
            ("acknowledge_by", task.acknowledged_at),
            ("on_site_by", task.on_site_at),
            ("verify_by", task.verified_at),
        )
        for name, done in steps:
            new, old = getattr(probe, name), getattr(task, name)
            if done is None and new is not None and (old is None or new < old):
                setattr(task, name, new)
                moved = True
    return moved


def create_task(
    session: Session, incident: IncidentRow, tree: GridTree, config: PipelineConfig, channels: Sequence[str]
) -> TaskRow:
    """One task for a new routed incident, its assignees, a 'create' event and notifications."""
    return create_tasks(session, [incident], tree, config, channels)[0]


def create_tasks(
    session: Session,
    incidents: Sequence[IncidentRow],
    tree: GridTree,
    config: PipelineConfig,
    channels: Sequence[str],
) -> list[TaskRow]:
    """A task for each new routed incident (inserted in one batch), with assignees, a 'create' event
    and notifications."""
    now = utcnow()
    tasks = [_new_task(incident, config, now) for incident in incidents]
    session.add_all(tasks)
    session.flush()
    assignees = users_of_cells(session, tree, [t.cell_code for t in tasks], FIELD_ROLES)
    everyone = [u for users in assignees.values() for u in users]
    directory = Directory.load(session, tree, [t.cell_code for t in tasks], everyone)
    for task, incident in zip(tasks, incidents, strict=True):
        users = assignees.get(task.cell_code, [])
        session.add_all([TaskAssignee(task_id=task.id, user_id=u.id) for u in users])
        session.add(
            TaskEvent(task_id=task.id, actor="firegrid", action=TaskAction.CREATE, to_status=task.status)
        )
        site = session.get(SiteRow, incident.site_id) if incident.site_id else None
        payload = task_payload(task, incident, tree, users, config, site)
        phones = [site.contact_phone] if site is not None and site.contact_phone else []
        audience = Audience(users, task.cell_code, phones=phones)
        key = f"task:{task.id}:created"
        notify(session, channels, key, "task.created", payload, audience, tree, directory)
    return tasks


def _new_task(incident: IncidentRow, config: PipelineConfig, now: datetime) -> TaskRow:
    assert incident.cell_code is not None and incident.cell_path is not None
    kind = incident.source_kinds.split(",")[0]
    task = TaskRow(
        incident_id=incident.id,
        cell_code=incident.cell_code,
        cell_path=incident.cell_path,
        source_kind=kind,
        status=TaskStatus.NEW.value,
        created_at=now,
        updated_at=now,
    )
    set_deadlines(task, kind, incident.hazard, config, now)
    return task


def task_payload(
    task: TaskRow,
    incident: IncidentRow,
    tree: GridTree,
    users: Sequence[User],
    config: PipelineConfig,
    site: SiteRow | None = None,
) -> dict[str, Any]:
    """What a notification about a task says (times in the configured zone, labels in its language)."""
    lang = config.language
    place = " / ".join(c.name for c in tree.ancestors(task.cell_code))
    title = i18n.label("hazard_title", incident.hazard, lang)
    where = f" {i18n.text('text.site', lang)} {site.name}" if site is not None else ""
    first = f"{i18n.text('text.first_seen', lang)} {format_time(incident.first_seen, config.zone, lang)}"
    seen = i18n.text("text.detections", lang, n=incident.n_detections)
    due = f"{i18n.label('deadline', 'verify', lang)} {format_time(task.verify_by, config.zone, lang)}"
    point = i18n.coords(incident.lat, incident.lon, lang)
    text = f"{title} #{incident.id} {place}{where}: {point}, {first}, {seen}; {due}"
    payload: dict[str, Any] = {
        "type": "task.created",
        "title": f"{title} #{incident.id}",
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
        "url": f"{config.public_url.rstrip('/')}/app/#/task/{task.id}",
        "text": text,
        "lang": "en" if i18n.lang_of(lang) == "en" else "zh-CN",
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


STAMPS = {
    TaskStatus.ACKNOWLEDGED: "acknowledged_at",
    TaskStatus.ON_SITE: "on_site_at",
    TaskStatus.CONFIRMED: "verified_at",
    TaskStatus.REJECTED: "verified_at",
    TaskStatus.HANDLED: "handled_at",
    TaskStatus.CLOSED: "closed_at",
}


def transition(
    session: Session,
    task: TaskRow,
    target: TaskStatus,
    actor: str,
    action: str,
    reason: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    *,
    checked: bool = True,
    stamp: bool = True,
    now: datetime | None = None,
) -> TaskRow:
    """Move a task (checked against the state machine unless ``checked=False``) and audit it.

    The move is a compare-and-set on (status, version) as the caller read them: of requests racing
    for one task exactly one wins; the others get ``ConflictError`` naming the state it is in now,
    and write no audit event.
    """
    if checked:
        check_transition(task.status, target)
    now = now or utcnow()
    values: dict[str, Any] = {"status": target.value, "version": task.version + 1, "updated_at": now}
    if stamp and target in STAMPS:
        values[STAMPS[target]] = now
    current = {"status": task.status, "version": task.version}
    if not compare_and_set(session, task, current, values):
        raise changed_meanwhile(task.id, task.status)
    session.add(
        TaskEvent(
            task_id=task.id,
            at=now,
            actor=actor,
            action=action,
            from_status=current["status"],
            to_status=target.value,
            reason=reason,
            lon=lon,
            lat=lat,
        )
    )
    return task


def mark_dispatched(session: Session, task_id: int) -> None:
    """A notification reached the inspector: new -> dispatched (no-op otherwise)."""
    task = session.get(TaskRow, task_id)
    if task is not None and task.status == TaskStatus.NEW.value:
        try:
            transition(session, task, TaskStatus.DISPATCHED, "firegrid", TaskAction.DISPATCH)
        except ConflictError:  # acknowledged meanwhile: nothing to mark
            return


def task_updated(
    session: Session,
    incident: IncidentRow,
    moved_m: float,
    added: Sequence[str],
    tree: GridTree,
    config: PipelineConfig,
    channels: Sequence[str],
) -> None:
    """New evidence moved an open incident or added a source: tell the task's people (audited)."""
    task = session.scalar(select(TaskRow).where(TaskRow.incident_id == incident.id))
    if task is None or task.status in (TaskStatus.CLOSED, TaskStatus.REJECTED):
        return
    users = list(
        session.scalars(
            select(User)
            .join(TaskAssignee, TaskAssignee.user_id == User.id)
            .where(TaskAssignee.task_id == task.id)
        )
    )
    lang = config.language
    tightened = tighten_deadlines(task, added, incident.hazard, config, utcnow())
    what = "; ".join(
        [i18n.text("text.new_evidence", lang, what=i18n.labels("source_kind", added, lang, ", "))]
        * bool(added)
        + [i18n.text("text.moved", lang, m=f"{moved_m:.0f}")] * (moved_m > 1)
        + [i18n.text("text.deadlines_forward", lang)] * tightened
    )
    session.add(
        TaskEvent(
            task_id=task.id,
            actor="firegrid",
            action=TaskAction.UPDATE,
            from_status=task.status,
            to_status=task.status,
            reason=what,
        )
    )
    payload = task_payload(task, incident, tree, users, config) | {
        "type": "task.updated",
        "title": f"{i18n.text('text.task_updated', lang)} #{task.id}",
    }
    payload["text"] = what + " — " + payload["text"]
    key = f"task:{task.id}:updated:{incident.revision}"
    notify(session, channels, key, "task.updated", payload, Audience(users, task.cell_code), tree)
