"""The same migrations and pipeline on a real PostgreSQL + PostGIS."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from firegrid import sample
from firegrid.cli.demo import sample_users
from firegrid.config import Settings
from firegrid.services.grid import import_grid
from firegrid.services.heat_sources import import_heat_sources
from firegrid.services.ingest import ingest_file
from firegrid.store.db import migrate, schema_is_current, transaction
from firegrid.store.tables import IncidentRow, TaskRow
from firegrid.worker.context import build_runtime

pytestmark = pytest.mark.services


def test_pipeline_on_postgis(pg_database: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path, database_url=pg_database, _env_file=None)  # type: ignore[call-arg]
    rt = build_runtime(settings)
    migrate(rt.engine)
    migrate(rt.engine)  # idempotent
    assert schema_is_current(rt.engine)
    with rt.engine.connect() as connection:
        assert connection.execute(text("SELECT PostGIS_Version()")).scalar()
        geom_columns = set(
            connection.execute(
                text("SELECT f_table_name FROM geometry_columns WHERE f_geometry_column = 'geom'")
            ).scalars()
        )
    assert geom_columns == {"detections", "incidents", "grid_cells", "heat_sources", "sites"}
    with transaction(rt.sessions) as session:
        version, _ = import_grid(session, sample.path(sample.GRID))
        sample_users(session, version.id)
        import_heat_sources(session, sample.path(sample.HEAT_SOURCES), registry="sample")
    summary = ingest_file(rt.ingest, sample.path(sample.FIRE_POINTS))
    assert (summary.new, summary.suppressed, summary.unrouted, summary.tasks_new) == (28, 2, 1, 13)
    assert ingest_file(rt.ingest, sample.path(sample.FIRE_POINTS)).new == 0
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TaskRow)) == 13
        incident = session.scalars(select(IncidentRow).order_by(IncidentRow.id)).first()
        assert incident is not None and incident.first_seen.tzinfo is not None
        # PostGIS agrees with the in-process router on the deepest cell of each incident
        rows = session.execute(
            text(
                "SELECT i.cell_code, (SELECT c.code FROM grid_cells c WHERE c.version_id = :v "
                "AND ST_Intersects(c.geom, i.geom) ORDER BY length(c.path) DESC, c.code LIMIT 1) "
                "FROM incidents i WHERE i.cell_code IS NOT NULL"
            ),
            {"v": version.id},
        ).all()
    inside = [(a, b) for a, b in rows if b is not None]
    assert len(inside) >= 12 and all(a == b for a, b in inside)
    rt.close()
