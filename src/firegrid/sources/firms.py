"""NASA FIRMS: the area API (MAP_KEY) and the no-key regional NRT files."""

from __future__ import annotations

import csv
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import httpx

from firegrid.errors import ConfigError, SourceUnavailableError
from firegrid.sources.http import RefusedError, Retry, get
from firegrid.sources.models import FIRMS_FILE_PRODUCTS

MAX_DAY_RANGE = 5  # the API enforces 1..5
_MAP_KEY = re.compile(r"^[A-Za-z0-9]{16,64}$")


class TransactionLimiter:
    """FIRMS allows 5,000 transactions per 10 minutes per MAP_KEY; a multi-day query costs its days."""

    def __init__(
        self,
        capacity: int = 5000,
        period_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity, self.period_s = capacity, period_s
        self.clock, self.sleep = clock, sleep
        self._spent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def acquire(self, cost: int) -> None:
        """Wait until ``cost`` transactions fit in the window, then spend them."""
        while True:
            with self._lock:
                now = self.clock()
                while self._spent and now - self._spent[0][0] >= self.period_s:
                    self._spent.popleft()
                used = sum(c for _, c in self._spent)
                if used + cost <= self.capacity:
                    self._spent.append((now, cost))
                    return
                wait = self.period_s - (now - self._spent[0][0])
            self.sleep(max(wait, 0.01))


def day_chunks(since: date, until: date, size: int = MAX_DAY_RANGE) -> Iterator[tuple[date, int]]:
    """(start, days) covering [since, until] in chunks the API accepts."""
    start = since
    while start <= until:
        days = min(size, (until - start).days + 1)
        yield start, days
        start += timedelta(days=days)


def area_url(
    base: str,
    map_key: str,
    product: str,
    bbox: tuple[float, float, float, float],
    days: int,
    day: date | None = None,
) -> str:
    """``/api/area/csv/{MAP_KEY}/{SOURCE}/{W,S,E,N}/{days}[/{YYYY-MM-DD}]``."""
    if not 1 <= days <= MAX_DAY_RANGE:
        raise ValueError(f"FIRMS day range must be 1..{MAX_DAY_RANGE}, got {days}")
    west, south, east, north = (f"{v:.4f}" for v in bbox)
    url = f"{base.rstrip('/')}/api/area/csv/{map_key}/{product}/{west},{south},{east},{north}/{days}"
    return f"{url}/{day.isoformat()}" if day else url


def regional_url(base: str, product: str, region: str, window: str) -> str:
    """``/data/active_fire/{folder}/csv/{PREFIX}_{Region}_{24h|48h|7d}.csv``."""
    folder, prefix = FIRMS_FILE_PRODUCTS[product]
    return f"{base.rstrip('/')}/data/active_fire/{folder}/csv/{prefix}_{region}_{window}.csv"


def check_csv(text: str, label: str) -> str:
    """The body if it is a FIRMS CSV (header with latitude/longitude), else a clear error."""
    head = text.lstrip("\ufeff").split("\n", 1)[0].strip().lower()
    if "latitude" in head and "longitude" in head:
        return text
    if "invalid map_key" in text.lower():
        raise ConfigError(f"{label}: FIRMS refused the MAP_KEY (set FIREGRID_FIRMS__MAP_KEY)")
    raise SourceUnavailableError(f"{label}: not a FIRMS CSV: {text[:120].strip()!r}")


class FirmsClient:
    """Area API and regional files through one httpx client, rate-limited and retried."""

    def __init__(
        self,
        base_url: str,
        map_key: str | None,
        client: httpx.Client,
        retry: Retry,
        limiter: TransactionLimiter | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.base_url, self.map_key, self.client = base_url, map_key, client
        self.retry, self.limiter, self.timeout_s = retry, limiter or TransactionLimiter(), timeout_s

    def area(
        self, product: str, bbox: tuple[float, float, float, float], days: int, day: date | None = None
    ) -> str:
        """CSV of one product over a bbox for ``days`` days (from ``day``, or ending today)."""
        if not self.map_key or not _MAP_KEY.match(self.map_key):
            raise ConfigError("FIRMS area API needs a MAP_KEY: set FIREGRID_FIRMS__MAP_KEY")
        self.limiter.acquire(days)
        url = area_url(self.base_url, self.map_key, product, bbox, days, day)
        label = f"FIRMS {product} {days}d" + (f" from {day}" if day else "")
        try:
            response = get(self.client, url, self.retry, label=label, timeout=self.timeout_s)
        except RefusedError as exc:
            check_csv(exc.body, label)  # names a refused MAP_KEY as such
            raise
        return check_csv(response.text, label)

    def regional(self, product: str, region: str, window: str) -> str:
        """A no-key regional NRT file."""
        url = regional_url(self.base_url, product, region, window)
        label = f"FIRMS file {product} {region} {window}"
        return check_csv(get(self.client, url, self.retry, label=label, timeout=self.timeout_s).text, label)


def clip_csv(text: str, bbox: tuple[float, float, float, float]) -> str:
    """Keep the header and the rows inside ``bbox``; unreadable rows are kept (the ingest reports them)."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    try:
        lat_i, lon_i = header.index("latitude"), header.index("longitude")
    except ValueError:
        return text
    west, south, east, north = bbox
    kept = [lines[0]]
    for line in lines[1:]:
        cells = next(csv.reader([line]), [])
        try:
            lat, lon = float(cells[lat_i]), float(cells[lon_i])
        except (IndexError, ValueError):
            kept.append(line)
            continue
        if south <= lat <= north and west <= lon <= east:
            kept.append(line)
    return "".join(kept)
