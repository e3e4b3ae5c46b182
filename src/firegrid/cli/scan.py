"""``firegrid scan``: detect active fires (and bare soil) in a Landsat 8/9 or Sentinel-2 scene."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from firegrid.cli import common
from firegrid.detect.satellite.registry import DETECTORS as FIRE_DETECTORS
from firegrid.detect.scene_pass import DETECTORS
from firegrid.services.scenes import create_scene_job, run_scene_job, scan_options
from firegrid.store.db import transaction

SENSORS = {
    "auto": "auto",
    "landsat8": "landsat",
    "landsat9": "landsat",
    "landsat": "landsat",
    "sentinel2": "sentinel2",
}

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
    """Find active-fire points (and bare-soil patches) in a scene, window by window.

    The scan is a scene job run in this process: the same service functions a worker runs
    (``services.scenes``), recorded like any job (``GET /scenes``).
    """
    s = common.settings()
    if sensor not in SENSORS:
        raise typer.BadParameter(f"use one of {', '.join(SENSORS)}", param_hint="--sensor")
    wanted, algorithm = _wanted(detectors, detector)
    when = (
        None
        if acquired_at is None
        else (acquired_at if acquired_at.tzinfo else acquired_at.replace(tzinfo=UTC))
    )
    options = scan_options(
        [d for d in DETECTORS if d in wanted],
        landcover=landcover.absolute() if landcover else None,
        acquired_at=when,
        window_size=window_size,
        ingest=ingest,
        quicklook=quicklook.absolute() if quicklook else None,
    )
    with common.runtime(s) as rt:
        with transaction(rt.sessions) as session:
            job_id = create_scene_job(
                session,
                str(path.absolute()),
                sensor=SENSORS[sensor],
                detector=algorithm,
                request={"scan": options},
                submitted_by="cli",
            ).id
        with Progress(
            TextColumn("scan"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=common.err,
            transient=as_json,
        ) as progress:
            bar = progress.add_task("scan", total=None)
            ctx = replace(rt.scan, roots=None)  # the operator's own path: not confined to the data roots
            summary = run_scene_job(
                ctx, job_id, lambda done, total: progress.update(bar, completed=done, total=total)
            )
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        _print(summary)


def _print(summary: dict[str, Any]) -> None:
    """The summary for a person: fire points, then bare patches (50 of each at most)."""
    if "fire_points" in summary:
        typer.echo(
            f"{summary['scene']} ({summary['sensor']}, {summary['detector']['name']}): "
            f"{summary['fire_pixels']} fire pixels, {len(summary['fire_points'])} fire points "
            f"in {summary['seconds']:.2f} s"
        )
        for point in summary["fire_points"][:50]:
            typer.echo(
                f"  {point['lat']:.5f}N {point['lon']:.5f}E  {point['pixels']} px  {point['confidence']}"
            )
    if "dust" in summary:
        patches, thresholds = summary["dust_patches"], summary["dust"]["thresholds"]
        typer.echo(f"{summary['scene']} (bare soil, thresholds {thresholds}): {len(patches)} patch(es)")
        for p in patches[:50]:
            typer.echo(f"  {p['lat']:.5f}N {p['lon']:.5f}E  {p['area_m2']:.0f} m2  {p['kind']}  {p['score']}")
