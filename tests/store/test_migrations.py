from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from firegrid.store.db import alembic_config, make_engine, migrate, schema_is_current


def test_sqlite_upgrade_downgrade_upgrade(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert not schema_is_current(engine)
    migrate(engine)
    assert schema_is_current(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"detections", "incidents", "tasks", "grid_cells", "outbox", "heat_sources"} <= tables
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    assert schema_is_current(engine)
    engine.dispose()


def test_migrations_match_the_tables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Autogenerate finds nothing to add: the ORM tables and the migrations agree."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    command.check(alembic_config(engine))
    engine.dispose()


def test_registries_are_given_an_owner_when_upgraded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """0008 places existing rows: geometry → the deepest cell covering it, robots → their cell,
    proposals → their task's cell, jobs → their submitter's first cell, the rest → the deployment."""
    import json

    import shapely
    from sqlalchemy import text

    from firegrid import geo
    from tests.grid.helpers import two_by_two

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    command.upgrade(alembic_config(engine), "0007")
    grid = json.loads(two_by_two(tmp_path / "g.geojson").read_text())
    circle = shapely.to_wkb(geo.circle(112.003, 38.003, 100))
    camera = {"id": "c1", "lon": 112.013, "lat": 38.013}
    with engine.begin() as db:
        db.execute(text("INSERT INTO grid_versions VALUES (1, 'g', 'g', 1, 7, '{}', '2026-01-01')"))
        paths = {"C": "C", "T1": "C/T1", "T2": "C/T2"}
        for i, f in enumerate(grid["features"]):
            p = f["properties"]
            path = paths.get(p["code"], f"C/{p['parent_code']}/{p['code']}")
            wkb = shapely.to_wkb(shapely.geometry.shape(f["geometry"]))
            db.execute(
                text("INSERT INTO grid_cells VALUES (:i, 1, :c, :c, :l, :p, :path, :g, 0, 0, 0, 0, 1, '{}')"),
                {"i": i + 1, "c": p["code"], "l": p["level"], "p": p["parent_code"], "path": path, "g": wkb},
            )
        db.execute(
            text(
                "INSERT INTO heat_sources VALUES "
                "(1, 'r', 'e', 'n', 'k', 112.003, 38.003, 100, :g, 1, '2026-01-01')"
            ),
            {"g": circle},
        )
        db.execute(
            text("INSERT INTO cameras (id, config, enabled, online, consecutive_errors, state, patrols, "
                 "created_at, updated_at) VALUES ('c1', :c, 1, 0, 0, '{}', 0, '2026-01-01', '2026-01-01')"),
            {"c": json.dumps(camera)},
        )  # fmt: skip
        db.execute(
            text(
                "INSERT INTO notify_robots VALUES (1, 'r', 'wecom', 'T2', 'http://x', NULL, 1, '2026-01-01')"
            )
        )
        db.execute(
            text("INSERT INTO users VALUES (1, 'op', '', 'x', 'county_operator', NULL, 1, '2026-01-01')")
        )
        db.execute(text("INSERT INTO user_cells VALUES (1, 'T1')"))
        db.execute(
            text(
                "INSERT INTO ingest_jobs (id, filename, path, sha256, size_bytes, status, attempts, summary, "
                "submitted_by, created_at, updated_at) VALUES "
                "(1, 'f', 'f', 's', 1, 'done', 0, '{}', 'op', '2026-01-01', '2026-01-01'), "
                "(2, 'f', 'f', 's', 1, 'done', 0, '{}', 'cli', '2026-01-01', '2026-01-01')"
            )
        )  # fmt: skip
    migrate(engine)
    with engine.connect() as db:
        owner = {
            table: dict(db.execute(text(f"SELECT id, owner_path FROM {table}")).all())
            for table in ("heat_sources", "cameras", "notify_robots", "ingest_jobs")
        }
        version = db.execute(text("SELECT version FROM tasks")).all()
    assert owner == {
        "heat_sources": {1: "C/T1/T1V1"},
        "cameras": {"c1": "C/T2/T2V2"},
        "notify_robots": {1: "C/T2"},
        "ingest_jobs": {1: "C/T1", 2: ""},
    }
    assert version == []
    engine.dispose()
