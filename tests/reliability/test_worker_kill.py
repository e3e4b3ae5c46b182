"""SIGKILL a worker's pool child mid-job (PostgreSQL + Redis + real workers): the job is redelivered
and finishes exactly once, with what an undisturbed run produces.

The kills land at known points, not by timing: the child is blocked on a table lock the test holds
(storing a window, ingesting fire points) or on a PTZ call that hangs (between two presets)."""

from __future__ import annotations

import json
import os
import re
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from firegrid.cameras.config import CameraConfig
from firegrid.services.cameras import upsert_camera
from firegrid.services.scenes import create_scene_job, plan_job, run_scene_job
from firegrid.store.db import transaction
from firegrid.store.tables import (
    CameraEvent,
    CameraRow,
    DetectionRow,
    IncidentRow,
    SceneJob,
    TaskRow,
)
from firegrid.worker.app import PATROL_TASK, TaskQueue, create_celery
from firegrid.worker.context import Runtime
from tests.imagery.helpers import synthetic_landsat, write_band
from tests.reliability.helpers import (
    duplicate_dedup_keys,
    fire_video,
    locked,
    prepared,
    settings_for,
    worker_env,
    workers,
)
from tests.servers import create_database
from tests.worker.helpers import Receiver, children_of, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

SIZE, WINDOW = 768, 128  # 36 windows
FIRES = [(20 + (k * 97) % (SIZE - 40), 20 + (k * 53) % (SIZE - 40)) for k in range(16)]


def _scene(folder: Path) -> Path:
    """A synthetic Landsat scene (UTM 49N, 30 m) centred on village 140902001001 of the sample grid."""
    for name, data in synthetic_landsat((SIZE, SIZE), FIRES).items():
        write_band(folder / f"{name}.tif", data, x0=625_520 - SIZE * 15, y0=4_277_407 + SIZE * 15)
    (folder / "scene.json").write_text(
        '{"scene_id": "LC09_KILL", "platform": "Landsat-9", "acquired_at": "2024-10-28T03:05:00+00:00",'
        ' "reflectance": "uncorrected"}'
    )
    return folder


def _outcome(rt: Runtime) -> dict[str, Any]:
    with rt.sessions() as session:
        tasks_per_incident = session.scalars(
            select(func.count()).select_from(TaskRow).group_by(TaskRow.incident_id)
        )
        return {
            "detections": session.scalar(select(func.count()).select_from(DetectionRow)),
            "incidents": session.scalar(select(func.count()).select_from(IncidentRow)),
            "tasks": session.scalar(select(func.count()).select_from(TaskRow)),
            "keys": sorted(session.scalars(select(DetectionRow.dedup_key))),
            "tasks_per_incident": set(tasks_per_incident),
        }


def _running(log: Path, task: str) -> set[str]:
    """Ids of ``task`` the worker received and did not finish (per its log)."""
    text = log.read_text()
    received = set(re.findall(rf"{task}\[([-\w]+)\] received", text))
    return received - set(re.findall(rf"{task}\[([-\w]+)\] succeeded", text))


def _kill_child(worker_pid: int, log: Path, deaths: int) -> None:
    """SIGKILL the worker's pool child; wait until the worker reports the task it held as lost."""
    for pid in children_of(worker_pid):
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: log.read_text().count("WorkerLostError") >= deaths, 30, "the lost task")


