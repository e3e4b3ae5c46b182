from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login


def test_scene_paths_must_stay_under_allowed_roots(
    client: TestClient, admin: dict[str, str], demo_settings
) -> None:  # type: ignore[no-untyped-def]
    outside = client.post("/scenes", json={"path": "/etc"}, headers=admin)
    assert outside.status_code == 400 and "must lie under" in outside.json()["detail"]
    sneaky = client.post("/scenes", json={"path": str(demo_settings.scenes_dir / ".." / "..")}, headers=admin)
    assert sneaky.status_code == 400
    (demo_settings.scenes_dir / "s1").mkdir(parents=True, exist_ok=True)
    ok = client.post("/scenes", json={"path": str(demo_settings.scenes_dir / "s1")}, headers=admin)
    assert ok.status_code == 202 and ok.json()["status"] == "queued"
    assert client.get(f"/scenes/{ok.json()['id']}", headers=admin).json()["source"].endswith("s1")
    both = client.post("/scenes", json={}, headers=admin)
    assert both.status_code == 400
    request = {
        "sentinelhub": {
            "collection": "sentinel-2-l1c",
            "bbox": [112.5, 38.5, 112.6, 38.6],
            "start": "2024-10-28T00:00:00Z",
            "end": "2024-10-29T00:00:00Z",
        }
    }
    queued = client.post("/scenes", json=request, headers=admin)
    assert queued.status_code == 202 and "sentinelhub-" in queued.json()["source"]
    inspector = login(client, client.get("/tasks/1", headers=admin).json()["assignees"][0])
    assert (
        client.post(
            "/scenes", json={"path": str(demo_settings.scenes_dir / "s1")}, headers=inspector
        ).status_code
        == 403
    )
