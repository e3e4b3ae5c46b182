"""``firegrid scan``: detect active fires in a Landsat 8/9 or Sentinel-2 scene."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from firegrid.cli import common
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.scan import scan_scene, to_detections
from firegrid.imagery.open import open_scene
from firegrid.imagery.quicklook import write_quicklook
from firegrid.services.ingest import ingest_detections

SENSORS = {
    "auto": "auto",
    "landsat8": "landsat",
    "landsat9": "landsat",
    "landsat": "landsat",
    "sentinel2": "sentinel2",
}


def scan(
    path: Annotated[
        Path, typer.Argument(help="scene folder: Landsat with MTL, Sentinel-2 SAFE, or band files")
    ],
    sensor: Annotated[str, typer.Option(help="auto, landsat8, landsat9 or sentinel2")] = "auto",
    detector: Annotated[str | None, typer.Option(help="detector name (default per sensor)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
    quicklook: Annotated[Path | None, typer.Option(help="write a SWIR/NIR/red PNG with fire points")] = None,
    ingest: Annotated[bool, typer.Option(help="feed the fire points into the pipeline")] = True,
    window_size: Annotated[int | None, typer.Option(help="window size in pixels")] = None,
    acquired_at: Annotated[
        datetime | None, typer.Option(help="acquisition time (UTC) for scenes without metadata")
    ] = None,
) -> None:
    """Find active-fire pixels and points in a scene, window by window."""
    s = common.settings()
    if sensor not in SENSORS:
        raise typer.BadParameter(f"use one of {', '.join(SENSORS)}", param_hint="--sensor")
    scene = open_scene(path, SENSORS[sensor], s.scan.s2_offset)
    if acquired_at is not None:
        when = acquired_at if acquired_at.tzinfo else acquired_at.replace(tzinfo=UTC)
        scene = replace(scene, acquired_at=when)
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
    if ingest and result.clusters and scene.acquired_at is None:
        summary["notes"].append("not ingested: the scene has no acquisition time (give --acquired-at)")
    elif ingest and result.clusters:
        with common.runtime(s) as rt:
            summary["ingest"] = ingest_detections(
                rt.ingest, to_detections(result), label=scene.scene_id
            ).model_dump(mode="json")
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        typer.echo(
            f"{scene.scene_id} ({scene.sensor}, {det.name}): {len(result.pixels)} fire pixels, "
            f"{len(result.clusters)} fire points in {result.seconds:.2f} s"
        )
        for point in summary["fire_points"][:50]:
            typer.echo(
                f"  {point['lat']:.5f}N {point['lon']:.5f}E  {point['pixels']} px  {point['confidence']}"
            )
