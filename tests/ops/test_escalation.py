"""Escalation up the grid tree with a fake clock: once per stage and level, then a new stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from firegrid.i18n import label
from firegrid.services import task_actions
from firegrid.services.escalation import escalate_due
from firegrid.services.users import principal_for_user
from firegrid.store.db import transaction
from firegrid.store.tables import OutboxMessage, TaskEvent, TaskRow, User
from firegrid.worker.context import Runtime
from tests.ops.helpers import new_task, small_world


def test_missed_deadlines_escalate_chief_township_county_once_each(runtime: Runtime, tmp_path: Path) -> None:
    small_world(runtime, tmp_path)
    task_id = new_task(runtime, "T1V1")
    with runtime.sessions() as session:
        task = session.get_one(TaskRow, task_id)
        ack_by, created = task.acknowledge_by, task.created_at
    assert ack_by - created == timedelta(minutes=120)  # satellite: acknowledge within 2 h
    ctx = runtime.ingest
    assert escalate_due(ctx, ack_by - timedelta(minutes=1)).escalated == {}
    assert escalate_due(ctx, ack_by + timedelta(minutes=1)).escalated == {task_id: [1]}  # chief
    assert escalate_due(ctx, ack_by + timedelta(minutes=5)).escalated == {}  # already told
    assert escalate_due(ctx, ack_by + timedelta(minutes=31)).escalated == {task_id: [2]}  # township
    assert escalate_due(ctx, ack_by + timedelta(hours=5)).escalated == {task_id: [3]}  # county
    with runtime.sessions() as session:
        events = session.scalars(
            select(TaskEvent)
            .where(TaskEvent.task_id == task_id, TaskEvent.action == "escalate")
            .order_by(TaskEvent.id)
        ).all()
        roles = ("chief", "township_reviewer", "county_operator")
        assert [e.reason.split(":")[1].split("(")[1] for e in events] == [label("role", r) for r in roles]
        assert (
            "chief-T1V1" in events[0].reason and "rev-T1" in events[1].reason and "op-C" in events[2].reason
        )
        messages = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "task.escalated")).all()
        assert {m.recipient for m in messages if m.channel == "log"} == {"chief-T1V1", "rev-T1", "op-C"}
        assert all("逾期" in m.payload["text"] for m in messages)
    with transaction(runtime.sessions) as session:  # the inspector finally acknowledges
        user = session.scalars(select(User).where(User.username == "insp-T1V1")).one()
        task_actions.acknowledge(session, principal_for_user(session, user), task_id)
    with transaction(runtime.sessions) as session:  # the same-day verify deadline depends on the wall clock
        task = session.get_one(TaskRow, task_id)
        task.verify_by = verify_by = ack_by + timedelta(hours=6)
    late = verify_by + timedelta(minutes=1)
    assert escalate_due(ctx, late).escalated == {task_id: [1]}  # the verify stage starts at the chief again
    with runtime.sessions() as session:
        task = session.get_one(TaskRow, task_id)
        assert (task.escalation_stage, task.escalation_level) == ("verify", 1)


def test_camera_tasks_owe_on_site_and_verdicts_stop_escalation(runtime: Runtime, tmp_path: Path) -> None:
    small_world(runtime, tmp_path)
    task_id = new_task(runtime, "T1V2")
    with transaction(runtime.sessions) as session:
        task = session.get_one(TaskRow, task_id)
        task.on_site_by = task.created_at + timedelta(minutes=60)
        user = session.scalars(select(User).where(User.username == "insp-T1V2")).one()
        task_actions.acknowledge(session, principal_for_user(session, user), task_id)
        on_site_by = task.on_site_by
    assert escalate_due(runtime.ingest, on_site_by + timedelta(minutes=1)).escalated == {task_id: [1]}
    with runtime.sessions() as session:
        assert session.get_one(TaskRow, task_id).escalation_stage == "on_site"
    with transaction(runtime.sessions) as session:
        task = session.get_one(TaskRow, task_id)
        task.status, task.verdict = "confirmed", "confirmed"
    assert escalate_due(runtime.ingest, datetime(2030, 1, 1, tzinfo=UTC)).escalated == {}
