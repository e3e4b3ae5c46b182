"""Shared pieces of the fault-injection suite: prepared databases, several real workers at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from firegrid import sample
from firegrid.cli.demo import sample_users
from firegrid.config import Settings
from firegrid.services.grid import import_grid
from firegrid.services.heat_sources import import_heat_sources
from firegrid.store.db import migrate, transaction
from firegrid.store.tables import DetectionRow
from firegrid.worker.context import Runtime, build_runtime
from tests import servers
from tests.worker.helpers import stop, wait_for

SERVICES_REQUIRED = os.environ.get("FIREGRID_REQUIRE_SERVICES") == "1"


def require(found: object, what: str) -> None:
    """Skip (or fail under FIREGRID_REQUIRE_SERVICES=1) when a server binary is missing."""
    if found:
        return
    if SERVICES_REQUIRED:
        pytest.fail(f"{what} is required (FIREGRID_REQUIRE_SERVICES=1) but not installed")
    pytest.skip(f"{what} is not installed; `make test` installs it")


def settings_for(home: Path, database_url: str, broker_url: str | None = None, **extra: object) -> Settings:
    """Settings of the production topology: PostgreSQL, and Redis when ``broker_url`` is given."""
    return Settings(  # type: ignore[call-arg]
        home=home, database_url=database_url, broker_url=broker_url, _env_file=None, **extra
    )


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a worker subprocess needs to see the same database and broker."""
    env = {"FIREGRID_HOME": str(settings.home), "FIREGRID_DATABASE_URL": settings.db_url}
    if settings.broker_url:
        env["FIREGRID_BROKER_URL"] = settings.broker_url
    return {**env, **extra}


def prepared(settings: Settings, grid: bool = True) -> Runtime:
    """A migrated runtime with the sample grid, its users and heat sources."""
    rt = build_runtime(settings)
    migrate(rt.engine)
    if grid:
        with transaction(rt.sessions) as session:
            version, _ = import_grid(session, sample.path(sample.GRID))
            sample_users(session, version.id)
            import_heat_sources(session, sample.path(sample.HEAT_SOURCES), registry="sample")
    return rt


@contextmanager
def workers(env: dict[str, str], logs: list[Path], *args: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Several ``python -m firegrid worker`` processes started together (one log and node name each);
    the database must already be migrated."""
    with ExitStack() as stack:
        procs = []
        for i, log in enumerate(logs):
            out = stack.enter_context(log.open("wb"))
            command = [sys.executable, "-m", "firegrid", "worker", f"--name=w{i}@%h", *args]
            proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
            stack.callback(stop, proc)
            procs.append(proc)
        for proc, log in zip(procs, logs, strict=True):
            wait_for(lambda p=proc, f=log: b"ready." in f.read_bytes() or p.poll() is not None, 90, "worker")
            assert proc.poll() is None, log.read_text()
        yield procs


def duplicate_dedup_keys(rt: Runtime) -> int:
    """Stored detections minus distinct dedup keys (0: nothing was stored twice)."""
    with rt.sessions() as session:
        total = session.scalar(select(func.count()).select_from(DetectionRow)) or 0
        distinct = session.scalar(select(func.count(func.distinct(DetectionRow.dedup_key)))) or 0
    return total - distinct


def database(postgres_url: str, name: str) -> str:
    """A fresh database on the session's PostgreSQL."""
    return servers.create_database(postgres_url, name)


def fire_video(path: Path, frames: int = 100, fire: bool = True, seed: int = 0) -> Path:
    """A small clip of a field (noise: never frozen) with, if ``fire``, a flickering flame the
    colour baseline model sees."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    width, height = 320, 240
    base = np.empty((height, width, 3), np.int16)
    base[: height // 2] = (200, 170, 140)  # sky (BGR)
    base[height // 2 :] = (60, 110, 70)  # field
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (width, height))
    for _ in range(frames):
        image = np.clip(base + rng.integers(-12, 13, base.shape), 0, 255).astype(np.uint8)
        if fire:
            axes = (int(rng.integers(4, 7)), int(rng.integers(5, 8)))  # within one cell of the model
            cv2.ellipse(image, (168 + int(rng.integers(-1, 2)), 160), axes, 0, 0, 360, (30, 140, 250), -1)
        writer.write(image)
    writer.release()
    return path


@contextmanager
def locked(database_url: str, table: str) -> Iterator[Callable[[], bool]]:
    """Hold a SHARE lock on ``table`` (writers to it wait, readers do not); yields a check that a
    writer is waiting for it: a task blocked there is deterministically mid-task."""
    engine = create_engine(database_url)
    waiting = text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE NOT l.granted AND c.relname = :table"
    )
    try:
        with engine.connect() as holder, engine.connect() as probe:
            holder.execute(text(f"LOCK TABLE {table} IN SHARE MODE"))
            yield lambda: bool(probe.execute(waiting, {"table": table}).scalar())
            holder.rollback()
    finally:
        engine.dispose()
