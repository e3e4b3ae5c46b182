"""What a scene job keeps between its window tasks and its finish, and the summary it ends with.

Fire pixels of a window are few: they go into the window's row as JSON. Bare-soil
candidates can be millions of pixels: each window's go into a ``.npz`` file under the
work folder (written whole, then renamed, so a killed task leaves nothing half-written),
which the finish reads back and deletes once the job is done.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from firegrid.detect.dust.baresoil import SoilPixels, WindowPass
from firegrid.detect.dust.scan import dust_detections
from firegrid.detect.dust.thresholds import IndexHistograms
from firegrid.detect.satellite.points import FirePixels
from firegrid.detect.satellite.scan import to_detections
from firegrid.detect.scene_pass import PlanResult, WindowResult
from firegrid.imagery.quicklook import write_quicklook
from firegrid.imagery.scene import Scene
from firegrid.services.ingest import IngestContext, ingest_detections

NO_TIME = "not ingested: the scene has no acquisition time (give --acquired-at or acquired_at)"
_SOIL = ("rows", "cols", "bsi", "ndvi", "mbi", "landcover")


def window_record(result: WindowResult) -> dict[str, Any]:
    """A window's row: its fire pixels and where its time went."""
    record: dict[str, Any] = {"read_s": result.read_s, "detect_s": result.detect_s}
    if result.fire is not None:
        p = result.fire
        record |= {
            "rows": p.rows.tolist(),
            "cols": p.cols.tolist(),
            "confidence": p.confidence.tolist(),
            "saturated": p.saturated.tolist(),
            "swir": [None if np.isnan(v) else float(v) for v in p.swir],
        }
    return record


def fire_from_record(data: dict[str, Any]) -> FirePixels:
    """The fire pixels a window's row holds (none if it holds none)."""
    if "rows" not in data:
        return FirePixels.empty()
    return FirePixels(
        np.asarray(data["rows"], np.int64),
        np.asarray(data["cols"], np.int64),
        np.asarray(data["confidence"], np.uint8),
        np.asarray(data["saturated"], bool),
        np.asarray([np.nan if v is None else v for v in data["swir"]], np.float32),
    )


def dust_file(work: Path, job_id: int, index: int) -> Path:
    """Where window ``index`` of job ``job_id`` keeps its bare-soil passes."""
    return work / f"scene-{job_id}" / f"window-{index}.npz"


def save_dust(path: Path, passes: list[WindowPass]) -> None:
    """Write a window's bare-soil passes (candidates and histogram counts) atomically."""
    arrays: dict[str, Any] = {"count": np.int64(len(passes))}
    for j, p in enumerate(passes):
        for name in _SOIL:
            arrays[f"{j}:{name}"] = getattr(p.pixels, name)
        h = p.hist
        arrays[f"{j}:totals"] = np.array([h.sampled, h.cloud, h.land], np.int64)
        arrays[f"{j}:classes"] = np.array(sorted(h.counts), np.int64)
        for k, (bsi, ndvi) in h.counts.items():
            arrays[f"{j}:bsi{k}"], arrays[f"{j}:ndvi{k}"] = bsi, ndvi
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(f".{os.getpid()}.part")
    with part.open("wb") as f:
        np.savez(f, **arrays)
    part.replace(path)


def load_dust(path: Path) -> list[WindowPass]:
    """A window's bare-soil passes, as ``save_dust`` wrote them."""
    passes = []
    with np.load(path) as data:
        for j in range(int(data["count"])):
            pixels = SoilPixels(*(data[f"{j}:{name}"] for name in _SOIL))
            sampled, cloud, land = (int(v) for v in data[f"{j}:totals"])
            counts = {int(k): (data[f"{j}:bsi{k}"], data[f"{j}:ndvi{k}"]) for k in data[f"{j}:classes"]}
            passes.append(WindowPass(pixels, IndexHistograms(counts, sampled, cloud, land)))
    return passes


def forget(work: Path, job_id: int) -> None:
    """Delete a finished job's window files."""
    shutil.rmtree(work / f"scene-{job_id}", ignore_errors=True)


def scene_fields(scene: Scene) -> dict[str, Any]:
    """Which scene: id, sensor, platform, acquisition time."""
    return {
        "scene": scene.scene_id,
        "sensor": scene.sensor,
        "platform": scene.platform,
        "acquired_at": scene.acquired_at.isoformat() if scene.acquired_at else None,
    }


def summarise(ctx: IngestContext, outcome: PlanResult, options: dict[str, Any]) -> dict[str, Any]:
    """The job's summary (what ``firegrid scan --json`` prints); ingests the findings unless told not to."""
    ingest = options.get("ingest", True)
    summary: dict[str, Any] = {}
    if outcome.fire is not None:
        fire = outcome.fire
        summary = fire.summary()
        if options.get("quicklook"):
            rows, cols = [c.row for c in fire.clusters], [c.col for c in fire.clusters]
            write_quicklook(fire.scene, rows, cols, Path(options["quicklook"]))
            summary["quicklook"] = options["quicklook"]
        if ingest and fire.scene.acquired_at is None:
            summary["notes"].append(NO_TIME)
        elif ingest and fire.clusters:
            stored = ingest_detections(ctx, to_detections(fire), label=fire.scene.scene_id)
            summary["ingest"] = stored.model_dump(mode="json")
    if outcome.dust is not None:
        dust = outcome.dust.summary()
        dust["ingest"] = None
        if ingest and outcome.dust.scene.acquired_at is None:
            dust["ingest"] = NO_TIME
        elif ingest and outcome.dust.patches:
            stored = ingest_detections(ctx, dust_detections(outcome.dust), label=outcome.dust.scene.scene_id)
            dust["ingest"] = stored.model_dump(mode="json")
        summary = summary or scene_fields(outcome.dust.scene)
        summary["dust_patches"] = dust.pop("dust_patches")
        summary["dust"] = dust
    summary["timing"] = {"read_s": round(outcome.read_s, 3), "detect_s": round(outcome.detect_s, 3)}
    return summary
