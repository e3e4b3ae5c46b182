"""A push receiver (signed webhook) down, then failing, then back: each message once, none lost."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from firegrid import sample
from firegrid.notify.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from firegrid.services.ingest import create_job
from firegrid.store.db import transaction
from firegrid.store.tables import DeliveryAttempt, OutboxMessage, TaskRow, utcnow
from firegrid.worker.app import TaskQueue, create_celery
from firegrid.worker.context import Runtime
from tests import servers
from tests.reliability.helpers import prepared, settings_for, worker_env, workers
from tests.worker.helpers import wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]
SECRET = "s3cret"


class Hook:
    """A webhook receiver on a fixed port: nothing listening until ``serve``; answers ``status``."""

    def __init__(self) -> None:
        self.port = servers.free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.status = 503
        self.requests: list[dict[str, Any]] = []  # key, answered status, headers, body
        self.server: ThreadingHTTPServer | None = None

    def serve(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = hook.status
                hook.requests.append(
                    {
                        "key": self.headers["Idempotency-Key"],
                        "status": status,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.close()


def _webhooks(rt: Runtime) -> list[OutboxMessage]:
    with rt.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")))


def _backoff_elapsed(rt: Runtime) -> None:
    """What the backoff (30 s and more) would do: every pending message is due now."""
    with transaction(rt.sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def _drain(queue: TaskQueue) -> None:
    wait_for(lambda: queue.depth() == 0, 30, "the queued tasks")
    time.sleep(1)  # the last ones taken are done


def test_queued_pushes_are_delivered_exactly_once_after_an_outage(
    tmp_path: Path, pg_database: str, redis_url: str, hook: Hook
) -> None:
    settings = settings_for(tmp_path / "home", pg_database, f"{redis_url}/5")
    rt = prepared(settings)
    env = worker_env(
        settings,
        FIREGRID_WEBHOOK__URL=hook.url,
        FIREGRID_WEBHOOK__SECRET=SECRET,
        FIREGRID_OUTBOX_SWEEP_S="1",
    )
    queue = TaskQueue(create_celery(settings))
    with workers(env, [tmp_path / "worker.log"], "--concurrency=2", "--beat"):
        path = sample.path(sample.FIRE_POINTS)
        with transaction(rt.sessions) as session:
            job = create_job(session, path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
        queue.ingest(job.id)

        # 1. nothing listens: every message is tried, fails (connection refused) and stays pending
        wait_for(
            lambda: len(_webhooks(rt)) == 13 and all(m.attempts == 1 for m in _webhooks(rt)), 90, "tries"
        )
        for message in _webhooks(rt):  # late duplicate tasks (the sweep and the ingest both queue them)
            queue.deliver(message.id)
        _drain(queue)
        assert all(m.attempts == 1 for m in _webhooks(rt))  # the backoff holds
        assert all(m.status == "pending" and "Connect" in (m.last_error or "") for m in _webhooks(rt))

        # 2. the receiver is back but overloaded (503): each message tried once more, still pending
        hook.serve()
        _backoff_elapsed(rt)
        wait_for(lambda: all(m.attempts == 2 for m in _webhooks(rt)), 60, "second tries")
        assert all(m.status == "pending" for m in _webhooks(rt))
        assert sorted(r["key"] for r in hook.requests) == sorted(m.idem_key for m in _webhooks(rt))

        # 3. it recovers: each message delivered; late duplicate delivery tasks change nothing
        hook.status = 200
        _backoff_elapsed(rt)
        wait_for(lambda: all(m.status == "sent" for m in _webhooks(rt)), 60, "deliveries")
        for message in _webhooks(rt):
            queue.deliver(message.id)
        queue.sweep()
        _drain(queue)
    delivered = [r for r in hook.requests if r["status"] == 200]
    messages = _webhooks(rt)
    assert sorted(r["key"] for r in delivered) == sorted(m.idem_key for m in messages)  # once each
    assert len(hook.requests) == 3 * 13 - 13  # 13 refused (never arrived) + 13 x 503 + 13 x 200
    assert all(m.attempts == 3 and m.sent_at is not None for m in messages)
    first = delivered[0]
    assert first["headers"][SIGNATURE_HEADER] == sign(
        SECRET.encode(), first["headers"][TIMESTAMP_HEADER], first["body"]
    )
    with rt.sessions() as session:
        attempts = session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.outbox_id.in_([m.id for m in messages]))
        )
        outcomes = sorted((a.outbox_id, a.ok) for a in attempts)
        statuses = set(session.scalars(select(TaskRow.status)))
    assert outcomes == sorted((m.id, ok) for m in messages for ok in (False, False, True))
    assert statuses == {"dispatched"}  # every inspector was told
    rt.close()
