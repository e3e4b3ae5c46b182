"""Many incidents with tasks of every kind, inserted in bulk into the sample grid (for map tests)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from firegrid.grid.cells import GridTree
from firegrid.store.tables import DetectionRow, IncidentRow, TaskRow

STATUSES = ("new", "dispatched", "acknowledged", "on_site", "confirmed", "rejected", "handled", "closed")
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def _task(i: int, cell: str, path: str, seen: datetime, rng: random.Random) -> dict[str, Any]:
    status = rng.choice(STATUSES)
    verdict = {"confirmed": "confirmed", "handled": "confirmed", "rejected": "rejected"}.get(status)
    if status == "closed":
        verdict = rng.choice(("confirmed", "rejected"))
    verified = seen + timedelta(minutes=rng.uniform(5, 900)) if verdict else None
    return {
        "id": i,
        "incident_id": i,
        "cell_code": cell,
        "cell_path": path,
        "source_kind": "satellite_product",
        "status": status,
        "verdict": verdict,
        "acknowledge_by": seen + timedelta(hours=2),
        "verify_by": seen + timedelta(hours=rng.choice((3, 12, 24 * 40))),
        "verified_at": verified,
        "merged_into_id": None,
        "created_at": seen,
        "updated_at": seen,
    }


def seed_incidents(
    session: Session,
    tree: GridTree,
    n: int,
    seed: int = 1,
    places: int | None = None,
    suppressed: int = 0,
) -> None:
    """``n`` incidents (fire and dust, some merged, some without a task, land uses mixed) at random
    villages (only the first ``places`` villages when given), with tasks in every status, and
    ``suppressed`` suppressed detections."""
    rng = random.Random(seed)
    villages = [c for c in tree if c.level == "village"][: places or None]
    first = (session.scalar(select(func.max(IncidentRow.id))) or 0) + 1
    incidents, tasks = [], []
    for i in range(first, first + n):
        cell = rng.choice(villages)
        point = cell.geometry.representative_point()
        seen = NOW - timedelta(hours=rng.uniform(0, 24 * 30))
        path = tree.path(cell.code)
        incidents.append(
            {
                "id": i,
                "status": "merged" if rng.random() < 0.03 else "open",
                "hazard": "fire" if rng.random() < 0.8 else "dust",
                "source_kinds": "satellite_product",
                "lon": point.x + rng.uniform(-0.002, 0.002),
                "lat": point.y + rng.uniform(-0.002, 0.002),
                "first_seen": seen,
                "last_seen": seen,
                "n_detections": 1,
                "land_use": rng.choice((None, "straw_burning", "other_vegetation", "built_up")),
                "cell_code": cell.code,
                "cell_path": path,
                "created_at": seen,
                "updated_at": seen,
            }
        )
        if rng.random() < 0.95:
            tasks.append(_task(i, cell.code, path, seen, rng))
    session.execute(insert(IncidentRow), incidents)
    session.execute(insert(TaskRow), tasks)
    if suppressed:
        _suppressed(session, tree, villages, suppressed, rng)


def _suppressed(session: Session, tree: GridTree, villages: list[Any], n: int, rng: random.Random) -> None:
    rows = []
    for k in range(n):
        cell = rng.choice(villages)
        point = cell.geometry.representative_point()
        seen = NOW - timedelta(hours=rng.uniform(0, 24 * 30))
        rows.append(
            {
                "dedup_key": f"map-seed-{seen.timestamp()}-{k}",
                "source_kind": "satellite_product",
                "sensor": "VIIRS",
                "platform": "N20",
                "product": "test",
                "observed_at": seen,
                "lon": point.x + rng.uniform(-0.002, 0.002),
                "lat": point.y + rng.uniform(-0.002, 0.002),
                "source_file": "test",
                "source_row": k,
                "detector": "test",
                "detector_version": "0",
                "status": "suppressed",
                "suppression_reason": "heat source (test)",
                "cell_code": cell.code,
                "cell_path": tree.path(cell.code),
            }
        )
    session.execute(insert(DetectionRow), rows)
