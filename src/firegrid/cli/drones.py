"""``firegrid detect-image``: run a detector on drone (or any) images, with ground coordinates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from firegrid.cli import common
from firegrid.detect.detections import Detections
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.objects.slicer import sliced
from firegrid.drones.images import ground_points, open_drone_image
from firegrid.errors import FiregridError
from firegrid.services.ingest import ingest_detections
from firegrid.types import SourceKind


def detect_image(
    paths: Annotated[list[Path], typer.Argument(help="JPEG/PNG (with DJI pose) or GeoTIFF orthomosaics")],
    model: Annotated[str | None, typer.Option(help="model name in models/")] = None,
    slice_size: Annotated[int, typer.Option(help="tile size for large images")] = 640,
    overlap: Annotated[float, typer.Option(help="tile overlap fraction")] = 0.2,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    ingest: Annotated[
        bool, typer.Option(help="feed georeferenced boxes into the pipeline (source kind drone)")
    ] = False,
) -> None:
    """Detect smoke/fire in images; one JSON object per image."""
    s = common.settings()
    detector = ObjectModel(s.models_path(), model or s.cameras.model, s.cameras.threads)
    results = [_one(detector, path, slice_size, overlap) for path in paths]
    if ingest:
        with common.runtime(s) as rt:
            for result in results:
                det = _detections(result, detector)
                if len(det):
                    result["ingest"] = ingest_detections(rt.ingest, det, label=result["image"]).model_dump(
                        mode="json"
                    )
    for result in results:
        result.pop("_taken_at", None)
        typer.echo(
            json.dumps(result, ensure_ascii=False)
            if as_json
            else f"{result['image']}: {len(result.get('boxes', []))} box(es) {result.get('error', '')}"
        )


def _one(detector: ObjectModel, path: Path, size: int, overlap: float) -> dict[str, Any]:
    try:
        image = open_drone_image(path)
    except FiregridError as exc:  # one bad image never stops the batch
        return {"image": str(path), "error": str(exc), "boxes": [], "ground": []}
    boxes = sliced(detector.detect, image.image, size, overlap)
    result: dict[str, Any] = {
        "image": str(path),
        "width": image.image.shape[1],
        "height": image.image.shape[0],
        "boxes": boxes.as_dicts(detector.classes),
        "ground": ground_points(image, boxes),
        "georeferenced": image.georef is not None,
        "footprint": image.footprint_wkt,
        "model": detector.describe(),
        "_taken_at": image.taken_at,
    }
    if image.pose is not None:
        result["pose"] = {
            "lon": image.pose.lon,
            "lat": image.pose.lat,
            "relative_altitude_m": image.pose.relative_altitude_m,
            "gimbal_pitch_deg": image.pose.gimbal_pitch_deg,
            "gimbal_yaw_deg": image.pose.gimbal_yaw_deg,
        }
    return result


def _detections(result: dict[str, Any], detector: ObjectModel) -> Detections:
    located = [(b, g) for b, g in zip(result.get("boxes", []), result.get("ground", []), strict=True) if g]
    if not located:
        return Detections.empty()
    when = result.get("_taken_at") or datetime.now(UTC)
    return Detections.from_columns(
        lon=[g["lon"] for _, g in located],
        lat=[g["lat"] for _, g in located],
        observed_at=[when] * len(located),
        source_kind=SourceKind.DRONE.value,
        sensor="drone",
        platform="drone",
        product=result["image"],
        confidence=[b["score"] for b, _ in located],
        footprint_m=[10.0] * len(located),
        source_file=result["image"],
        source_row=list(range(1, len(located) + 1)),
        detector=detector.name,
        detector_version=detector.describe()["version"],
        attrs=[{"box": b} for b, _ in located],
    )
