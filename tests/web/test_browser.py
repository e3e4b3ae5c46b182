"""The inspector app and the township page in Debian's Chromium (Playwright), offline.

A real uvicorn server on 127.0.0.1 serves the demo data; every request leaving the
loopback is aborted (and counted): the pages must work without the Internet. One
screenshot per page is kept under ``var/test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from firegrid.cli.demo import DEMO_PASSWORD
from firegrid.store.tables import TaskRow
from tests.api.test_tasks import jpeg
from tests.web.conftest import demo_server, need_chromium, offline_page

ARTIFACTS = Path(__file__).parents[2] / "var" / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    need_chromium()
    with demo_server(tmp_path_factory.mktemp("web") / "home") as running:
        yield running


def login(page: Any, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_inspector_sees_the_village_task_and_confirms_with_a_photo(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    runtime = server["runtime"]
    with runtime.sessions() as session:
        task = session.query(TaskRow).order_by(TaskRow.id).first()
        assert task is not None
        task_id, cell = task.id, task.cell_code
        incident = task.incident_id
    lon_lat = httpx.get(f"{server['base']}/incidents.geojson", headers=_token(server, "admin")).json()
    point = next(f for f in lon_lat["features"] if f["id"] == incident)["geometry"]["coordinates"]
    context, page, watch = offline_page(
        browser,
        server["base"],
        geolocation={"longitude": point[0], "latitude": point[1], "accuracy": 10},
        permissions=["geolocation"],
    )
    page.goto(f"{server['base']}/app/")
    login(page, f"insp-{cell}")
    page.wait_for_selector(f".task-card[data-task='{task_id}']")
    assert page.locator(".task-card").count() == 1  # only the task of this village
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-tasks.png"), full_page=True)
    page.click(f".task-card[data-task='{task_id}']")
    page.wait_for_selector("#map .leaflet-interactive")
    page.click("text=签收")
    page.wait_for_selector("text=已到场")
    page.click("button:has-text('已到场')")
    page.wait_for_selector("#photo-input", state="attached")
    photo = tmp_path / "fire.jpg"
    now_local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))  # jpeg() writes +08:00
    photo.write_bytes(jpeg((point[0], point[1]), now_local.strftime("%Y:%m:%d %H:%M:%S")))
    page.set_input_files("#photo-input", str(photo))
    page.wait_for_function(
        "() => [...document.querySelectorAll('#photos img')].some((i) => i.complete && i.naturalWidth > 0)"
    )
    page.click("text=查实(确有火点/扬尘)")
    page.wait_for_function("() => (document.querySelector('#task-status') || {}).textContent === '查实'")
    page.screenshot(path=str(ARTIFACTS / "app-task.png"), full_page=True)
    with runtime.sessions() as session:
        done = session.get_one(TaskRow, task_id)
        assert done.status == "confirmed"
    detail = httpx.get(f"{server['base']}/tasks/{task_id}", headers=_token(server, "admin")).json()
    assert [e["action"] for e in detail["events"]][-3:] == ["acknowledge", "on_site", "verdict"]
    assert detail["events"][-1]["lon"] == pytest.approx(point[0], abs=1e-4)  # the device position
    assert (
        detail["evidence"][0]["distance_m"] < 50 and detail["evidence"][0]["flags"] == []
    )  # near, clocks agree
    assert watch.problems() == []  # nothing loaded from outside, no script or console errors
    context.close()


def test_township_page_map_ranking_and_time_filter(server: dict[str, Any], browser: Any) -> None:
    admin = _token(server, "admin")
    hits = httpx.get(f"{server['base']}/stats/hits.geojson", headers=admin).json()["features"]
    ranking = httpx.get(f"{server['base']}/stats/ranking", headers=admin).json()
    context, page, watch = offline_page(browser, server["base"], viewport={"width": 1400, "height": 900})
    page.goto(f"{server['base']}/map/")
    login(page, "admin")
    page.wait_for_function("() => window.mapReady === true")
    assert int(page.inner_text("#point-count")) == len(hits)
    assert page.locator("path.point").count() == len(hits)  # one marker per point
    names = page.locator("#ranking tbody tr td:nth-child(2)").all_inner_texts()
    assert names[:5] == [r["name"] for r in ranking[:5]]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))
    times = sorted({datetime.fromisoformat(f["properties"]["first_seen"]) for f in hits})
    cut = times[len(times) // 2] if len(times) > 1 else times[0] + timedelta(minutes=1)
    expected = sum(1 for f in hits if datetime.fromisoformat(f["properties"]["first_seen"]) >= cut)
    local = cut.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")  # the server's zone
    page.evaluate("() => { window.mapReady = false; }")
    page.fill("input[name=since]", local)
    page.dispatch_event("#filters", "change")
    page.wait_for_function("() => window.mapReady === true")
    shown = int(page.inner_text("#point-count"))
    assert shown == expected and shown < len(hits)
    page.evaluate("() => { window.mapReady = false; }")
    page.click("button[data-range=everything]")
    page.wait_for_function("() => window.mapReady === true")
    assert int(page.inner_text("#point-count")) == len(hits)
    page.locator("path.point").first.click()  # drill down to the task
    page.wait_for_selector("#detail h3")
    _bins_follow_the_view(page, server, admin, len(hits))
    assert watch.problems() == []
    context.close()


def _bins_follow_the_view(page: Any, server: dict[str, Any], admin: dict[str, str], n_hits: int) -> None:
    """Past the point limit the view's hits come as bins (sized markers, heat); moving the map
    loads the new view's layer."""
    page.evaluate("() => { window.MapData.pointLimit = 0; window.mapReady = false; }")
    page.dispatch_event("#filters", "change")
    page.wait_for_function("() => window.mapReady === true")
    url = page.evaluate("() => window.MapData.hitsUrl")
    layer = httpx.get(server["base"] + url, headers=admin).json()
    assert layer["mode"] == "bins" and layer["total"] == n_hits
    assert page.locator("path.bin").count() == len(layer["bins"]) > 0
    assert (
        int(page.inner_text("#point-count")) == n_hits
        and page.locator("canvas.leaflet-heatmap-layer").count() == 1
    )
    page.screenshot(path=str(ARTIFACTS / "map-bins.png"))
    zoom = page.evaluate("() => firegridState.map.getZoom()")
    page.locator("path.bin").first.click()  # a bin zooms in on itself
    page.wait_for_function(f"() => window.MapData.hitsUrl !== {url!r}")
    assert page.evaluate("() => firegridState.map.getZoom()") == zoom + 2
    page.evaluate("() => { window.MapData.pointLimit = null; }")


