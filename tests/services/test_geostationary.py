"""End to end: Himawari-9 segment files written here → one slot → one incident → a task for the right
village of the Xinzhou sample grid; the same fire every 10 minutes stays one incident; a later VIIRS
point narrows the location; a pixel holding a power plant is suppressed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from firegrid import geo, sample
from firegrid.grid.routing import METHOD_NAMES
from firegrid.services.geostationary import process_slot
from firegrid.services.ingest import ingest_detections
from firegrid.store.tables import DetectionRow, IncidentRow, TaskEvent, TaskRow
from firegrid.vector import read_vector
from firegrid.worker.context import Runtime
from tests.imagery import geo_files
from tests.incidents.test_fusion import satellite  # a NOAA-20 VIIRS point

T0 = datetime(2025, 10, 24, 8, 0, tzinfo=UTC)  # 16:00 in Shanxi: straw burning hour
TARGET = (112.62, 38.58)  # farmland south-west of Xinzhou city


def pixel_centre(lon: float, lat: float) -> tuple[float, float]:
    """Where a geostationary detection of a fire at (lon, lat) is placed: its B07 pixel's centre."""
    segment, row, col = geo_files.ahi_pixel("B07", lon, lat)
    plon, plat = geo_files.ahi_segment_area("B07", segment).get_lonlat(row, col)
    return float(plon), float(plat)


def village_at(runtime: Runtime, lon: float, lat: float) -> str:
    with runtime.sessions() as session:
        grid = runtime.grids.get(session)
    assert grid is not None
    routes = grid.index.route(np.array([lon]), np.array([lat]))
    code = str(grid.index.codes[int(routes.cell[0])])
    assert len(code) == 12 and METHOD_NAMES[int(routes.method[0])] == "inside"  # the village holding it
    return code


def slot(folder: Path, when: datetime, fires: list[tuple[float, float, float]]) -> list[Path]:
    out = folder / f"{when:%H%M}"
    out.mkdir(parents=True, exist_ok=True)
    return geo_files.ahi_slot(out, when, [2], fires, bands=("B07", "B14"), seed=int(when.timestamp()))


@pytest.fixture
def geo_runtime(grid_runtime: Runtime) -> Runtime:
    grid_runtime.settings.geostationary.bbox = (111.9, 38.1, 113.3, 39.1)
    return grid_runtime


def test_a_slot_becomes_one_incident_and_a_task_for_the_right_village(
    geo_runtime: Runtime, tmp_path: Path
) -> None:
    centre = pixel_centre(*TARGET)
    village = village_at(geo_runtime, *centre)
    report = process_slot(geo_runtime.geostationary, slot(tmp_path, T0, [(*TARGET, 25.0)]))
    assert report.detection["fire_pixels"] == 1 and report.detection["by_method"] == {"contextual": 1}
    assert report.summary.new == 1 and report.summary.incidents_new == 1 and report.summary.tasks_new == 1
    assert set(report.seconds) == {"read", "detect", "ingest"}
    with geo_runtime.sessions() as session:
        det = session.scalars(select(DetectionRow)).one()
        task = session.scalars(select(TaskRow)).one()
    assert det.source_kind == "satellite_geo" and det.sensor == "AHI" and det.platform == "Himawari-9"
    assert geo.distance_m(det.lon, det.lat, *centre) < 50
    assert 2000 < (det.footprint_m or 0) < 3500 and (det.frp or 0) > 10
    assert task.cell_code == village and task.source_kind == "satellite_geo"
    # a live fire: acknowledge within 15 minutes, on site within the hour
    assert task.acknowledge_by - task.created_at == timedelta(minutes=15)
    assert task.on_site_by is not None and task.on_site_by - task.created_at == timedelta(minutes=60)
    again = process_slot(geo_runtime.geostationary, slot(tmp_path / "again", T0, [(*TARGET, 25.0)]))
    assert again.summary.new == 0 and again.summary.duplicates == 1  # a replayed slot adds nothing


def test_the_same_fire_every_ten_minutes_stays_one_incident_then_viirs_narrows_it(
    geo_runtime: Runtime, tmp_path: Path
) -> None:
    times = [T0 + timedelta(minutes=10 * i) for i in range(3)]
    for when in times:
        process_slot(geo_runtime.geostationary, slot(tmp_path, when, [(*TARGET, 20.0)]))
    with geo_runtime.sessions() as session:
        incident = session.scalars(select(IncidentRow)).one()
        assert incident.n_detections == 3 and len(session.scalars(select(TaskRow)).all()) == 1
        assert (incident.first_seen, incident.last_seen) == (times[0], times[-1])
        geo_lon, geo_lat = incident.lon, incident.lat
    viirs = satellite(*TARGET, times[-1] + timedelta(minutes=25))
    summary = ingest_detections(geo_runtime.ingest, viirs, label="viirs")
    assert summary.incidents_new == 0 and summary.tasks_new == 0
    with geo_runtime.sessions() as session:
        incident = session.scalars(select(IncidentRow)).one()
        assert incident.source_kinds == "satellite_geo,satellite_product" and incident.n_detections == 4
        assert geo.distance_m(incident.lon, incident.lat, *TARGET) < 1.0  # the VIIRS pixel places it
        assert geo.distance_m(geo_lon, geo_lat, *TARGET) > 100


def test_a_geostationary_pixel_holding_a_power_plant_is_suppressed(
    geo_runtime: Runtime, tmp_path: Path
) -> None:
    plants = read_vector(sample.path(sample.HEAT_SOURCES))
    points = [f.geometry for f in plants.features if f.geometry is not None]
    xinzhou = [g for g in points if 111.9 < g.x < 113.3 and 38.1 < g.y < 39.1]
    assert xinzhou, "the sample registry has a plant in the area"
    plant = xinzhou[0]
    report = process_slot(geo_runtime.geostationary, slot(tmp_path, T0, [(plant.x, plant.y, 25.0)]))
    assert report.summary.new == 1 and report.summary.suppressed == 1 and report.summary.tasks_new == 0
    with geo_runtime.sessions() as session:
        det = session.scalars(select(DetectionRow)).one()
    assert det.status == "suppressed" and "heat source" in (det.suppression_reason or "")


def test_a_geostationary_pixel_of_a_reported_fire_brings_the_task_deadlines_forward(
    geo_runtime: Runtime, tmp_path: Path
) -> None:
    viirs = satellite(*TARGET, T0 - timedelta(minutes=30))
    assert ingest_detections(geo_runtime.ingest, viirs, label="viirs").tasks_new == 1
    with geo_runtime.sessions() as session:
        before = session.scalars(select(TaskRow)).one()
    assert before.acknowledge_by - before.created_at == timedelta(minutes=120) and before.on_site_by is None
    report = process_slot(geo_runtime.geostationary, slot(tmp_path, T0, [(*TARGET, 25.0)]))
    assert report.summary.incidents_new == 0 and report.summary.tasks_new == 0
    with geo_runtime.sessions() as session:
        task = session.scalars(select(TaskRow)).one()
        reasons = [e.reason for e in session.scalars(select(TaskEvent).where(TaskEvent.action == "update"))]
    assert task.acknowledge_by < before.acknowledge_by and task.on_site_by is not None
    assert task.verify_by <= before.verify_by
    assert any("期限提前" in (r or "") for r in reasons)
