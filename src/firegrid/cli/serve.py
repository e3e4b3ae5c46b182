"""Run the API with uvicorn, and the worker (embedded or standalone)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys

import uvicorn
from sqlalchemy import Engine

from firegrid.config import Settings
from firegrid.services.cameras import import_cameras
from firegrid.services.sources import import_sources
from firegrid.store.db import make_engine, migrate, session_factory, transaction
from firegrid.worker.app import TaskQueue, create_celery
from firegrid.worker.lifetime import follow_parent

log = logging.getLogger(__name__)


def run_worker(
    settings: Settings,
    *,
    concurrency: int = 1,
    beat: bool = False,
    pool: str = "prefork",
    name: str = "firegrid@%h",
    parent_pid: int | None = None,
) -> None:
    """Run a Celery worker in this process (blocks); with ``parent_pid`` it stops when that parent dies."""
    if parent_pid is not None:
        follow_parent(parent_pid)
    engine = make_engine(settings.db_url)
    migrate(engine)
    engine.dispose()  # no open SQLite handle may cross the fork into the pool and the scheduler
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        f"--hostname={name}",
        f"--loglevel={settings.log_level}",
        "--without-mingle",
        "--without-gossip",
    ]
    if beat:
        argv.append("--beat")
    create_celery(settings).worker_main(argv)


def _start_embedded_worker() -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "firegrid", "worker", "--beat", "--concurrency=1", "--name=embedded@%h"]
    command.append(f"--parent-pid={os.getpid()}")  # it exits when serve dies, even by SIGKILL
    log.info("starting embedded worker: %s", " ".join(command))
    # a session of its own: stopping it stops its pool processes too (see _stop_embedded_worker)
    return subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)


def _stop_embedded_worker(child: subprocess.Popen[bytes]) -> None:
    """Warm shutdown (the running task finishes), then kill the whole process group."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log.warning("embedded worker did not stop within 15 s; killing it")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)  # pool processes left behind by a killed parent
    child.wait()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """uvicorn re-raises the SIGTERM it caught once it has shut down: exit through ``finally``
    (which stops the embedded worker) instead of dying on the default handler."""
    raise SystemExit(128 + signum)


def _load_registries(settings: Settings, engine: Engine) -> None:
    """Import the sources and cameras files named in the settings (upserts; health is kept)."""
    with transaction(session_factory(engine)) as session:
        if settings.sources_file is not None:
            log.info(
                "sources from %s: %s",
                settings.sources_file,
                import_sources(session, settings.sources_file, settings),
            )
        if settings.cameras.cameras_file is not None:
            ids = import_cameras(session, settings.cameras.cameras_file, settings.guard())
            log.info("cameras from %s: %s", settings.cameras.cameras_file, ids)


def run_service(
    settings: Settings, host: str | None, port: int | None, worker: bool | None, workers: int = 1
) -> None:
    """Migrate, start the embedded worker when wanted, serve the API until interrupted.

    ``workers`` > 1 runs that many uvicorn processes (each builds its app from the environment).
    """
    from firegrid.api.app import create_app

    engine = make_engine(settings.db_url)
    migrate(engine)
    _load_registries(settings, engine)
    engine.dispose()
    embedded = settings.broker_url is None
    child = _start_embedded_worker() if (worker if worker is not None else embedded) else None
    TaskQueue(create_celery(settings)).sweep()  # deliver what was queued while nothing ran
    host, port = host or settings.host, port or settings.port
    # JSON logs: uvicorn's loggers propagate to firegrid's root handler instead of their own
    log_config = None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    print(f"firegrid is serving at http://{host}:{port}  (API docs: http://{host}:{port}/docs)", flush=True)  # noqa: T201
    try:
        if workers > 1:
            uvicorn.run(
                "firegrid.api.app:create_app",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level=settings.log_level.lower(),
                log_config=log_config,
            )
        else:
            uvicorn.run(
                create_app(settings),
                host=host,
                port=port,
                log_level=settings.log_level.lower(),
                log_config=log_config,
            )
    finally:
        if child is not None:
            _stop_embedded_worker(child)
