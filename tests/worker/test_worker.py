"""Real Celery workers (subprocesses) on the embedded SQLite broker and on Redis."""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from firegrid import sample
from firegrid.cli.demo import sample_users
from firegrid.config import Settings
from firegrid.notify.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from firegrid.services.grid import active_version, import_grid
from firegrid.services.heat_sources import import_heat_sources
from firegrid.services.ingest import create_job
from firegrid.store.db import migrate, transaction
from firegrid.store.tables import DetectionRow, IngestJob, OutboxMessage, TaskRow
from firegrid.worker.app import TaskQueue, create_celery
from firegrid.worker.context import Runtime, build_runtime
from tests.worker.helpers import Receiver, children_of, wait_for, worker_process

pytestmark = pytest.mark.slow


def _prepared(settings: Settings) -> Runtime:
    rt = build_runtime(settings)
    migrate(rt.engine)
    with transaction(rt.sessions) as session:
        version, _ = import_grid(session, sample.path(sample.GRID))
        sample_users(session, version.id)
        import_heat_sources(session, sample.path(sample.HEAT_SOURCES), registry="sample")
        assert active_version(session) is not None
    return rt


def _submit(rt: Runtime, settings: Settings, path: Path) -> int:
    with transaction(rt.sessions) as session:
        job = create_job(session, path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    TaskQueue(create_celery(settings)).ingest(job.id)
    return job.id


def _job(rt: Runtime, job_id: int) -> IngestJob:
    with rt.sessions() as session:
        return session.get_one(IngestJob, job_id)


def test_embedded_worker_ingests_and_delivers_signed_webhooks(tmp_path: Path) -> None:
    with Receiver(fail_first=2) as hook:
        env = {
            "FIREGRID_HOME": str(tmp_path / "home"),
            "FIREGRID_WEBHOOK__URL": hook.url,
            "FIREGRID_WEBHOOK__SECRET": "s3cret",
            "FIREGRID_OUTBOX_SWEEP_S": "1",
        }
        settings = Settings(home=tmp_path / "home", _env_file=None)  # type: ignore[call-arg]
        rt = _prepared(settings)
        with worker_process(env, tmp_path / "worker.log", "--beat", "--pool=solo"):
            job_id = _submit(rt, settings, sample.path(sample.FIRE_POINTS))
            wait_for(lambda: _job(rt, job_id).status == "done", 60, "ingest job")
            assert _job(rt, job_id).summary["tasks_new"] == 13

            def all_sent() -> bool:
                with rt.sessions() as session:
                    pending = session.scalar(select(func.count()).where(OutboxMessage.status != "sent"))
                    return (
                        session.scalar(select(func.count()).select_from(OutboxMessage)) == 26 and not pending
                    )

            # two 503s first: the backoff is long, so the periodic sweep must not be what we wait for
            with transaction(rt.sessions) as session:
                session.execute(OutboxMessage.__table__.update().values(next_attempt_at=func.now()))
            wait_for(all_sent, 90, "webhook deliveries")
        with rt.sessions() as session:
            statuses = set(session.scalars(select(TaskRow.status)))
        assert statuses == {"dispatched"}
        keys = [r["json"]["idempotency_key"] for r in hook.requests]
        assert len(keys) == len(set(keys)) == 13  # each task once, despite the retries
        first = hook.requests[0]
        expected = sign(b"s3cret", first["headers"][TIMESTAMP_HEADER], first["body"])
        assert first["headers"][SIGNATURE_HEADER] == expected
        assert first["json"]["type"] == "task.created" and first["json"]["assignees"]
        rt.close()


def _big_csv(path: Path, rows: int) -> Path:
    header = (
        "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,"
        "satellite,confidence,version,bright_ti5,frp,daynight\n"
    )
    lines = [
        f"{-30 + (i % 600) * 0.05:.5f},{-60 + (i // 600) * 0.05:.5f},"
        "330,0.4,0.4,2024-10-28,0536,N,n,2.0NRT,290,4,D\n"
        for i in range(rows)
    ]
    path.write_text(header + "".join(lines))
    return path


def test_killed_worker_child_is_redelivered_without_duplicates(tmp_path: Path, redis_url: str) -> None:
    env = {"FIREGRID_HOME": str(tmp_path / "home"), "FIREGRID_BROKER_URL": f"{redis_url}/3"}
    settings = Settings(home=tmp_path / "home", broker_url=f"{redis_url}/3", _env_file=None)  # type: ignore[call-arg]
    rt = build_runtime(settings)
    migrate(rt.engine)
    rows = 60_000
    path = _big_csv(tmp_path / "big.csv", rows)
    with worker_process(env, tmp_path / "worker.log", "--concurrency=1") as worker:
        job_id = _submit(rt, settings, path)
        wait_for(lambda: _job(rt, job_id).status == "running", 60, "job to start")
        child = wait_for(lambda: children_of(worker.pid), 10, "pool child")
        for pid in child:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: _job(rt, job_id).status == "done", 120, "redelivered job")
    job = _job(rt, job_id)
    assert job.attempts == 2
    assert job.summary["new"] == rows and job.summary["duplicates"] == 0
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DetectionRow)) == rows
        distinct = session.scalar(select(func.count(func.distinct(DetectionRow.dedup_key))))
        assert distinct == rows
    assert "WorkerLostError" in (tmp_path / "worker.log").read_text()
    rt.close()


