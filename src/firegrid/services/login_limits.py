"""Failed-login limits: per user name and address, and per address (password spraying), in the database.

Only failures take tokens; a user name + address may fail ``max_failures`` times per window, an address ten
times that across names. Once empty, the login is refused with 429 before the password is even checked.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from firegrid.errors import RateLimitedError
from firegrid.store import ratelimit

log = logging.getLogger(__name__)
SPRAY_FACTOR = 10


def _buckets(username: str, address: str, max_failures: int) -> list[tuple[str, float]]:
    return [
        (f"login:{username.lower()[:80]}@{address}", float(max_failures)),
        (f"login-ip:{address}", float(max_failures * SPRAY_FACTOR)),
    ]


def check(
    session: Session, username: str, address: str, max_failures: int, window_min: float, now: datetime
) -> None:
    """``RateLimitedError`` while either bucket is empty."""
    for key, capacity in _buckets(username, address, max_failures):
        wait = ratelimit.wait(session, key, capacity / window_min, now, capacity)
        if wait > 0:
            log.warning("login refused for %s from %s: too many failures", username[:80], address)
            raise RateLimitedError(f"too many failed logins; retry in {round(wait)} s", wait)


def record_failure(
    session: Session, username: str, address: str, max_failures: int, window_min: float, now: datetime
) -> None:
    """Take a token from both buckets (committed by the caller even though the login fails)."""
    for key, capacity in _buckets(username, address, max_failures):
        ratelimit.take(session, key, capacity / window_min, now, capacity)
