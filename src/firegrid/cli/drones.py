"""``firegrid detect-image``: run a detector on drone (or any) images, with ground coordinates."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import cv2
import numpy as np
import typer
import yaml
from numpy.typing import NDArray
from pydantic import TypeAdapter, ValidationError

from firegrid.cameras.config import Region
from firegrid.cli import common
from firegrid.detect.detections import Detections
from firegrid.detect.dust.cover import CoverModel
from firegrid.detect.dust.haze import HazeModel
from firegrid.detect.dust.report import dust_report
from firegrid.detect.objects.model import ObjectModel, installed_models
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.drones.images import ground_points, open_drone_image
from firegrid.errors import FiregridError, InputError
from firegrid.services.ingest import ingest_detections
from firegrid.types import SourceKind

MODELS_DIR = Path(os.environ.get("FIREGRID_MODELS_DIR") or default_models_dir())  # as Settings.models_path
INSTALLED = ", ".join(installed_models(MODELS_DIR))


def detect_image(
    paths: Annotated[list[Path], typer.Argument(help="JPEG/PNG (with DJI pose) or GeoTIFF orthomosaics")],
    detectors: Annotated[
        str, typer.Option(help="comma-separated: fire (the object model), dust (haze score, uncovered soil)")
    ] = "fire",
    regions: Annotated[
        Path | None, typer.Option(help="YAML/JSON list of regions {name, kind, polygon} for --detectors dust")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help=f"object detector in {MODELS_DIR}: {INSTALLED or 'none installed'} "
            "(default: FIREGRID_CAMERAS__MODEL, smoke-fire)"
        ),
    ] = None,
    slice_size: Annotated[
        int | None,
        typer.Option(help="tile size for large images, 0: whole image (default: the model's, else 640)"),
    ] = None,
    overlap: Annotated[
        float | None, typer.Option(help="tile overlap fraction (default: the model's)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per image on stdout")] = False,
    ingest: Annotated[
        bool, typer.Option(help="feed georeferenced boxes into the pipeline (source kind drone)")
    ] = False,
) -> None:
    """Detect smoke/fire (and dust) in images; one JSON object per image."""
    s = common.settings()
    wanted = {d.strip() for d in detectors.split(",") if d.strip()}
    if not wanted or wanted - {"fire", "dust"}:
        raise typer.BadParameter("use fire and/or dust", param_hint="--detectors")
    detector = ObjectModel(s.models_path(), model or s.cameras.model, s.cameras.threads)
    if slice_size is None:
        slice_size = 640 if detector.manifest.slice_size is None else detector.manifest.slice_size
    results: list[dict[str, Any]] = [
        _one(detector, path, slice_size, overlap) if "fire" in wanted else {"image": str(path)}
        for path in paths
    ]
    if "dust" in wanted:
        _add_dust(s.models_path(), results, _regions(regions), s.dust.image_dust_score)
    if ingest and "fire" in wanted:
        detector.require_detector("--ingest")
        with common.runtime(s) as rt:
            for item in results:
                det = _detections(item, detector)
                if len(det):
                    item["ingest"] = ingest_detections(rt.ingest, det, label=item["image"]).model_dump(
                        mode="json"
                    )
    for result in results:
        result.pop("_taken_at", None)
        dust = result.get("dust") or {}
        typer.echo(
            json.dumps(result, ensure_ascii=False)
            if as_json
            else f"{result['image']}: {len(result.get('boxes', []))} box(es)"
            + (f", dust score {dust['dust_score']}" if dust else "")
            + f" {result.get('error', '')}"
        )


def _regions(path: Path | None) -> list[tuple[str, str, list[tuple[float, float]]]]:
    if path is None:
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = TypeAdapter(list[Region]).validate_python(
            data.get("regions", data) if isinstance(data, dict) else data
        )
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"{path}: cannot read regions ({exc})") from exc
    return [(r.name, r.kind, r.polygon) for r in items]


def _add_dust(
    models_dir: Path,
    results: list[dict[str, Any]],
    regions: list[tuple[str, str, list[tuple[float, float]]]],
    threshold: float,
) -> None:
    haze, cover = HazeModel(models_dir), CoverModel(models_dir)
    for result in results:
        image: NDArray[np.uint8] | None = cv2.imread(result["image"], cv2.IMREAD_COLOR)  # type: ignore[assignment]
        if image is None:  # one bad image never stops the batch
            result.setdefault("error", f"{result['image']}: not a readable image")
            continue
        result["dust"] = dust_report(haze, cover, image, regions, threshold)


def _one(detector: ObjectModel, path: Path, size: int, overlap: float | None) -> dict[str, Any]:
    try:
        image = open_drone_image(path)
    except FiregridError as exc:  # one bad image never stops the batch
        return {"image": str(path), "error": str(exc), "boxes": [], "ground": []}
    boxes = detector.detect(image.image, size, overlap)
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
        attrs=[
            {"box": b} | ({"footprint": g["footprint"]} if g.get("footprint") else {}) for b, g in located
        ],
    )
