"""Map layers: indexes that make the map data version (newest update of incidents and tasks) an
index lookup, and the hit map's view box an index range on SQLite.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 06:00:00
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incidents_updated_at", "incidents", ["updated_at"])
    op.create_index("ix_incidents_lon_lat", "incidents", ["lon", "lat"])
    op.create_index("ix_tasks_updated_at", "tasks", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_updated_at", table_name="tasks")
    op.drop_index("ix_incidents_lon_lat", table_name="incidents")
    op.drop_index("ix_incidents_updated_at", table_name="incidents")
