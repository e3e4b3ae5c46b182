"""PostgreSQL goes away under a running API and comes back: 503 + Retry-After, then 200 again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from firegrid.api.app import create_app
from firegrid.cli.demo import DEMO_PASSWORD, prepare
from firegrid.store.db import migrate
from firegrid.worker.context import build_runtime
from tests import servers
from tests.reliability.helpers import require, settings_for

pytestmark = pytest.mark.services


@pytest.fixture
def cluster() -> Iterator[servers.PostgresCluster]:
    """A cluster of its own: stopping it must not disturb the session-wide one."""
    require(servers.postgres_bindir(), "PostgreSQL")
    with servers.postgres_cluster() as cluster:
        yield cluster


def _assert_unavailable(response: Any, what: str) -> dict[str, Any]:
    """A clean 503: JSON, and a Retry-After the client can honour."""
    assert response.status_code == 503, f"{what}: {response.status_code} {response.text}"
    assert int(response.headers["Retry-After"]) > 0, what
    assert response.headers["content-type"] == "application/json", what
    body: dict[str, Any] = response.json()
    return body


def test_api_answers_503_while_the_database_is_down_and_recovers_in_place(
    tmp_path: Path, cluster: servers.PostgresCluster
) -> None:
    settings = settings_for(tmp_path / "home", servers.create_database(cluster.url, "api"))
    rt = build_runtime(settings)
    migrate(rt.engine)
    prepare(rt)
    rt.close()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login = client.post("/auth/token", data={"username": "admin", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        before = client.get("/tasks", headers=headers)
        assert before.status_code == 200 and before.json()
        assert client.get("/ready").status_code == 200

        cluster.stop()
        tasks = _assert_unavailable(client.get("/tasks", headers=headers), "GET /tasks")
        assert "database" in tasks["detail"] and tasks["error"] == "OperationalError"
        ready = _assert_unavailable(client.get("/ready"), "GET /ready")
        assert ready["ready"] is False and ready["checks"]["database"].startswith("unavailable")
        again = client.post("/auth/token", data={"username": "admin", "password": DEMO_PASSWORD})
        assert "database" in _assert_unavailable(again, "POST /auth/token")["detail"]  # not a 401
        assert client.get("/health").status_code == 200  # the process itself is alive

        cluster.start()  # the same app, no restart: stale pooled connections are replaced
        after = client.get("/tasks", headers=headers)
        assert after.status_code == 200
        assert [t["id"] for t in after.json()] == [t["id"] for t in before.json()]
        assert client.get("/ready").json()["ready"] is True
        assert client.post("/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).is_success
