"""The synthetic fire points moved to the present, so the demo's time filters and bulletin have data:
some fires today (inside the current 17:00-to-17:00 bulletin window), some this week, this season and
earlier. Each fire keeps the spacing of its own detections (several pixels / overpasses)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

CLUSTER_DEG = 0.02  # detections this close belong to one synthetic fire
HOURS_AGO = (0.5, 2, 4, 7, 11)  # today's fires (kept inside the current bulletin window)
WEEK_DAYS = (2, 3, 5)  # this week's
SEASON_DAYS = (20, 40)  # this season's (moved into the season when it began less than 40 days ago)
EARLIER_DAYS = (120, 150)  # shown under "all time" only
# the rows after the fires (power plants, the border point, the far point) are today's too


def _stamp(row: dict[str, str]) -> datetime:
    return datetime.strptime(row["acq_date"] + row["acq_time"].zfill(4), "%Y-%m-%d%H%M").replace(tzinfo=UTC)


def fires(rows: list[dict[str, str]]) -> list[list[int]]:
    """Row indexes grouped into fires (greedy, by distance to the fire's first row), in file order."""
    groups: list[list[int]] = []
    for i, row in enumerate(rows):
        lat, lon = float(row["latitude"]), float(row["longitude"])
        for group in groups:
            first = rows[group[0]]
            if (
                abs(float(first["latitude"]) - lat) < CLUSTER_DEG
                and abs(float(first["longitude"]) - lon) < CLUSTER_DEG
            ):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def targets(n: int, now: datetime, window_start: datetime, season_start: datetime) -> list[datetime]:
    """When the latest detection of each of ``n`` fires happened: today's first, then this week's, this
    season's and earlier ones; the rest (not fires) today."""

    def today(hours: float) -> datetime:  # inside [window_start, now] even just after 17:00
        return max(
            now - timedelta(hours=hours), window_start + min(timedelta(minutes=5), (now - window_start) / 2)
        )

    season_days = (now - season_start).days - 1
    season = [min(d, season_days) if season_days > max(WEEK_DAYS) else d for d in SEASON_DAYS]
    days = [*WEEK_DAYS, *season, *EARLIER_DAYS]
    order = [today(h) for h in HOURS_AGO] + [now - timedelta(days=d) for d in days]
    return [order[i] if i < len(order) else today(0.25 + i - len(order)) for i in range(n)]


def shift(text: str, now: datetime, window_start: datetime, season_start: datetime) -> str:
    """The FIRMS CSV ``text`` with each fire moved to its target time (UTC dates and times)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    groups = fires(rows)
    for group, target in zip(groups, targets(len(groups), now, window_start, season_start), strict=True):
        offset = target - max(_stamp(rows[i]) for i in group)
        for i in group:
            moved = (_stamp(rows[i]) + offset).astimezone(UTC)
            rows[i]["acq_date"], rows[i]["acq_time"] = f"{moved:%Y-%m-%d}", f"{moved:%H%M}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_shifted(
    source: Path, dest: Path, now: datetime, window_start: datetime, season_start: datetime
) -> bool:
    """Write the shifted copy once (``False`` when ``dest`` exists: a demo home keeps its data)."""
    if dest.is_file():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(shift(source.read_text(), now, window_start, season_start))
    return True
