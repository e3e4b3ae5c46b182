"""Load the Xinzhou sample: grid, users, heat sources and fire points (idempotent)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid import sample
from firegrid.auth.credentials import hash_password
from firegrid.auth.roles import Role
from firegrid.cli.demo_story import Cast, tell
from firegrid.i18n import label
from firegrid.sample.relative import write_shifted
from firegrid.services.exports import running_bulletin_window
from firegrid.services.grid import active_version, import_grid, load_tree
from firegrid.services.heat_sources import import_heat_sources
from firegrid.services.ingest import IngestSummary, ingest_file
from firegrid.services.sites import import_sites
from firegrid.services.sources import import_sources
from firegrid.services.users import add_user
from firegrid.store.db import transaction
from firegrid.store.tables import SiteRow, SourceRow, TaskAssignee, TaskRow, User, utcnow
from firegrid.worker.context import Runtime

DEMO_PASSWORD = "firegrid-demo"
REAL_POINTS = "satellite/firms/modis_20220226_shanxi_bbox_subset.csv"


def prepare(rt: Runtime, story: bool = False) -> list[str]:
    """Load everything the demo needs; returns lines telling the user how to log in.

    The synthetic fires are moved to the present (today's, this week's, this season's); with ``story``
    (``firegrid demo``) the sample tasks are walked as a working day left them (``demo_story``)."""
    with transaction(rt.sessions) as session:
        if active_version(session) is None:
            import_grid(session, sample.path(sample.GRID), name="Xinzhou sample grid (generated)")
        version = active_version(session)
        assert version is not None
        if not session.scalar(select(func.count()).select_from(User)):
            sample_users(session, version.id)
        import_heat_sources(
            session,
            sample.path(sample.HEAT_SOURCES),
            registry="xinzhou-sample",
            default_radius_m=rt.settings.pipeline.heat_source_default_radius_m,
        )
        if not session.scalar(select(func.count()).select_from(SourceRow)):
            import_sources(session, sample.path(sample.SOURCES), rt.settings)
        if not session.scalar(select(func.count()).select_from(SiteRow)):
            import_sites(session, sample.path(sample.SITES))
    for folder in ("inbox", "geo-inbox"):
        (rt.settings.home / folder).mkdir(parents=True, exist_ok=True)
    now, zone = utcnow(), rt.settings.pipeline.zone
    today = now.astimezone(zone).date()
    window = running_bulletin_window(now, zone)  # today's fires in the window the map opens on
    season = datetime(today.year, (today.month - 1) // 3 * 3 + 1, 1, tzinfo=zone)
    points = rt.settings.home / "sample" / sample.FIRE_POINTS  # the synthetic fires moved to the present
    fresh = write_shifted(sample.path(sample.FIRE_POINTS), points, now, window.since, season)
    summary = ingest_file(rt.ingest, points, name=sample.FIRE_POINTS)
    cast = Cast()
    if story and fresh:
        with transaction(rt.sessions) as session:
            grid = rt.grids.get(session)
            assert grid is not None
            cast = tell(session, rt.settings, grid.tree, now, now - timedelta(days=200), window.since)
    shared = Path(os.environ.get("FIREGRID_SHARED_DATA", "../shared/data")) / REAL_POINTS
    if shared.is_file():
        summary = summary.add(ingest_file(rt.ingest, shared, name=str(shared)))
    return _notes(rt, summary, cast)


def sample_users(session: Session, version_id: int) -> None:
    """admin, an operator per county, a reviewer per township, an inspector per village."""
    hashed = hash_password(DEMO_PASSWORD)  # one hash for ~1,400 demo accounts
    tree = load_tree(session, version_id)
    add_user(session, "admin", None, Role.ADMIN, password_hash=hashed, display_name="管理员")
    roles = {
        "county": (Role.COUNTY_OPERATOR, "op"),
        "township": (Role.TOWNSHIP_REVIEWER, "rev"),
        "village": (Role.INSPECTOR, "insp"),
    }
    for cell in tree:
        if cell.level in roles:
            role, prefix = roles[cell.level]
            add_user(
                session,
                f"{prefix}-{cell.code}",
                None,
                role,
                [cell.code],
                password_hash=hashed,
                display_name=f"{cell.name}{label('role', role.value)}",
            )


def _notes(rt: Runtime, summary: IngestSummary, cast: Cast) -> list[str]:
    with rt.sessions() as session:
        first = (
            cast.inspector
            or session.scalars(
                select(User.username)
                .join(TaskAssignee, TaskAssignee.user_id == User.id)
                .join(TaskRow, TaskRow.id == TaskAssignee.task_id)
                .where(User.role == Role.INSPECTOR.value, TaskRow.status == "new")
                .order_by(TaskRow.created_at.desc(), User.username)
            ).first()
        )
    counts = summary.model_dump(exclude={"errors", "warnings"})
    reviewer = cast.reviewer or "rev-140902001"
    operator = cast.operator or "op-140902"
    return [
        f"sample fire points: {counts}",
        f"open /app/ (inspector), /map/ (township map) or /docs (API), password '{DEMO_PASSWORD}', as:",
        "  admin                      everything",
        f"  {operator:<26} county operator: a heat-source proposal to decide (GET /heat-sources/proposals)",
        f"  {reviewer:<26} township reviewer: a handled task to close (销号), the township's ranking",
        f"  {first or 'insp-<village code>':<26} an inspector with a new task: the README tour in /app/",
        "construction sites and the 5000 m2 video rule: GET /sites/compliance (`firegrid sites compliance`)",
        "sources and their health: GET /sources (FIRMS needs FIREGRID_FIRMS__MAP_KEY; drop files into "
        f"{rt.settings.home / 'inbox'})",
        "geostationary L1 files (FY-4B AGRI, Himawari HSD): drop a slot's files into "
        f"{rt.settings.home / 'geo-inbox'}",
    ]
