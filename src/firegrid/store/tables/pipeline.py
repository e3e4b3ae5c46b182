"""Detections, incidents, tasks, their audit, and the notification outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.store.tables.base import Base, utcnow


class DetectionRow(Base):
    """A stored detection; never deleted. ``dedup_key`` makes ingest idempotent."""

    __tablename__ = "detections"
    __table_args__ = (
        Index("ix_detections_lon_lat", "lon", "lat"),
        Index("ix_detections_status_time", "status", "observed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(40), unique=True)
    hazard: Mapped[str] = mapped_column(String(24), default="fire", server_default="fire")
    source_kind: Mapped[str] = mapped_column(String(32))
    sensor: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(100))
    observed_at: Mapped[datetime] = mapped_column(index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    footprint_m: Mapped[float | None] = mapped_column(Float)
    scan_m: Mapped[float | None] = mapped_column(Float)
    track_m: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    frp: Mapped[float | None] = mapped_column(Float)
    brightness_k: Mapped[float | None] = mapped_column(Float)
    daynight: Mapped[str] = mapped_column(String(2), default="")
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_file: Mapped[str] = mapped_column(String(500))
    source_row: Mapped[int] = mapped_column(Integer)
    detector: Mapped[str] = mapped_column(String(64))
    detector_version: Mapped[str] = mapped_column(String(32))
    ingest_job_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_jobs.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    suppression_reason: Mapped[str | None] = mapped_column(String(300))
    heat_source_id: Mapped[int | None] = mapped_column(ForeignKey("heat_sources.id"))
    grid_version_id: Mapped[int | None] = mapped_column(ForeignKey("grid_versions.id"))
    cell_code: Mapped[str | None] = mapped_column(String(64))
    cell_path: Mapped[str | None] = mapped_column(String(400), index=True)
    route_method: Mapped[str | None] = mapped_column(String(16))
    route_distance_m: Mapped[float | None] = mapped_column(Float)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    site_id: Mapped[str | None] = mapped_column(String(64), index=True)  # a construction site it lies in
    footprint_wkb: Mapped[bytes | None] = mapped_column(LargeBinary)  # WGS84: pixel, cone, box, GPS circle
    land_use: Mapped[str | None] = mapped_column(String(24))  # cropland, other_vegetation, built_up, ...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentRow(Base):
    """One fire (or dust source) as seen by one or more detections."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_status_last_seen", "status", "last_seen"),
        Index("ix_incidents_lon_lat", "lon", "lat"),  # the hit map's view box (SQLite; PostGIS: geom)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, closed
    hazard: Mapped[str] = mapped_column(String(24), default="fire", server_default="fire")
    site_id: Mapped[str | None] = mapped_column(String(64), index=True)
    source_kinds: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    location_detection_id: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column()
    last_seen: Mapped[datetime] = mapped_column()
    n_detections: Mapped[int] = mapped_column(Integer, default=0)
    max_frp: Mapped[float | None] = mapped_column(Float)
    max_confidence: Mapped[float | None] = mapped_column(Float)
    cell_code: Mapped[str | None] = mapped_column(String(64))
    cell_path: Mapped[str | None] = mapped_column(String(400), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # CAP updates
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)  # combined over independent sources
    land_use: Mapped[str | None] = mapped_column(String(24))  # straw_burning, other_vegetation, built_up
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # map data version


class IncidentRevision(Base):
    """A material change of an incident (new evidence, better location, verdict): one CAP message each."""

    __tablename__ = "incident_revisions"
    __table_args__ = (Index("ix_incident_revisions_incident", "incident_id", "revision", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    msg_type: Mapped[str] = mapped_column(String(16))  # Alert, Update, Cancel
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentChange(Base):
    """A merge of two incidents or a split of one, with what moved: undone by moving it back."""

    __tablename__ = "incident_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # merge, split
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)  # kept / original
    other_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))  # merged away / split off
    detection_ids: Mapped[list[int]] = mapped_column(JSON)
    other_task_status: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column()


class TaskRow(Base):
    """A verification task for the inspectors of one cell (one per incident)."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    cell_code: Mapped[str] = mapped_column(String(64))
    cell_path: Mapped[str] = mapped_column(String(400), index=True)
    source_kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    acknowledge_by: Mapped[datetime] = mapped_column()
    on_site_by: Mapped[datetime | None] = mapped_column()
    verify_by: Mapped[datetime] = mapped_column(index=True)
    verdict: Mapped[str | None] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    reason_text: Mapped[str | None] = mapped_column(Text)
    escalation_stage: Mapped[str | None] = mapped_column(String(16))  # the missed deadline
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    on_site_at: Mapped[datetime | None] = mapped_column()
    verified_at: Mapped[datetime | None] = mapped_column()
    handled_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # +1 per transition (CAS)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # map data version


class TaskAssignee(Base):
    """Who a task was sent to."""

    __tablename__ = "task_assignees"
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TaskEvent(Base):
    """The audit trail of a task: every transition with actor, time, reason and location."""

    __tablename__ = "task_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)


class TaskEvidence(Base):
    """A photo an inspector submitted for a task, with the server's checks and a rendered watermark."""

    __tablename__ = "task_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1000))  # the original bytes
    watermarked_path: Mapped[str] = mapped_column(String(1000))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_time: Mapped[datetime | None] = mapped_column()
    exif_time: Mapped[datetime | None] = mapped_column()
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    device_lon: Mapped[float | None] = mapped_column(Float)
    device_lat: Mapped[float | None] = mapped_column(Float)
    device_accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)  # from the incident point
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)


class OutboxMessage(Base):
    """A notification to deliver; ``idem_key`` makes creating it idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class DeliveryAttempt(Base):
    """One delivery attempt of an outbox message, with the response."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