def test_the_browser_revalidates_map_layers(server: dict[str, Any], browser: Any) -> None:
    """A filter change asks again for the outlines, which have not changed: the browser's cache sends
    If-None-Match and the server answers 304 (Playwright's request routing would turn the cache off, so
    this page is watched by listening, not routing; it may only talk to the test server)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(f"{server['base']}/map/")
    login(page, "admin")
    page.wait_for_function("() => window.mapReady === true")
    before = _not_modified(server, "/stats/cells/shapes.geojson")
    page.evaluate("() => { window.mapReady = false; }")
    page.select_option("select[name=hazard]", "fire")  # a change event: numbers, ranking and hits again
    page.wait_for_function("() => window.mapReady === true")
    assert _not_modified(server, "/stats/cells/shapes.geojson") == before + 1
    assert hosts == {server["base"].split("/")[2]}
    context.close()


def _not_modified(server: dict[str, Any], route: str) -> float:
    """How many 304 answers the server gave on ``route`` (its Prometheus counter)."""
    metrics = httpx.get(f"{server['base']}/metrics").text
    line = f'firegrid_http_requests_total{{method="GET",route="{route}",status="304"}} '
    return sum(float(m.split()[-1]) for m in metrics.splitlines() if m.startswith(line))


def _token(server: dict[str, Any], username: str) -> dict[str, str]:
    r = httpx.post(f"{server['base']}/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
