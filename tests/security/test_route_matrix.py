"""Authorisation as data, walked: every route of the app × every role × own / other subtree.

The routes come from the app's route table and their declarations (``api/access.py``): a route
without one, a write route without a sample request below, or a path parameter the world cannot
fill fails ``test_every_route_is_declared`` — so a route added later fails CI until it is declared
and exercised here. For every route and role:

* no credentials → 401 (public routes: never 401/403);
* a role without the declared permission → 403;
* own subtree (objects in a village inside every test user's subtree) → 2xx, or 409 when the state
  machine refuses; at least one role gets a 2xx, so the route really works on own objects;
* other subtree (objects in another county) → 403/404 for everyone but admin (imports: 200 with
  every row refused), and every row of the other county is unchanged afterwards;
* what a non-admin reads never names an object of the other county.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from firegrid.api.access import Access, At, declared
from firegrid.api.app import create_app
from firegrid.auth.roles import ROLE_PERMISSIONS, Role
from firegrid.cli.demo import prepare
from firegrid.config import Settings
from firegrid.store.db import migrate
from firegrid.store.tables import DetectionRow
from firegrid.worker.context import Runtime, build_runtime
from tests.api.conftest import login
from tests.security import matrix_world
from tests.security.matrix_world import MARK, Side, camera_body, jpeg
from tests.sites.test_sites import rectangle

ROLES = (Role.INSPECTOR, Role.CHIEF, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OPERATOR, Role.ADMIN)
GOOD = range(200, 300)
SECRET = "zz-secret"  # the token in every camera URL of the world


@dataclass(frozen=True)
class Call:
    """A sample request; ``refused`` says whether an answer means "not done" (default: 403/404);
    ``also_ok``: statuses a role may get on its own objects because a role before it already did it."""

    kwargs: dict[str, Any]
    refused: Callable[[httpx.Response], bool] | None = None
    also_ok: tuple[int, ...] = ()


def _all_rows_refused(response: httpx.Response) -> bool:
    body = response.json()
    return response.status_code == 200 and body["new"] + body["updated"] == 0 and bool(body["errors"])


def _site(side: Side) -> dict[str, Any]:
    polygon = rectangle(side.lon + 1e-4, side.lat + 1e-4, 30, 30)
    return {"id": f"site-{MARK[side.name]}", "name": "x", "polygon": shapely.geometry.mapping(polygon)}


def _geojson(features: list[dict[str, Any]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _heat_file(side: Side) -> Call:
    point = {"type": "Point", "coordinates": [side.lon, side.lat]}
    props = {"id": f"file-{MARK[side.name]}", "name": "x", "kind": "industrial", "radius_m": 20}
    body = _geojson([{"type": "Feature", "geometry": point, "properties": props}])
    return Call({"files": {"file": ("hs.geojson", body)}}, _all_rows_refused)


def _site_file(side: Side) -> Call:
    site = _site(side)
    props = {"site_id": site["id"], "name": "x"}
    body = _geojson([{"type": "Feature", "geometry": site["polygon"], "properties": props}])
    return Call({"files": {"file": ("sites.geojson", body)}}, _all_rows_refused)


SH = {"bbox": [112, 38, 113, 39], "start": "2026-04-01T00:00:00Z", "end": "2026-04-02T00:00:00Z"}
FIRMS = "latitude,longitude,acq_date,acq_time,satellite,instrument,confidence,frp,daynight\n"
RECIPES: dict[tuple[str, str], Callable[[Side, Runtime], Call | None]] = {
    ("POST", "/auth/token"): lambda s, w: Call({"data": {"username": "admin", "password": "firegrid-demo"}}),
    ("POST", "/ingest"): lambda s, w: (
        None
        if s.name == "other"
        else Call({"files": {"file": ("f.csv", f"{FIRMS}{s.lat},{s.lon},2026-04-02,0300,N,VIIRS,n,3,D\n")}})
    ),
    ("POST", "/scenes"): lambda s, w: None if s.name == "other" else Call({"json": {"sentinelhub": SH}}),
    ("PUT", "/sources/{name}"): lambda s, w: Call({"json": {"kind": "firms_file"}}),
    ("PUT", "/cameras/{camera_id}"): lambda s, w: Call({"json": camera_body(s, f"cam-{MARK[s.name]}")}),
    ("POST", "/grid/import"): lambda s, w: Call({"files": {"file": ("g.geojson", b"{}")}}),
    ("POST", "/tasks/{task_id}/acknowledge"): lambda s, w: Call({"json": {}}),
    ("POST", "/tasks/{task_id}/on-site"): lambda s, w: Call({"json": {}}),
    ("POST", "/tasks/{task_id}/handled"): lambda s, w: Call({"json": {}}),
    ("POST", "/tasks/{task_id}/close"): lambda s, w: Call({"json": {}}),
    ("POST", "/tasks/{task_id}/evidence"): lambda s, w: Call({"files": {"photo": ("p.jpg", jpeg())}}),
    ("POST", "/tasks/{task_id}/verdict"): lambda s, w: Call({"json": {"verdict": "confirmed"}}),
    ("POST", "/tasks/{task_id}/reassign"): lambda s, w: Call({"json": {"cell_code": s.village}}),
    ("POST", "/tasks/{task_id}/merge"): lambda s, w: Call({"json": {"into": s.ids["task_id"]}}),
    ("POST", "/heat-sources"): lambda s, w: Call(
        {"json": {"name": "x", "lon": s.lon, "lat": s.lat, "radius_m": 20, "registry": "matrix"}}
    ),
    ("POST", "/heat-sources/import"): lambda s, w: _heat_file(s),
    ("POST", "/sites"): lambda s, w: Call({"json": _site(s)}),
    ("POST", "/sites/import"): lambda s, w: _site_file(s),
    ("POST", "/sites/monitors/{mn}/readings"): lambda s, w: Call({"json": {"at": "2026-04-02T00:00:00Z"}}),
    ("POST", "/users"): lambda s, w: (
        None
        if s.name == "other"
        else Call({"json": {"username": "u-zz", "password": "pw-long-enough-1", "role": "inspector"}})
    ),
    ("POST", "/push/subscriptions"): lambda s, w: Call({"json": _subscription()}),
    ("DELETE", "/push/subscriptions"): lambda s, w: Call({"json": _subscription()}),
    ("POST", "/notify/robots"): lambda s, w: Call(
        {"json": {"name": "r", "kind": "wecom", "cell_code": s.village, "url": "http://127.0.0.1:9/r?key=k"}}
    ),
    ("POST", "/incidents/{incident_id}/split"): lambda s, rt: Call(
        {"json": {"detection_ids": _detections(rt, s)[:1]}},
        also_ok=(400,),  # 400: nothing left to split
    ),
    ("POST", "/heat-sources/proposals/{proposal_id}"): lambda s, w: Call(
        {"json": {"accept": True, "radius_m": 20}}
    ),
    ("POST", "/heat-mask/candidates/{candidate_id}"): lambda s, w: Call({"json": {"accept": True}}),
    # a view over both counties: what a non-admin gets must still name nothing of the other
    ("GET", "/stats/hitmap"): lambda s, w: Call({"params": {"bbox": "110,35,116,42", "zoom": 8}}),
}
# the task routes act on a task in the state they need
TASK_IN_STATE = {
    "/tasks/{task_id}/verdict": "task_on_site",
    "/tasks/{task_id}/handled": "task_confirmed",
    "/tasks/{task_id}/close": "task_handled",
    "/tasks/{task_id}/merge": "task_dup",
}
FIXED = {"fmt": "csv", "kind": "frame", "z": "0", "x": "0", "y": "0"}


def _subscription() -> dict[str, Any]:
    return {"endpoint": "http://127.0.0.1:9/push/zz", "keys": {"p256dh": "B" * 20, "auth": "a" * 8}}


def _detections(rt: Runtime, side: Side) -> list[int]:
    with rt.sessions() as session:
        query = select(DetectionRow.id).where(DetectionRow.incident_id == side.ids["incident_id"])
        return list(session.scalars(query.order_by(DetectionRow.id)))


def _routes() -> list[tuple[str, str, APIRoute]]:
    app = create_app(Settings(home=Path("/nonexistent-firegrid-home"), _env_file=None))  # type: ignore[call-arg]
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            out += [(m, context.path, route) for m in sorted(route.methods - {"HEAD"})]
    return sorted(out, key=lambda r: (r[1], r[0]))


ROUTES = _routes()
PARAM = re.compile(r"\{([^}:]+)[^}]*\}")


def test_every_route_is_declared() -> None:
    problems = []
    for method, path, route in ROUTES:
        access = declared(route)
        if access is None:
            problems.append(f"{method} {path}: no access(...) declaration")
            continue
        if access.at is not At.PUBLIC and route.body_field is not None and (method, path) not in RECIPES:
            problems.append(f"{method} {path}: no sample request in RECIPES")
        for param in PARAM.findall(path):
            if param not in FIXED and _key(param, access) is None:
                problems.append(f"{method} {path}: no object for {{{param}}} in the world")
    assert not problems, "\n".join(problems)
    assert len(ROUTES) > 70


def _key(param: str, access: Access) -> str | None:
    keys = [f"{param}@{r}" for r in (*access.reads, *access.writes)] + [param]
    own = {**WORLD_KEYS}
    return next((k for k in keys if k in own), None)


WORLD_KEYS = dict.fromkeys(
    [
        "task_id",
        "incident_id",
        "change_id",
        "evidence_id",
        "camera_id",
        "event_id",
        "site_id",
        "mn",
        "name",
        "source_id",
        "robot_id",
        "proposal_id",
        "candidate_id",
        "code",
        "job_id@ingest_jobs",
        "job_id@scene_jobs",
    ]
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Runtime, dict[str, Side]]]:
    settings = Settings(  # type: ignore[call-arg]
        home=tmp_path_factory.mktemp("matrix") / "home", _env_file=None, tasks={"verdict_needs_photo": False}
    )
    rt = build_runtime(settings)
    migrate(rt.engine)
    prepare(rt)
    sides = matrix_world.build(rt)
    with TestClient(create_app(settings)) as client:
        yield client, rt, sides
    rt.close()


@pytest.fixture(scope="module")
def tokens(world: tuple[TestClient, Runtime, dict[str, Side]]) -> dict[Role, dict[str, str]]:
    client, _, sides = world
    village = sides["own"].village
    names = {
        Role.INSPECTOR: f"insp-{village}",
        Role.CHIEF: f"chief-{village}",
        Role.TOWNSHIP_REVIEWER: f"rev-{village[:9]}",
        Role.COUNTY_OPERATOR: f"op-{village[:6]}",
        Role.ADMIN: "admin",
    }
    return {role: login(client, name) for role, name in names.items()}


def _url(path: str, route: APIRoute, side: Side) -> str:
    access = declared(route)
    assert access is not None

    def fill(match: re.Match[str]) -> str:
        param = match.group(1)
        if param in FIXED:
            return FIXED[param]
        if param == "task_id" and path in TASK_IN_STATE:
            return str(side.ids[TASK_IN_STATE[path]])
        key = _key(param, access)
        assert key is not None
        return str(side.ids[key])

    return PARAM.sub(fill, path)


def _leaks(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    text = response.text if ("json" in kind or "text" in kind or "xml" in kind) else ""
    return MARK["other"] in text


@pytest.mark.parametrize(("method", "path", "route"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_by_role_and_subtree(
    world: tuple[TestClient, Runtime, dict[str, Side]],
    tokens: dict[Role, dict[str, str]],
    method: str,
    path: str,
    route: APIRoute,
) -> None:
    client, rt, sides = world
    access = declared(route)
    assert access is not None, f"{method} {path} is not declared"
    recipe = RECIPES.get((method, path), lambda s, rt: Call({}))
    own = recipe(sides["own"], rt)
    assert own is not None
    anonymous = client.request(method, _url(path, route, sides["own"]), **own.kwargs)
    if access.at is At.PUBLIC:
        assert anonymous.status_code not in (401, 403), f"{method} {path} (public): {anonymous.status_code}"
        return
    assert anonymous.status_code == 401, f"{method} {path} answers without credentials"
    before = matrix_world.fingerprint(rt, sides["other"].path)
    worked, failures = False, []
    for role in ROLES:
        if role is Role.ADMIN:
            after = matrix_world.fingerprint(rt, sides["other"].path)
            if after != before:
                failures.append("a non-admin role changed the other county's rows")
        objects = [p for p in PARAM.findall(path) if p not in FIXED]
        two_sided = access.at is At.SUBTREE and (bool(objects) or method != "GET")
        for side_name in ("own", "other") if two_sided else ("own",):
            call = recipe(sides[side_name], rt)
            if call is None:
                continue
            response = client.request(
                method, _url(path, route, sides[side_name]), headers=tokens[role], **call.kwargs
            )
            problem = _judge(access, role, side_name, call, response)
            if problem:
                failures.append(
                    f"{role} {side_name}: {problem} ({response.status_code} {response.text[:160]})"
                )
            worked = worked or (side_name == "own" and response.status_code in GOOD)
    if access.at is not At.DEPLOYMENT and not worked:
        failures.append("no role could use the route on its own objects")
    assert not failures, f"{method} {path}:\n" + "\n".join(failures)


def _judge(access: Access, role: Role, side: str, call: Call, response: httpx.Response) -> str | None:
    status = response.status_code
    assert access.needs is not None
    if access.needs not in ROLE_PERMISSIONS[role]:
        return None if status == 403 else f"must be refused (403) without {access.needs}"
    if access.at is At.DEPLOYMENT:
        return None if status not in (401, 403, 404) and status < 500 else "a permitted role must reach it"
    if SECRET in response.text:
        return "returns a secret of a camera URL"
    if side == "own" or role is Role.ADMIN:
        if status not in GOOD and status != 409 and status not in call.also_ok:
            return "must work on objects of the caller's subtree"
        if role is not Role.ADMIN and side == "own" and _leaks(response):
            return "names an object of another county"
        return None
    refused = call.refused(response) if call.refused else status in (403, 404)
    return None if refused else "must refuse objects of another county (403/404)"
