"""The inspector app and the township page in Debian's Chromium (Playwright), offline.

A real uvicorn server on 127.0.0.1 serves the demo data; every request leaving the
loopback is aborted (and counted): the pages must work without the Internet. One
screenshot per page is kept under ``var/test-artifacts/``.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn

from firegrid.api.app import create_app
from firegrid.cli.demo import DEMO_PASSWORD, prepare
from firegrid.config import Settings
from firegrid.store.db import migrate
from firegrid.store.tables import TaskRow
from firegrid.worker.context import build_runtime
from tests import servers
from tests.api.test_tasks import jpeg

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "var" / "test-artifacts"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not Path(CHROMIUM).is_file():
        if os.environ.get("FIREGRID_REQUIRE_SERVICES") == "1":
            pytest.fail("Debian's chromium is required (FIREGRID_REQUIRE_SERVICES=1)")
        pytest.skip("chromium is not installed; `make test` installs it")
    home = tmp_path_factory.mktemp("web") / "home"
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    prepare(runtime)
    port = servers.free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started, "uvicorn did not start"
    yield {"base": f"http://127.0.0.1:{port}", "runtime": runtime}
    instance.should_exit = True
    thread.join(10)
    runtime.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def offline_page(browser: Any, **context_options: Any) -> tuple[Any, Any, list[str]]:
    """A page whose requests outside 127.0.0.1 are aborted and recorded."""
    context = browser.new_context(**context_options)
    outside: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "blob:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, outside + errors


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
    context, page, problems = offline_page(
        browser,
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
        "[...document.querySelectorAll('#photos img')].some((i) => i.complete && i.naturalWidth > 0)"
    )
    page.click("text=查实(确有火点/扬尘)")
    page.wait_for_function("(document.querySelector('#task-status') || {}).textContent === '查实'")
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
    assert problems == []  # nothing loaded from outside, no script errors
    context.close()


def test_township_page_map_ranking_and_time_filter(server: dict[str, Any], browser: Any) -> None:
    admin = _token(server, "admin")
    hits = httpx.get(f"{server['base']}/stats/hits.geojson", headers=admin).json()["features"]
    ranking = httpx.get(f"{server['base']}/stats/ranking", headers=admin).json()
    context, page, problems = offline_page(browser, viewport={"width": 1400, "height": 900})
    page.goto(f"{server['base']}/map/")
    login(page, "admin")
    page.wait_for_function("window.mapReady === true")
    assert int(page.inner_text("#point-count")) == len(hits)
    assert page.locator("path.point").count() == len(hits)  # one marker per point
    names = page.locator("#ranking tbody tr td:nth-child(2)").all_inner_texts()
    assert names[:5] == [r["name"] for r in ranking[:5]]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))
    times = sorted({datetime.fromisoformat(f["properties"]["first_seen"]) for f in hits})
    cut = times[len(times) // 2] if len(times) > 1 else times[0] + timedelta(minutes=1)
    expected = sum(1 for f in hits if datetime.fromisoformat(f["properties"]["first_seen"]) >= cut)
    local = cut.astimezone().strftime("%Y-%m-%dT%H:%M")
    page.evaluate("window.mapReady = false")
    page.fill("input[name=since]", local)
    page.dispatch_event("#filters", "change")
    page.wait_for_function("window.mapReady === true")
    shown = int(page.inner_text("#point-count"))
    assert shown == expected and shown < len(hits)
    page.evaluate("window.mapReady = false")
    page.click("button[data-range=everything]")
    page.wait_for_function("window.mapReady === true")
    assert int(page.inner_text("#point-count")) == len(hits)
    page.locator("path.point").first.click()  # drill down to the task
    page.wait_for_selector("#detail h3")
    assert problems == []
    context.close()


def _token(server: dict[str, Any], username: str) -> dict[str, str]:
    r = httpx.post(f"{server['base']}/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


_ = io