def test_scene_jobs_run_through_the_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder scene and a Sentinel Hub request (fake server), each split into windows by the worker."""
    from firegrid.services.scenes import create_scene_job
    from firegrid.store.tables import SceneJob
    from tests.imagery.fake_sentinelhub import FakeSentinelHub
    from tests.services.test_scenes import xinzhou_scene

    with FakeSentinelHub() as fake:
        env = {
            "FIREGRID_HOME": str(tmp_path / "home"),
            "FIREGRID_SCAN__WINDOW_SIZE": "64",
            "OAUTHLIB_INSECURE_TRANSPORT": "1",
            "FIREGRID_SENTINELHUB__CLIENT_ID": "id",
            "FIREGRID_SENTINELHUB__CLIENT_SECRET": "secret",
            "FIREGRID_SENTINELHUB__BASE_URL": fake.url,
            "FIREGRID_SENTINELHUB__TOKEN_URL": f"{fake.url}/oauth/token",
        }
        settings = Settings(home=tmp_path / "home", _env_file=None)  # type: ignore[call-arg]
        rt = _prepared(settings)
        folder = xinzhou_scene(settings.scenes_dir / "synthetic")
        request = {
            "collection": "sentinel-2-l1c",
            "bbox": [112.50, 38.50, 112.56, 38.55],
            "start": "2024-10-28T00:00:00+00:00",
            "end": "2024-10-30T00:00:00+00:00",
            "max_cloud": 30.0,
        }
        with transaction(rt.sessions) as session:
            jobs = [
                create_scene_job(session, str(folder)).id,
                create_scene_job(session, str(settings.scenes_dir / "sh"), request=request).id,
                create_scene_job(session, str(settings.scenes_dir / "missing")).id,
            ]
        queue = TaskQueue(create_celery(settings))
        with worker_process(env, tmp_path / "worker.log", "--pool=solo"):
            for job_id in jobs:
                queue.scene(job_id)

            def finished() -> bool:
                with rt.sessions() as session:
                    return all(session.get_one(SceneJob, j).status in ("done", "failed") for j in jobs)

            wait_for(finished, 120, "scene jobs")
        with rt.sessions() as session:
            folder_job, sh_job, bad_job = (session.get_one(SceneJob, j) for j in jobs)
        assert folder_job.status == "done" and folder_job.windows_total == 16
        assert folder_job.summary["fire_pixels"] > 0 and folder_job.summary["ingest"]["new"] > 0
        assert sh_job.status == "done" and sh_job.scene_id.startswith("S2B_")
        assert len(sh_job.summary["fire_points"]) == 1 and sh_job.summary["ingest"]["new"] == 1
        assert bad_job.status == "failed" and "no such scene" in (bad_job.error or "")
        rt.close()


@pytest.mark.shared_data
def test_worker_patrols_cameras_on_schedule(tmp_path: Path, shared_data: Path) -> None:
    """The beat's camera tick queues patrols; a dead camera does not stop the other one."""
    from firegrid.cameras.config import CameraConfig
    from firegrid.services.cameras import upsert_camera
    from firegrid.store.tables import CameraRow

    home = tmp_path / "home"
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    rt = build_runtime(settings)
    migrate(rt.engine)
    clip = shared_data / "camera" / "video" / "house6.mp4"
    preset = [{"name": "v", "pan_deg": 90, "tilt_deg": -2, "hfov_deg": 40}]
    with transaction(rt.sessions) as session:
        for camera_id, url in (("clip", str(clip)), ("dead", str(tmp_path / "none.mp4"))):
            upsert_camera(
                session,
                CameraConfig.model_validate(
                    {
                        "id": camera_id,
                        "lon": 112.6,
                        "lat": 38.45,
                        "patrol_interval_s": 1,
                        "presets": preset,
                        "stream": {"kind": "file", "url": url, "frames_per_visit": 2},
                    }
                ),
            )
    env = {"FIREGRID_HOME": str(home), "FIREGRID_CAMERAS__TICK_S": "1"}
    with worker_process(env, tmp_path / "worker.log", "--beat", "--pool=solo"):

        def patrolled() -> bool:
            with rt.sessions() as session:
                rows = {r.id: r for r in session.scalars(select(CameraRow))}
            return rows["clip"].patrols >= 2 and rows["dead"].patrols >= 1

        wait_for(patrolled, 60, "scheduled patrols")
    with rt.sessions() as session:
        rows = {r.id: r for r in session.scalars(select(CameraRow))}
    assert rows["clip"].online and rows["clip"].state["v"]["position"] >= 4
    assert not rows["dead"].online and "does not exist" in (rows["dead"].last_error or "")
    rt.close()
