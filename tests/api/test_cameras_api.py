from __future__ import annotations

from fastapi.testclient import TestClient

CAMERA = {
    "name": "忻府区 塔1",
    "lon": 112.6,
    "lat": 38.45,
    "mast_height_m": 35,
    "type": "fixed",
    "stream": {
        "kind": "rtsp",
        "url": "rtsp://10.0.0.5/Streaming/Channels/101",
        "username": "admin",
        "password_env": "FIREGRID_CAMERA_TOWER1",
    },
    "presets": [{"name": "north", "pan_deg": 0, "tilt_deg": -2, "hfov_deg": 45}],
}


def test_cameras_never_show_credentials(client: TestClient, admin: dict[str, str]) -> None:
    created = client.put("/cameras/tower1", json=CAMERA, headers=admin)
    assert created.status_code == 200, created.text
    body = client.get("/cameras/tower1", headers=admin).json()
    assert "FIREGRID_CAMERA_TOWER1" not in str(body) and "password" not in str(body["config"]["stream"])
    assert body["config"]["stream"]["url"] == "rtsp://10.0.0.5/Streaming/Channels/101"
    assert body["health"]["online"] is False and body["health"]["patrols"] == 0
    assert [c["id"] for c in client.get("/cameras", headers=admin).json()] == ["tower1"]
    bad = client.put("/cameras/x", json={**CAMERA, "presets": []}, headers=admin)
    assert bad.status_code == 400 and "at least one preset" in bad.json()["detail"]
    assert client.get("/camera-events", headers=admin).json() == []
    assert client.get("/camera-events/99/frame.jpg", headers=admin).status_code == 404
