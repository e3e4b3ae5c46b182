"""The push channels through their real clients against local fake servers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from firegrid.notify.channels import WebhookChannel
from firegrid.notify.delivery import claim, deliver, due_message_ids
from firegrid.notify.outbox import queue_message
from firegrid.notify.robots import DingTalkChannel, WeComChannel, dingtalk_sign
from firegrid.notify.sms import SmsChannel
from firegrid.notify.webpush import Subscription, WebPushChannel, application_server_key, ensure_vapid_key
from firegrid.store import ratelimit
from firegrid.store.db import transaction
from firegrid.store.tables import DeliveryAttempt, OutboxMessage
from firegrid.worker.context import Runtime
from tests.notify.fake_servers import FakeServer

T0 = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)
PAYLOAD = {
    "type": "task.created",
    "title": "疑似火点 #7",
    "task_id": 7,
    "text": "疑似火点 #7 秀容街道",
    "url": "http://x/app/#/task/7",
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_web_push_is_encrypted_for_the_browser_and_dead_subscriptions_go(tmp_path) -> None:  # type: ignore[no-untyped-def]
    browser_key = ec.generate_private_key(ec.SECP256R1())
    public = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = b"0123456789abcdef"
    dead: list[int] = []
    with FakeServer(lambda r: (410, b"gone") if r["path"].endswith("/gone") else (201, b"")) as push:
        subs = [
            Subscription(1, f"{push.base}/push/alive", b64(public), b64(auth)),
            Subscription(2, f"{push.base}/push/gone", b64(public), b64(auth)),
        ]
        pem = ensure_vapid_key(tmp_path / "vapid.pem")
        channel = WebPushChannel(
            pem, "mailto:ops@example.org", lambda name: subs if name == "insp" else [], dead.append
        )
        result = channel.send("user:insp", PAYLOAD, "k1")
        assert result.ok and dead == [2]  # the 410 one is deleted, the other got it
        alive = next(r for r in push.requests if r["path"].endswith("/alive"))
        assert alive["headers"]["content-encoding"] == "aes128gcm"
        assert alive["headers"]["ttl"] == str(24 * 3600) and alive["headers"]["urgency"] == "high"
        assert alive["headers"]["topic"] == "task-7"
        vapid = alive["headers"]["authorization"]
        assert vapid.startswith("vapid t=") and f"k={application_server_key(pem)}" in vapid
        plain = http_ece.decrypt(
            alive["body"], private_key=browser_key, auth_secret=auth, version="aes128gcm"
        )
        message = json.loads(plain)
        assert message["title"] == "疑似火点 #7" and message["task_id"] == 7 and "秀容街道" in message["body"]
        assert channel.send("user:nobody", PAYLOAD, "k2").response == "no subscription"


def test_dingtalk_signs_and_mentions() -> None:
    with FakeServer() as robot, httpx.Client() as client:
        secret = "SEC0123456789"
        channel = DingTalkChannel(
            lambda rid: (f"{robot.base}/robot/send?access_token=tok", secret),
            client,
            clock=lambda: 1712718000.123,
        )
        result = channel.send("robot:3", PAYLOAD | {"mention_mobiles": ["13800000001"]}, "k")
        assert result.ok
        request = robot.requests[0]
        stamp = int(request["query"]["timestamp"])
        assert stamp == 1712718000123 and request["query"]["access_token"] == "tok"
        assert request["query"]["sign"] == unquote_plus(
            dingtalk_sign(secret, stamp)
        )  # recomputed HMAC-SHA256
        body = json.loads(request["body"])
        assert body["msgtype"] == "markdown" and body["at"]["atMobiles"] == ["13800000001"]
        assert "@13800000001" in body["markdown"]["text"] and "疑似火点" in body["markdown"]["text"]


def test_wecom_rate_limited_then_ok_with_backoff(runtime: Runtime) -> None:
    answers = [
        (200, b'{"errcode":45009,"errmsg":"api freq out of limit"}'),
        (200, b'{"errcode":0,"errmsg":"ok"}'),
    ]
    with FakeServer(answers) as robot, httpx.Client() as client:
        channels = {
            "wecom": WeComChannel(lambda rid: (f"{robot.base}/cgi-bin/webhook/send?key=K", None), client)
        }
        with transaction(runtime.sessions) as session:
            queue_message(
                session,
                idem_key="a",
                channel="wecom",
                topic="t",
                recipient="robot:1",
                payload=PAYLOAD | {"mention_mobiles": ["13800000001"]},
            )
        start = datetime.now(UTC) + timedelta(seconds=1)
        first = _deliver_all(runtime, channels, start)
        assert first == {"a": "pending"}
        with runtime.sessions() as session:
            message = session.scalars(select(OutboxMessage)).one()
            assert message.next_attempt_at > start and "45009" in (message.last_error or "")
        assert _deliver_all(runtime, channels, start + timedelta(seconds=5)) == {}  # not due yet
        assert _deliver_all(runtime, channels, start + timedelta(hours=1)) == {"a": "sent"}
        body = json.loads(robot.requests[-1]["body"])
        assert body["msgtype"] == "text" and body["text"]["mentioned_mobile_list"] == ["13800000001"]
        with runtime.sessions() as session:
            attempts = session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
            assert [a.ok for a in attempts] == [False, True] and "45009" in attempts[0].response


def test_token_bucket_20_per_minute(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        waits = [ratelimit.take(session, "wecom:robot:1", 20, T0) for _ in range(21)]
        assert waits[:20] == [0.0] * 20 and waits[20] == 3.0  # one token every 3 s
        assert ratelimit.take(session, "wecom:robot:1", 20, T0 + timedelta(seconds=3)) == 0.0
        assert ratelimit.take(session, "wecom:robot:1", 20, T0 + timedelta(minutes=2)) == 0.0


def test_a_burst_to_one_robot_goes_out_as_one_digest(runtime: Runtime) -> None:
    with FakeServer() as robot, httpx.Client() as client:
        channels = {"wecom": WeComChannel(lambda rid: (f"{robot.base}/send?key=K", None), client)}
        with transaction(runtime.sessions) as session:
            for i in range(5):
                queue_message(
                    session,
                    idem_key=f"m{i}",
                    channel="wecom",
                    topic="t",
                    recipient="robot:1",
                    payload=PAYLOAD | {"task_id": i, "text": f"任务 {i}"},
                )
        start = datetime.now(UTC) + timedelta(seconds=1)
        assert set(_deliver_all(runtime, channels, start).values()) == {"sent"}
        assert len(robot.requests) == 1
        content = json.loads(robot.requests[0]["body"])["markdown"]["content"]
        assert "5 条新通知" in content and all(f"任务 {i}" in content for i in range(5))


def test_outage_then_recovery_delivers_each_message_exactly_once(runtime: Runtime) -> None:
    with FakeServer([(200, b"ok")]) as hook, httpx.Client(timeout=2) as client:
        channels = {"webhook": WebhookChannel(f"{hook.base}/hook", "s", client)}
        with transaction(runtime.sessions) as session:
            for i in range(6):
                queue_message(
                    session,
                    idem_key=f"w{i}",
                    channel="webhook",
                    topic="t",
                    recipient="r",
                    payload={"text": f"{i}"},
                )
        hook.down = True
        now = datetime.now(UTC) + timedelta(seconds=1)
        for _ in range(3):  # the receiver is down: every attempt fails, nothing is lost
            _deliver_all(runtime, channels, now)
            now += timedelta(hours=2)
        with runtime.sessions() as session:
            assert {m.status for m in session.scalars(select(OutboxMessage))} == {"pending"}
        hook.down = False
        for _ in range(3):  # back: each message once, then nothing more
            _deliver_all(runtime, channels, now)
            now += timedelta(hours=2)
        keys = [r["headers"]["idempotency-key"] for r in hook.requests]
        assert sorted(keys) == [f"w{i}" for i in range(6)]


def test_sms_template(runtime: Runtime) -> None:
    with FakeServer([(200, b'{"code":"OK"}')]) as gateway, httpx.Client() as client:
        channel = SmsChannel(
            f"{gateway.base}/sms?to={{phone}}", client, headers={"X-Token": "t"}, ok_contains="OK"
        )
        assert channel.send("tel:13800000001", PAYLOAD, "s1").ok
        request = gateway.requests[0]
        assert request["query"]["to"] == "13800000001" and request["headers"]["x-token"] == "t"
        assert json.loads(request["body"]) == {"phone": "13800000001", "text": PAYLOAD["text"]}
        assert not channel.send("13800000001", PAYLOAD, "s2").ok


def _deliver_all(runtime: Runtime, channels: dict, now: datetime) -> dict[str, str]:
    """Claim and deliver every due message at ``now``; idem key -> status after."""
    out = {}
    with transaction(runtime.sessions) as session:
        ids = due_message_ids(session, now)
    for outbox_id in ids:
        with transaction(runtime.sessions) as session:
            if not claim(session, outbox_id, now):
                continue
        with transaction(runtime.sessions) as session:
            message = deliver(session, outbox_id, channels, now)
            assert message is not None
            out[message.idem_key] = message.status
    with runtime.sessions() as session:  # the digest settles siblings too
        for key in list(out):
            out[key] = session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.idem_key == key)
            ).one()
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at == now)):
            out.setdefault(m.idem_key, m.status)
    return out
