"""An SMS gateway behind a configurable HTTP template (Aliyun/Tencent relays, in-house gateways).

``url``, ``headers`` and ``body`` may contain ``{phone}`` and ``{text}``; success is a 2xx answer
(and, when ``ok_contains`` is set, that text in the body). Used for escalations and site contacts.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import httpx

from firegrid.notify.channels import DeliveryResult
from firegrid.notify.text import plain

MAX_CHARS = 300


class SmsChannel:
    """POST (or GET) a filled-in template to the gateway."""

    name = "sms"
    digest = False

    def __init__(
        self,
        url: str,
        client: httpx.Client,
        method: str = "POST",
        headers: dict[str, str] | None = None,
        body: str | None = '{"phone": "{phone}", "text": "{text}"}',
        ok_contains: str | None = None,
    ) -> None:
        self.url = url
        self.client = client
        self.method = method
        self.headers = headers or {}
        self.body = body
        self.ok_contains = ok_contains

    def send(self, recipient: str, payload: dict[str, Any], idem_key: str) -> DeliveryResult:
        """Send ``tel:<phone>`` the message's plain text (truncated)."""
        prefix, _, phone = recipient.partition(":")
        if prefix != "tel" or not phone:
            return DeliveryResult(False, None, f"sms recipient must be tel:<number>, got {recipient!r}", True)
        text = plain(payload)[:MAX_CHARS]
        fill = {"phone": phone, "text": text}
        json_fill = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in fill.items()}  # safe inside JSON
        url = self.url.format(**{k: urllib.parse.quote(v, safe="") for k, v in fill.items()})
        headers = {k: v.format(**fill) for k, v in self.headers.items()} | {"Idempotency-Key": idem_key}
        content = (
            self.body.replace("{phone}", json_fill["phone"]).replace("{text}", json_fill["text"])
            if self.body
            else None
        )
        try:
            response = self.client.request(self.method, url, headers=headers, content=content)
        except httpx.HTTPError as exc:
            return DeliveryResult(False, None, f"{type(exc).__name__}: {exc}")
        ok = response.is_success and (self.ok_contains is None or self.ok_contains in response.text)
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        return DeliveryResult(ok, response.status_code, response.text[:2000], permanent and not ok)
