"""The map layers over HTTP: ETag/304 and caching headers on each, the caller's subtree, the hit map
of a view against all points, the choropleth's outlines and numbers against the combined layer."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import login

XINZHOU = "110.5,37.5,114.5,40.0"  # the sample grid and the suppressed points around it
LAYERS = [
    ("/stats/hitmap", {"bbox": XINZHOU, "zoom": 9}),
    ("/stats/hitmap", {"bbox": XINZHOU, "zoom": 9, "suppressed": True}),
    ("/stats/hits.geojson", {}),
    ("/stats/cells/shapes.geojson", {"level": "township"}),
    ("/stats/cells/counts.json", {"level": "township"}),
    ("/stats/cells.geojson", {"level": "village"}),
    ("/stats/ranking", {}),
]


@pytest.mark.parametrize(("path", "params"), LAYERS)
def test_every_layer_answers_304_when_unchanged(
    client: TestClient, admin: dict[str, str], path: str, params: dict[str, object]
) -> None:
    first = client.get(path, params=params, headers=admin)
    assert first.status_code == 200 and first.headers["etag"].startswith('"')
    assert first.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in first.headers["vary"]
    again = client.get(path, params=params, headers=admin | {"If-None-Match": first.headers["etag"]})
    assert (
        again.status_code == 304 and again.content == b"" and again.headers["etag"] == first.headers["etag"]
    )
    listed = client.get(
        path, params=params, headers=admin | {"If-None-Match": f'"x", W/{first.headers["etag"]}'}
    )
    assert listed.status_code == 304
    other = client.get(path, params=params, headers=admin | {"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.content == first.content
    reviewer = login(client, "rev-140902001")
    assert client.get(path, params=params, headers=reviewer).headers["etag"] != first.headers["etag"]


def test_hit_map_of_the_whole_area_is_every_point(client: TestClient, admin: dict[str, str]) -> None:
    hits = client.get("/stats/hits.geojson", params={"suppressed": True}, headers=admin).json()["features"]
    layer = client.get(
        "/stats/hitmap", params={"bbox": XINZHOU, "zoom": 8, "suppressed": True}, headers=admin
    )
    body = layer.json()
    assert body["mode"] == "points" and body["total"] == len(hits) >= 15
    assert {f["id"] for f in body["points"]["features"]} == {f["id"] for f in hits}
    statuses: dict[str, int] = {}
    for f in hits:
        statuses[f["properties"]["status"]] = statuses.get(f["properties"]["status"], 0) + 1
    assert body["status"] == dict(sorted(statuses.items())) and body["status"]["suppressed"] >= 2
    x0, _, x1, _ = body["bbox"]
    assert x0 <= 110.5 and x1 >= 114.5 and body["bin_zoom"] == 8
    packed = client.get(
        "/stats/hitmap", params={"bbox": XINZHOU, "zoom": 8}, headers=admin | {"Accept-Encoding": "gzip"}
    )
    assert packed.headers.get("content-encoding") == "gzip"  # httpx decodes it
    assert packed.json()["total"] == body["total"] - body["status"]["suppressed"]
    assert len(gzip.compress(layer.content)) < len(layer.content)


def test_hit_map_keeps_to_the_callers_subtree(client: TestClient, admin: dict[str, str]) -> None:
    hits = client.get("/stats/hits.geojson", headers=admin).json()["features"]
    township = hits[0]["properties"]["cell"][:9]
    reviewer = login(client, f"rev-{township}")
    mine = client.get("/stats/hitmap", params={"bbox": XINZHOU, "zoom": 9}, headers=reviewer).json()
    inside = [f for f in hits if f["properties"]["cell"].startswith(township)]
    assert 0 < mine["total"] == len(inside) < len(hits)
    assert all(f["properties"]["cell"].startswith(township) for f in mine["points"]["features"])
    shapes = client.get("/stats/cells/shapes.geojson", params={"level": "township"}, headers=reviewer).json()
    assert [f["id"] for f in shapes["features"]] == [township]
    counts = client.get("/stats/cells/counts.json", params={"level": "township"}, headers=reviewer).json()
    assert set(counts["cells"]) == {township} and counts["cells"][township]["pushed"] == len(inside)


def test_choropleth_parts_match_the_combined_layer(client: TestClient, admin: dict[str, str]) -> None:
    for level in ("township", "village"):
        combined = client.get("/stats/cells.geojson", params={"level": level}, headers=admin).json()
        shapes = client.get("/stats/cells/shapes.geojson", params={"level": level}, headers=admin).json()
        counts = client.get("/stats/cells/counts.json", params={"level": level}, headers=admin).json()[
            "cells"
        ]
        assert [f["id"] for f in shapes["features"]] == [f["id"] for f in combined["features"]]
        assert [f["geometry"] for f in shapes["features"]] == [f["geometry"] for f in combined["features"]]
        for feature in combined["features"]:
            p = feature["properties"]
            if p["pushed"]:
                assert counts[p["code"]] == {k: p[k] for k in ("pushed", "confirmed", "per_100km2")}
            else:
                assert p["code"] not in counts


def test_a_task_change_renews_the_numbers_but_not_the_outlines(
    client: TestClient, admin: dict[str, str]
) -> None:
    params = {"level": "township"}
    shapes = client.get("/stats/cells/shapes.geojson", params=params, headers=admin).headers["etag"]
    counts = client.get("/stats/cells/counts.json", params=params, headers=admin).headers["etag"]
    view = {"bbox": XINZHOU, "zoom": 9}
    layer = client.get("/stats/hitmap", params=view, headers=admin).headers["etag"]
    task = next(t for t in client.get("/tasks", headers=admin).json() if t["status"] in ("new", "dispatched"))
    inspector = login(client, f"insp-{task['cell_code']}")
    assert client.post(f"/tasks/{task['id']}/acknowledge", json={}, headers=inspector).status_code == 200
    assert (
        client.get("/stats/hitmap", params=view, headers=admin | {"If-None-Match": layer}).status_code == 200
    )
    again = client.get(
        "/stats/cells/shapes.geojson", params=params, headers=admin | {"If-None-Match": shapes}
    )
    assert again.status_code == 304
    renewed = client.get("/stats/cells/counts.json", params=params, headers=admin | {"If-None-Match": counts})
    assert renewed.status_code == 200  # updated_at of the task moved the data version
    point = next(
        f
        for f in client.get("/stats/hitmap", params=view, headers=admin).json()["points"]["features"]
        if f["properties"]["task"] == task["id"]
    )
    assert point["properties"]["status"] in ("acknowledged", "overdue")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"bbox": "112,38,113", "zoom": 9}, "bbox"),
        ({"bbox": "113,38,112,39", "zoom": 9}, "bbox"),
        ({"bbox": "112,38,200,39", "zoom": 9}, "bbox"),
        ({"bbox": XINZHOU, "zoom": 40}, "zoom"),
    ],
)
def test_bad_views_are_refused_by_name(
    client: TestClient, admin: dict[str, str], params: dict[str, object], words: str
) -> None:
    response = client.get("/stats/hitmap", params=params, headers=admin)
    assert response.status_code in (400, 422) and words in response.text


def test_my_tasks_answer_304_until_a_task_of_mine_changes(client: TestClient, admin: dict[str, str]) -> None:
    task = next(t for t in client.get("/tasks", headers=admin).json() if t["status"] in ("new", "dispatched"))
    inspector = login(client, f"insp-{task['cell_code']}")
    first = client.get("/tasks/mine", headers=inspector)
    etag = first.headers["etag"]
    assert first.status_code == 200 and any(c["id"] == task["id"] for c in first.json())
    assert client.get("/tasks/mine", headers=inspector | {"If-None-Match": etag}).status_code == 304
    assert client.get("/tasks/mine", params={"done": True}, headers=inspector).headers["etag"] != etag
    assert client.post(f"/tasks/{task['id']}/acknowledge", json={}, headers=inspector).status_code == 200
    renewed = client.get("/tasks/mine", headers=inspector | {"If-None-Match": etag})
    assert renewed.status_code == 200 and renewed.headers["etag"] != etag
    assert next(c for c in renewed.json() if c["id"] == task["id"])["status"] == "acknowledged"
