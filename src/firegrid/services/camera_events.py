"""Turn a confirmed box into an event: bearing, ground point (or triangulation), evidence, detection."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid import geo
from firegrid.cameras.config import CameraConfig, Preset
from firegrid.cameras.evidence import save_evidence
from firegrid.cameras.geolocate import Bearing, GroundPoint, locate, pixel_bearing
from firegrid.cameras.temporal import Confirmation
from firegrid.cameras.triangulate import Fix, Ray, triangulate
from firegrid.detect.detections import Detections
from firegrid.detect.objects.model import ObjectModel
from firegrid.incidents.footprints import camera_footprint
from firegrid.services.ingest import IngestContext, ingest_detections
from firegrid.store.db import transaction
from firegrid.store.tables import CameraEvent, CameraRow, SiteRow
from firegrid.types import Hazard, SourceKind

log = logging.getLogger(__name__)

SAME_MAST_M = 100.0  # cameras this close cannot triangulate each other


@dataclass
class EventContext:
    """What event creation needs."""

    ingest: IngestContext
    evidence_dir: Path
    dem: Path | None = None
    triangulation_window: timedelta = field(default=timedelta(minutes=30))


DUST_CLASSES = ("dust_plume", "uncovered_soil")


@dataclass(frozen=True)
class Sighting:
    """What was confirmed: class, score, box (xyxy pixels of ``image``) and the detector."""

    class_name: str
    score: float
    box: list[float]
    detector: str
    detector_version: str

    @classmethod
    def of(cls, confirmation: Confirmation, model: ObjectModel) -> Sighting:
        """A confirmed box of an object model."""
        class_id = confirmation.class_id
        name = model.classes[class_id] if class_id < len(model.classes) else "object"
        return cls(
            name,
            confirmation.score,
            [float(v) for v in confirmation.box],
            model.name,
            model.describe()["version"],
        )


def create_event(
    ctx: EventContext,
    camera: CameraConfig,
    preset: Preset,
    image: NDArray[np.uint8],
    seen_at: datetime,
    sighting: Sighting,
    frames: list[dict[str, Any]],
) -> CameraEvent:
    """Locate the box's base (a site camera's dust: the site), triangulate smoke with other
    cameras' recent events, keep evidence, ingest."""
    h, w = image.shape[:2]
    x1, _, x2, y2 = sighting.box
    bearing = pixel_bearing((x1 + x2) / 2, y2, w, h, preset)
    ground = locate(camera, bearing, ctx.dem)
    dust = sighting.class_name in DUST_CLASSES
    with transaction(ctx.ingest.sessions) as session:
        site = session.get(SiteRow, camera.site_id) if dust and camera.site_id else None
        fix = None if dust else _triangulate(session, camera, bearing, seen_at, ctx.triangulation_window)
        if site is not None:
            lon, lat, uncertainty, method = site.lon, site.lat, site.area_geodesic_m2**0.5 / 2, "site"
        elif fix is not None:
            lon, lat, uncertainty, method = fix.lon, fix.lat, fix.uncertainty_m, "triangulated"
        else:
            lon, lat, uncertainty, method = ground.lon, ground.lat, ground.uncertainty_m, ground.method
        class_name = sighting.class_name
        owner = session.scalar(select(CameraRow.owner_path).where(CameraRow.id == camera.id)) or ""
        event = CameraEvent(
            owner_path=owner,  # the camera's area (the fire itself is routed by its location)
            camera_id=camera.id,
            preset=preset.name,
            class_name=class_name,
            score=sighting.score,
            box=sighting.box,
            image_width=w,
            image_height=h,
            azimuth_deg=bearing.azimuth_deg,
            elevation_deg=bearing.elevation_deg,
            lon=lon,
            lat=lat,
            uncertainty_m=uncertainty,
            locate_method=method,
            confirmed_at=seen_at,
            frames=frames,
            model=sighting.detector,
            model_version=sighting.detector_version,
        )
        session.add(event)
        session.flush()
        folder = ctx.evidence_dir / "cameras" / camera.id / f"event-{event.id}"
        frame_path, crop_path = save_evidence(
            folder, image, np.asarray(sighting.box, np.float32), f"{class_name} {sighting.score:.2f}"
        )
        event.frame_path, event.crop_path = str(frame_path), str(crop_path)
    ingest_detections(
        ctx.ingest, _detection(camera, preset, event, bearing, ground), label=f"camera {camera.id}"
    )
    log.info(
        "camera %s %s: %s at %.5f,%.5f (+-%.0f m, %s)",
        camera.id,
        preset.name,
        class_name,
        lat,
        lon,
        uncertainty,
        method,
    )
    return event


def _triangulate(
    session: Session, camera: CameraConfig, bearing: Bearing, seen_at: datetime, window: timedelta
) -> Fix | None:
    """A fix with other cameras' events seen within the window (None without a usable partner)."""
    recent = session.execute(
        select(CameraEvent, CameraRow.config)
        .join(CameraRow, CameraRow.id == CameraEvent.camera_id)
        .where(
            CameraEvent.camera_id != camera.id,
            CameraEvent.confirmed_at >= seen_at - window,
            CameraEvent.confirmed_at <= seen_at + window,
        )
        .order_by(CameraEvent.confirmed_at.desc())
    ).all()
    rays = [Ray(camera.lon, camera.lat, bearing.azimuth_deg, camera.azimuth_sigma_deg)]
    for event, config in recent:
        other = CameraConfig.model_validate(config)
        if float(geo.distance_m(camera.lon, camera.lat, other.lon, other.lat)) < SAME_MAST_M:
            continue
        rays.append(Ray(other.lon, other.lat, event.azimuth_deg, other.azimuth_sigma_deg))
        fix = triangulate(rays[:1] + rays[-1:], max_range_m=max(camera.range_max_m, other.range_max_m) * 1.5)
        if fix is not None:
            return fix
    return None


def _detection(
    camera: CameraConfig, preset: Preset, event: CameraEvent, bearing: Bearing, ground: GroundPoint
) -> Detections:
    return Detections.from_columns(
        lon=[event.lon],
        lat=[event.lat],
        observed_at=[event.confirmed_at.astimezone(UTC)],
        hazard=(Hazard.DUST if event.class_name in DUST_CLASSES else Hazard.FIRE).value,
        source_kind=SourceKind.CAMERA.value,
        sensor="camera",
        platform=camera.id,
        product=f"{camera.id}/{preset.name}",
        confidence=[event.score],
        footprint_m=[event.uncertainty_m],
        source_file=event.frame_path or "",
        source_row=[event.id],
        detector=event.model,
        detector_version=event.model_version,
        attrs=[
            {
                "camera": camera.id,
                "preset": preset.name,
                "event_id": event.id,
                "class": event.class_name,
                "azimuth_deg": round(bearing.azimuth_deg, 3),
                "elevation_deg": round(bearing.elevation_deg, 3),
                "locate_method": event.locate_method,
                "ground_distance_m": round(ground.distance_m, 1),
                "box": event.box,
                "site_id": camera.site_id,
                "camera_lon": camera.lon,
                "camera_lat": camera.lat,
                "footprint": shapely.geometry.mapping(
                    camera_footprint(
                        camera.lon,
                        camera.lat,
                        bearing.azimuth_deg,
                        camera.azimuth_sigma_deg,
                        ground.distance_m,
                        ground.uncertainty_m,
                        event.locate_method,
                        event.lon,
                        event.lat,
                    )
                ),
            }
        ],
    )
