from __future__ import annotations

import json
import random
from datetime import timedelta

import httpx
import pytest

from firegrid.notify.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookChannel, sign
from firegrid.notify.delivery import MAX_DELAY_S, backoff


def channel(handler) -> WebhookChannel:  # type: ignore[no-untyped-def]
    return WebhookChannel("http://hook.test/x", "k", httpx.Client(transport=httpx.MockTransport(handler)))


def test_signed_post() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["request"] = request
        return httpx.Response(204)

    result = channel(handler).send("insp-1", {"text": "火点"}, "task:1:created:webhook")
    request = seen["request"]
    assert result.ok and result.status_code == 204
    body = request.content
    assert json.loads(body) == {
        "recipient": "insp-1",
        "idempotency_key": "task:1:created:webhook",
        "text": "火点",
    }
    assert request.headers[SIGNATURE_HEADER] == sign(b"k", request.headers[TIMESTAMP_HEADER], body)
    assert request.headers["Idempotency-Key"] == "task:1:created:webhook"


@pytest.mark.parametrize(
    ("status", "ok", "permanent"),
    [(200, True, False), (400, False, True), (410, False, True), (429, False, False), (503, False, False)],
)
def test_status_classes(status: int, ok: bool, permanent: bool) -> None:
    result = channel(lambda _: httpx.Response(status, text="body")).send("r", {}, "k")
    assert (result.ok, result.permanent) == (ok, permanent)


def test_network_error_is_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    result = channel(handler).send("r", {}, "k")
    assert not result.ok and not result.permanent and "ConnectError" in result.response


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff(n, rng) for n in range(1, 12)]
    assert delays[0] <= timedelta(seconds=30) and delays[3] > timedelta(seconds=100)
    assert all(d <= timedelta(seconds=MAX_DELAY_S) for d in delays)
