"""Drone images: a GeoTIFF orthomosaic (pixel -> map through its transform) or a JPEG with a pose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.objects.boxes import Boxes
from firegrid.drones.footprint import Projector
from firegrid.drones.metadata import DronePose, read_pose
from firegrid.errors import InputError
from firegrid.imagery.decode import read_image
from firegrid.imagery.georef import pixel_centres_to_lonlat
from firegrid.imagery.rasters import open_raster

MAX_PIXELS = 400_000_000  # refuse decompression bombs

Georef = Callable[[NDArray[np.float64], NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.float64]]]


@dataclass
class DroneImage:
    """Pixels (BGR uint8), how to place them on the ground (if known), when and how it was taken."""

    path: Path
    image: NDArray[np.uint8]
    georef: Georef | None
    taken_at: datetime | None
    pose: DronePose | None
    footprint_wkt: str | None = None


def open_drone_image(path: Path) -> DroneImage:
    """A GeoTIFF (any CRS) or a JPEG/PNG; JPEGs with a DJI/EXIF pose get a ground projection."""
    if path.suffix.lower() in (".tif", ".tiff"):
        return _geotiff(path)
    image = read_image(path, str(path), MAX_PIXELS)
    try:
        pose = read_pose(path)
        projector = Projector.from_pose(pose)
    except InputError:
        return DroneImage(path, np.asarray(image, np.uint8), None, None, None)
    footprint = None
    try:
        footprint = projector.footprint().wkt
    except InputError:
        footprint = None  # an oblique shot that sees the horizon: points below it still project
    return DroneImage(path, np.asarray(image, np.uint8), projector.to_ground, pose.taken_at, pose, footprint)


def _geotiff(path: Path) -> DroneImage:
    with open_raster(path) as ds:
        if ds.width * ds.height > MAX_PIXELS:
            raise InputError(f"{path}: {ds.width}x{ds.height} px exceeds the {MAX_PIXELS} pixel limit")
        if ds.crs is None:
            raise InputError(f"{path}: GeoTIFF without a CRS")
        bands = ds.read(indexes=list(range(1, min(3, ds.count) + 1)))
        transform, crs = ds.transform, ds.crs.to_string()
    if bands.dtype != np.uint8:
        lo, hi = np.nanpercentile(bands, (1, 99))
        bands = np.clip((bands - lo) / max(hi - lo, 1e-9) * 255, 0, 255).astype(np.uint8)
    rgb = np.repeat(bands, 3, axis=0) if len(bands) == 1 else bands
    image = np.ascontiguousarray(rgb[::-1].transpose(1, 2, 0))  # RGB bands -> BGR

    def georef(
        x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return pixel_centres_to_lonlat(np.asarray(y) - 0.5, np.asarray(x) - 0.5, transform, crs)

    return DroneImage(path, image, georef, None, None)


def ground_points(image: DroneImage, boxes: Boxes) -> list[dict[str, Any] | None]:
    """Lon/lat of each box's centre and the box's ground quadrilateral (None where unknown)."""
    if image.georef is None or not len(boxes):
        return [None] * len(boxes)
    x1, y1, x2, y2 = (boxes.xyxy[:, k].astype(np.float64) for k in range(4))
    lon, lat = image.georef((x1 + x2) / 2, (y1 + y2) / 2)
    corners = [image.georef(x, y) for x, y in ((x1, y1), (x2, y1), (x2, y2), (x1, y2))]
    out: list[dict[str, Any] | None] = []
    for k, (a, b) in enumerate(zip(lon, lat, strict=True)):
        if not np.isfinite(a):
            out.append(None)
            continue
        ring = [[round(float(c[0][k]), 7), round(float(c[1][k]), 7)] for c in corners]
        quad = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]} if np.all(np.isfinite(ring)) else None
        out.append({"lon": round(float(a), 7), "lat": round(float(b), 7), "footprint": quad})
    return out
