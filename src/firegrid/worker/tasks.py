"""Thin Celery tasks: ids in, ids out; each calls one service and is safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task, shared_task, signals
from sqlalchemy import select

from firegrid.cameras.evidence import prune
from firegrid.errors import FiregridError
from firegrid.logs import request_id
from firegrid.notify.delivery import claim_many, deliver, due_message_ids, release_stale_claims
from firegrid.services.cameras import due_cameras, patrol_safely
from firegrid.services.escalation import escalate_due
from firegrid.services.ingest import run_job
from firegrid.services.scenes import download_if_needed, fail_job, finish_job, plan_job, scan_job_window
from firegrid.services.sites import run_compliance
from firegrid.services.sources import due_sources, run_scheduled
from firegrid.services.tasks import mark_dispatched
from firegrid.store.db import transaction
from firegrid.store.tables import IngestJob, utcnow
from firegrid.worker.app import (
    CAMERAS_TICK_TASK,
    DELIVER_TASK,
    ESCALATE_TASK,
    FINISH_SCENE_TASK,
    INGEST_TASK,
    PATROL_TASK,
    PULL_TASK,
    SCENE_TASK,
    SITES_CHECK_TASK,
    SOURCES_TICK_TASK,
    SWEEP_TASK,
    WINDOW_TASK,
)
from firegrid.worker.context import Runtime, runtime_for

log = logging.getLogger(__name__)

DELIVER_BATCH = 50  # outbox messages per delivery task


@signals.task_prerun.connect
def _tag_logs(task_id: str | None = None, **_: Any) -> None:
    """Log records of a task carry its id (the worker's request id)."""
    request_id.set(task_id or "-")


def _runtime(task: Task) -> Runtime:
    return runtime_for(task.app.firegrid_settings)


@shared_task(name=INGEST_TASK, bind=True)
def ingest_job(self: Task, job_id: int) -> int:
    """Ingest one recorded file, then queue the notifications it created."""
    runtime = _runtime(self)
    run_job(runtime.ingest, job_id)
    queue_due_messages(self, runtime)
    return job_id


@shared_task(name=DELIVER_TASK, bind=True)
def deliver_message(self: Task, outbox_ids: int | list[int]) -> int:
    """Deliver outbox messages, each claimed and sent in transactions of its own (one already sent, or
    claimed elsewhere, is left alone; one that fails does not stop the others). Returns how many were sent."""
    runtime = _runtime(self)
    with transaction(runtime.sessions) as session:
        claimed = claim_many(session, [outbox_ids] if isinstance(outbox_ids, int) else outbox_ids)
    sent = 0
    for outbox_id in claimed:
        try:
            sent += _deliver_one(runtime, outbox_id)
        except Exception:  # a batch boundary: the message stays claimed until the sweep releases it
            log.exception("delivering outbox message %s failed", outbox_id)
    return sent


def _deliver_one(runtime: Runtime, outbox_id: int) -> bool:
    """Send one claimed message."""
    with transaction(runtime.sessions) as session:
        message = deliver(session, outbox_id, runtime.channels)
        if message is None or message.status != "sent":
            return False
        task_id = message.payload.get("task_id")
        if message.channel != "log" and task_id is not None and message.topic == "task.created":
            mark_dispatched(session, int(task_id))  # a person was told
    return True


@shared_task(name=SWEEP_TASK, bind=True)
def sweep(self: Task) -> dict[str, Any]:
    """Periodic: queue due notifications, release dead claims, requeue stale ingest jobs."""
    runtime = _runtime(self)
    stale_after = timedelta(minutes=runtime.settings.stale_job_min)
    with transaction(runtime.sessions) as session:
        released = release_stale_claims(session, stale_after)
        jobs = list(
            session.scalars(
                select(IngestJob.id).where(
                    IngestJob.status.in_(("queued", "running")), IngestJob.updated_at < utcnow() - stale_after
                )
            )
        )
        for job in session.scalars(select(IngestJob).where(IngestJob.id.in_(jobs))):
            job.updated_at = utcnow()
    for job_id in jobs:
        log.warning("requeueing stale ingest job %s", job_id)
        self.app.send_task(INGEST_TASK, args=[job_id])
    queued = queue_due_messages(self, runtime)
    pruned = prune(
        runtime.settings.evidence_dir / "cameras", runtime.settings.cameras.evidence_retention_days
    )
    return {"messages": queued, "released": released, "jobs": jobs, "evidence_pruned": pruned}


def queue_due_messages(task: Task, runtime: Runtime) -> int:
    """Send a delivery task for every due outbox message."""
    with transaction(runtime.sessions) as session:
        ids = due_message_ids(session)
    for start in range(0, len(ids), DELIVER_BATCH):  # a burst of 1,000 messages is 20 tasks, not 1,000
        task.app.send_task(DELIVER_TASK, args=[ids[start : start + DELIVER_BATCH]])
    return len(ids)


@shared_task(name=SCENE_TASK, bind=True)
def scene_job(self: Task, job_id: int) -> int:
    """Download the scene if it is a Sentinel Hub request, then queue one task per window."""
    runtime = _runtime(self)
    try:
        download_if_needed(runtime.scan, job_id)
        pending = plan_job(runtime.scan, job_id)
    except FiregridError as exc:  # a bad scene is a failed job, not a retried task
        fail_job(runtime.scan, job_id, str(exc))
        return job_id
    if not pending:  # every window was done by an earlier delivery
        self.app.send_task(FINISH_SCENE_TASK, args=[job_id])
    for index in pending:
        self.app.send_task(WINDOW_TASK, args=[job_id, index])
    return job_id


@shared_task(name=WINDOW_TASK, bind=True)
def scene_window(self: Task, job_id: int, index: int) -> int:
    """Scan one window; the last one to finish queues the clustering and ingest."""
    runtime = _runtime(self)
    if scan_job_window(runtime.scan, job_id, index):
        self.app.send_task(FINISH_SCENE_TASK, args=[job_id])
    return job_id


@shared_task(name=FINISH_SCENE_TASK, bind=True)
def scene_finish(self: Task, job_id: int) -> int:
    """Cluster fire pixels into points and ingest them (once per job)."""
    runtime = _runtime(self)
    finish_job(runtime.scan, job_id)
    queue_due_messages(self, runtime)
    return job_id


@shared_task(name=SOURCES_TICK_TASK, bind=True)
def sources_tick(self: Task) -> list[str]:
    """Periodic: queue a pull for every source that is due."""
    runtime = _runtime(self)
    with runtime.sessions() as session:
        names = due_sources(session, utcnow(), runtime.settings)
    for name in names:
        self.app.send_task(PULL_TASK, args=[name])
    return names


@shared_task(name=PULL_TASK, bind=True)
def pull_source(self: Task, name: str) -> str:
    """Run one source (once at a time); failures are recorded in its health, not retried here."""
    runtime = _runtime(self)
    ctx = runtime.sources(lambda job_id: self.app.send_task(SCENE_TASK, args=[job_id]))
    try:
        run_scheduled(ctx, name)
    except FiregridError as exc:
        log.warning("source %s failed: %s", name, exc)
    queue_due_messages(self, runtime)
    return name


@shared_task(name=CAMERAS_TICK_TASK, bind=True)
def cameras_tick(self: Task) -> list[str]:
    """Periodic: queue a patrol for every camera that is due (patrols spread over the workers)."""
    runtime = _runtime(self)
    with runtime.sessions() as session:
        ids = due_cameras(session, utcnow())
    for camera_id in ids:
        self.app.send_task(PATROL_TASK, args=[camera_id])
    return ids


@shared_task(name=PATROL_TASK, bind=True)
def patrol_camera(self: Task, camera_id: str) -> str:
    """Patrol one camera once; failures go to its health (a dead stream never stops the others).

    A redelivered patrol (its worker died mid-patrol) takes the camera's claim over at once.
    """
    runtime = _runtime(self)
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    patrol_safely(runtime.cameras(), camera_id, takeover=redelivered)
    queue_due_messages(self, runtime)
    return camera_id


@shared_task(name=SITES_CHECK_TASK, bind=True)
def sites_check(self: Task) -> list[int]:
    """Periodic: the construction-site video rule; a task per new violation (deduplicated)."""
    runtime = _runtime(self)
    run = run_compliance(runtime.ingest, runtime.settings.sites, utcnow())
    queue_due_messages(self, runtime)
    return run.opened


@shared_task(name=ESCALATE_TASK, bind=True)
def escalate(self: Task) -> dict[int, list[int]]:
    """Periodic: notify up the grid tree for every missed deadline (once per task, stage, level)."""
    runtime = _runtime(self)
    run = escalate_due(runtime.ingest, utcnow())
    if run.escalated:
        queue_due_messages(self, runtime)
    return run.escalated
