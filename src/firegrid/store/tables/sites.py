"""Construction sites, their PM10 monitors and their compliance violations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.store.tables.base import Base, Owned, utcnow


class SiteRow(Owned, Base):
    """A registered construction site: permit, people, polygon (WGS84) and geodesic area."""

    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    permit_no: Mapped[str | None] = mapped_column(String(100))
    project_code: Mapped[str | None] = mapped_column(String(100))
    builder: Mapped[str | None] = mapped_column(String(300))
    contractor: Mapped[str | None] = mapped_column(String(300))
    responsible_person: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date | None] = mapped_column()
    end_date: Mapped[date | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    phase: Mapped[str | None] = mapped_column(String(32))
    geom_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    source_crs: Mapped[str] = mapped_column(String(64), default="EPSG:4326")
    area_declared_m2: Mapped[float | None] = mapped_column(Float)
    area_geodesic_m2: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)  # a point inside the polygon
    lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    camera_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # besides cameras naming the site
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SiteMonitor(Base):
    """A PM10 online monitor of a site (HJ 212 MN code) and when it last reported."""

    __tablename__ = "site_monitors"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    mn: Mapped[str] = mapped_column(String(64), unique=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    last_reading_at: Mapped[datetime | None] = mapped_column()
    last_pm10: Mapped[float | None] = mapped_column(Float)


class SiteViolation(Base):
    """One episode of a site breaking the video/monitor rule; open until the rule holds again."""

    __tablename__ = "site_violations"
    __table_args__ = (Index("ix_site_violations_open", "site_id", "kind", "resolved_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # no_camera, camera_offline, no_monitor, monitor_offline
    detail: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    detection_id: Mapped[int | None] = mapped_column(ForeignKey("detections.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
