"""Evidence photos of a task: stored as received, checked against the incident and the clocks,
and re-rendered with a watermark the server writes from trusted fields (never the phone's)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from firegrid import geo, i18n
from firegrid.auth.roles import Permission, Principal
from firegrid.config import TaskSettings
from firegrid.errors import ConflictError, InputError, PermissionDeniedError, UploadTooLargeError
from firegrid.exif import position, read_exif, taken_at
from firegrid.imagery.decode import check_header
from firegrid.services.tasks import visible_task
from firegrid.store.tables import IncidentRow, TaskEvidence, utcnow
from firegrid.workflow import TaskStatus

FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
MAX_SIDE = 2048


class PhotoFlag(StrEnum):
    """What the server noticed about a photo (shown to reviewers, never blocking)."""

    NO_POSITION = "no_position"
    FAR_EXIF = "far_exif"
    FAR_DEVICE = "far_device"
    NO_EXIF_TIME = "no_exif_time"
    CLOCK_GAP_EXIF = "clock_gap_exif"
    CLOCK_GAP_DEVICE = "clock_gap_device"


@dataclass(frozen=True)
class DeviceFix:
    """What the app says about where and when the photo was taken."""

    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    client_time: datetime | None = None


def add_photo(
    session: Session,
    principal: Principal,
    task_id: int,
    data: bytes,
    fix: DeviceFix,
    checks: TaskSettings,
    evidence_dir: Path,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> TaskEvidence:
    """Store a photo for a task with its checks and a server-rendered watermark."""
    task = visible_task(session, principal, task_id)
    if not principal.can(Permission.ACT_ON_TASKS):
        raise PermissionDeniedError(f"a {principal.role} cannot add evidence")
    if task.status == TaskStatus.CLOSED:
        raise ConflictError(f"task {task_id} is closed", code="task_closed")
    if len(data) > checks.photo_max_bytes:
        raise UploadTooLargeError(f"photo of {len(data)} bytes is above {checks.photo_max_bytes}")
    check_header(data, "the photo")  # pixel limit before anything is decoded
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        opened = Image.open(io.BytesIO(data))
        gps, tags = read_exif(opened)
        image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"the photo is not a readable JPEG/PNG image ({exc})") from exc
    now = now or utcnow()
    incident = session.get_one(IncidentRow, task.incident_id)
    exif_at = taken_at(tags, zone)
    exif_where = position(gps)
    evidence = TaskEvidence(
        task_id=task.id,
        username=principal.name,
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=now,
        client_time=fix.client_time,
        exif_time=exif_at,
        exif_lon=exif_where[0] if exif_where else None,
        exif_lat=exif_where[1] if exif_where else None,
        device_lon=fix.lon,
        device_lat=fix.lat,
        device_accuracy_m=fix.accuracy_m,
        path="",
        watermarked_path="",
    )
    evidence.distance_m, evidence.flags = _checks(evidence, incident, checks, now)
    folder = evidence_dir / "tasks" / str(task.id)
    folder.mkdir(parents=True, exist_ok=True)
    original = folder / f"{evidence.sha256[:16]}.orig"
    original.write_bytes(data)
    marked = folder / f"{evidence.sha256[:16]}.jpg"
    _watermark(image, _lines(evidence, task.id, incident, zone)).save(marked, "JPEG", quality=88)
    evidence.path, evidence.watermarked_path = str(original), str(marked)
    session.add(evidence)
    session.flush()
    return evidence


def _checks(
    evidence: TaskEvidence, incident: IncidentRow, checks: TaskSettings, now: datetime
) -> tuple[float | None, list[str]]:
    flags: list[PhotoFlag] = []
    distances = {}
    for name, lon, lat in (
        ("exif", evidence.exif_lon, evidence.exif_lat),
        ("device", evidence.device_lon, evidence.device_lat),
    ):
        if lon is not None and lat is not None:
            distances[name] = float(geo.distance_m(lon, lat, incident.lon, incident.lat))
    if not distances:
        flags.append(PhotoFlag.NO_POSITION)
    for name, metres in distances.items():
        if metres > checks.far_m:
            flags.append(PhotoFlag(f"far_{name}"))
    gap = timedelta(minutes=checks.clock_gap_min)
    if evidence.exif_time is None:
        flags.append(PhotoFlag.NO_EXIF_TIME)
    elif abs(evidence.exif_time - now) > gap:
        flags.append(PhotoFlag.CLOCK_GAP_EXIF)
    if evidence.client_time is not None and abs(evidence.client_time - now) > gap:
        flags.append(PhotoFlag.CLOCK_GAP_DEVICE)
    distance = distances.get("exif", distances.get("device"))
    return distance, [f.value for f in flags]


def _lines(evidence: TaskEvidence, task_id: int, incident: IncidentRow, zone: ZoneInfo) -> list[str]:
    local = evidence.received_at.astimezone(zone)
    where = (
        f"{i18n.coords(evidence.device_lat, evidence.device_lon)} ±{evidence.device_accuracy_m or 0:.0f} 米"
        if evidence.device_lat is not None and evidence.device_lon is not None
        else "—"
    )
    distance = f"{evidence.distance_m:.0f} 米" if evidence.distance_m is not None else "—"
    stamp = f"{local:%Y-%m-%d %H:%M:%S} ({local:%z})"  # the full local time: an audit record
    lines = [
        "firegrid "
        + i18n.text("text.watermark_task", task=task_id, incident=incident.id, user=evidence.username),
        i18n.text("text.watermark_time", time=stamp),
        i18n.text("text.watermark_where", where=where, distance=distance),
    ]
    if evidence.flags:
        flags = ", ".join(i18n.label("flag", f) for f in evidence.flags)
        lines.append(i18n.text("text.watermark_flags", flags=flags))
    return lines


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _watermark(image: Image.Image, lines: list[str]) -> Image.Image:
    image = image.copy()
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    size = max(14, image.width // 45)
    font = _font(size)
    band = int(size * 1.35 * len(lines) + size)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, image.height - band, image.width, image.height), fill=(0, 0, 0, 150))
    y = image.height - band + size // 2
    for line in lines:
        draw.text((size // 2, y), line, font=font, fill=(255, 255, 255, 255))
        y += int(size * 1.35)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
