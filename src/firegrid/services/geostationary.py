"""One geostationary slot from files to tasks: read (satpy) → detect (contextual + temporal) → ingest.

The ingest is the normal pipeline, so the heat-source registry and the persistent-heat mask suppress
steel, coking and power plants, routing finds the village, incidents fuse the slot with the previous
ones (one fire seen every 10 minutes stays one incident) and with FIRMS, scene, camera or drone
evidence, and tasks get the deadlines of a live fire (source kind ``satellite_geo``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firegrid.config import GeostationarySettings
from firegrid.detect.geostationary.fires import GeoDetection, detect_slot, to_detections
from firegrid.errors import ConfigError
from firegrid.imagery.geostationary.reader import read_slot
from firegrid.imagery.geostationary.slot import GeoSlot
from firegrid.services.grid import grid_extent
from firegrid.services.ingest import IngestContext, IngestSummary, create_job, ingest_detections
from firegrid.store.db import transaction

log = logging.getLogger(__name__)


@dataclass
class GeoContext:
    """What processing a slot needs: the pipeline, the settings group, where state lives."""

    ingest: IngestContext
    settings: GeostationarySettings
    state_dir: Path  # FIREGRID_HOME/geostationary

    @property
    def background_root(self) -> Path:
        """Where each grid's temporal background is kept."""
        return self.state_dir / "background"

    def area(self, required: bool = False) -> tuple[float, float, float, float] | None:
        """The area read from every slot: the configured bbox, else the grid's extent plus a buffer;
        without either, everything in the files (``required``: a ``ConfigError`` instead)."""
        if self.settings.bbox is not None:
            return self.settings.bbox
        try:
            return grid_extent(self.ingest.sessions, self.ingest.grids, self.settings.buffer_km)
        except ConfigError:
            if required:
                raise
            return None


@dataclass
class SlotReport:
    """What one slot did, with where the time went."""

    label: str
    slot: dict[str, Any]
    detection: dict[str, Any]
    summary: IngestSummary = field(default_factory=IngestSummary)
    seconds: dict[str, float] = field(default_factory=dict)
    ingest_job: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "label": self.label,
            "slot": self.slot,
            "detection": self.detection,
            "ingest": self.summary.model_dump(mode="json"),
            "seconds": self.seconds,
        }


def slot_label(slot: GeoSlot) -> str:
    """``<platform> <sensor> <start>``: the provenance every detection of the slot carries."""
    return f"{slot.platform} {slot.sensor} {slot.start_time:%Y-%m-%dT%H:%MZ}"


def _describe(slot: GeoSlot) -> dict[str, Any]:
    return {
        "platform": slot.platform,
        "sensor": slot.sensor,
        "start_time": slot.start_time.isoformat(),
        "shape": list(slot.shape),
        "grid": slot.grid_key,
        "files": len(slot.files),
    }


def process_slot(
    ctx: GeoContext,
    files: Sequence[Path],
    *,
    reader: str | None = None,
    ingest: bool = True,
    submitted_by: str | None = None,
) -> SlotReport:
    """Read, detect and (unless ``ingest`` is False) ingest one slot; idempotent per slot."""
    start = time.perf_counter()
    slot = read_slot(files, ctx.area(), reader)
    read_s = time.perf_counter() - start
    detection = detect_slot(slot, ctx.settings.detector, ctx.background_root)
    detect_s = time.perf_counter() - start - read_s
    report = SlotReport(slot_label(slot), _describe(slot), detection.summary())
    if ingest:
        report.ingest_job, report.summary = _ingest(ctx, slot, detection, files, submitted_by)
    report.seconds = {
        "read": round(read_s, 4),
        "detect": round(detect_s, 4),
        "ingest": round(time.perf_counter() - start - read_s - detect_s, 4),
    }
    log.info("%s: %s fire pixels, %s", report.label, len(detection.fires), report.seconds)
    return report


def _ingest(
    ctx: GeoContext, slot: GeoSlot, detection: GeoDetection, files: Sequence[Path], submitted_by: str | None
) -> tuple[int, IngestSummary]:
    label = slot_label(slot)
    digest = hashlib.sha256("\n".join(sorted(p.name for p in files)).encode()).hexdigest()
    with transaction(ctx.ingest.sessions) as session:
        job = create_job(session, files[0], filename=label, sha256=digest, submitted_by=submitted_by)
        job_id = job.id
    detections = to_detections(slot, detection.fires, label)
    return job_id, ingest_detections(ctx.ingest, detections, label=label, job_id=job_id)
