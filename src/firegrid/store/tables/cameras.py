"""Cameras and their events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.store.tables.base import Base, Owned, utcnow


class CameraRow(Owned, Base):
    """A registered camera: its definition (credential references only), health and patrol state."""

    __tablename__ = "cameras"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_frame_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    frame_problem: Mapped[str | None] = mapped_column(String(16))  # black, frozen
    next_patrol_at: Mapped[datetime | None] = mapped_column(index=True)
    patrolling_since: Mapped[datetime | None] = mapped_column()
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per preset: temporal window, position
    patrols: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CameraEvent(Owned, Base):
    """A confirmed smoke/fire sighting: where it was seen, where it is, the evidence."""

    __tablename__ = "camera_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    preset: Mapped[str] = mapped_column(String(100))
    class_name: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    box: Mapped[list[Any]] = mapped_column(JSON)  # xyxy pixels of the best frame
    image_width: Mapped[int] = mapped_column(Integer)
    image_height: Mapped[int] = mapped_column(Integer)
    azimuth_deg: Mapped[float] = mapped_column(Float)
    elevation_deg: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    uncertainty_m: Mapped[float] = mapped_column(Float)
    locate_method: Mapped[str] = mapped_column(String(32))  # flat, dem, assumed-range, triangulated
    confirmed_at: Mapped[datetime] = mapped_column(index=True)
    frames: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the confirming frames' times and boxes
    frame_path: Mapped[str | None] = mapped_column(String(1000))
    crop_path: Mapped[str | None] = mapped_column(String(1000))
    model: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CameraMask(Base):
    """A no-alert box of one camera preset, learned from a reviewed rejection of its alarm (查否)."""

    __tablename__ = "camera_masks"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    preset: Mapped[str] = mapped_column(String(100))
    box: Mapped[list[float]] = mapped_column(JSON)  # x1, y1, x2, y2 as image fractions 0..1
    event_id: Mapped[int | None] = mapped_column(Integer)  # the rejected alarm
    task_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))  # the rejection's reason code and text
    created_by: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
