"""The persistent-heat mask: real steel works become candidates, one-off fires do not, and an
accepted mask is tight enough that a farm fire next to it still pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from sqlalchemy import select

from firegrid import geo
from firegrid.detect.detections import Detections
from firegrid.services import heat_mask
from firegrid.services.ingest import ingest_detections
from firegrid.services.ownership import Writer
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow, HeatMaskCandidate, HeatSourceProposal, utcnow
from firegrid.suppress.heat_mask import MaskParams, find_candidates
from firegrid.worker.context import Runtime

VIIRS_7D = "satellite/firms/viirs_snpp_7d_china_subset.csv"
JIAYUGUAN = (98.29, 39.81)
PANZHIHUA = (101.67, 26.57)


def _near(candidate_geometry: shapely.Geometry, point: tuple[float, float], metres: float) -> bool:
    return float(geo.distance_to_geometry_m(point[0], point[1], candidate_geometry)) <= metres


@pytest.mark.shared_data
def test_steel_works_repeats_are_candidates_and_one_off_fires_are_not(shared_data: Path) -> None:
    points, problems = heat_mask.file_points([shared_data / VIIRS_7D])
    assert problems == [] and len(points.lon) == 148
    candidates = find_candidates(points, MaskParams())
    assert any(_near(c.geometry, JIAYUGUAN, 2000) and c.days >= 5 for c in candidates)
    assert any(_near(c.geometry, PANZHIHUA, 2000) and c.night_overpasses >= 2 for c in candidates)
    assert all(c.days >= 2 for c in candidates)  # a single day never makes a candidate
    masked = shapely.union_all([c.geometry for c in candidates])
    one_off = [
        (x, y)
        for x, y in zip(points.lon.tolist(), points.lat.tolist(), strict=True)
        if not masked.contains(shapely.Point(x, y))
    ]
    assert len(one_off) >= 25  # the week's one-off fires stay outside the mask
    jiayuguan = [c for c in candidates if _near(c.geometry, JIAYUGUAN, 5000)]
    assert max(geo.area_m2(c.geometry) for c in jiayuguan) < 3e6  # cells, not a 5 km disc


def night_repeats(lon: float, lat: float, days: int, start: datetime) -> Detections:
    rng = np.random.default_rng(3)
    n = days * 2
    return Detections.from_columns(
        lon=list(lon + rng.uniform(-0.0012, 0.0012, n)),
        lat=list(lat + rng.uniform(-0.0012, 0.0012, n)),
        observed_at=[start + timedelta(days=k // 2, hours=12 * (k % 2)) for k in range(n)],
        source_kind="satellite_product",
        sensor="VIIRS",
        platform="N",
        confidence=[0.8] * n,
        daynight=["N" if k % 2 else "D" for k in range(n)],
    )


def test_an_accepted_mask_suppresses_inside_and_a_farm_fire_400_m_away_pages(grid_runtime: Runtime) -> None:
    rt = grid_runtime
    plant = (112.60, 38.30)  # a coking plant in the sample grid (no registry entry yet)
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    history = ingest_detections(rt.ingest, night_repeats(*plant, days=4, start=start), label="history")
    assert history.suppressed == 0 and history.tasks_new >= 1
    with transaction(rt.sessions) as session:
        session.add(
            HeatSourceProposal(task_id=1, incident_id=1, lon=plant[0], lat=plant[1], proposed_by="insp")
        )
        report = heat_mask.build(session, heat_mask.history_points(session), MaskParams(), utcnow())
        assert len(report.candidates) == 1
        candidate = session.get_one(HeatMaskCandidate, report.candidates[0])
        assert candidate.days == 4 and candidate.proposals == 1 and "inspector" in " ".join(candidate.reasons)
        heat_mask.decide(session, candidate.id, True, Writer("op-140902"), utcnow())
        entry_geometry = shapely.from_wkb(candidate.geom_wkb)
    later = start + timedelta(days=30)
    inside = Detections.from_columns(
        lon=[plant[0]],
        lat=[plant[1]],
        observed_at=[later],
        source_kind="satellite_product",
        sensor="VIIRS",
        platform="N",
        daynight="N",
    )
    masked = ingest_detections(rt.ingest, inside, label="plant again")
    assert masked.suppressed == 1 and masked.tasks_new == 0
    east_edge = entry_geometry.bounds[2]
    farm = geo.GEOD.fwd(east_edge, plant[1], 90, 400)[:2]  # 400 m east of the mask
    assert 390 <= float(geo.distance_to_geometry_m(farm[0], farm[1], entry_geometry)) <= 460
    fire = Detections.from_columns(
        lon=[farm[0]],
        lat=[farm[1]],
        observed_at=[later + timedelta(hours=1)],
        source_kind="satellite_product",
        sensor="VIIRS",
        platform="N",
        daynight="D",
    )
    paged = ingest_detections(rt.ingest, fire, label="farm")
    assert paged.suppressed == 0 and paged.tasks_new == 1
    with rt.sessions() as session:
        row = session.scalars(select(DetectionRow).where(DetectionRow.status == "suppressed")).one()
        assert "persistent_heat" in (row.suppression_reason or "") and row.incident_id is None


def test_rejecting_an_accepted_candidate_lifts_the_mask(grid_runtime: Runtime) -> None:
    rt = grid_runtime
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    ingest_detections(rt.ingest, night_repeats(112.70, 38.40, days=3, start=start), label="h")
    with transaction(rt.sessions) as session:
        report = heat_mask.build(session, heat_mask.history_points(session), MaskParams(), utcnow())
        cid = report.candidates[0]
        accepted = heat_mask.decide(session, cid, True, Writer("op"), utcnow())
        entry = accepted.heat_source_id
        heat_mask.decide(session, cid, False, Writer("op"), utcnow())
        again = heat_mask.build(session, heat_mask.history_points(session), MaskParams(), utcnow())
        assert again.new == 0  # the same group, its decision kept
    with rt.sessions() as session:
        from firegrid.store.tables import HeatSourceRow

        assert session.get_one(HeatSourceRow, entry).is_active is False
