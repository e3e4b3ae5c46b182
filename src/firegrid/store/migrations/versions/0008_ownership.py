"""Registries belong to grid nodes (owner_path on every registry row, backfilled), the registry
audit trail, and a version on tasks for compare-and-set transitions.

Backfill (docs/security.md): heat sources, sites and heat-mask candidates belong to the deepest cell
of the active grid covering their whole geometry; cameras to the cell they stand in; camera events
to their camera; proposals to their task's cell; robots to their cell; jobs submitted by a user to
the user's first cell; sources and everything else to the deployment ("", admin only).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:00:00
"""

from typing import Any

import shapely
import sqlalchemy as sa
from alembic import op

from firegrid.grid.cells import GridCell, GridTree
from firegrid.grid.ownership import owner_path

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OWNED = (
    "cameras",
    "camera_events",
    "heat_sources",
    "heat_mask_candidates",
    "notify_robots",
    "heat_source_proposals",
    "ingest_jobs",
    "scene_jobs",
    "sites",
    "sources",
)


def upgrade() -> None:
    op.create_table(
        "registry_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("owner_path", sa.String(length=400), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.create_index("ix_registry_events_object", ["kind", "object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_events_owner_path"), ["owner_path"], unique=False)
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("owner_path", sa.String(length=400), server_default="", nullable=False)
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_owner_path"), ["owner_path"], unique=False)
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    _backfill(op.get_bind())


def _tree(bind: sa.Connection) -> GridTree | None:
    version = bind.execute(sa.text("SELECT id FROM grid_versions WHERE is_active")).scalar()
    if version is None:
        return None
    rows = bind.execute(
        sa.text("SELECT code, name, level, parent_code, geom_wkb FROM grid_cells WHERE version_id = :v"),
        {"v": version},
    )
    return GridTree([GridCell(r[0], r[1], r[2], r[3], shapely.from_wkb(r[4])) for r in rows])


def _set(bind: sa.Connection, table: str, key: str, owners: dict[Any, str]) -> None:
    for value, owner in owners.items():
        if owner:
            bind.execute(
                sa.text(f"UPDATE {table} SET owner_path = :o WHERE {key} = :k"), {"o": owner, "k": value}
            )


def _backfill(bind: sa.Connection) -> None:
    tree = _tree(bind)
    if tree is not None:
        for table in ("heat_sources", "sites", "heat_mask_candidates"):
            rows = bind.execute(sa.text(f"SELECT id, geom_wkb FROM {table}"))
            _set(bind, table, "id", {r[0]: owner_path(tree, shapely.from_wkb(r[1])) for r in rows})
        cameras = sa.table("cameras", sa.column("id", sa.String), sa.column("config", sa.JSON))
        points = {
            r.id: shapely.Point(r.config["lon"], r.config["lat"]) for r in bind.execute(sa.select(cameras))
        }
        _set(bind, "cameras", "id", {k: owner_path(tree, p) for k, p in points.items()})
        robots = bind.execute(sa.text("SELECT id, cell_code FROM notify_robots"))
        _set(bind, "notify_robots", "id", {r[0]: tree.path(r[1]) for r in robots if r[1] in tree})
    bind.execute(
        sa.text(
            "UPDATE camera_events SET owner_path = "
            "COALESCE((SELECT c.owner_path FROM cameras c WHERE c.id = camera_events.camera_id), '')"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE heat_source_proposals SET owner_path = "
            "COALESCE((SELECT t.cell_path FROM tasks t WHERE t.id = heat_source_proposals.task_id), '')"
        )
    )
    homes = bind.execute(
        sa.text(
            "SELECT u.username, MIN(g.path) FROM users u JOIN user_cells uc ON uc.user_id = u.id "
            "JOIN grid_cells g ON g.code = uc.cell_code JOIN grid_versions v ON v.id = g.version_id "
            "WHERE v.is_active GROUP BY u.username"
        )
    )
    home_of = {r[0]: r[1] for r in homes}
    for table in ("ingest_jobs", "scene_jobs"):
        _set(bind, table, "submitted_by", home_of)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("version")
    for table in reversed(OWNED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_owner_path"))
            batch_op.drop_column("owner_path")
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_events_owner_path"))
        batch_op.drop_index(batch_op.f("ix_registry_events_at"))
        batch_op.drop_index("ix_registry_events_object")
    op.drop_table("registry_events")
