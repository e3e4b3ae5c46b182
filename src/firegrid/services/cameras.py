"""Camera registry, health and patrols (one preset visit after another, each camera once at a time)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.cameras import temporal
from firegrid.cameras.config import CameraConfig, Preset, load_cameras_file
from firegrid.cameras.engine import observe
from firegrid.cameras.streams import Frame, StreamError, frame_problem, grab, small_grey
from firegrid.detect.dust.cover import CoverModel
from firegrid.detect.dust.haze import HazeModel
from firegrid.detect.objects.model import ObjectModel
from firegrid.errors import FiregridError, InputError, NotFoundError, SourceUnavailableError
from firegrid.grid.ownership import point_owner
from firegrid.netguard import CAMERA_SCHEMES, WEB_SCHEMES, OutboundGuard
from firegrid.services.camera_dust import DustModels, watch_frame
from firegrid.services.camera_events import EventContext, Sighting, create_event
from firegrid.services.camera_masks import learned_masks
from firegrid.services.ownership import Writer
from firegrid.services.ownership import record as audit
from firegrid.services.scenes import check_scene_path
from firegrid.store.db import transaction
from firegrid.store.tables import CameraRow, SiteRow, utcnow

log = logging.getLogger(__name__)
CAMERA_SECRET_PREFIX = "FIREGRID_CAMERA_"

MAX_BACKOFF = 16


@dataclass
class CameraContext:
    """What patrols need; ``sleep`` and ``clock`` are injectable for tests."""

    events: EventContext
    models_dir: Path
    default_model: str
    state_dir: Path
    threads: int = 1
    http: httpx.Client = field(default_factory=httpx.Client)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = field(default=time.sleep)
    _models: dict[str, ObjectModel] = field(default_factory=dict)
    _dust: DustModels | None = None

    def dust_models(self) -> DustModels:
        """The haze and cover graphs (loaded once per context)."""
        if self._dust is None:
            self._dust = DustModels(HazeModel(self.models_dir, self.threads), CoverModel(self.models_dir))
        return self._dust

    def model(self, name: str | None) -> ObjectModel:
        """The camera's model (loaded once per context)."""
        key = name or self.default_model
        if key not in self._models:
            model = ObjectModel(self.models_dir, key, self.threads)
            model.require_detector("camera patrols")
            self._models[key] = model
        return self._models[key]


@dataclass
class PatrolReport:
    """What one patrol did."""

    camera: str
    frames: int = 0
    boxes: int = 0
    events: list[int] = field(default_factory=list)
    problem: str | None = None


# --- registry and health -------------------------------------------------------------------


def upsert_camera(session: Session, config: CameraConfig, writer: Writer | None = None) -> CameraRow:
    """Create or replace a camera's definition (health and state are kept), owned by the cell it
    stands in, inside the writer's area (audited)."""
    writer = (writer or Writer()).with_tree(session)
    owner = point_owner(writer.tree, config.lon, config.lat) if writer.tree is not None else ""
    row = session.get(CameraRow, config.id)
    writer.admit(row.owner_path if row else None, owner, f"camera {config.id}")
    site = session.get(SiteRow, config.site_id) if config.site_id else None
    if site is not None:  # watching a site counts for its compliance: only a site of the writer's area
        writer.admit(site.owner_path, site.owner_path, f"site {site.id}")
    if row is None:
        row = CameraRow(id=config.id, config=config.model_dump(mode="json"), enabled=config.enabled)
        session.add(row)
    else:
        row.config, row.enabled, row.updated_at = config.model_dump(mode="json"), config.enabled, utcnow()
    row.owner_path = owner
    session.flush()
    audit(session, writer.actor, "camera", row.id, "upsert", owner, enabled=row.enabled)
    return row


def import_cameras(
    session: Session, path: Path, guard: OutboundGuard, writer: Writer | None = None
) -> list[str]:
    """Upsert every camera of a YAML/JSON registry file (URLs checked by the SSRF guard)."""
    cameras = load_cameras_file(path)
    for camera in cameras:
        check_camera_urls(camera, guard)
    writer = (writer or Writer()).with_tree(session)
    return [upsert_camera(session, c, writer).id for c in cameras]


def check_camera_urls(config: CameraConfig, guard: OutboundGuard) -> None:
    """Stream and PTZ URLs may only reach public hosts or the allowed private ranges."""
    if config.stream.kind != "file":
        guard.check_url(config.stream.url, f"camera {config.id} stream", CAMERA_SCHEMES)
    if config.ptz is not None:
        guard.check_url(config.ptz.goto_url, f"camera {config.id} PTZ URL", WEB_SCHEMES)


