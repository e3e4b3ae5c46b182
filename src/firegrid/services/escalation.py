"""Escalation of missed deadlines up the grid tree (chief -> township -> county), run by a beat job.

A task's *stage* is the next step it owes: ``acknowledge`` (new / dispatched), ``on_site``
(acknowledged, when the rule has an on-site deadline), ``verify`` (no verdict yet). When the
stage's deadline has passed, escalation step k is due ``after_min`` minutes later; each due step
notifies the users of its role on the task's cell or the nearest ancestor that has such users
(web push, robots, SMS when configured) and is audited once. A new stage starts again at step 0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid import i18n
from firegrid.grid.cells import GridTree
from firegrid.localtime import format_minutes
from firegrid.services.ingest import IngestContext
from firegrid.services.notifications import Audience, notify
from firegrid.services.tasks import task_payload, users_of_cell
from firegrid.store.db import transaction
from firegrid.store.tables import IncidentRow, TaskEvent, TaskRow
from firegrid.workflow import OPEN, TaskAction, TaskStatus

log = logging.getLogger(__name__)


def stage(task: TaskRow) -> tuple[str, datetime] | None:
    """The step the task owes next and its deadline (None once it has a verdict)."""
    status = TaskStatus(task.status)
    if status not in OPEN:
        return None
    if status in (TaskStatus.NEW, TaskStatus.DISPATCHED):
        return "acknowledge", min(task.acknowledge_by, task.verify_by)
    if status is TaskStatus.ACKNOWLEDGED and task.on_site_by is not None:
        return "on_site", min(task.on_site_by, task.verify_by)
    return "verify", task.verify_by


@dataclass
class EscalationRun:
    """What one run did: task id -> levels notified."""

    escalated: dict[int, list[int]] = field(default_factory=dict)


def escalate_due(ctx: IngestContext, now: datetime) -> EscalationRun:
    """Notify every escalation step that came due; idempotent per (task, stage, level)."""
    run = EscalationRun()
    steps = ctx.config.escalation.steps
    with transaction(ctx.sessions) as session:
        grid = ctx.grids.get(session)
        if grid is None or not steps:
            return run
        candidates = session.scalars(
            select(TaskRow)
            .where(TaskRow.status.in_([s.value for s in OPEN]), TaskRow.verify_by.is_not(None))
            .order_by(TaskRow.id)
        ).all()
        for task in candidates:
            owed = stage(task)
            if owed is None or now <= owed[1]:
                continue
            name, deadline = owed
            if task.escalation_stage != name:
                task.escalation_stage, task.escalation_level = name, 0
            due = sum(1 for s in steps if now >= deadline + timedelta(minutes=s.after_min))
            for level in range(task.escalation_level + 1, due + 1):
                _notify_level(session, ctx, grid.tree, task, name, deadline, level, now)
                run.escalated.setdefault(task.id, []).append(level)
            if due > task.escalation_level:
                task.escalation_level, task.escalated_at, task.updated_at = due, now, now
    return run


def _notify_level(
    session: Session,
    ctx: IngestContext,
    tree: GridTree,
    task: TaskRow,
    name: str,
    deadline: datetime,
    level: int,
    now: datetime,
) -> None:
    step = ctx.config.escalation.steps[level - 1]
    users = users_of_cell(session, tree, task.cell_code, [step.role])
    incident = session.get_one(IncidentRow, task.incident_id)
    late = format_minutes((now - deadline).total_seconds() / 60, lang := ctx.config.language)
    step_name, role = i18n.label("stage", name, lang), i18n.label("role", step.role, lang)
    payload = task_payload(task, incident, tree, users, ctx.config) | {
        "type": "task.escalated",
        "title": f"{i18n.text('text.escalated_title', lang)} #{task.id} ({role})",
        "level": level,
        "stage": name,
    }
    said = i18n.text("text.escalated", lang, step=step_name, late=late, role=role)
    payload["text"] = said + ": " + payload["text"]
    audience = Audience(users, task.cell_code, sms=ctx.config.escalation.sms)
    notify(
        session,
        ctx.channels,
        f"task:{task.id}:escalate:{name}:{level}",
        "task.escalated",
        payload,
        audience,
        tree,
    )
    who = ", ".join(u.username for u in users) or i18n.text("text.nobody", lang)
    reason = i18n.text(
        "text.escalation_reason", lang, step=step_name, late=late, level=level, role=role, who=who
    )
    session.add(
        TaskEvent(
            task_id=task.id,
            at=now,
            actor="firegrid",
            action=TaskAction.ESCALATE,
            from_status=task.status,
            to_status=task.status,
            reason=reason,
        )
    )
    log.info("task %s: %s overdue, escalated to level %d (%s)", task.id, name, level, step.role)
