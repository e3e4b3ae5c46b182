"""One incident per fire across satellite, camera and drone; two fires stay two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import shapely
from sqlalchemy import select

from firegrid import geo
from firegrid.cameras.triangulate import Ray, triangulate
from firegrid.detect.detections import Detections
from firegrid.i18n import label
from firegrid.incidents.footprints import camera_footprint
from firegrid.services.incident_changes import undo_change
from firegrid.services.ingest import ingest_detections
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow, IncidentChange, IncidentRow, TaskEvent, TaskRow
from firegrid.worker.context import Runtime
from tests.ops.helpers import small_world

FIRE = (112.0050, 38.0050)  # in village T1V1 of the small grid
T0 = datetime(2026, 6, 20, 5, 30, tzinfo=UTC)


def satellite(lon: float, lat: float, when: datetime) -> Detections:
    return Detections.from_columns(
        lon=[lon],
        lat=[lat],
        observed_at=[when],
        source_kind="satellite_product",
        sensor="VIIRS",
        platform="N20",
        confidence=[0.6],
        scan_m=[390.0],
        track_m=[370.0],
        footprint_m=[380.0],
        daynight="D",
    )


def camera(
    camera_lon: float,
    camera_lat: float,
    target: tuple[float, float],
    when: datetime,
    fix: tuple[float, float, float] | None = None,
    name: str = "camA",
) -> Detections:
    """A confirmed camera sighting: its bearing cone, or a triangulated fix (lon, lat, uncertainty)."""
    azimuth, _, distance = geo.GEOD.inv(camera_lon, camera_lat, *target)
    method = "triangulated" if fix else "flat"
    lon, lat, uncertainty = (
        fix if fix else (target[0], target[1], 0.5 * distance)
    )  # range from a low tower: poor
    cone = camera_footprint(
        camera_lon, camera_lat, azimuth % 360, 0.5, distance, uncertainty, method, lon, lat
    )
    return Detections.from_columns(
        lon=[lon],
        lat=[lat],
        observed_at=[when],
        source_kind="camera",
        sensor="camera",
        platform=name,
        confidence=[0.7],
        footprint_m=[uncertainty],
        attrs=[
            {
                "locate_method": method,
                "azimuth_deg": azimuth % 360,
                "footprint": shapely.geometry.mapping(cone),
            }
        ],
    )


def drone(lon: float, lat: float, when: datetime) -> Detections:
    box = shapely.box(lon - 0.0002, lat - 0.00015, lon + 0.0002, lat + 0.00015)
    return Detections.from_columns(
        lon=[lon],
        lat=[lat],
        observed_at=[when],
        source_kind="drone",
        sensor="drone",
        platform="M30T",
        confidence=[0.8],
        footprint_m=[10.0],
        attrs=[{"footprint": shapely.geometry.mapping(box)}],
    )


def test_satellite_camera_and_drone_of_one_fire_are_one_incident(runtime: Runtime, tmp_path: Path) -> None:
    small_world(runtime, tmp_path)
    ctx = runtime.ingest
    pixel = (FIRE[0] + 0.0012, FIRE[1] - 0.0010)  # the VIIRS pixel centre is ~150 m off
    first = ingest_detections(ctx, satellite(*pixel, T0), label="viirs")
    assert first.tasks_new == 1
    cam = geo.GEOD.fwd(*FIRE, 250, 3000)[:2]  # a tower 3 km west-south-west
    seen = ingest_detections(
        ctx,
        camera(cam[0], cam[1], (FIRE[0] - 0.003, FIRE[1] - 0.001), T0 + timedelta(minutes=4)),
        label="cam",
    )
    assert seen.incidents_new == 0 and seen.tasks_new == 0  # its cone crosses the pixel: same fire
    flown = ingest_detections(ctx, drone(*FIRE, T0 + timedelta(minutes=40)), label="drone")
    assert flown.incidents_new == 0 and flown.tasks_new == 0
    with runtime.sessions() as session:
        incident = session.scalars(select(IncidentRow)).one()
        assert incident.source_kinds == "camera,drone,satellite_product"
        assert (incident.lon, incident.lat) == FIRE  # the drone's location wins
        assert incident.confidence == round(1 - 0.4 * 0.3 * 0.2, 4)
        task = session.scalars(select(TaskRow)).one()
        updates = session.scalars(
            select(TaskEvent).where(TaskEvent.task_id == task.id, TaskEvent.action == "update")
        ).all()
        assert len(updates) == 2 and label("source_kind", "drone") in updates[-1].reason  # 新证据: 无人机


def test_two_fires_on_one_line_of_sight_separate_after_triangulation(
    runtime: Runtime, tmp_path: Path
) -> None:
    small_world(runtime, tmp_path)
    ctx = runtime.ingest
    cam_a = geo.GEOD.fwd(*FIRE, 270, 4000)[:2]  # fire 1 and fire 2 lie on camera A's bearing, 1.5 km apart
    fire2 = geo.GEOD.fwd(*FIRE, 90, 1500)[:2]
    ingest_detections(ctx, camera(*cam_a, FIRE, T0, name="camA"), label="a1")
    ingest_detections(ctx, camera(*cam_a, fire2, T0 + timedelta(minutes=2), name="camA"), label="a2")
    with runtime.sessions() as session:
        assert len(session.scalars(select(IncidentRow)).all()) == 1  # one camera cannot tell them apart
    cam_b = geo.GEOD.fwd(*FIRE, 0, 3500)[:2]  # a second tower to the north
    for k, target in enumerate((FIRE, fire2)):
        rays = [
            Ray(*cam_a, geo.GEOD.inv(*cam_a, *target)[0] % 360),
            Ray(*cam_b, geo.GEOD.inv(*cam_b, *target)[0] % 360),
        ]
        fix = triangulate(rays)
        assert fix is not None
        ingest_detections(
            ctx,
            camera(
                *cam_b, target, T0 + timedelta(minutes=5 + k), (fix.lon, fix.lat, fix.uncertainty_m), "camB"
            ),
            label=f"b{k}",
        )
    with runtime.sessions() as session:
        incidents = session.scalars(
            select(IncidentRow).where(IncidentRow.status == "open").order_by(IncidentRow.id)
        ).all()
        assert len(incidents) == 2
        d = geo.distance_m(incidents[0].lon, incidents[0].lat, incidents[1].lon, incidents[1].lat)
        assert 1400 < float(d) < 1600
        assert len(session.scalars(select(TaskRow)).all()) == 2
        change = session.scalars(select(IncidentChange).where(IncidentChange.kind == "split")).one()
        assert change.actor == "firegrid"
    with transaction(runtime.sessions) as session:  # reversible
        undo_change(session, change.id, "rev-T1")
    with runtime.sessions() as session:
        open_ = session.scalars(select(IncidentRow).where(IncidentRow.status == "open")).all()
        assert len(open_) == 1 and open_[0].n_detections == 4


def test_merging_two_open_incidents_is_audited_and_undoable(runtime: Runtime, tmp_path: Path) -> None:
    small_world(runtime, tmp_path)
    ctx = runtime.ingest
    west, east = (FIRE[0] - 0.006, FIRE[1]), (FIRE[0] + 0.006, FIRE[1])  # ~1 km apart: two incidents
    ingest_detections(ctx, satellite(*west, T0), label="w")
    ingest_detections(ctx, satellite(*east, T0 + timedelta(minutes=1)), label="e")
    with runtime.sessions() as session:
        assert len(session.scalars(select(IncidentRow)).all()) == 2
    big = Detections.from_columns(  # a MODIS 1 km pixel covering both
        lon=[FIRE[0]],
        lat=[FIRE[1]],
        observed_at=[T0 + timedelta(minutes=30)],
        source_kind="satellite_product",
        sensor="MODIS",
        platform="Terra",
        confidence=[0.5],
        scan_m=[1400.0],
        track_m=[1100.0],
        footprint_m=[1250.0],
    )
    ingest_detections(ctx, big, label="modis")
    with runtime.sessions() as session:
        merged = session.scalars(select(IncidentChange).where(IncidentChange.kind == "merge")).one()
        gone = session.get_one(IncidentRow, merged.other_id)
        assert gone.status == "merged" and gone.merged_into_id == merged.incident_id
        closed = session.scalars(select(TaskRow).where(TaskRow.incident_id == gone.id)).one()
        assert closed.status == "closed" and closed.merged_into_id is not None
    with transaction(runtime.sessions) as session:
        undo_change(session, merged.id, "op-C")
    with runtime.sessions() as session:
        back = session.get_one(IncidentRow, merged.other_id)
        assert back.status == "open" and back.n_detections == 1
        task = session.scalars(select(TaskRow).where(TaskRow.incident_id == back.id)).one()
        assert task.status == "new"
        kinds = {d.source_kind for d in session.scalars(select(DetectionRow))}
        assert kinds == {"satellite_product"}