def check_api_camera(config: CameraConfig, guard: OutboundGuard, roots: list[Path]) -> None:
    """What a camera sent over the API may reference: guarded URLs, files under ``roots`` only, and
    passwords only from ``FIREGRID_CAMERA_*`` variables or files under ``roots`` (no exfiltration of
    other secrets into a URL the caller controls)."""
    check_camera_urls(config, guard)
    stream = config.stream
    if stream.kind == "file":
        check_scene_path(Path(stream.url), roots)
    if stream.password_env and not stream.password_env.startswith(CAMERA_SECRET_PREFIX):
        raise InputError(f"camera {config.id}: password_env must start with {CAMERA_SECRET_PREFIX}")
    if stream.password_file:
        check_scene_path(stream.password_file, roots)


def camera_row(session: Session, camera_id: str, principal: Principal | None = None) -> CameraRow:
    """A camera (of the principal's subtree, when given) or ``NotFoundError``."""
    row = session.get(CameraRow, camera_id)
    if row is None or (principal is not None and not principal.sees(row.owner_path)):
        raise NotFoundError(f"no camera {camera_id!r}")
    return row


def describe_camera(row: CameraRow, urls: bool = True) -> dict[str, Any]:
    """Definition without credential references (URLs redacted, or left out when ``urls`` is
    False: for roles that do not run cameras), and health."""
    config = CameraConfig.model_validate(row.config).public()
    if not urls:
        config["stream"] = {k: v for k, v in config["stream"].items() if k not in ("url", "username")}  # type: ignore[attr-defined]
        config.pop("ptz", None)
    return {
        "id": row.id,
        "enabled": row.enabled,
        "owner": row.owner_path.rsplit("/", 1)[-1],
        "config": config,
        "health": {
            "online": row.online,
            "last_frame_at": row.last_frame_at,
            "last_error": row.last_error,
            "consecutive_errors": row.consecutive_errors,
            "frame_problem": row.frame_problem,
            "next_patrol_at": row.next_patrol_at,
            "patrols": row.patrols,
        },
    }


def due_cameras(session: Session, now: datetime) -> list[str]:
    """Enabled cameras whose next patrol is due and that no one is patrolling."""
    stale = now - timedelta(minutes=10)
    rows = session.scalars(select(CameraRow).where(CameraRow.enabled).order_by(CameraRow.id))
    return [
        r.id
        for r in rows
        if (r.next_patrol_at is None or r.next_patrol_at <= now)
        and (r.patrolling_since is None or r.patrolling_since < stale)
    ]


