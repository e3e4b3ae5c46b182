"""Nobody but an admin silences another county's fires: heat sources (by hand, by file, from proposals,
from the mask) must lie inside the writer's subtree and within the radius limit, are audited, and a
refused attempt leaves the alarms paging."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from firegrid.auth.roles import Principal, Role
from firegrid.config import Settings
from firegrid.detect.detections import Detections
from firegrid.errors import InputError
from firegrid.grid.ownership import owner_path, point_owner
from firegrid.services.heat_sources import add_heat_source
from firegrid.services.ingest import ingest_detections
from firegrid.services.ownership import Writer, active_tree
from firegrid.store.db import transaction
from firegrid.store.tables import HeatSourceProposal, TaskRow
from firegrid.suppress.heat_sources import from_point
from firegrid.worker.context import build_runtime
from tests.api.conftest import login

OWN, OTHER = "140902", "140922"


@pytest.fixture(scope="module")
def places(demo_settings: Settings) -> dict[str, tuple[float, float]]:
    """A village point of each county (the representative point of its first village)."""
    rt = build_runtime(demo_settings)
    with rt.sessions() as session:
        tree = active_tree(session)
    rt.close()
    assert tree is not None
    found = {}
    for county in (OWN, OTHER):
        village = next(c for c in tree if c.level == "village" and c.code.startswith(county))
        point = village.geometry.representative_point()
        found[county] = (point.x, point.y)
    return found


def test_an_operator_cannot_silence_another_county(
    client: TestClient, admin: dict[str, str], demo_settings: Settings, places: dict[str, tuple[float, float]]
) -> None:
    operator = login(client, f"op-{OWN}")
    lon, lat = places[OTHER]
    attempt = {"name": "假热源", "lon": lon, "lat": lat, "radius_m": 20000, "registry": "manual"}
    refused = client.post("/heat-sources", json=attempt, headers=operator)
    assert refused.status_code == 403 and OWN in refused.json()["detail"], refused.text
    small = client.post("/heat-sources", json={**attempt, "radius_m": 50}, headers=operator)
    assert small.status_code == 403, small.text  # however small: it is not the operator's county
    mine = {h["id"] for h in client.get("/heat-sources", headers=operator).json()}
    theirs = next(h for h in client.get("/heat-sources", headers=admin).json() if h["id"] not in mine)
    assert client.delete(f"/heat-sources/{theirs['id']}", headers=operator).status_code == 404
    assert all(
        h["is_active"] for h in client.get("/heat-sources", headers=admin).json() if h["id"] == theirs["id"]
    )
    rt = build_runtime(demo_settings)  # a fire there still pages: stored as new, with a task
    try:
        when = datetime(2026, 4, 3, 5, 0, tzinfo=UTC)
        points = Detections.from_columns(
            lon=[lon], lat=[lat], observed_at=[when], source_kind="satellite_product", sensor="VIIRS",
            platform="N20", confidence=[0.9],
        )  # fmt: skip
        summary = ingest_detections(rt.ingest, points, label="after the attempt")
    finally:
        rt.close()
    assert summary.tasks_new == 1 and summary.suppressed == 0, summary


def test_files_and_proposals_of_another_county_are_refused(
    client: TestClient, admin: dict[str, str], demo_settings: Settings, places: dict[str, tuple[float, float]]
) -> None:
    operator = login(client, f"op-{OWN}")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(places[county])},
            "properties": {"id": f"f-{county}", "name": county, "kind": "industrial", "radius_m": 100},
        }
        for county in (OWN, OTHER)
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    result = client.post(
        "/heat-sources/import", files={"file": ("hs.geojson", body)}, headers=operator
    ).json()
    assert result["new"] == 1 and len(result["errors"]) == 1 and "f-140922" in result["errors"][0]["message"]
    rt = build_runtime(demo_settings)
    try:
        with transaction(rt.sessions) as session:
            task = session.scalars(select(TaskRow).where(TaskRow.cell_path.contains(f"/{OTHER}/"))).first()
            assert task is not None
            proposal = HeatSourceProposal(
                task_id=task.id, incident_id=task.incident_id, lon=places[OTHER][0], lat=places[OTHER][1],
                proposed_by="insp", owner_path=task.cell_path,
            )  # fmt: skip
            session.add(proposal)
            session.flush()
            proposal_id = proposal.id
    finally:
        rt.close()
    decided = client.post(f"/heat-sources/proposals/{proposal_id}", json={"accept": True}, headers=operator)
    assert decided.status_code == 404
    mine = client.get("/heat-sources/proposals", headers=operator).json()
    assert proposal_id not in [p["id"] for p in mine]
    assert proposal_id in [p["id"] for p in client.get("/heat-sources/proposals", headers=admin).json()]


def test_every_change_of_a_heat_source_is_audited(
    client: TestClient, places: dict[str, tuple[float, float]]
) -> None:
    operator = login(client, f"op-{OWN}")
    lon, lat = places[OWN]
    made = client.post(
        "/heat-sources", json={"name": "砖厂", "lon": lon, "lat": lat, "radius_m": 40, "registry": "audit"},
        headers=operator,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    source_id = made.json()["id"]
    assert client.delete(f"/heat-sources/{source_id}", headers=operator).status_code == 204
    events = client.get(
        "/audit/registry", params={"kind": "heat_source", "object_id": source_id}, headers=operator
    ).json()
    assert [e["action"] for e in events] == ["deactivate", "create"]
    assert all(e["actor"] == f"op-{OWN}" and e["at"] for e in events)
    assert events[1]["detail"]["radius_m"] == 40 and events[1]["detail"]["name"] == "砖厂"
    other = login(client, f"op-{OTHER}")
    theirs = client.get("/audit/registry", params={"object_id": source_id}, headers=other).json()
    assert theirs == []  # another county does not read this county's audit


def test_the_radius_is_bounded_except_for_admins(demo_settings: Settings) -> None:
    rt = build_runtime(demo_settings)
    try:
        with rt.sessions() as session:
            tree = active_tree(session)
            assert tree is not None
            city = next(c.code for c in tree.children(None))
            centre = tree[next(c.code for c in tree.children(city))].geometry.representative_point()
            big = from_point("大片", "industrial", centre.x, centre.y, 8000, "big")
            assert owner_path(tree, big.geometry).startswith(city)
            citywide = Principal("op-city", Role.COUNTY_OPERATOR, None, (city,))
            with pytest.raises(InputError, match="8000 m"):
                add_heat_source(session, big, "bounded", Writer.of(citywide, tree), 5000)
            admin = Principal("admin", Role.ADMIN, None, None)
            row = add_heat_source(session, big, "bounded", Writer.of(admin, tree), 5000)
            assert row.owner_path == owner_path(tree, big.geometry)
            assert point_owner(tree, centre.x, centre.y).startswith(row.owner_path)
            session.rollback()
    finally:
        rt.close()


def test_cameras_and_sites_cannot_vouch_for_another_county(
    client: TestClient, admin: dict[str, str], places: dict[str, tuple[float, float]]
) -> None:
    """A camera counts for the compliance of the site it watches: only a site of the writer's area."""
    (lon, lat), (olon, olat) = places[OWN], places[OTHER]
    ring = [[olon, olat], [olon + 0.001, olat], [olon + 0.001, olat + 0.001], [olon, olat]]
    site = {"id": "vouch-theirs", "name": "他县工地", "polygon": {"type": "Polygon", "coordinates": [ring]}}
    assert client.post("/sites", json=site, headers=admin).status_code == 201
    camera = {
        "lon": olon, "lat": olat, "stream": {"kind": "snapshot", "url": "http://127.0.0.1:9/s.jpg"},
        "presets": [{"name": "n", "pan_deg": 0, "hfov_deg": 45}],
    }  # fmt: skip
    assert client.put("/cameras/vouch-their-cam", json=camera, headers=admin).status_code == 200
    operator = login(client, f"op-{OWN}")
    mine = {**camera, "lon": lon, "lat": lat, "site_id": "vouch-theirs"}
    assert client.put("/cameras/vouch-mine", json=mine, headers=operator).status_code == 403
    ring = [[lon, lat], [lon + 0.0005, lat], [lon + 0.0005, lat + 0.0005], [lon, lat]]
    own_site = {"id": "vouch-mine", "name": "x", "polygon": {"type": "Polygon", "coordinates": [ring]}}
    claimed = client.post("/sites", json={**own_site, "cameras": ["vouch-their-cam"]}, headers=operator)
    assert claimed.status_code == 403, claimed.text
    assert client.post("/sites", json=own_site, headers=operator).status_code == 201
