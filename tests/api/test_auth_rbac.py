from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import login


def first_task(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    tasks = client.get("/tasks", headers=admin).json()
    assert tasks, "the demo creates tasks"
    return tasks[0]


def test_login_and_me(client: TestClient, admin: dict[str, str]) -> None:
    me = client.get("/auth/me", headers=admin).json()
    assert me == {"name": "admin", "role": "admin", "cells": [], "display_name": "管理员"}
    assert (
        client.post("/auth/token", data={"username": "admin", "password": "wrong-password"}).status_code
        == 401
    )
    assert client.get("/tasks").status_code == 401
    assert client.get("/tasks", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401


def test_inspector_sees_only_their_village(client: TestClient, admin: dict[str, str]) -> None:
    all_tasks = client.get("/tasks", headers=admin).json()
    assert len(all_tasks) == 13
    mine, other = all_tasks[0], next(t for t in all_tasks if t["cell_code"] != all_tasks[0]["cell_code"])
    inspector = login(client, f"insp-{mine['cell_code']}")
    visible = client.get("/tasks", headers=inspector).json()
    assert {t["cell_code"] for t in visible} == {mine["cell_code"]}
    assert [t["id"] for t in client.get("/tasks/mine", headers=inspector).json()] == [
        t["id"] for t in visible
    ]
    assert client.get(f"/tasks/{other['id']}", headers=inspector).status_code == 404
    assert client.get(f"/incidents/{other['incident_id']}", headers=inspector).status_code == 404
    incidents = client.get("/incidents", headers=inspector).json()
    assert {i["cell_code"] for i in incidents} == {mine["cell_code"]}
    assert client.post(f"/tasks/{other['id']}/acknowledge", json={}, headers=inspector).status_code == 404


def test_township_reviewer_sees_the_township(client: TestClient, admin: dict[str, str]) -> None:
    task = first_task(client, admin)
    township = task["cell_code"][:9]
    reviewer = login(client, f"rev-{township}")
    visible = client.get("/tasks", headers=reviewer).json()
    assert visible and all(t["cell_code"].startswith(township) for t in visible)
    assert client.get(f"/tasks/{task['id']}", headers=reviewer).status_code == 200
    # a reviewer reads, but does not act on tasks
    assert client.post(f"/tasks/{task['id']}/acknowledge", json={}, headers=reviewer).status_code == 403


def test_role_permissions(client: TestClient, admin: dict[str, str]) -> None:
    task = first_task(client, admin)
    inspector = login(client, f"insp-{task['cell_code']}")
    operator = login(client, f"op-{task['cell_code'][:6]}")
    files = {"file": ("points.csv", b"latitude,longitude\n", "text/csv")}
    assert client.post("/ingest", files=files, headers=inspector).status_code == 403
    assert (
        client.post("/heat-sources", json={"name": "x", "lon": 112, "lat": 38}, headers=inspector).status_code
        == 403
    )
    assert client.get("/users", headers=operator).status_code == 403
    assert client.get("/users", headers=admin).status_code == 200


def test_unrouted_points_are_for_county_operators(client: TestClient, admin: dict[str, str]) -> None:
    task = first_task(client, admin)
    operator = login(client, f"op-{task['cell_code'][:6]}")
    inspector = login(client, f"insp-{task['cell_code']}")
    unrouted = client.get("/detections", params={"status": "unrouted"}, headers=operator).json()
    assert len(unrouted) >= 1 and all(d["cell_code"] is None for d in unrouted)
    assert client.get("/detections", params={"status": "unrouted"}, headers=inspector).json() == []
    mine = client.get("/detections", headers=inspector).json()
    assert mine and all(d["cell_code"] == task["cell_code"] for d in mine)


def test_api_key_is_scoped_to_its_cell(client: TestClient, admin: dict[str, str], demo_settings: Any) -> None:
    from firegrid.auth.roles import Role
    from firegrid.services.users import create_api_key
    from firegrid.store.db import transaction
    from firegrid.worker.context import build_runtime

    task = first_task(client, admin)
    county = task["cell_code"][:6]
    rt = build_runtime(demo_settings)
    with transaction(rt.sessions) as session:
        _, key = create_api_key(session, "bureau-script", Role.COUNTY_OPERATOR, county)
    rt.close()
    headers = {"X-API-Key": key}
    visible = client.get("/tasks", headers=headers).json()
    assert visible and all(t["cell_code"].startswith(county) for t in visible)
    assert client.get("/tasks", headers={"X-API-Key": "fgk_wrong"}).status_code == 401


@pytest.mark.parametrize(
    "path", ["/incidents", "/incidents.geojson", "/detections", "/tasks", "/grid/tree", "/heat-sources"]
)
def test_lists_need_authentication(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
