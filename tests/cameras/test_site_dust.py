"""A site camera's patrol: a dust plume and uncovered soil become dust events for the site's task."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import shapely
from sqlalchemy import select

from firegrid.cameras.config import CameraConfig, Preset, Region, StreamConfig
from firegrid.cli.demo import sample_users
from firegrid.detect.dust.plume import PlumeConfig
from firegrid.services.cameras import CameraContext, patrol, upsert_camera
from firegrid.services.grid import active_version
from firegrid.services.sites import compliance_report, upsert_site
from firegrid.sites.compliance import ComplianceRule
from firegrid.sites.registry import SiteRecord
from firegrid.store.db import transaction
from firegrid.store.tables import CameraEvent, CameraRow, DetectionRow, IncidentRow, TaskRow
from firegrid.worker.context import Runtime
from tests.detect.test_dust_camera import clear_views, plume_frames
from tests.sites.test_sites import NOW, XINZHOU, rectangle

YARD = [(0.0, 0.8), (0.25, 0.8), (0.25, 1.0), (0.0, 1.0)]


def write_video(path: Path, frames: list[np.ndarray]) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.mark.shared_data
def test_site_camera_patrol_raises_dust_events_for_the_site(
    grid_runtime: Runtime, shared_data: Path, tmp_path: Path
) -> None:
    frames = plume_frames(cv2.imread(str(sorted(clear_views(shared_data)["0"])[0])))
    h, w = frames[0].shape[:2]
    for frame in frames:  # an uncovered earth pile in the material yard
        frame[int(0.8 * h) :, : int(0.25 * w)] = (60, 105, 150)
    video = write_video(tmp_path / "site.avi", frames)
    with transaction(grid_runtime.sessions) as session:
        version = active_version(session)
        assert version is not None
        sample_users(session, version.id)
        record = SiteRecord(
            id="XZ-1",
            name="某工地",
            polygon=shapely.geometry.mapping(rectangle(*XINZHOU, 150, 100)),
            contact_phone="13900000009",
        )
        upsert_site(session, record)
        camera = CameraConfig(
            id="site-cam-1",
            lon=XINZHOU[0] - 0.001,
            lat=XINZHOU[1],
            site_id="XZ-1",
            stream=StreamConfig(kind="file", url=str(video), frames_per_visit=len(frames)),
            presets=[
                Preset(
                    name="yard",
                    pan_deg=90,
                    tilt_deg=0,
                    hfov_deg=60,
                    regions=[
                        Region(name="site", kind="earthwork", polygon=[(0, 0.55), (1, 0.55), (1, 1), (0, 1)]),
                        Region(name="yard", kind="material_yard", polygon=YARD),
                    ],
                )
            ],
            dust=PlumeConfig(dwell_min=0),
        )
        upsert_camera(session, camera)
    ctx = CameraContext(
        events=grid_runtime.cameras().events,
        models_dir=grid_runtime.settings.models_path(),
        default_model="smoke-fire",
        state_dir=tmp_path / "state",
    )
    report = patrol(ctx, "site-cam-1")
    assert report is not None and report.frames == len(frames)
    with grid_runtime.sessions() as session:
        events = session.scalars(select(CameraEvent).order_by(CameraEvent.id)).all()
        classes = sorted(e.class_name for e in events)
        assert classes == ["dust_plume", "uncovered_soil", "uncovered_soil"]  # plume in "site"; soil in both
        assert all(e.locate_method == "site" for e in events)
        detections = session.scalars(select(DetectionRow)).all()
        assert {d.hazard for d in detections} == {"dust"} and {d.site_id for d in detections} == {"XZ-1"}
        incidents = session.scalars(select(IncidentRow)).all()
        assert len(incidents) == 1 and incidents[0].hazard == "dust"  # one task for the site, with evidence
        assert session.scalars(select(TaskRow)).one().incident_id == incidents[0].id
        assert Path(events[0].frame_path or "").is_file()
        report_now = compliance_report(session, ComplianceRule(), NOW)
        site = next(c for c in report_now if c.site_id == "XZ-1")
        assert site.requirement == "required"
    with grid_runtime.sessions() as session:  # the plume stays one event while it lasts
        state = session.get_one(CameraRow, "site-cam-1").state["yard"]["dust"]
        assert state["dust:site"]["plume"]["ongoing"] is True
