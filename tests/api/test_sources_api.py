from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login


def test_sources_in_the_api_and_metrics(client: TestClient, admin: dict[str, str]) -> None:
    sources = {s["name"]: s for s in client.get("/sources", headers=admin).json()}
    assert set(sources) == {
        "firms-nrt",
        "firms-russia-asia-24h",
        "sentinel2-catalog",
        "inbox",
        "himawari9",
        "geo-inbox",
    }
    assert sources["himawari9"]["state"] == "disabled" and sources["geo-inbox"]["state"] == "new"
    assert sources["firms-nrt"]["state"] == "unconfigured" and "MAP_KEY" in sources["firms-nrt"]["problem"]
    assert sources["firms-russia-asia-24h"]["state"] == "disabled"
    assert sources["inbox"]["state"] == "new"
    bad = client.put("/sources/x", json={"kind": "firms_area", "products": ["NOPE"]}, headers=admin)
    assert bad.status_code == 400 and "unknown FIRMS products" in bad.json()["detail"]
    good = client.put("/sources/hourly", json={"kind": "firms_file", "cadence_s": 3600}, headers=admin)
    assert good.status_code == 200 and good.json()["config"]["window"] == "24h"
    inspector = login(client, client.get("/tasks/1", headers=admin).json()["assignees"][0])
    assert client.put("/sources/y", json={"kind": "firms_file"}, headers=inspector).status_code == 403
    assert client.post("/sources/inbox/run", headers=admin).status_code == 202
    assert 'firegrid_source_consecutive_failures{source="inbox"} 0.0' in client.get("/metrics").text
