"""WeCom (企业微信) and DingTalk (钉钉) group robots: markdown messages, @mentions by mobile,
DingTalk's HMAC-SHA256 signature, a 20/min token bucket per robot, bursts sent as one digest.

A robot answers HTTP 200 with ``{"errcode": 0}`` on success; a non-zero errcode is a failure
(45009/130101 "too frequent" and other temporary codes are retried; a bad key/token is not).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx

from firegrid.notify.channels import DeliveryResult
from firegrid.notify.text import markdown, mobiles, plain

RATE_PER_MINUTE = 20.0
TEMPORARY_ERRCODES = {-1, 45009, 45033, 130101, 660026}  # busy / too frequent
RobotLookup = Callable[[int], tuple[str, str | None] | None]  # robot id -> (url, secret)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """``sign`` query parameter: urlencode(base64(HMAC-SHA256(secret, f"{ts}\\n{secret}")))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def robot_id(recipient: str) -> int | None:
    """``robot:<id>`` -> id."""
    prefix, _, value = recipient.partition(":")
    return int(value) if prefix == "robot" and value.isdigit() else None


class RobotChannel:
    """Base of the two robot channels: lookup, POST, errcode handling."""

    name = "robot"
    digest = True  # several due messages to one robot go out as one
    rate_per_minute = RATE_PER_MINUTE

    def __init__(self, lookup: RobotLookup, client: httpx.Client) -> None:
        self.lookup = lookup
        self.client = client

    def rate_key(self, recipient: str) -> str:
        """The token bucket of this recipient."""
        return f"{self.name}:{recipient}"

    def send(self, recipient: str, payload: dict[str, Any], idem_key: str) -> DeliveryResult:  # noqa: ARG002
        """POST one (digest) message to the robot (robots know no idempotency key)."""
        rid = robot_id(recipient)
        found = self.lookup(rid) if rid is not None else None
        if found is None:
            return DeliveryResult(False, None, f"no enabled robot {recipient!r}", permanent=True)
        url, secret = found
        try:
            response = self.client.post(self._url(url, secret), json=self.body(payload))
        except httpx.HTTPError as exc:
            return DeliveryResult(False, None, f"{type(exc).__name__}: {exc}")
        text = response.text[:2000]
        if not response.is_success:
            permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
            return DeliveryResult(False, response.status_code, text, permanent)
        try:
            errcode = int(response.json().get("errcode", -1))
        except (ValueError, AttributeError):
            return DeliveryResult(False, response.status_code, text)
        if errcode == 0:
            return DeliveryResult(True, response.status_code, text)
        return DeliveryResult(False, response.status_code, text, permanent=errcode not in TEMPORARY_ERRCODES)

    def _url(self, url: str, secret: str | None) -> str:  # noqa: ARG002 - DingTalk signs with it
        return url

    def body(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The robot's JSON."""
        raise NotImplementedError


class WeComChannel(RobotChannel):
    """企业微信群机器人: markdown, then a text message @-mentioning the mobiles (markdown cannot)."""

    name = "wecom"

    def body(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Markdown when nobody is mentioned, else text with ``mentioned_mobile_list``."""
        people = mobiles(payload)
        if not people:
            return {"msgtype": "markdown", "markdown": {"content": markdown(payload)}}
        return {
            "msgtype": "text",
            "text": {"content": plain(payload)[:2000], "mentioned_mobile_list": people},
        }


class DingTalkChannel(RobotChannel):
    """钉钉自定义机器人: markdown with ``at.atMobiles``; signed when the robot has a secret."""

    name = "dingtalk"

    def __init__(
        self, lookup: RobotLookup, client: httpx.Client, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(lookup, client)
        self.clock = clock

    def _url(self, url: str, secret: str | None) -> str:
        if not secret:
            return url
        stamp = int(self.clock() * 1000)
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"

    def body(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Markdown; mentioned mobiles must also appear in the text."""
        people = mobiles(payload)
        text = markdown(payload) + ("\n\n" + " ".join(f"@{m}" for m in people) if people else "")
        title = (
            "firegrid" if payload.get("type") == "digest" else str(payload.get("title") or "firegrid")[:60]
        )
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": text},
            "at": {"atMobiles": people},
        }
