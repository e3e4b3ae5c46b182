"""Per-preset no-alert boxes learned from reviewed rejections of camera alarms.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_masks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("preset", sa.String(length=100), nullable=False),
        sa.Column("box", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("camera_masks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_masks_camera_id"), ["camera_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("camera_masks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_masks_camera_id"))
    op.drop_table("camera_masks")
