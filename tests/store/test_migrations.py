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
