"""`firegrid serve` on the embedded default: stopping it (SIGTERM, SIGINT) stops its worker too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port
from tests.worker.helpers import wait_for

pytestmark = pytest.mark.slow


def _processes_of(home: Path) -> list[int]:
    """Processes whose environment has FIREGRID_HOME=home (the server and its worker and pool)."""
    wanted = f"FIREGRID_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours to read
                continue
    return found


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`firegrid serve` on a fresh home, up with its embedded worker and pool; everything of that home
    is killed afterwards, whatever the test did."""
    home, port = tmp_path / "home", free_port()
    env = {**os.environ, "FIREGRID_HOME": str(home), "FIREGRID_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "firegrid", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _healthy(f"http://127.0.0.1:{port}/health"), 90, "the API")
        wait_for(lambda: len(_processes_of(home)) >= 3, 60, "the embedded worker and its pool")
        yield server, home
    finally:
        for pid in _processes_of(home):
            os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.kill()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_serve_leaves_no_worker_behind(tmp_path: Path, stop: signal.Signals) -> None:
    with serving(tmp_path) as (server, home):
        server.send_signal(stop)
        server.wait(60)
        wait_for(lambda: not _processes_of(home), 30, "the worker to stop with the server")


def test_sigkill_of_serve_stops_its_worker_within_seconds(tmp_path: Path) -> None:
    """Before: `kill -9` of serve left the embedded worker (and its scheduler) running forever."""
    with serving(tmp_path) as (server, home):
        server.kill()
        server.wait(10)
        killed = time.monotonic()
        wait_for(lambda: not _processes_of(home), 15, "the orphaned worker to exit")
        print(f"worker and pool gone {time.monotonic() - killed:.1f} s after SIGKILL of serve")