def test_scene_job_survives_killed_worker_children(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    """One kill while a window is being stored, one while the fire points are being ingested."""
    folder = _scene(tmp_path / "scene")
    scan = {"window_size": WINDOW, "roots": [str(tmp_path)]}  # the scene folder is a data root
    ref = prepared(
        settings_for(
            tmp_path / "ref", create_database(postgres_url, f"ref_{uuid.uuid4().hex[:8]}"), scan=scan
        )
    )
    with transaction(ref.sessions) as session:
        ref_job = create_scene_job(session, str(folder)).id
    expected_summary = run_scene_job(ref.scan, ref_job)  # undisturbed, in this process
    expected = _outcome(ref)
    ref.close()
    assert expected["tasks"] > 0 and expected["incidents"] > 0

    db = create_database(postgres_url, f"kill_{uuid.uuid4().hex[:8]}")
    settings = settings_for(tmp_path / "home", db, f"{redis_url}/7", scan=scan)
    rt = prepared(settings)
    roots = json.dumps([str(tmp_path)])  # the scene folder is a data root for the worker too
    env = worker_env(settings, FIREGRID_SCAN__WINDOW_SIZE=str(WINDOW), FIREGRID_SCAN__ROOTS=roots)
    log = tmp_path / "worker.log"
    with workers(env, [log], "--concurrency=1") as (worker,):
        with transaction(rt.sessions) as session:
            job_id = create_scene_job(session, str(folder)).id
        plan_job(
            rt.scan, job_id
        )  # windows recorded (as by an earlier delivery): the job task only reads them
        with locked(db, "detections") as ingest_waiting:
            with locked(db, "scene_windows") as window_waiting:
                TaskQueue(create_celery(settings)).scene(job_id)
                wait_for(window_waiting, 60, "a window task to block storing its result")
                assert _running(log, "scene_window")
                _kill_child(worker.pid, log, 1)
            wait_for(ingest_waiting, 120, "the finish task to block ingesting")  # the windows went on
            assert _running(log, "scene_finish")
            _kill_child(worker.pid, log, 2)

        def status() -> str:
            with rt.sessions() as session:
                return session.get_one(SceneJob, job_id).status

        wait_for(lambda: status() == "done", 120, "the job after the kills")
    with rt.sessions() as session:
        finished = session.get_one(SceneJob, job_id)
    assert finished.windows_total == (SIZE // WINDOW) ** 2
    assert finished.summary["fire_pixels"] == expected_summary["fire_pixels"]
    assert finished.summary["ingest"]["new"] == expected_summary["ingest"]["new"]  # ingested once
    assert _outcome(rt) == expected  # same detections, incidents and tasks as the undisturbed run
    assert duplicate_dedup_keys(rt) == 0 and expected["tasks_per_incident"] == {1}
    rt.close()


def test_camera_patrol_survives_a_killed_worker_child(
    tmp_path: Path, pg_database: str, redis_url: str
) -> None:
    clip = fire_video(tmp_path / "fire.mp4", frames=100)
    settings = settings_for(tmp_path / "home", pg_database, f"{redis_url}/8")
    rt = prepared(settings, grid=False)
    log = tmp_path / "worker.log"
    with (
        Receiver(hold="/hook/b") as ptz,
        workers(worker_env(settings), [log], "--concurrency=1") as (worker,),
    ):
        presets = [
            {"name": name, "pan_deg": pan, "tilt_deg": -2, "hfov_deg": 40}
            for name, pan in (("a", 0), ("b", 90))
        ]
        config = {
            "id": "tower",
            "type": "ptz",
            "lon": 112.6,
            "lat": 38.45,
            "presets": presets,
            "stream": {"kind": "file", "url": str(clip), "frames_per_visit": 20},
            "ptz": {"goto_url": ptz.url + "/{preset_id}", "method": "POST", "settle_s": 1.5},
        }
        with transaction(rt.sessions) as session:
            upsert_camera(session, CameraConfig.model_validate(config))
        create_celery(settings).send_task(PATROL_TASK, args=["tower"])

        def events() -> list[CameraEvent]:
            with rt.sessions() as session:
                return list(session.scalars(select(CameraEvent).order_by(CameraEvent.id)))

        def camera() -> CameraRow:
            with rt.sessions() as session:
                return session.get_one(CameraRow, "tower")

        # preset a's event is made and kept in the camera's state; the patrol goes on to b, whose PTZ
        # call hangs: kill it there
        wait_for(ptz.held.is_set, 60, "the patrol to reach preset b")
        assert camera().state["a"]["window"]["event_id"] and [e.preset for e in events()] == ["a"]
        _kill_child(worker.pid, log, 1)
        ptz.release.set()
        wait_for(lambda: camera().patrols == 1 and camera().patrolling_since is None, 60, "the redone patrol")
        visited = [r["path"] for r in ptz.requests]
    assert visited.count("/hook/a") == 2 and visited[-2:] == ["/hook/a", "/hook/b"]  # redone from the start
    assert [e.preset for e in events()] == ["a", "b"]  # preset a's event is not made twice
    with rt.sessions() as session:
        detections = list(session.scalars(select(DetectionRow).where(DetectionRow.source_kind == "camera")))
    assert sorted(d.attrs["event_id"] for d in detections) == [e.id for e in events()]
    assert duplicate_dedup_keys(rt) == 0 and camera().online and camera().last_error is None
    rt.close()
