"""Redis (append-only file on) restarts under a running worker: every job runs, none twice."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from firegrid.services.ingest import create_job
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow, IngestJob
from firegrid.worker.app import TaskQueue, create_celery
from firegrid.worker.context import Runtime
from tests import servers
from tests.reliability.helpers import (
    duplicate_dedup_keys,
    locked,
    prepared,
    require,
    settings_for,
    worker_env,
    workers,
)
from tests.worker.helpers import wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROWS = 4  # fire points per file
HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,"
    "satellite,confidence,version,bright_ti5,frp,daynight\n"
)


def _submit(rt: Runtime, queue: TaskQueue, folder: Path, n: int) -> int:
    """One small FIRMS file (points of its own) recorded as a job and queued."""
    lines = [
        f"{-30 + n * 0.05:.5f},{-60 + r * 0.05:.5f},330,0.4,0.4,2024-10-28,0536,N,n,2.0NRT,290,4,D\n"
        for r in range(ROWS)
    ]
    path = folder / f"points-{n}.csv"
    path.write_text(HEADER + "".join(lines))
    with transaction(rt.sessions) as session:
        job = create_job(session, path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    queue.ingest(job.id)
    return job.id


def _done(rt: Runtime) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).where(IngestJob.status == "done")) or 0


def test_queued_jobs_survive_a_redis_restart(tmp_path: Path, pg_database: str) -> None:
    require(servers.redis_binary(), "redis-server")
    with servers.running_redis(appendonly=True) as redis:
        settings = settings_for(tmp_path / "home", pg_database, f"{redis.url}/0")
        rt = prepared(settings, grid=False)
        queue = TaskQueue(create_celery(settings))
        before = [_submit(rt, queue, tmp_path, n) for n in range(40)]
        log = tmp_path / "worker.log"
        with workers(worker_env(settings), [log], "--concurrency=2") as (worker,):
            wait_for(lambda: _done(rt) >= 3, 90, "the first jobs")
            with locked(pg_database, "detections") as writer_waits:  # the next jobs wait mid-task
                wait_for(writer_waits, 30, "a job blocked on the detections table")
                redis.stop()  # clean shutdown; the queue is in the append-only file
                done_while_stopping = _done(rt)
                wait_for(lambda: b"Connection to broker lost" in log.read_bytes(), 30, "the worker to notice")
                redis.start()  # same port, same data directory
                after = [_submit(rt, queue, tmp_path, n) for n in range(40, 50)]  # the producer reconnects
            jobs = before + after
            wait_for(lambda: _done(rt) == len(jobs), 120, "every job after the restart")
            assert worker.poll() is None  # the same worker process reconnected
        assert 0 < done_while_stopping < len(before)  # the restart really happened mid-queue
        with rt.sessions() as session:
            rows = session.scalars(select(IngestJob).where(IngestJob.id.in_(jobs))).all()
            stored = session.scalar(select(func.count()).select_from(DetectionRow))
        assert len(rows) == len(jobs) and {r.status for r in rows} == {"done"}
        assert [r.attempts for r in rows] == [1] * len(jobs)  # none ran twice
        assert all(r.summary["new"] == ROWS and r.summary["duplicates"] == 0 for r in rows)
        assert stored == ROWS * len(jobs) and duplicate_dedup_keys(rt) == 0
        assert log.read_text().count("Connected to redis://") >= 2  # connected again after the restart
        rt.close()
