"""The construction-site API: import, put, compliance report, PM10 readings."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient

from tests.api.conftest import login
from tests.sites.test_sites import XINZHOU, rectangle, write_sites


def test_sites_api(client: TestClient, admin: dict[str, str], tmp_path: Path) -> None:
    operator = login(client, "op-140902")
    inspector = login(client, "insp-140902001001")
    files = {
        "file": ("sites.geojson", write_sites(tmp_path / "s.geojson").read_bytes(), "application/geo+json")
    }
    assert client.post("/sites/import", files=files, headers=inspector).status_code == 403
    response = client.post("/sites/import", files=files, headers=operator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["new"] + body["updated"] == 2 and len(body["errors"]) == 1
    site = client.get("/sites/XZ-2026-001", headers=operator).json()
    assert client.get("/sites/XZ-2026-001", headers=login(client, "op-140922")).status_code == 404
    assert site["area_geodesic_m2"] == pytest.approx(9600, abs=2) and site["polygon"]["type"] == "Polygon"
    record = {
        "id": "XZ-2026-003",
        "name": "API site",
        "polygon": shapely.geometry.mapping(rectangle(XINZHOU[0] - 0.01, XINZHOU[1], 100, 50)),
        "monitors": [{"mn": "MN0001"}],
    }
    assert client.post("/sites", json=record, headers=operator).status_code == 201
    bad = dict(
        record,
        polygon={
            "type": "Polygon",
            "coordinates": [[[500000, 4200000], [500100, 4200000], [500100, 4200100], [500000, 4200000]]],
        },
    )
    assert client.post("/sites", json=bad, headers=operator).status_code == 422
    report = client.get("/sites/compliance", headers=operator).json()
    by_site = {s["site"]: s for s in report["sites"]}
    assert by_site["XZ-2026-003"]["requirement"] == "review"
    assert by_site["XZ-2026-001"]["violations"][0]["kind"] == "no_camera"
    reading = {"at": "2026-04-20T08:00:00Z", "pm10": 65.0}
    assert client.post("/sites/monitors/MN0001/readings", json=reading, headers=operator).status_code == 204
    assert client.post("/sites/monitors/NOPE/readings", json=reading, headers=operator).status_code == 404
    site3 = client.get("/sites/XZ-2026-003", headers=operator).json()
    assert site3["monitors"][0]["last_pm10"] == 65.0
