"""The task lifecycle through the API: steps, photos with server checks, verdicts, reviews."""

from __future__ import annotations

import io
from typing import Any

import shapely
from fastapi.testclient import TestClient
from PIL import Image

from firegrid import geo
from tests.api.conftest import login


def jpeg(exif_gps: tuple[float, float] | None = None, when: str | None = None) -> bytes:
    """A small JPEG, optionally with EXIF GPS and DateTimeOriginal (phone-like)."""
    image = Image.new("RGB", (320, 240), (200, 120, 60))
    exif = Image.Exif()
    if when:
        exif[0x8769] = {0x9003: when, 0x9011: "+08:00"}  # DateTimeOriginal, OffsetTimeOriginal
    if exif_gps:
        lon, lat = exif_gps

        def dms(value: float) -> tuple[float, float, float]:
            d = int(value)
            m = int((value - d) * 60)
            return (d, m, round(((value - d) * 60 - m) * 60, 4))

        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def photo(client: TestClient, task_id: int, headers: dict[str, str], lon: float, lat: float) -> dict:
    files = {"photo": ("p.jpg", jpeg((lon, lat)), "image/jpeg")}
    r = client.post(
        f"/tasks/{task_id}/evidence",
        files=files,
        data={"lon": lon, "lat": lat, "accuracy_m": 8},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_steps_photo_and_rejection_are_audited(client: TestClient, admin: dict[str, str]) -> None:
    task = client.get("/tasks", headers=admin).json()[1]
    inspector = login(client, f"insp-{task['cell_code']}")
    url = f"/tasks/{task['id']}"
    early = client.post(f"{url}/verdict", json={"verdict": "confirmed"}, headers=inspector)
    assert early.status_code == 409 and "cannot become confirmed" in early.json()["detail"]
    ack = client.post(f"{url}/acknowledge", json={"lon": 112.5, "lat": 38.5}, headers=inspector)
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert client.post(f"{url}/acknowledge", json={}, headers=inspector).status_code == 409
    assert (
        client.post(
            f"{url}/verdict", json={"verdict": "rejected", "reason_code": "no_fire_found"}, headers=inspector
        ).status_code
        == 409
    )
    assert client.post(f"{url}/on-site", headers=inspector).json()["status"] == "on_site"  # no body: no fix
    no_reason = client.post(f"{url}/verdict", json={"verdict": "rejected"}, headers=inspector)
    assert no_reason.status_code == 400 and "reason_code" in no_reason.json()["detail"]
    assert (
        client.post(
            f"{url}/verdict", json={"verdict": "rejected", "reason_code": "other"}, headers=inspector
        ).status_code
        == 400
    )
    body = {"verdict": "rejected", "reason_code": "industrial_heat_source", "reason_text": "焦化厂"}
    needs_photo = client.post(f"{url}/verdict", headers=inspector, json=body)
    assert needs_photo.status_code == 400 and "photo" in needs_photo.json()["detail"]
    incident = client.get(f"/incidents/{task['incident_id']}", headers=admin).json()
    evidence = photo(client, task["id"], inspector, incident["lon"], incident["lat"])
    assert evidence["distance_m"] < 5 and "far_device" not in evidence["flags"]
    assert client.get(evidence["url"], headers=inspector).headers["content-type"] == "image/jpeg"
    done = client.post(f"{url}/verdict", headers=inspector, json=body)
    assert done.status_code == 200
    detail = done.json()
    assert detail["status"] == "rejected" and detail["reason_code"] == "industrial_heat_source"
    assert [e["action"] for e in detail["events"]] == ["create", "acknowledge", "on_site", "verdict"]
    assert detail["events"][1]["actor"] == f"insp-{task['cell_code']}" and detail["events"][1]["lon"] == 112.5
    proposals = client.get("/heat-sources/proposals", headers=admin).json()
    assert [p["task_id"] for p in proposals] == [task["id"]]
    accepted = client.post(
        f"/heat-sources/proposals/{proposals[0]['id']}", json={"accept": True}, headers=admin
    )
    assert accepted.json()["status"] == "accepted" and accepted.json()["heat_source_id"]
    cap = client.get(f"/incidents/{task['incident_id']}/cap.xml", headers=admin).text
    assert "<msgType>Cancel</msgType>" in cap and "<references>" in cap


def test_confirm_handle_close_and_photo_checks(client: TestClient, admin: dict[str, str]) -> None:
    task = client.get("/tasks", headers=admin).json()[2]
    inspector = login(client, f"insp-{task['cell_code']}")
    reviewer = login(client, f"rev-{task['cell_code'][:9]}")
    url = f"/tasks/{task['id']}"
    client.post(f"{url}/acknowledge", json={}, headers=inspector)
    client.post(f"{url}/on-site", json={}, headers=inspector)
    files = {"photo": ("far.jpg", jpeg((113.5, 39.5), "2020:01:01 10:00:00"), "image/jpeg")}
    far = client.post(
        f"{url}/evidence", files=files, data={"lon": 113.5, "lat": 39.5}, headers=inspector
    ).json()
    assert {"far_exif", "far_device", "clock_gap_exif"} <= set(far["flags"])
    bad = client.post(
        f"{url}/evidence", files={"photo": ("x.jpg", b"not an image", "image/jpeg")}, headers=inspector
    )
    assert bad.status_code == 400 and "not a readable" in bad.json()["detail"]
    body = client.post(f"{url}/verdict", json={"verdict": "confirmed"}, headers=inspector).json()
    assert body["status"] == "confirmed" and body["verdict"] == "confirmed"
    assert body["incident"]["id"] == task["incident_id"] and body["assignees"] == [
        f"insp-{task['cell_code']}"
    ]
    assert client.post(f"{url}/close", json={}, headers=reviewer).status_code == 409  # not handled yet
    assert (
        client.post(f"{url}/handled", json={"note": "已扑灭"}, headers=inspector).json()["status"]
        == "handled"
    )
    assert client.post(f"{url}/close", json={}, headers=inspector).status_code == 403
    closed = client.post(f"{url}/close", json={"note": "销号"}, headers=reviewer).json()
    assert closed["status"] == "closed" and closed["events"][-1]["actor"] == f"rev-{task['cell_code'][:9]}"


def _nearest_sibling(client: TestClient, admin: dict[str, str], task: dict[str, Any]) -> tuple[str, float]:
    """The other village of the task's township closest to its incident, and how far it is (m)."""
    incident = client.get(f"/tasks/{task['id']}", headers=admin).json()["incident"]
    siblings = client.get(f"/grid/cells/{task['cell_code'][:9]}/children", headers=admin).json()["features"]
    far = {
        f["id"]: geo.distance_to_geometry_m(
            incident["lon"], incident["lat"], shapely.geometry.shape(f["geometry"])
        )
        for f in siblings
        if f["id"] != task["cell_code"]
    }
    code = min(far, key=far.__getitem__)
    return code, far[code]


def test_not_my_area_reroutes_nearby_and_duplicates_merge(client: TestClient, admin: dict[str, str]) -> None:
    tasks = client.get("/tasks", headers=admin).json()
    first, second = tasks[3], tasks[4]
    inspector = login(client, f"insp-{first['cell_code']}")
    far = client.post(
        f"/tasks/{first['id']}/verdict",
        json={"verdict": "rejected", "reason_code": "outside_my_area", "reroute_to": second["cell_code"]},
        headers=inspector,
    )
    assert far.status_code == 400 and "km" in far.json()["detail"], far.text  # not any cell anywhere
    near, away_m = _nearest_sibling(client, admin, first)
    assert away_m <= 3000
    other = client.post(
        f"/tasks/{first['id']}/verdict",
        json={"verdict": "rejected", "reason_code": "outside_my_area", "reroute_to": near},
        headers=inspector,
    )
    assert other.status_code == 200, other.text
    moved = other.json()
    assert moved["status"] == "new" and moved["cell_code"] == near
    assert moved["assignees"] == [f"insp-{near}"] and moved["events"][-1]["action"] == "not_my_area"
    assert client.get(f"/tasks/{first['id']}", headers=inspector).status_code == 404  # no longer theirs
    reassigned = client.post(f"/tasks/{second['id']}/reassign", json={"cell_code": near}, headers=admin)
    assert reassigned.status_code == 200, (
        reassigned.text
    )  # reviewers above reassign anywhere in their subtree
    new_owner = login(client, f"insp-{near}")
    dup = client.post(
        f"/tasks/{first['id']}/verdict",
        json={"verdict": "rejected", "reason_code": "duplicate", "duplicate_of": second["id"]},
        headers=new_owner,
    ).json()
    assert dup["status"] == "closed" and dup["merged_into_id"] == second["id"]
    target = client.get(f"/tasks/{second['id']}", headers=admin).json()
    assert target["events"][-1]["action"] == "merged_in"
    assert target["incident"]["n_detections"] >= 2
    reviewer = login(client, f"rev-{tasks[5]['cell_code'][:9]}")
    back = client.post(
        f"/tasks/{tasks[5]['id']}/reassign", json={"cell_code": "140902001001"}, headers=reviewer
    )
    assert back.status_code in (200, 404)  # 404 when the village is outside the reviewer's township


def test_mine_lists_open_tasks_overdue_first(client: TestClient, admin: dict[str, str]) -> None:
    task = client.get("/tasks", headers=admin).json()[6]
    inspector = login(client, f"insp-{task['cell_code']}")
    mine = client.get("/tasks/mine", headers=inspector).json()
    assert [m["id"] for m in mine] == [task["id"]]
    card = mine[0]
    assert card["overdue"] is False and card["next_deadline"] == card["acknowledge_by"]
    assert card["place"] and card["hazard"] == "fire" and abs(card["lat"]) > 0


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


def test_a_confirmation_fix_far_from_the_fire_does_not_move_the_incident(
    client: TestClient, admin: dict[str, str]
) -> None:
    fresh = [t for t in client.get("/tasks", headers=admin).json() if t["status"] == "new"]
    for task, away_m in ((fresh[0], None), (fresh[1], 200.0)):
        inspector = login(client, f"insp-{task['cell_code']}")
        url = f"/tasks/{task['id']}"
        before = client.get(f"/incidents/{task['incident_id']}", headers=admin).json()
        client.post(f"{url}/acknowledge", headers=inspector)
        client.post(f"{url}/on-site", headers=inspector)
        photo(client, task["id"], inspector, before["lon"], before["lat"])
        if away_m is None:  # a phone without a fix, or Swagger's example body
            fix = {"lon": 0.0, "lat": 0.0}
        else:
            fix = {
                "lon": before["lon"] + float(geo.degrees_for_metres(away_m, before["lat"])),
                "lat": before["lat"],
            }
        done = client.post(f"{url}/verdict", json={"verdict": "confirmed", **fix}, headers=inspector)
        assert done.status_code == 200, done.text
        after = client.get(f"/incidents/{task['incident_id']}", headers=admin).json()
        expected = (before["lon"], before["lat"]) if away_m is None else (fix["lon"], fix["lat"])
        assert (after["lon"], after["lat"]) == expected
