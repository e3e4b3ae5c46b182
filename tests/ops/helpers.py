"""A small grid with users, and tasks made through the real pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from firegrid.auth.roles import Role
from firegrid.detect.detections import Detections
from firegrid.services.grid import import_grid
from firegrid.services.ingest import ingest_detections
from firegrid.services.users import add_user
from firegrid.store.db import transaction
from firegrid.store.tables import TaskRow
from firegrid.worker.context import Runtime
from tests.grid.helpers import two_by_two

USERS = {
    "insp-T1V1": (Role.INSPECTOR, "T1V1", "13800000001"),
    "insp-T1V2": (Role.INSPECTOR, "T1V2", "13800000002"),
    "insp-T2V1": (Role.INSPECTOR, "T2V1", "13800000003"),
    "chief-T1V1": (Role.CHIEF, "T1V1", "13800000004"),
    "rev-T1": (Role.TOWNSHIP_REVIEWER, "T1", "13800000005"),
    "rev-T2": (Role.TOWNSHIP_REVIEWER, "T2", "13800000006"),
    "op-C": (Role.COUNTY_OPERATOR, "C", "13800000007"),
}
POINTS = {"T1V1": (112.005, 38.005), "T1V2": (112.005, 38.015), "T2V1": (112.015, 38.005)}


def small_world(runtime: Runtime, tmp: Path) -> Runtime:
    with transaction(runtime.sessions) as session:
        import_grid(session, two_by_two(tmp / "grid.geojson"))
        for name, (role, cell, mobile) in USERS.items():
            add_user(session, name, None, role, [cell], mobile=mobile, password_hash="unused")
    return runtime


def new_task(runtime: Runtime, cell: str = "T1V1", when: datetime | None = None, seq: int = 0) -> int:
    """Ingest one satellite point in ``cell``; returns its task id."""
    lon, lat = POINTS[cell]
    when = when or datetime(2026, 4, 10, 3, 0, tzinfo=UTC) + timedelta(hours=7 * seq)  # a new incident each
    detections = Detections.from_columns(
        lon=[lon + seq * 1e-6],
        lat=[lat],
        observed_at=[when],
        source_kind="satellite_product",
        sensor="VIIRS",
        platform=f"N{seq}",
        confidence=[0.8],
    )
    summary = ingest_detections(runtime.ingest, detections, label=f"test {seq}")
    assert summary.tasks_new == 1, summary
    with runtime.sessions() as session:
        return int(session.query(TaskRow.id).order_by(TaskRow.id.desc()).first()[0])  # type: ignore[index]
