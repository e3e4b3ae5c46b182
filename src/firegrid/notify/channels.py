"""Delivery channels: the contract, the log and a generic HMAC-signed webhook.

A channel turns one outbox payload into one delivery attempt and reports the result;
retries, rate limits, digests and bookkeeping live in ``delivery``. The other channels:
``webpush`` (the inspector app), ``robots`` (WeCom, DingTalk), ``sms``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Firegrid-Signature"
TIMESTAMP_HEADER = "X-Firegrid-Timestamp"


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt gave: success, HTTP status (if any), response text."""

    ok: bool
    status_code: int | None = None
    response: str = ""
    permanent: bool = False  # no point retrying (e.g. 4xx other than 408/429)


class Channel(Protocol):
    """Something that can deliver a payload to a recipient.

    Optional attributes read by ``delivery``: ``digest`` (bool: several due messages to one
    recipient go out as one) and ``rate_per_minute`` with ``rate_key(recipient)`` (a token bucket).
    """

    name: str

    def send(self, recipient: str, payload: dict[str, Any], idem_key: str) -> DeliveryResult:
        """Deliver one message."""


class LogChannel:
    """Writes the message to the log (always on; the audit of what was sent)."""

    name = "log"

    def send(self, recipient: str, payload: dict[str, Any], idem_key: str) -> DeliveryResult:
        """Log the message."""
        log.info("notify %s -> %s: %s", idem_key, recipient, payload.get("text", payload))
        return DeliveryResult(ok=True, response="logged")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` HMAC of ``timestamp.body``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookChannel:
    """POSTs JSON to a URL, signed with HMAC-SHA256 over ``timestamp.body``."""

    name = "webhook"

    def __init__(self, url: str, secret: str | None, client: httpx.Client) -> None:
        self.url = url
        self.secret = (secret or "").encode()
        self.client = client

    def send(self, recipient: str, payload: dict[str, Any], idem_key: str) -> DeliveryResult:
        """POST the payload; 2xx is success, 4xx (but 408/429) is permanent failure."""
        body = json.dumps(
            {"recipient": recipient, "idempotency_key": idem_key, **payload},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": idem_key, TIMESTAMP_HEADER: stamp}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, stamp, body)
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return DeliveryResult(ok=False, response=f"{type(exc).__name__}: {exc}")
        ok = response.is_success
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        return DeliveryResult(ok, response.status_code, response.text[:2000], permanent and not ok)
