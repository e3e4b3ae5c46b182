"""Database tables (SQLAlchemy 2). Geometries are WGS84 WKB; PostGIS columns are added on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class GridVersion(Base):
    """One imported grid; exactly one is active."""

    __tablename__ = "grid_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    n_cells: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GridCellRow(Base):
    """A cell of a grid version."""

    __tablename__ = "grid_cells"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        Index("ix_grid_cells_path", "version_id", "path"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("grid_versions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(400))
    geom_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class User(Base):
    """A person: inspector, chief, township reviewer, county operator or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32), index=True)
    mobile: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserCell(Base):
    """A user's attachment to a cell (by code, stable across grid versions)."""

    __tablename__ = "user_cells"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cell_code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class ApiKey(Base):
    """A machine credential; only its SHA-256 is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    cell_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class HeatSourceRow(Base):
    """A registry entry: a persistent industrial heat source (or no-alert zone)."""

    __tablename__ = "heat_sources"
    __table_args__ = (UniqueConstraint("registry_name", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    registry_name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    geom_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobColumns:
    """Bookkeeping shared by job tables: result, error, who submitted it, when."""

    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class IngestJob(JobColumns, Base):
    """One file to ingest (CLI or upload), with its summary once done."""

    __tablename__ = "ingest_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued, running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class DetectionRow(Base):
    """A stored detection; never deleted. ``dedup_key`` makes ingest idempotent."""

    __tablename__ = "detections"
    __table_args__ = (
        Index("ix_detections_lon_lat", "lon", "lat"),
        Index("ix_detections_status_time", "status", "observed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(40), unique=True)
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentRow(Base):
    """One fire (or dust source) as seen by one or more detections."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_last_seen", "status", "last_seen"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, closed
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    verify_by: Mapped[datetime] = mapped_column(index=True)
    verdict: Mapped[str | None] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    reason_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


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


class SceneJob(JobColumns, Base):
    """A scene to scan (a path on shared storage, or a Sentinel Hub request to download first)."""

    __tablename__ = "scene_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(1000))
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # Sentinel Hub request, if any
    sensor: Mapped[str] = mapped_column(String(16), default="auto")
    detector: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued, downloading, scanning, done, failed
    scene_id: Mapped[str | None] = mapped_column(String(200))
    windows_total: Mapped[int] = mapped_column(Integer, default=0)


class SceneWindow(Base):
    """The fire pixels of one window of a scene job (idempotent per (job, window))."""

    __tablename__ = "scene_windows"
    __table_args__ = (UniqueConstraint("job_id", "idx"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("scene_jobs.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending, done
    pixels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SourceRow(Base):
    """A configured acquisition source and its health record."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_new_data_at: Mapped[datetime | None] = mapped_column()
    last_data_time: Mapped[datetime | None] = mapped_column()
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    alerting: Mapped[bool] = mapped_column(Boolean, default=False)
    running_since: Mapped[datetime | None] = mapped_column()
    runs: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SourceItem(Base):
    """Something a source already took (a Sentinel Hub acquisition, a watched file version)."""

    __tablename__ = "source_items"
    __table_args__ = (UniqueConstraint("source_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(600))
    job_kind: Mapped[str | None] = mapped_column(String(16))  # ingest or scene
    job_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CameraRow(Base):
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


class CameraEvent(Base):
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
