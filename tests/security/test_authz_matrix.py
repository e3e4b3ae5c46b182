"""The authorisation matrix: every API endpoint × every role, and own vs other grid subtree.

Each route's required permission is read from its dependencies (``require(Permission.X)``), so a new
endpoint joins the matrix without editing this file. Expectations: no credentials → 401; a role without the
permission → 403; a role with it → neither (404/422/... are fine: the dummy ids do not exist).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from firegrid.api import routes as routes_pkg
from firegrid.auth.roles import ROLE_PERMISSIONS, Permission, Role
from tests.api.conftest import login

PUBLIC = {
    "/health",
    "/ready",
    "/metrics",
    "/auth/token",
    "/push/key",
    "/i18n/messages.json",
    "/tiles/{z}/{x}/{y}",
}
USERS = {
    Role.INSPECTOR: "insp-{village}",
    Role.TOWNSHIP_REVIEWER: "rev-{township}",
    Role.COUNTY_OPERATOR: "op-{county}",
    Role.ADMIN: "admin",
}


def _permission(dependant: Dependant) -> Permission | None:
    """The permission a ``require(...)`` dependency in this tree checks."""
    for dep in dependant.dependencies:
        call = dep.call
        closure = getattr(call, "__closure__", None) or ()
        for cell in closure:
            if isinstance(cell.cell_contents, Permission):
                return cell.cell_contents
        found = _permission(dep)
        if found is not None:
            return found
    return None


def api_routes() -> list[tuple[str, str, Permission | None]]:
    """(method, path, permission) of every API route."""
    out = []
    for info in pkgutil.iter_modules(routes_pkg.__path__):
        module = importlib.import_module(f"{routes_pkg.__name__}.{info.name}")
        for route in getattr(module, "router").routes:  # noqa: B009 - every route module has one
            if isinstance(route, APIRoute):
                for method in sorted(route.methods - {"HEAD"}):
                    out.append((method, route.path, _permission(route.dependant)))
    return sorted(set(out), key=lambda r: (r[1], r[0]))


ROUTES = api_routes()


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    url = re.sub(r"\{[^}]+\}", "999999", path)
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, url, **kwargs).status_code


@pytest.fixture(scope="module")
def tokens(client: TestClient, admin: dict[str, str]) -> dict[Role, dict[str, str]]:
    task = client.get("/tasks", headers=admin).json()[0]
    cell = task["cell_code"]
    names = {r: u.format(village=cell, township=cell[:9], county=cell[:6]) for r, u in USERS.items()}
    return {role: login(client, name) for role, name in names.items()}


def test_the_matrix_covers_the_api() -> None:
    assert len(ROUTES) > 60
    assert any(p is Permission.MANAGE_USERS for _, _, p in ROUTES)
    assert any(p is Permission.INGEST for _, _, p in ROUTES)


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_endpoint_by_role(
    client: TestClient,
    tokens: dict[Role, dict[str, str]],
    method: str,
    path: str,
    permission: Permission | None,
) -> None:
    if path in PUBLIC:
        assert _call(client, method, path, {}) not in (401, 403)
        return
    assert _call(client, method, path, {}) == 401, f"{method} {path} answers without credentials"
    needed = permission or Permission.READ
    for role, headers in tokens.items():
        status = _call(client, method, path, headers)
        if needed in ROLE_PERMISSIONS[role]:
            assert status not in (401, 403), f"{role} should reach {method} {path}, got {status}"
        else:
            assert status == 403, f"{role} must not reach {method} {path}, got {status}"


def _task_in_other_county(client: TestClient, admin: dict[str, str], county: str) -> dict[str, Any] | None:
    return next(
        (t for t in client.get("/tasks", headers=admin).json() if not t["cell_code"].startswith(county)), None
    )


TASK_READS = ["/tasks/{id}", "/incidents/{incident}", "/incidents/{incident}/changes"]
TASK_ACTIONS = [
    "/tasks/{id}/acknowledge",
    "/tasks/{id}/on-site",
    "/tasks/{id}/verdict",
    "/tasks/{id}/handled",
]


def test_own_versus_other_subtree(client: TestClient, admin: dict[str, str]) -> None:
    tasks = client.get("/tasks", headers=admin).json()
    own = tasks[0]
    other = next(t for t in tasks if t["cell_code"][:9] != own["cell_code"][:9])
    for name in (f"insp-{own['cell_code']}", f"rev-{own['cell_code'][:9]}"):
        headers = login(client, name)
        for template in TASK_READS:
            for task, visible in ((own, True), (other, False)):
                url = template.format(id=task["id"], incident=task["incident_id"])
                status = client.get(url, headers=headers).status_code
                assert (status != 404) if visible else (status == 404), f"{name} GET {url}: {status}"
        if name.startswith("insp-"):
            for template in TASK_ACTIONS:
                url = template.format(id=other["id"])
                assert client.post(url, json={}, headers=headers).status_code in (404, 422), url
    county = own["cell_code"][:6]
    foreign = _task_in_other_county(client, admin, county)
    operator = login(client, f"op-{county}")
    lists = ["/tasks", "/incidents"]
    for url in lists:
        rows = client.get(url, headers=operator).json()
        assert rows and all(r["cell_code"].startswith(county) for r in rows if r.get("cell_code")), url
    if foreign is not None:
        assert client.get(f"/tasks/{foreign['id']}", headers=operator).status_code == 404
