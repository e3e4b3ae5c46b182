from __future__ import annotations

import json

from fastapi.testclient import TestClient
from shapely.geometry import box, mapping

from tests.api.conftest import login


def test_health_ready_metrics_docs(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    metrics = client.get("/metrics").text
    assert 'firegrid_tasks{status="new"}' in metrics and "firegrid_detections" in metrics
    assert client.get("/openapi.json").json()["info"]["title"] == "firegrid"


def test_grid_tree_and_cells(client: TestClient, admin: dict[str, str]) -> None:
    tree = client.get("/grid/tree", params={"depth": 1}, headers=admin).json()
    assert tree[0]["code"] == "140900" and len(tree[0]["children"]) == 14
    reviewer = login(client, "rev-140902001")
    mine = client.get("/grid/tree", headers=reviewer).json()
    assert [n["code"] for n in mine] == ["140902001"] and mine[0]["children"]
    cell = client.get("/grid/cells/140902001", headers=reviewer).json()
    assert cell["properties"]["level"] == "township" and cell["geometry"]["type"] in (
        "Polygon",
        "MultiPolygon",
    )
    assert client.get("/grid/cells/140922", headers=reviewer).status_code == 404
    children = client.get("/grid/cells/140902", headers=admin)
    assert children.status_code == 200
    villages = client.get("/grid/cells/140902001/children", headers=reviewer).json()
    assert villages["features"] and villages["features"][0]["properties"]["parent_code"] == "140902001"


def test_grid_import_refuses_bad_grids_and_versions_good_ones(
    client: TestClient, admin: dict[str, str]
) -> None:
    bad = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "X", "level": "village", "parent_code": "NOPE"},
                "geometry": mapping(box(112, 38, 112.1, 38.1)),
            }
        ],
    }
    files = {"file": ("../../etc/bad grid.geojson", json.dumps(bad).encode(), "application/geo+json")}
    response = client.post("/grid/import", files=files, headers=admin)
    assert response.status_code == 422 and "parent NOPE does not exist" in response.json()["detail"]
    versions = client.get("/grid/versions", headers=admin).json()
    assert len(versions) == 1 and versions[0]["is_active"]
    operator = login(client, "op-140902")
    assert client.post("/grid/import", files=files, headers=operator).status_code == 403


def test_upload_limits_and_names(client: TestClient, admin: dict[str, str], demo_settings) -> None:  # type: ignore[no-untyped-def]
    limit = demo_settings.upload_max_bytes
    big = {"file": ("big.csv", b"x" * (limit + 1), "text/csv")}
    assert client.post("/ingest", files=big, headers=admin).status_code == 413
    huge = {"file": ("huge.csv", b"x" * (limit + 200_000), "text/csv")}  # refused by the body limit
    assert client.post("/ingest", files=huge, headers=admin).status_code == 413
    body = b"latitude,longitude,acq_date,acq_time\n38.5,112.5,2024-10-28,0536\n"
    files = {"file": ("../../../../tmp/evil name.csv", body, "text/csv")}
    response = client.post("/ingest", files=files, headers=admin)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["filename"] == "evil_name.csv" and job["status"] == "queued"
    stored = list((demo_settings.uploads_dir).rglob("evil_name.csv"))
    assert len(stored) == 1 and demo_settings.uploads_dir.resolve() in stored[0].resolve().parents
    assert client.get(f"/ingest/{job['id']}", headers=admin).json()["status"] == "queued"
