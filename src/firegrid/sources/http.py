"""HTTP GET with retries on 429/5xx and transport errors (exponential backoff with jitter, Retry-After)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from firegrid.errors import SourceUnavailableError

log = logging.getLogger(__name__)

RETRY_STATUS = {429, 500, 502, 503, 504}


class RefusedError(SourceUnavailableError):
    """The server refused the request (a 4xx other than 429); ``body`` is what it said."""

    def __init__(self, message: str, body: str) -> None:
        super().__init__(message)
        self.body = body


@dataclass
class Retry:
    """How to retry: attempts, base delay, cap; ``sleep`` is injectable for tests."""

    attempts: int = 4
    base_s: float = 2.0
    cap_s: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds before the next attempt (Retry-After wins when the server sends one)."""
        if response is not None:
            after = response.headers.get("Retry-After", "")
            if after.replace(".", "", 1).isdigit():
                return min(self.cap_s, float(after))
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return self.rng.uniform(ceiling / 2, ceiling)


def get(client: httpx.Client, url: str, retry: Retry, *, label: str, timeout: float = 60.0) -> httpx.Response:
    """GET ``url``; 2xx returns, 429/5xx/transport errors retry, other 4xx fail at once."""
    last = ""
    for attempt in range(1, retry.attempts + 1):
        response: httpx.Response | None = None
        try:
            response = client.get(url, timeout=timeout)
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if response.is_success:
                return response
            last = f"HTTP {response.status_code}: {response.text[:200].strip()}"
            if response.status_code not in RETRY_STATUS:
                raise RefusedError(f"{label}: {last}", response.text)
        if attempt < retry.attempts:
            pause = retry.delay(attempt, response)
            log.info("%s: attempt %d failed (%s); retrying in %.1f s", label, attempt, last, pause)
            retry.sleep(pause)
    raise SourceUnavailableError(f"{label}: gave up after {retry.attempts} attempts ({last})")
