"""Pydantic models of the API's requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from firegrid.services.ingest import IngestSummary


class ErrorOut(BaseModel):
    """Every error answer: what went wrong (naming the input), the error class, a machine code and the
    message a person reads (zh-CN unless ``Accept-Language`` puts English first)."""

    detail: str | list[dict[str, Any]]
    error: str | None = None  # absent on the web framework's own errors (malformed multipart, ...)
    code: str | None = None  # e.g. illegal_transition, photo_required, wrong_credentials
    message: str | None = None  # e.g. 请先到场并拍照取证


def binary(*media_types: str, description: str = "The file") -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route answering with non-JSON content."""
    return {200: {"description": description, "content": {m: {} for m in media_types}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (400, "Bad input: the message names the input and the problem"),
        (401, "Missing, expired or wrong credentials"),
        (403, "Authenticated, but the role may not do this"),
        (404, "No such resource in the caller's grid subtree"),
        (409, "Not allowed in the current state"),
        (413, "Upload larger than the configured limit"),
        (415, "Unsupported file format"),
        (429, "Too many failed logins; see Retry-After"),
        (503, "The database or broker is unavailable; see Retry-After"),
    )
}


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    """The caller."""

    name: str
    role: str
    cells: list[str]
    display_name: str = ""  # what the pages show (the user name when empty)


class IngestJobOut(BaseModel):
    """An ingest job and, once done, its summary."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    filename: str
    sha256: str
    size_bytes: int
    status: str
    attempts: int
    summary: IngestSummary | None = None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class GridVersionOut(BaseModel):
    """A grid version with its validation report."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    source: str
    is_active: bool
    n_cells: int
    report: dict[str, Any]
    created_at: datetime


class GridNode(BaseModel):
    """A cell in the tree view."""

    code: str
    name: str
    level: str
    children: list[GridNode] | None = None  # None: below the requested depth (see child_count)
    child_count: int = 0  # how many children the cell has, listed or not
    has_children: bool = False


class DetectionOut(BaseModel):
    """A stored detection."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    source_kind: str
    sensor: str
    platform: str
    product: str
    observed_at: datetime
    lon: float
    lat: float
    footprint_m: float | None
    confidence: float | None
    frp: float | None
    brightness_k: float | None
    status: str
    suppression_reason: str | None
    cell_code: str | None
    route_method: str | None
    route_distance_m: float | None
    incident_id: int | None
    source_file: str
    source_row: int
    detector: str
    detector_version: str


class IncidentOut(BaseModel):
    """An incident: one fire seen by one or more detections."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    status: str
    hazard: str
    site_id: str | None = None
    revision: int = 1
    confidence: float | None = None
    land_use: str | None = None
    merged_into_id: int | None = None
    source_kinds: str
    lon: float
    lat: float
    first_seen: datetime
    last_seen: datetime
    n_detections: int
    max_frp: float | None
    max_confidence: float | None
    cell_code: str | None
    cell_path: str | None


class IncidentDetail(IncidentOut):
    """An incident with its detections and task."""

    detections: list[DetectionOut]
    task_id: int | None


class TaskEventOut(BaseModel):
    """One audited transition."""

    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    lon: float | None
    lat: float | None


class TaskOut(BaseModel):
    """A verification task."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    incident_id: int
    cell_code: str
    source_kind: str
    status: str
    acknowledge_by: datetime
    on_site_by: datetime | None = None
    verify_by: datetime
    verdict: str | None
    reason_code: str | None
    reason_text: str | None
    escalation_level: int = 0
    merged_into_id: int | None = None
    acknowledged_at: datetime | None = None
    on_site_at: datetime | None = None
    verified_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class TaskCard(TaskOut):
    """A task in "my tasks": with where it is, what it is, and its next deadline."""

    hazard: str
    lon: float
    lat: float
    place: str
    next_deadline: datetime | None
    next_step: Literal["acknowledge", "on_site", "verify"] | None = None  # what next_deadline is for
    overdue: bool


class EvidenceOut(BaseModel):
    """A photo's record: the server's checks and where the watermarked copy is."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    task_id: int
    username: str
    received_at: datetime
    exif_time: datetime | None
    exif_lon: float | None
    exif_lat: float | None
    device_lon: float | None
    device_lat: float | None
    device_accuracy_m: float | None
    distance_m: float | None
    flags: list[str]
    url: str = ""


class TimelineItem(BaseModel):
    """One detection of the task's incident: who saw what, when, where."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    source_kind: str
    sensor: str
    platform: str
    observed_at: datetime
    lon: float
    lat: float
    footprint_m: float | None
    confidence: float | None
    detector: str
    land_use: str | None = None


class TaskDetail(TaskOut):
    """A task with its incident, assignees, audit trail, evidence photos and detection timeline."""

    incident: IncidentOut
    assignees: list[str]
    events: list[TaskEventOut]
    evidence: list[EvidenceOut] = []
    timeline: list[TimelineItem] = []
    place: str = ""
    navigation: dict[str, str] = {}  # amap / baidu (GCJ-02) and geo: (WGS84) links to the incident
    names: dict[str, str] = {}  # display names of the actors and assignees, by user name


class Position(BaseModel):
    """Where the device was (WGS84)."""

    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class Verdict(Position):
    """查实 / 查否; ``reroute_to`` (not my area) and ``duplicate_of`` (duplicate) complete a rejection."""

    verdict: Literal["confirmed", "rejected"]
    reason_code: str | None = None
    reason_text: str | None = Field(None, max_length=2000)
    reroute_to: str | None = None
    duplicate_of: int | None = None


class Note(Position):
    """A free-text note with an action (handled, close)."""

    note: str | None = Field(None, max_length=2000)


class Reassign(BaseModel):
    """Send a task to another cell."""

    cell_code: str
    note: str | None = Field(None, max_length=2000)


class Merge(BaseModel):
    """Close a task as a duplicate of another."""

    into: int


class HeatSourceOut(BaseModel):
    """A registry entry."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    registry_name: str
    external_id: str
    name: str
    kind: str
    lon: float
    lat: float
    radius_m: float | None
    is_active: bool


class HeatSourceIn(BaseModel):
    """A new point heat source."""

    name: str = Field(min_length=1, max_length=300)
    kind: str = "industrial"
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    radius_m: float = Field(1000.0, gt=0, le=20000)
    registry: str = "manual"


class ImportResult(BaseModel):
    """What an import did."""

    new: int
    updated: int
    errors: list[dict[str, Any]]


class UserIn(BaseModel):
    """A new user."""

    username: str = Field(min_length=2, max_length=100)
    password: str = Field(min_length=8)
    role: str
    cells: list[str] = Field(default_factory=list)
    display_name: str = ""
    mobile: str | None = None


class UserOut(BaseModel):
    """A user (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    cells: list[str]
    is_active: bool
