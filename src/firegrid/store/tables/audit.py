"""The audit trail of the registries (heat sources, masks, sites, cameras, robots, sources)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.store.tables.base import Base, utcnow


class RegistryEvent(Base):
    """Who created, changed or deactivated which registry entry, when, and what it became."""

    __tablename__ = "registry_events"
    __table_args__ = (Index("ix_registry_events_object", "kind", "object_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))  # heat_source, heat_mask, proposal, site, ...
    object_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))  # create, update, deactivate, accept, decline, ...
    owner_path: Mapped[str] = mapped_column(String(400), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
