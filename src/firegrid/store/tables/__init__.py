"""Database tables (SQLAlchemy 2). Geometries are WGS84 WKB; PostGIS columns are added on PostgreSQL."""

from firegrid.store.tables.audit import RegistryEvent
from firegrid.store.tables.base import Base, Owned, UTCDateTime, utcnow
from firegrid.store.tables.cameras import CameraEvent, CameraMask, CameraRow
from firegrid.store.tables.grid import GridCellRow, GridVersion, HeatMaskCandidate, HeatSourceRow
from firegrid.store.tables.jobs import IngestJob, JobColumns, SceneJob, SceneWindow, SchedulerLease
from firegrid.store.tables.notify import HeatSourceProposal, NotifyRobot, PushSubscription, RateBucket
from firegrid.store.tables.people import ApiKey, User, UserCell
from firegrid.store.tables.pipeline import (
    DeliveryAttempt,
    DetectionRow,
    IncidentChange,
    IncidentRevision,
    IncidentRow,
    OutboxMessage,
    TaskAssignee,
    TaskEvent,
    TaskEvidence,
    TaskRow,
)
from firegrid.store.tables.sites import SiteMonitor, SiteRow, SiteViolation
from firegrid.store.tables.sources import SourceItem, SourceRow

__all__ = [
    "ApiKey",
    "Base",
    "CameraEvent",
    "CameraMask",
    "CameraRow",
    "DeliveryAttempt",
    "DetectionRow",
    "GridCellRow",
    "GridVersion",
    "HeatMaskCandidate",
    "HeatSourceProposal",
    "HeatSourceRow",
    "IncidentChange",
    "IncidentRevision",
    "IncidentRow",
    "IngestJob",
    "JobColumns",
    "NotifyRobot",
    "OutboxMessage",
    "Owned",
    "PushSubscription",
    "RateBucket",
    "RegistryEvent",
    "SceneJob",
    "SceneWindow",
    "SchedulerLease",
    "SiteMonitor",
    "SiteRow",
    "SiteViolation",
    "SourceItem",
    "SourceRow",
    "TaskAssignee",
    "TaskEvent",
    "TaskEvidence",
    "TaskRow",
    "UTCDateTime",
    "User",
    "UserCell",
    "utcnow",
]
