"""Web Push (RFC 8030/8291/8292) to the inspector app with pywebpush and VAPID.

A message to ``user:<username>`` goes to every subscription of that user; a push service
answering 404/410 means the subscription is dead, and it is deleted. The VAPID key pair is
generated once into ``FIREGRID_HOME`` unless configured.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from firegrid.errors import InputError
from firegrid.notify.channels import DeliveryResult

log = logging.getLogger(__name__)

TTL_S = 24 * 3600


@dataclass(frozen=True)
class Subscription:
    """One browser subscription."""

    id: int
    endpoint: str
    p256dh: str
    auth: str


SubscriptionStore = Callable[[str], list[Subscription]]  # username -> subscriptions


def ensure_vapid_key(path: Path) -> str:
    """The VAPID private key (PEM) at ``path``, created if missing."""
    if not path.is_file():
        key = ec.generate_private_key(ec.SECP256R1())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
    return path.read_text()


def application_server_key(private_pem: str) -> str:
    """The public key as the browser's ``applicationServerKey`` (base64url, uncompressed point)."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebPushChannel:
    """Encrypts the payload (aes128gcm) for each subscription and POSTs it to its push service."""

    name = "webpush"
    digest = False

    def __init__(
        self,
        private_pem: str,
        subject: str,
        subscriptions: SubscriptionStore,
        on_dead: Callable[[int], None],
        on_ok: Callable[[int], None] | None = None,
        timeout_s: float = 10.0,
        check_endpoint: Callable[[str], None] | None = None,
    ) -> None:
        self.check_endpoint = check_endpoint  # the SSRF guard: raises InputError for a non-public endpoint
        self.private_pem = private_pem
        self.subject = subject
        self.subscriptions = subscriptions
        self.on_dead = on_dead
        self.on_ok = on_ok
        self.timeout_s = timeout_s

    def send(self, recipient: str, payload: dict[str, Any], idem_key: str) -> DeliveryResult:  # noqa: ARG002
        """Push to every subscription of ``user:<name>``; ok when one accepted (or none exist)."""
        from py_vapid import Vapid
        from pywebpush import WebPushException, webpush

        prefix, _, username = recipient.partition(":")
        if prefix != "user" or not username:
            return DeliveryResult(
                False, None, f"web push recipient must be user:<name>, got {recipient!r}", True
            )
        subs = self.subscriptions(username)
        if not subs:
            return DeliveryResult(True, None, "no subscription")
        body = json.dumps(_notification(payload), ensure_ascii=False)
        vapid = Vapid.from_pem(self.private_pem.encode())
        outcomes = []
        for sub in subs:
            info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
            try:
                if self.check_endpoint:
                    self.check_endpoint(sub.endpoint)
            except InputError as exc:
                self.on_dead(sub.id)
                log.warning("web push subscription %s refused and deleted: %s", sub.id, exc)
                outcomes.append((True, None, f"{sub.id}: refused ({exc})"[:300]))
                continue
            try:
                response = webpush(
                    info,
                    body,
                    vapid_private_key=vapid,
                    vapid_claims={"sub": self.subject},
                    ttl=TTL_S,
                    headers={"Urgency": "high", "Topic": _topic(payload)},
                    timeout=self.timeout_s,
                )
                outcomes.append((True, response.status_code, f"{sub.id}: {response.status_code}"))
                if self.on_ok:
                    self.on_ok(sub.id)
            except WebPushException as exc:
                code = exc.response.status_code if exc.response is not None else None
                if code in (404, 410):
                    self.on_dead(sub.id)
                    log.info("web push subscription %s is gone (%s): deleted", sub.id, code)
                outcomes.append((code in (404, 410), code, f"{sub.id}: {code} {exc}"[:300]))
            except Exception as exc:  # requests' connection errors: retry later
                outcomes.append((False, None, f"{sub.id}: {type(exc).__name__}"))
        ok = any(o[0] for o in outcomes)
        return DeliveryResult(ok, outcomes[-1][1], "; ".join(o[2] for o in outcomes)[:2000])


def _topic(payload: dict[str, Any]) -> str:
    """A Topic header (≤ 32 URL-safe characters): a newer message on one task replaces the older."""
    return f"task-{payload.get('task_id', 'x')}"[:32]


def _notification(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": payload.get("title") or "firegrid",
        "body": payload.get("text", ""),
        "url": payload.get("url"),
        "task_id": payload.get("task_id"),
        "type": payload.get("type"),
    }
