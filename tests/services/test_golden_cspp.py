"""Golden test from activefires-pp: of the 3 detections inside Sweden, the mask removes 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon
from sqlalchemy import select

from firegrid.services.heat_sources import import_heat_sources
from firegrid.services.ingest import ingest_file
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow
from firegrid.worker.context import Runtime

# A coarse outline of Sweden (lon, lat): its bounding box would also take in Finland's west coast.
SWEDEN = Polygon([(10.9, 55.3), (19.5, 55.3), (19.5, 63.5), (24.2, 65.5), (24.2, 69.1), (10.9, 69.1)])
FOLDER = "satellite/cspp_activefires"


@pytest.mark.shared_data
def test_cspp_with_exclusion_mask_leaves_the_expected_detection(shared_data: Path, runtime: Runtime) -> None:
    folder = shared_data / FOLDER
    with transaction(runtime.sessions) as session:
        result = import_heat_sources(session, folder / "activefires_pp_test_mask.shp", registry="mask")
    assert result.new == 1 and result.errors == []
    summary = ingest_file(runtime.ingest, next(folder.glob("AFIMG_*.txt")))
    assert summary.read == 18 and summary.errors == [] and summary.suppressed == 2
    with runtime.sessions() as session:
        rows = session.scalars(select(DetectionRow)).all()
    in_sweden = [d for d in rows if SWEDEN.contains(Point(d.lon, d.lat))]
    assert len(in_sweden) == 3
    kept = [d for d in in_sweden if d.status != "suppressed"]
    assert len(kept) == 1
    assert all(
        "inside heat source" in (d.suppression_reason or "") for d in in_sweden if d.status == "suppressed"
    )
    expected = json.loads((folder / "expected_result.geojson").read_text())["features"][0]
    (lon, lat), props = expected["geometry"]["coordinates"], expected["properties"]
    assert (kept[0].lon, kept[0].lat) == pytest.approx((lon, lat), abs=1e-6)
    assert kept[0].frp == pytest.approx(props["power"])
    assert kept[0].brightness_k == pytest.approx(props["tb"])
    # activefires-pp drops the tenth of a second of the granule end; we keep it (11:27:26.15)
    reference = datetime.fromisoformat(props["observation_time"]).replace(tzinfo=UTC)
    assert abs((kept[0].observed_at - reference).total_seconds()) < 1.0
