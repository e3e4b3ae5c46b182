"""Ingest and scene jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.store.tables.base import Base, Owned, utcnow


class JobColumns:
    """Bookkeeping shared by job tables: result, error, who submitted it, when."""

    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class IngestJob(JobColumns, Owned, Base):
    """One file to ingest (CLI or upload), with its summary once done."""

    __tablename__ = "ingest_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued, running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SceneJob(JobColumns, Owned, Base):
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


class SchedulerLease(Base):
    """Who runs the periodic scheduler: one holder at a time, until ``expires_at`` unless renewed."""

    __tablename__ = "scheduler_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column()
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
