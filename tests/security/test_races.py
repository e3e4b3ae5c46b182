"""Racing requests on one task against a real ``firegrid serve`` (two uvicorn processes, each with
its thread pool) on SQLite and on PostgreSQL: exactly one request wins a transition, the others get
a 409 naming the state the task is in now, and the audit trail holds one event per real change."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from firegrid import i18n
from firegrid.cli.demo import DEMO_PASSWORD, prepare
from firegrid.store.db import migrate
from firegrid.store.tables import HeatSourceRow, RegistryEvent, TaskEvent
from firegrid.worker.context import Runtime, build_runtime
from tests import servers
from tests.reliability.helpers import settings_for
from tests.servers import free_port
from tests.worker.helpers import stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services]
RACERS = 20


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Runtime]]:
    """The demo data on the given database, served by ``firegrid serve --workers 2``."""
    tmp_path = tmp_path_factory.mktemp(f"race-{request.param}")
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'firegrid.db'}"
    if request.param == "postgresql":
        url = servers.create_database(request.getfixturevalue("postgres_url"), f"race_{uuid.uuid4().hex[:8]}")
    settings = settings_for(home, url)
    rt = build_runtime(settings)
    migrate(rt.engine)
    prepare(rt)
    port = free_port()
    env = {
        **os.environ,
        "FIREGRID_HOME": str(home),
        "FIREGRID_DATABASE_URL": url,
        "FIREGRID_TASKS__VERDICT_NEEDS_PHOTO": "false",
        "FIREGRID_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "firegrid",
        "serve",
        "--port",
        str(port),
        "--no-worker",
        "--workers",
        "2",
    ]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base) or server.poll() is not None, 120, "firegrid serve")
        assert server.poll() is None, (tmp_path / "serve.log").read_text()
        yield base, rt
    finally:
        stop(server)
        log.close()
        rt.close()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _login(base: str, username: str) -> dict[str, str]:
    token = httpx.post(f"{base}/auth/token", data={"username": username, "password": DEMO_PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _race(
    url: str, headers: dict[str, str], bodies: list[dict[str, Any]], method: str = "POST"
) -> list[httpx.Response]:
    """Send every body at once (one client per thread, released together by a barrier)."""
    start, out = threading.Barrier(len(bodies)), [None] * len(bodies)

    def one(i: int) -> None:
        with httpx.Client(timeout=60) as client:
            start.wait()
            out[i] = client.request(method, url, json=bodies[i], headers=headers)  # type: ignore[call-overload]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in out if r is not None]


def _one_created(answers: list[httpx.Response], created: int) -> None:
    """Every answer is the creation, a replace after it, or a 409 with the error body; never a 5xx."""
    codes = Counter(r.status_code for r in answers)
    assert set(codes) <= {created, 409} and codes[created] >= 1, [
        (r.status_code, r.text[:200]) for r in answers
    ]
    for loser in (r.json() for r in answers if r.status_code == 409):
        assert loser["code"] == "created_meanwhile" and loser["message"] == i18n.text(
            "error.created_meanwhile"
        )


def test_parallel_creates_of_one_id_make_one_object(served: tuple[str, Runtime]) -> None:
    base, rt = served
    admin = _login(base, "admin")
    ring = [[112.734, 38.4166], [112.736, 38.4166], [112.736, 38.4176], [112.734, 38.4166]]
    site = {
        "id": f"race-{uuid.uuid4().hex[:6]}",
        "name": "并发工地",
        "polygon": {"type": "Polygon", "coordinates": [ring]},
    }
    _one_created(_race(f"{base}/sites", admin, [site] * RACERS), 201)
    camera_id = f"race-{uuid.uuid4().hex[:6]}"
    camera = {
        "lon": 112.734,
        "lat": 38.4166,
        "stream": {"kind": "snapshot", "url": "http://8.8.8.8/snapshot.jpg"},
        "presets": [{"name": "n", "pan_deg": 0, "tilt_deg": -2, "hfov_deg": 45}],
    }
    _one_created(_race(f"{base}/cameras/{camera_id}", admin, [camera] * RACERS, "PUT"), 200)
    with rt.sessions() as session:
        made = select(func.count()).where(RegistryEvent.object_id.in_([site["id"], camera_id]))
        assert (session.scalar(made.select_from(RegistryEvent)) or 0) >= 2


def _events(rt: Runtime, task_id: int, action: str) -> int:
    with rt.sessions() as session:
        query = select(func.count()).where(TaskEvent.task_id == task_id, TaskEvent.action == action)
        return session.scalar(query.select_from(TaskEvent)) or 0


def test_one_verdict_wins_and_one_acknowledge_wins(served: tuple[str, Runtime]) -> None:
    base, rt = served
    admin = _login(base, "admin")
    tasks = httpx.get(f"{base}/tasks", headers=admin).json()
    verdict_task, ack_task = tasks[0], tasks[1]
    inspector = _login(base, f"insp-{verdict_task['cell_code']}")
    for step in ("acknowledge", "on-site"):
        response = httpx.post(f"{base}/tasks/{verdict_task['id']}/{step}", json={}, headers=inspector)
        assert response.status_code == 200, response.text
    bodies = [
        {"verdict": "confirmed"} if i % 2 else {"verdict": "rejected", "reason_code": "no_fire_found"}
        for i in range(RACERS)
    ]
    answers = _race(f"{base}/tasks/{verdict_task['id']}/verdict", inspector, bodies)
    codes = Counter(r.status_code for r in answers)
    assert codes == {200: 1, 409: RACERS - 1}, [(r.status_code, r.text[:200]) for r in answers]
    winner = next(r for r in answers if r.status_code == 200).json()
    final = httpx.get(f"{base}/tasks/{verdict_task['id']}", headers=admin).json()
    assert final["status"] == winner["status"] and final["verdict"] == winner["status"]
    assert _events(rt, verdict_task["id"], "verdict") == 1
    for loser in (r.json() for r in answers if r.status_code == 409):
        assert final["status"] in loser["detail"], loser  # names the state it is in now
        if loser["code"] == "changed_meanwhile":  # lost the race itself: people read the state too
            assert i18n.label("status", final["status"]) in loser["message"], loser
    acker = _login(base, f"insp-{ack_task['cell_code']}")
    answers = _race(f"{base}/tasks/{ack_task['id']}/acknowledge", acker, [{}] * 10)
    assert Counter(r.status_code for r in answers) == {200: 1, 409: 9}, [r.text[:200] for r in answers]
    assert _events(rt, ack_task["id"], "acknowledge") == 1


def test_one_decision_wins_a_heat_source_proposal(served: tuple[str, Runtime]) -> None:
    base, rt = served
    task = httpx.get(f"{base}/tasks", headers=_login(base, "admin")).json()[2]
    inspector = _login(base, f"insp-{task['cell_code']}")
    for step in ("acknowledge", "on-site"):
        assert httpx.post(f"{base}/tasks/{task['id']}/{step}", json={}, headers=inspector).status_code == 200
    rejected = {"verdict": "rejected", "reason_code": "industrial_heat_source", "reason_text": "砖厂"}
    response = httpx.post(f"{base}/tasks/{task['id']}/verdict", json=rejected, headers=inspector)
    assert response.status_code == 200, response.text
    operator = _login(base, f"op-{task['cell_code'][:6]}")
    proposal = httpx.get(f"{base}/heat-sources/proposals", headers=operator).json()[0]
    answers = _race(
        f"{base}/heat-sources/proposals/{proposal['id']}", operator, [{"accept": True, "radius_m": 50}] * 10
    )
    assert Counter(r.status_code for r in answers) == {200: 1, 409: 9}, [r.text[:200] for r in answers]
    with rt.sessions() as session:
        made = session.scalars(
            select(HeatSourceRow).where(HeatSourceRow.external_id == f"proposal-{proposal['id']}")
        )
        assert len(made.all()) == 1
        decisions = select(func.count()).where(
            RegistryEvent.kind == "proposal", RegistryEvent.object_id == str(proposal["id"])
        )
        assert session.scalar(decisions.select_from(RegistryEvent)) == 1


def test_ids_beyond_the_database_range_are_404_with_the_error_body(served: tuple[str, Runtime]) -> None:
    base, _ = served
    admin = _login(base, "admin")
    for path in (f"/tasks/{2**31}", f"/tasks/{2**63}", "/tasks/99999999999999999999", f"/cameras/{2**40}"):
        response = httpx.get(f"{base}{path}", headers=admin)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "not_found" and response.json()["message"] == i18n.text(
            "error.not_found"
        )