def _claim(session: Session, camera_id: str, now: datetime, takeover: bool = False) -> bool:
    stale = now - timedelta(minutes=10)
    claim = update(CameraRow).where(CameraRow.id == camera_id)
    if not takeover:
        claim = claim.where((CameraRow.patrolling_since.is_(None)) | (CameraRow.patrolling_since < stale))
    result = session.execute(claim.values(patrolling_since=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- patrol ----------------------------------------------------------------------------------


def patrol(ctx: CameraContext, camera_id: str, takeover: bool = False) -> PatrolReport | None:
    """Visit every preset once; None when another worker is patrolling this camera.

    ``takeover``: this is a patrol whose worker died (a redelivered task), so its own claim is taken
    over at once instead of blocking the camera until the claim goes stale.
    """
    now = ctx.clock()
    with transaction(ctx.events.ingest.sessions) as session:
        if not _claim(session, camera_id, now, takeover):
            return None
        row = camera_row(session, camera_id)
        config, state = CameraConfig.model_validate(row.config), dict(row.state or {})
    report = PatrolReport(camera_id)
    try:
        for preset in config.presets:
            state[preset.name] = _visit(ctx, config, preset, dict(state.get(preset.name, {})), report)
    except (StreamError, SourceUnavailableError) as exc:
        _record(ctx, camera_id, config, state, report, error=str(exc))
        raise
    _record(ctx, camera_id, config, state, report, error=None)
    return report


def _record(
    ctx: CameraContext,
    camera_id: str,
    config: CameraConfig,
    state: dict[str, Any],
    report: PatrolReport,
    error: str | None,
) -> None:
    now = ctx.clock()
    with transaction(ctx.events.ingest.sessions) as session:
        row = camera_row(session, camera_id)
        row.state, row.patrolling_since, row.patrols, row.updated_at = state, None, row.patrols + 1, now
        row.frame_problem = report.problem
        interval = timedelta(seconds=config.patrol_interval_s)
        if error is None:
            row.online, row.last_error, row.consecutive_errors = True, None, 0
            row.last_frame_at = now if report.frames else row.last_frame_at
            row.next_patrol_at = now + interval
        else:
            row.online, row.last_error = False, error[:2000]
            row.consecutive_errors += 1
            row.next_patrol_at = now + interval * min(MAX_BACKOFF, 2 ** (row.consecutive_errors - 1))


def _goto(ctx: CameraContext, config: CameraConfig, preset: Preset) -> None:
    if config.ptz is None or len(config.presets) < 2:
        return
    url = config.ptz.goto_url.format(
        preset_id=preset.preset_id if preset.preset_id is not None else preset.name
    )
    auth = (config.stream.username or "", config.stream.password() or "") if config.stream.username else None
    try:
        response = ctx.http.request(config.ptz.method, url, auth=auth, timeout=config.stream.timeout_s)
    except httpx.HTTPError as exc:
        raise SourceUnavailableError(
            f"camera {config.id}: PTZ goto {preset.name} failed: {type(exc).__name__}"
        ) from exc
    if not response.is_success:
        raise SourceUnavailableError(
            f"camera {config.id}: PTZ goto {preset.name} answered HTTP {response.status_code}"
        )
    ctx.sleep(config.ptz.settle_s)


def _visit(
    ctx: CameraContext, config: CameraConfig, preset: Preset, state: dict[str, Any], report: PatrolReport
) -> dict[str, Any]:
    """One preset: move, grab, check, detect, confirm over time, create events."""
    _goto(ctx, config, preset)
    frames = grab(config.id, config.stream, int(state.get("position", 0)), ctx.http)
    model = ctx.model(config.model)
    window = temporal.WindowState.from_json(state.get("window"))
    dust: dict[str, Any] = dict(state.get("dust", {}))
    store = ctx.state_dir / config.id / f"{_safe(preset.name)}.npz"
    greys = _load_greys(store)
    with ctx.events.ingest.sessions() as session:
        masks = [*preset.masks, *learned_masks(session, config.id, preset.name)]
    for frame in frames:
        report.frames += 1
        created = len(report.events)
        problem = frame_problem(frame.image, greys.get("last"))
        grey = small_grey(frame.image)
        greys["last"] = grey
        if problem:
            report.problem = problem
            continue
        outcome = observe(model, frame.image, masks, window, greys, config.temporal, preset.horizon)
        report.boxes += len(outcome.unmasked)
        for confirmation in outcome.confirmations:
            if confirmation.new:
                frames_json = [{"boxes": f["xyxy"], "scores": f["score"]} for f in window.frames]
                sighting = Sighting.of(confirmation, model)
                event = create_event(ctx.events, config, preset, frame.image, frame.at, sighting, frames_json)
                window.event_id = event.id
                report.events.append(event.id)
        if config.dust is not None:
            report.events += watch_frame(ctx.events, ctx.dust_models(), config, preset, frame, dust, greys)
        if len(report.events) > created:
            position = _next_position([frame], int(state.get("position", 0)), config)
            _checkpoint(
                ctx, config.id, preset.name, {"window": window.as_json(), "position": position, "dust": dust}
            )
    _save_greys(store, greys)
    position = _next_position(frames, int(state.get("position", 0)), config)
    return {"window": window.as_json(), "position": position, "dust": dust}


def _checkpoint(ctx: CameraContext, camera_id: str, preset: str, preset_state: dict[str, Any]) -> None:
    """Keep a preset's state as soon as it made an event (after the event is ingested), so a patrol
    redone after its worker died continues that event instead of making it again."""
    with transaction(ctx.events.ingest.sessions) as session:
        row = camera_row(session, camera_id)
        row.state = {**(row.state or {}), preset: preset_state}


def _next_position(frames: list[Frame], position: int, config: CameraConfig) -> int:
    last = [f.index for f in frames if f.index is not None]
    return (max(last) + config.stream.frame_step) if last else position


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _load_greys(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _save_greys(path: Path, greys: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **greys)  # type: ignore[arg-type]


def patrol_safely(ctx: CameraContext, camera_id: str, takeover: bool = False) -> PatrolReport:
    """A patrol whose failure is recorded in the camera's health, never raised (for pools)."""
    try:
        return patrol(ctx, camera_id, takeover) or PatrolReport(camera_id, problem="already patrolling")
    except FiregridError as exc:
        log.warning("camera %s: %s", camera_id, exc)
        return PatrolReport(camera_id, problem=str(exc))
