"""Start real Redis and PostgreSQL/PostGIS servers (Debian packages) on 127.0.0.1 for tests, and local
ASGI fakes of remote services (uvicorn in a thread)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """An ASGI app served by uvicorn on a free 127.0.0.1 port in a daemon thread (``with`` starts it)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def redis_binary() -> str | None:
    return shutil.which("redis-server")


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _wait(check: callable, what: str, timeout: float = 20.0) -> None:  # type: ignore[valid-type]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {timeout} s")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _ping_redis(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())  # False/raises while the AOF is still loading
    except redis.RedisError:
        return False
    finally:
        client.close()


class RedisServer:
    """A redis-server on 127.0.0.1 that can be stopped and started again on the same port and
    data directory (with ``appendonly`` its queues survive a restart)."""

    def __init__(self, appendonly: bool = False) -> None:
        binary = redis_binary()
        assert binary, "redis-server is not installed (apt-get install redis-server)"
        self.binary = binary
        self.appendonly = appendonly
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="firegrid-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (or start again) and wait until it answers PING."""
        assert self.proc is None, "redis-server is already running"
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(self.dir),
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--daemonize",
            "no",
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _ping_redis(self.url), "redis-server")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM: the append-only file is flushed); the port is closed after."""
        if self.proc is None:
            return
        self.proc.terminate()
        self.proc.wait(10)
        self.proc = None
        _wait(lambda: not _port_open(self.port), "redis-server shutdown")

    def close(self) -> None:
        """Stop and delete the data directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def redis_server(appendonly: bool = False) -> Iterator[str]:
    """A throw-away redis-server; yields its URL."""
    with running_redis(appendonly) as server:
        yield server.url


@contextmanager
def running_redis(appendonly: bool = False) -> Iterator[RedisServer]:
    """A throw-away, restartable redis-server."""
    server = RedisServer(appendonly)
    try:
        server.start()
        yield server
    finally:
        server.close()


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


class PostgresCluster:
    """A throw-away PostgreSQL cluster (PostGIS available) that can be stopped and started again
    on the same port and data directory."""

    def __init__(self) -> None:
        bindir = postgres_bindir()
        assert bindir, "PostgreSQL is not installed (apt-get install postgresql postgresql-15-postgis-3)"
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="firegrid-pg-"))
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.root, pg.pw_uid, pg.pw_gid)
        self.data = self.root / "data"
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ]
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]),
            check=check,
            capture_output=True,
        )

    def start(self) -> None:
        """Start (or start again) and wait until it accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._ctl("-l", str(self.root / "pg.log"), "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop (``fast``: open connections are cut, committed data kept)."""
        self._ctl("-m", mode, "-w", "stop", check=False)

    def close(self) -> None:
        """Stop at once and delete the cluster."""
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster with PostGIS available; yields a SQLAlchemy URL."""
    with postgres_cluster() as cluster:
        yield cluster.url


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throw-away, restartable PostgreSQL cluster."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


def create_database(url: str, name: str) -> str:
    """A fresh database on the server at ``url``; returns its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name
