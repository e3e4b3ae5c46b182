"""``firegrid scan``: detect active fires in a Landsat 8/9 or Sentinel-2 scene."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from firegrid.cli import common
from firegrid.config import Settings
from firegrid.detect.dust.baresoil import BareSoilDetector
from firegrid.detect.dust.scan import dust_detections, scan_bare_soil
from firegrid.detect.satellite.registry import DETECTORS as FIRE_DETECTORS
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.scan import scan_scene, to_detections
from firegrid.imagery.open import open_scene
from firegrid.imagery.quicklook import write_quicklook
from firegrid.imagery.scene import Scene
from firegrid.services.ingest import ingest_detections

SENSORS = {
    "auto": "auto",
    "landsat8": "landsat",
    "landsat9": "landsat",
    "landsat": "landsat",
    "sentinel2": "sentinel2",
}


DETECTORS = ("fire", "bare-soil")
FIRE_ALGORITHMS = tuple(FIRE_DETECTORS)


def _wanted(detectors: str, old_detector: str | None) -> tuple[list[str], str | None]:
    """(``fire`` / ``bare-soil``, the fire algorithm) from ``--detectors`` (and the hidden ``--detector``)."""
    names = [d.strip() for d in detectors.split(",") if d.strip()]
    algorithms = [n for n in names if n in FIRE_ALGORITHMS] + ([old_detector] if old_detector else [])
    wanted = sorted(
        {"fire" if n in FIRE_ALGORITHMS else n for n in names} | ({"fire"} if old_detector else set())
    )
    unknown = sorted(set(wanted) - set(DETECTORS))
    if unknown or not wanted or len(set(algorithms)) > 1:
        known = ", ".join((*DETECTORS, *FIRE_ALGORITHMS))
        raise typer.BadParameter(
            f"unknown or conflicting {detectors!r}; use {known}", param_hint="--detectors"
        )
    return wanted, algorithms[0] if algorithms else None


def scan(
    path: Annotated[
        Path, typer.Argument(help="scene folder: Landsat with MTL, Sentinel-2 SAFE, or band files")
    ],
    detectors: Annotated[
        str,
        typer.Option(
            help="comma-separated: fire (the sensor's default algorithm) or a fire algorithm ("
            + ", ".join(FIRE_ALGORITHMS)
            + "), bare-soil (dust patches on the 10 m grid)"
        ),
    ] = "fire",
    landcover: Annotated[
        Path | None, typer.Option(help="land-cover GeoTIFF (e.g. ESA WorldCover) for bare-soil kinds")
    ] = None,
    sensor: Annotated[str, typer.Option(help="auto, landsat8, landsat9 or sentinel2")] = "auto",
    detector: Annotated[
        str | None, typer.Option(hidden=True, help="old spelling of --detectors ALGORITHM")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
    quicklook: Annotated[Path | None, typer.Option(help="write a SWIR/NIR/red PNG with fire points")] = None,
    ingest: Annotated[bool, typer.Option(help="feed the fire points into the pipeline")] = True,
    window_size: Annotated[int | None, typer.Option(help="window size in pixels")] = None,
    acquired_at: Annotated[
        datetime | None, typer.Option(help="acquisition time (UTC) for scenes without metadata")
    ] = None,
) -> None:
    """Find active-fire points (and bare-soil patches) in a scene, window by window."""
    s = common.settings()
    if sensor not in SENSORS:
        raise typer.BadParameter(f"use one of {', '.join(SENSORS)}", param_hint="--sensor")
    wanted, algorithm = _wanted(detectors, detector)
    when = (
        None
        if acquired_at is None
        else (acquired_at if acquired_at.tzinfo else acquired_at.replace(tzinfo=UTC))
    )
    summary: dict[str, Any] = {}
    if "fire" in wanted:
        scene = _open(path, SENSORS[sensor], s.scan.s2_offset, None, when)
        summary = _fire(s, scene, algorithm, window_size, quicklook, ingest, as_json)
    if "bare-soil" in wanted:
        dust_scene = _open(path, SENSORS[sensor], s.scan.s2_offset, 10, when)
        dust = _bare_soil(s, dust_scene, landcover, window_size, ingest, as_json)
        summary = summary or _scene_fields(dust_scene)
        summary["dust_patches"] = dust.pop("dust_patches")
        summary["dust"] = dust
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, default=str))


def _open(path: Path, sensor: str, s2_offset: float, resolution: int | None, when: datetime | None) -> Scene:
    scene = open_scene(path, sensor, s2_offset, resolution)
    return scene if when is None else replace(scene, acquired_at=when)


def _scene_fields(scene: Scene) -> dict[str, Any]:
    return {
        "scene": scene.scene_id,
        "sensor": scene.sensor,
        "platform": scene.platform,
        "acquired_at": scene.acquired_at.isoformat() if scene.acquired_at else None,
    }


def _bare_soil(
    s: Settings, scene: Scene, landcover: Path | None, window_size: int | None, ingest: bool, as_json: bool
) -> dict[str, Any]:
    """Bare-soil patches of the scene (and their ingest)."""
    detector = BareSoilDetector(s.models_path(), s.dust.sample_step)
    result = scan_bare_soil(scene, detector, s.dust, window_size or s.scan.window_size, landcover)
    summary = result.summary()
    summary["ingest"] = _ingest(s, scene, dust_detections, result, ingest)
    if not as_json:
        typer.echo(
            f"{scene.scene_id} (bare soil, thresholds {result.thresholds.as_dict()}): "
            f"{len(result.patches)} patch(es)"
        )
        for p in summary["dust_patches"][:50]:
            typer.echo(f"  {p['lat']:.5f}N {p['lon']:.5f}E  {p['area_m2']:.0f} m2  {p['kind']}  {p['score']}")
    return summary


def _ingest(s: Settings, scene: Scene, convert: Any, result: Any, ingest: bool) -> Any:
    if not ingest:
        return None
    if scene.acquired_at is None:
        return "not ingested: the scene has no acquisition time (give --acquired-at)"
    detections = convert(result)
    if not len(detections):
        return None
    with common.runtime(s) as rt:
        return ingest_detections(rt.ingest, detections, label=scene.scene_id).model_dump(mode="json")


def _fire(
    s: Settings,
    scene: Scene,
    detector: str | None,
    window_size: int | None,
    quicklook: Path | None,
    ingest: bool,
    as_json: bool,
) -> dict[str, Any]:
    """Active-fire points of the scene (and their ingest)."""
    det = make_detector(scene.sensor, s.models_path(), detector)
    with Progress(
        TextColumn("scan"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=common.err,
        transient=as_json,
    ) as progress:
        bar = progress.add_task("scan", total=None)
        result = scan_scene(
            scene,
            det,
            window_size or s.scan.window_size,
            lambda done, total: progress.update(bar, completed=done, total=total),
        )
    summary = result.summary()
    if quicklook is not None:
        write_quicklook(scene, [c.row for c in result.clusters], [c.col for c in result.clusters], quicklook)
        summary["quicklook"] = str(quicklook)
    stored = _ingest(s, scene, to_detections, result, ingest and bool(result.clusters))
    if isinstance(stored, str):
        summary["notes"].append(stored)
    elif stored is not None:
        summary["ingest"] = stored
    if not as_json:
        typer.echo(
            f"{scene.scene_id} ({scene.sensor}, {det.name}): {len(result.pixels)} fire pixels, "
            f"{len(result.clusters)} fire points in {result.seconds:.2f} s"
        )
        for point in summary["fire_points"][:50]:
            typer.echo(
                f"  {point['lat']:.5f}N {point['lon']:.5f}E  {point['pixels']} px  {point['confidence']}"
            )
    return summary
