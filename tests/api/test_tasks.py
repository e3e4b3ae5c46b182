from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login


def test_acknowledge_then_reject_with_reason_is_audited(client: TestClient, admin: dict[str, str]) -> None:
    task = client.get("/tasks", headers=admin).json()[1]
    inspector = login(client, f"insp-{task['cell_code']}")
    url = f"/tasks/{task['id']}"
    # a verdict before acknowledging is an illegal transition
    early = client.post(f"{url}/verdict", json={"verdict": "confirmed"}, headers=inspector)
    assert early.status_code == 409 and "cannot become confirmed" in early.json()["detail"]
    ack = client.post(f"{url}/acknowledge", json={"lon": 112.5, "lat": 38.5}, headers=inspector)
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert client.post(f"{url}/acknowledge", json={}, headers=inspector).status_code == 409
    no_reason = client.post(f"{url}/verdict", json={"verdict": "rejected"}, headers=inspector)
    assert no_reason.status_code == 400 and "reason_code" in no_reason.json()["detail"]
    other = client.post(
        f"{url}/verdict", json={"verdict": "rejected", "reason_code": "other"}, headers=inspector
    )
    assert other.status_code == 400
    done = client.post(
        f"{url}/verdict",
        headers=inspector,
        json={"verdict": "rejected", "reason_code": "industrial_heat_source", "reason_text": "焦化厂"},
    )
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "rejected" and body["reason_code"] == "industrial_heat_source"
    assert [e["action"] for e in body["events"]] == ["create", "acknowledge", "verdict"]
    assert body["events"][1]["actor"] == f"insp-{task['cell_code']}" and body["events"][1]["lon"] == 112.5


def test_confirm(client: TestClient, admin: dict[str, str]) -> None:
    task = client.get("/tasks", headers=admin).json()[2]
    inspector = login(client, f"insp-{task['cell_code']}")
    client.post(f"/tasks/{task['id']}/acknowledge", json={}, headers=inspector)
    body = client.post(
        f"/tasks/{task['id']}/verdict", json={"verdict": "confirmed"}, headers=inspector
    ).json()
    assert body["status"] == "confirmed" and body["verdict"] == "confirmed"
    assert body["incident"]["id"] == task["incident_id"] and body["assignees"] == [
        f"insp-{task['cell_code']}"
    ]


def test_filters(client: TestClient, admin: dict[str, str]) -> None:
    tasks = client.get("/tasks", headers=admin).json()
    county = tasks[0]["cell_code"][:6]
    by_cell = client.get("/tasks", params={"cell": county}, headers=admin).json()
    assert by_cell and all(t["cell_code"].startswith(county) for t in by_cell)
    assert client.get("/tasks", params={"cell": "nope"}, headers=admin).status_code == 404
    overdue = client.get("/tasks", params={"overdue": True}, headers=admin).json()
    assert overdue == []  # deadlines are in the future
    geo = client.get("/incidents.geojson", params={"bbox": "110,35,115,41"}, headers=admin).json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 13
    assert client.get("/incidents", params={"bbox": "1,2,3"}, headers=admin).status_code == 400
    detail = client.get(f"/incidents/{tasks[0]['incident_id']}", headers=admin).json()
    assert detail["task_id"] == tasks[0]["id"] and detail["detections"][0]["detector"] == "firms"
