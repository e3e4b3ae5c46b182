"""Shared fixtures: settings on a temp home, a migrated runtime, the sample grid, real services."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from firegrid import sample
from firegrid.config import Settings
from firegrid.services.grid import import_grid
from firegrid.services.heat_sources import import_heat_sources
from firegrid.store.db import migrate, transaction
from firegrid.worker.context import Runtime, build_runtime
from tests import servers

SERVICES_REQUIRED = os.environ.get("FIREGRID_REQUIRE_SERVICES") == "1"
# The fake remote services (FIRMS, Sentinel Hub, push, robots, cameras) listen on loopback, which the SSRF
# guard refuses by default; the tests of the guard itself build settings without this.
os.environ.setdefault("FIREGRID_ALLOWED_NETWORKS", '["127.0.0.0/8", "10.0.0.0/8"]')  # + a camera LAN


def _missing_service(what: str) -> None:
    if SERVICES_REQUIRED:
        pytest.fail(f"{what} is required (FIREGRID_REQUIRE_SERVICES=1) but not installed")
    pytest.skip(f"{what} is not installed; `make test` installs it")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (or FIREGRID_SHARED_DATA); tests that need it skip when it is absent."""
    path = Path(os.environ.get("FIREGRID_SHARED_DATA", Path(__file__).parents[1] / ".." / "shared" / "data"))
    if not (path / "MANIFEST.md").is_file():
        pytest.skip(f"shared data not found at {path} (set FIREGRID_SHARED_DATA)")
    return path.resolve()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh home: SQLite database and SQLite broker."""
    return Settings(home=tmp_path / "home", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A migrated runtime."""
    rt = build_runtime(settings)
    migrate(rt.engine)
    yield rt
    rt.close()


@pytest.fixture
def grid_runtime(runtime: Runtime) -> Runtime:
    """A runtime with the Xinzhou sample grid and heat sources loaded."""
    with transaction(runtime.sessions) as session:
        import_grid(session, sample.path(sample.GRID))
        import_heat_sources(session, sample.path(sample.HEAT_SOURCES), registry="sample")
    return runtime


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on 127.0.0.1."""
    if not servers.redis_binary():
        _missing_service("redis-server")
    with servers.redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL (with PostGIS installed) on 127.0.0.1."""
    if not servers.postgres_bindir():
        _missing_service("PostgreSQL")
    with servers.postgres_server() as url:
        yield url


@pytest.fixture
def pg_database(postgres_url: str) -> str:
    """A fresh database on the test server."""
    return servers.create_database(postgres_url, f"t_{uuid.uuid4().hex[:10]}")
