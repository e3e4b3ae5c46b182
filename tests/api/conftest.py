from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from firegrid.api.app import create_app
from firegrid.cli.demo import DEMO_PASSWORD, prepare
from firegrid.config import Settings
from firegrid.store.db import migrate
from firegrid.worker.context import build_runtime


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A home with the demo loaded (grid, users, heat sources, sample points)."""
    settings = Settings(  # type: ignore[call-arg]
        home=tmp_path_factory.mktemp("api") / "home", upload_max_bytes=1_000_000, _env_file=None
    )
    rt = build_runtime(settings)
    migrate(rt.engine)
    prepare(rt)
    rt.close()
    return settings


@pytest.fixture(scope="module")
def client(demo_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings)) as c:
        yield c


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    return login(client, "admin")


def tmp(path: Path) -> Path:
    return path
