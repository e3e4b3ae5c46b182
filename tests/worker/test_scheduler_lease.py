"""Exactly one periodic scheduler at a time: the database lease (services/leases.py, worker/beat.py)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from firegrid.services import leases
from firegrid.store.db import make_engine, migrate, session_factory
from firegrid.store.tables import utcnow
from tests.worker.helpers import stop, wait_for, worker_process

TTL = timedelta(seconds=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = (
        f"sqlite:///{tmp_path / 'lease.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_database")
    )
    engine = make_engine(url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def test_one_holder_renews_others_wait_until_it_expires_or_releases(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions() as s:
        assert leases.hold(s, "beat", "a", now, TTL)
        assert not leases.hold(s, "beat", "b", now + timedelta(seconds=10), TTL)
        assert leases.hold(s, "beat", "a", now + timedelta(seconds=10), TTL)  # renewed to +40 s
        assert not leases.hold(s, "beat", "b", now + timedelta(seconds=35), TTL)
        assert leases.hold(s, "beat", "b", now + timedelta(seconds=41), TTL)  # a stopped renewing
        assert leases.current_holder(s, "beat", now + timedelta(seconds=41)) == "b"
        leases.release(s, "beat", "b", now + timedelta(seconds=42))
        assert leases.hold(s, "beat", "c", now + timedelta(seconds=43), TTL)  # released: taken at once


def test_simultaneous_contenders_have_exactly_one_winner(sessions: sessionmaker[Session]) -> None:
    now, barrier, won = utcnow(), threading.Barrier(8), []

    def contend(name: str) -> None:
        barrier.wait()
        with sessions() as s:
            try:
                if leases.hold(s, "race", name, now, TTL):
                    won.append(name)
            except Exception:  # a SQLite "database is locked" is a loss, never a second winner
                pass

    threads = [threading.Thread(target=contend, args=(f"h{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1
    with sessions() as s:
        assert leases.current_holder(s, "race", now) == won[0]


def _sends(log: Path) -> int:
    return log.read_text(errors="replace").count("Sending due task")


def _processes_tagged(tag: str) -> list[int]:
    wanted = f"FIREGRID_TEST_SCHEDULER={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_two_schedulers_on_one_database_only_one_sends_and_the_other_takes_over(tmp_path: Path) -> None:
    """Before: every `worker --beat` (and an orphan left by a killed serve) sent every periodic task."""
    env = {
        "FIREGRID_HOME": str(tmp_path / "home"),
        "FIREGRID_LOG_LEVEL": "INFO",
        "FIREGRID_OUTBOX_SWEEP_S": "0.5",
        "FIREGRID_SCHEDULER_LEASE_S": "3",
    }
    a_log, b_log = tmp_path / "a.log", tmp_path / "b.log"
    a_env, b_env = {**env, "FIREGRID_TEST_SCHEDULER": "a"}, {**env, "FIREGRID_TEST_SCHEDULER": "b"}
    with worker_process(a_env, a_log, "--beat", "--pool=solo", "--name=a@%h") as a:
        wait_for(lambda: "holds the lease" in a_log.read_text(), 30, "scheduler a to take the lease")
        with worker_process(b_env, b_log, "--beat", "--pool=solo", "--name=b@%h") as b:
            wait_for(lambda: "waits for the lease" in b_log.read_text(), 30, "scheduler b to wait")
            before = _sends(a_log)
            wait_for(lambda: _sends(a_log) >= before + 4, 30, "a to keep scheduling")
            assert _sends(b_log) == 0  # b ran as long, and sent nothing
            os.kill(a.pid, signal.SIGKILL)  # the worker dies hard; its beat process must go with it
            wait_for(lambda: not _processes_tagged("a"), 10, "a's scheduler process to die with it")
            wait_for(lambda: "holds the lease" in b_log.read_text(), 15, "b to take over")
            taken = _sends(b_log)
            wait_for(lambda: _sends(b_log) >= taken + 2, 15, "b to schedule")
            stop(b)
