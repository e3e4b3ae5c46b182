"""Construction sites: geodesic area, the 5000 m2 rule with its review band, tasks, dust routing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from sqlalchemy import select, update

from firegrid import geo
from firegrid.cli.demo import sample_users
from firegrid.config import PipelineConfig
from firegrid.detect.detections import Detections
from firegrid.services.grid import active_version
from firegrid.services.ingest import ingest_detections
from firegrid.services.sites import import_sites, run_compliance
from firegrid.sites.compliance import CameraFact, ComplianceRule, SiteFacts, check, requirement
from firegrid.sites.registry import SiteRecord
from firegrid.store.db import transaction
from firegrid.store.tables import (
    CameraRow,
    DetectionRow,
    IncidentRow,
    OutboxMessage,
    SiteViolation,
    TaskRow,
)
from firegrid.worker.context import Runtime

XINZHOU = (112.7340, 38.4166)  # near the city centre (sample grid: 忻府区)
NOW = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)


def rectangle(lon: float, lat: float, east_m: float, north_m: float) -> shapely.Polygon:
    """A rectangle with geodesic sides (Geod.fwd), counter-clockwise."""
    lon_e, lat_e, _ = geo.GEOD.fwd(lon, lat, 90, east_m)
    lon_n, lat_n, _ = geo.GEOD.fwd(lon, lat, 0, north_m)
    lon_ne, lat_ne, _ = geo.GEOD.fwd(lon_n, lat_n, 90, east_m)
    return shapely.Polygon([(lon, lat), (lon_e, lat_e), (lon_ne, lat_ne), (lon_n, lat_n)])


def test_a_100_by_50_m_rectangle_is_5000_m2() -> None:
    polygon = rectangle(*XINZHOU, 100, 50)
    assert geo.area_m2(polygon) == pytest.approx(5000, abs=1)
    assert geo.area_m2(shapely.Polygon(list(polygon.exterior.coords)[::-1])) == pytest.approx(5000, abs=1)
    record = SiteRecord(id="S1", name="x", polygon=shapely.geometry.mapping(polygon))
    assert record.area_m2() == pytest.approx(5000, abs=1)


def test_requirement_and_review_band() -> None:
    rule = ComplianceRule()
    assert requirement(5300, rule) == "required"
    assert requirement(5199, rule) == "review" and requirement(4801, rule) == "review"
    assert requirement(5000, rule) == "review"
    assert requirement(4700, rule) == "exempt"
    facts = SiteFacts("S", 5000, "active", [])
    assert check(facts, rule, NOW).violations == []  # review: listed, not paged


def test_violations() -> None:
    rule = ComplianceRule(require_monitor=True)
    no_camera = check(SiteFacts("S", 9000, "active"), rule, NOW)
    assert [v.kind for v in no_camera.violations] == ["no_camera", "no_monitor"]
    stale = CameraFact("cam", True, NOW - timedelta(hours=30))
    offline = check(SiteFacts("S", 9000, "active", [stale], {"mn1": NOW - timedelta(hours=2)}), rule, NOW)
    assert [v.kind for v in offline.violations] == ["camera_offline"]
    assert "30.0 h ago" in offline.violations[0].detail
    fresh = CameraFact("cam2", True, NOW - timedelta(hours=1))
    ok = check(SiteFacts("S", 9000, "active", [stale, fresh], {"mn1": NOW}), rule, NOW)
    assert ok.violations == []
    assert check(SiteFacts("S", 9000, "finished"), rule, NOW).violations == []
    assert check(SiteFacts("S", 3000, "active"), rule, NOW).requirement == "exempt"


def write_sites(path: Path) -> Path:
    big = rectangle(*XINZHOU, 120, 80)  # 9600 m2
    small = rectangle(XINZHOU[0] + 0.01, XINZHOU[1], 50, 40)  # 2000 m2
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(big),
            "properties": {
                "site_id": "XZ-2026-001",
                "name": "忻州市某住宅项目",
                "responsible_person": "张工",
                "contact_phone": "13900000001",
                "permit_no": "140902202604010101",
                "area_declared_m2": 9500,
                "status": "active",
            },
        },
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(small),
            "properties": {"site_id": "XZ-2026-002", "name": "小工地"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(XINZHOU)},
            "properties": {"site_id": "BAD", "name": "点"},
        },
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


@pytest.fixture
def sites_runtime(grid_runtime: Runtime, tmp_path: Path) -> Runtime:
    with transaction(grid_runtime.sessions) as session:
        version = active_version(session)
        assert version is not None
        sample_users(session, version.id)
        result = import_sites(session, write_sites(tmp_path / "sites.geojson"))
    assert (result.new, result.updated) == (2, 0)
    assert (
        len(result.errors) == 1
        and "BAD" in result.errors[0].message
        and "Polygon" in result.errors[0].message
    )
    return grid_runtime


def test_compliance_tasks_are_deduplicated_and_resolved(sites_runtime: Runtime) -> None:
    rt, rule = sites_runtime, ComplianceRule()
    first = run_compliance(rt.ingest, rule, NOW)
    verdicts = {c.site_id: c for c in first.report}
    assert verdicts["XZ-2026-001"].requirement == "required"
    assert verdicts["XZ-2026-002"].requirement == "exempt"
    assert len(first.opened) == 1
    with rt.sessions() as session:
        violation = session.get_one(SiteViolation, first.opened[0])
        assert violation.kind == "no_camera" and violation.incident_id is not None
        incident = session.get_one(IncidentRow, violation.incident_id)
        assert incident.hazard == "site_compliance" and incident.site_id == "XZ-2026-001"
        task = session.scalars(select(TaskRow).where(TaskRow.incident_id == incident.id)).one()
        assert "/140902/" in task.cell_path  # routed to the village of the site
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "task.created.contact")
        ).all()
        assert [m.recipient for m in messages] == ["tel:13900000001"]
        assert "工地视频监控不达标" in messages[0].payload["text"]
        assert messages[0].payload["site"]["responsible_person"] == "张工"
    assert run_compliance(rt.ingest, rule, NOW + timedelta(hours=1)).opened == []  # same open task
    with transaction(rt.sessions) as session:  # a camera goes online on the site
        session.add(
            CameraRow(
                id="site-cam", config={"site_id": "XZ-2026-001"}, last_frame_at=NOW + timedelta(hours=2)
            )
        )
    resolved = run_compliance(rt.ingest, rule, NOW + timedelta(hours=3))
    assert resolved.resolved == first.opened and resolved.opened == []
    offline = run_compliance(rt.ingest, rule, NOW + timedelta(hours=40))  # the camera stopped
    assert len(offline.opened) == 1
    with transaction(rt.sessions) as session:  # the inspector's task is closed, still offline
        v = session.get_one(SiteViolation, offline.opened[0])
        assert v.kind == "camera_offline" and v.incident_id == violation.incident_id  # same site incident
        session.execute(update(TaskRow).values(status="closed"))
    again = run_compliance(rt.ingest, rule, NOW + timedelta(hours=41))
    assert len(again.opened) == 1  # a closed task does not hide a breach that persists


def dust_patch(lon: float, lat: float, kind: str, when: datetime, size_m: float = 40) -> Detections:
    polygon = rectangle(lon, lat, size_m, size_m)
    return Detections.from_columns(
        lon=[polygon.centroid.x],
        lat=[polygon.centroid.y],
        observed_at=[when],
        hazard="dust",
        source_kind="satellite_scene",
        sensor="MSI",
        platform="Sentinel-2A",
        product="S2A_TEST",
        confidence=[0.8],
        footprint_m=[size_m],
        source_file="test",
        detector="bare-soil-indices",
        detector_version="1.0.0",
        attrs=[{"kind": kind, "area_m2": size_m**2, "polygon": shapely.geometry.mapping(polygon)}],
    )


def test_dust_inside_a_site_goes_to_it_outside_is_a_candidate(sites_runtime: Runtime) -> None:
    rt = sites_runtime
    spring = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)
    inside = ingest_detections(
        rt.ingest, dust_patch(XINZHOU[0] + 0.0002, XINZHOU[1] + 0.0002, "bare_land", spring), label="a"
    )
    outside = ingest_detections(
        rt.ingest, dust_patch(XINZHOU[0] + 0.02, XINZHOU[1] + 0.005, "bare_land", spring), label="b"
    )
    assert inside.tasks_new == outside.tasks_new == 1
    with rt.sessions() as session:
        rows = session.scalars(
            select(DetectionRow).where(DetectionRow.hazard == "dust").order_by(DetectionRow.id)
        ).all()
        assert [r.site_id for r in rows] == ["XZ-2026-001", None]
        assert [r.attrs["dust_class"] for r in rows] == ["site", "outside_sites"]
        incidents = session.scalars(select(IncidentRow).where(IncidentRow.hazard == "dust")).all()
        assert {i.site_id for i in incidents} == {"XZ-2026-001", None}
        contacts = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "task.created.contact")
        ).all()
        assert len(contacts) == 1 and "疑似扬尘源" in contacts[0].payload["text"]
    fire_nearby = Detections.from_columns(
        lon=[XINZHOU[0] + 0.0003],
        lat=[XINZHOU[1] + 0.0003],
        observed_at=[spring],
        source_kind="satellite_product",
        sensor="VIIRS",
        platform="N",
    )
    assert ingest_detections(rt.ingest, fire_nearby, label="fire").incidents_new == 1  # hazards never merge


def test_bare_cropland_pages_only_in_its_months(sites_runtime: Runtime) -> None:
    rt = sites_runtime
    assert PipelineConfig().dust.cropland_page_months == [3, 4, 5]
    autumn = ingest_detections(
        rt.ingest,
        dust_patch(XINZHOU[0] + 0.03, XINZHOU[1], "cropland", datetime(2026, 10, 5, tzinfo=UTC)),
        label="c",
    )
    assert autumn.suppressed == 1 and autumn.tasks_new == 0
    spring = ingest_detections(
        rt.ingest,
        dust_patch(XINZHOU[0] + 0.04, XINZHOU[1], "cropland", datetime(2026, 4, 5, tzinfo=UTC)),
        label="d",
    )
    assert spring.suppressed == 0 and spring.tasks_new == 1
    with rt.sessions() as session:
        row = session.scalars(
            select(DetectionRow).where(DetectionRow.status == "suppressed", DetectionRow.hazard == "dust")
        ).one()
        assert "seasonal bare cropland" in (row.suppression_reason or "")
