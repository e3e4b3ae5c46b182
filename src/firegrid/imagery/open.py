"""Open any supported scene: a Landsat folder with MTL, a Sentinel-2 SAFE, or a folder of band files."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from firegrid.errors import InputError, UnsupportedFormatError
from firegrid.files import checked_path, confine
from firegrid.imagery.landsat import find_mtl, open_landsat
from firegrid.imagery.rasters import open_raster
from firegrid.imagery.scene import BandSource, Scene
from firegrid.imagery.sentinel2 import SATURATED_DN, open_safe

# band7.tif, LC08_..._B7.TIF, T50SKH_..._B12.jp2, B8A_20m.tif
_BAND = re.compile(r"(?:^|[_\-.])(?:band|b)0?(8a|1[0-2]|[1-9])(?:_\d+m)?\.(?:tif|tiff|jp2)$", re.IGNORECASE)
S2_ONLY = {"b8a", "b11", "b12"}


def band_name(filename: str) -> str | None:
    """``b7``, ``b8a``, ``b12`` ... from a file name ending in its band, else None."""
    match = _BAND.search(filename)
    return f"b{match.group(1).lower()}" if match else None


def open_scene(
    path: Path,
    sensor: str = "auto",
    s2_offset: float = -1000.0,
    resolution: int | None = None,
    roots: Sequence[Path] | None = None,
) -> Scene:
    """Open a scene folder (or a band file inside one); ``sensor`` forces landsat / sentinel2.

    ``resolution`` picks the Sentinel-2 grid: 20 m (default; the fire detectors) or 10 m
    (the bare-soil detector). Landsat scenes are always on their 30 m grid. With ``roots`` (scenes
    named over the API or found in watch folders), the folder and every band, QA and metadata file
    it uses must lie under them after following links (a band symlinked out is refused).
    """
    path = checked_path(path, roots, "scene")
    if not path.exists():
        raise InputError(f"{path}: no such scene")
    folder = path if path.is_dir() else path.parent
    if roots is not None:
        _confine_links(folder, roots)
    scene = _open_folder(folder, sensor, s2_offset, resolution)
    if roots is not None:
        for used in [b.path for b in scene.bands.values()] + [q.path for q in scene.qa]:
            confine(used, roots, f"scene {folder.name}")
    return scene


def _confine_links(folder: Path, roots: Sequence[Path]) -> None:
    """Every symbolic link inside the scene folder (metadata, bands, sidecars) must stay under ``roots``."""
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            entry = Path(top) / name
            if entry.is_symlink():
                confine(entry, roots, f"scene {folder.name}: {entry.relative_to(folder)}")


def _open_folder(folder: Path, sensor: str, s2_offset: float, resolution: int | None) -> Scene:
    metadata = sorted(folder.glob("MTD_MSIL*.xml"))
    if metadata:
        return open_safe(folder, metadata[0], resolution or 20)
    mtl = find_mtl(folder)
    if mtl is not None:
        return open_landsat(folder, mtl)
    return open_band_folder(folder, sensor, s2_offset, resolution)


def open_band_folder(
    folder: Path, sensor: str = "auto", s2_offset: float = -1000.0, resolution: int | None = None
) -> Scene:
    """Single-band rasters named by band. Float data is TOA reflectance as is; integer Sentinel-2
    data is DN with quantification 10000 and ``s2_offset`` (baseline >= 04.00 by default).
    The grid is B12's (Sentinel-2) or B7's (Landsat); ``resolution=10`` puts Sentinel-2 on
    the grid of its 10 m bands."""
    files = {name: p for p in sorted(folder.iterdir()) if p.is_file() and (name := band_name(p.name))}
    if not files:
        raise UnsupportedFormatError(
            f"{folder}: no MTL, no MTD_MSIL*.xml and no band files (band7.tif, *_B12.jp2)"
        )
    kind = sensor if sensor != "auto" else ("sentinel2" if S2_ONLY & files.keys() else "landsat")
    if kind not in ("landsat", "sentinel2"):
        raise InputError(f"unknown sensor {sensor!r}; use auto, landsat8, landsat9 or sentinel2")
    grid_band = "b12" if kind == "sentinel2" else "b7"
    if kind == "sentinel2" and resolution == 10:
        grid_band = next((b for b in ("b4", "b8", "b3", "b2") if b in files), grid_band)
    if grid_band not in files:
        raise InputError(f"{folder}: no {grid_band.upper()} file for a {kind} scene")
    with open_raster(files[grid_band]) as ds:
        width, height, transform, crs = ds.width, ds.height, ds.transform, ds.crs
        if crs is None:
            raise InputError(f"{files[grid_band].name}: no CRS; cannot place detections")
    bands = {name: _band_source(p, width, kind, s2_offset) for name, p in files.items()}
    notes = (
        []
        if "b1" in bands or kind != "landsat"
        else ["no band 1: band 2 stands in for it (Schroeder Eq 2, 7)"]
    )
    meta = _sidecar(folder)
    acquired = meta.get("acquired_at")
    return Scene(
        scene_id=str(meta.get("scene_id", folder.name)),
        sensor=kind,  # type: ignore[arg-type]
        platform=str(meta.get("platform", "Sentinel-2" if kind == "sentinel2" else "Landsat")),
        acquired_at=datetime.fromisoformat(acquired) if acquired else None,
        width=width,
        height=height,
        transform=transform,
        crs=crs.to_string(),
        bands=bands,
        reflectance=meta.get("reflectance", "unknown"),
        source=str(folder),
        notes=notes,  # type: ignore[arg-type]
    )


def _sidecar(folder: Path) -> dict[str, Any]:
    """``scene.json`` next to the bands (scene id, platform, acquisition time), if present."""
    path = folder / "scene.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON ({exc.msg})") from exc
    return data if isinstance(data, dict) else {}


def _band_source(path: Path, grid_width: int, kind: str, s2_offset: float) -> BandSource:
    with open_raster(path) as ds:
        integer = np.issubdtype(np.dtype(ds.dtypes[0]), np.integer)
        factor = max(1, round(ds.width / grid_width))
        upsample = max(1, round(grid_width / ds.width))
        nodata = ds.nodata
    if integer and kind == "sentinel2":
        return BandSource(
            str(path),
            scale=1e-4,
            offset=s2_offset * 1e-4,
            nodata=0,
            factor=factor,
            saturation_dn=SATURATED_DN,
            upsample=upsample,
        )
    return BandSource(str(path), nodata=nodata, factor=factor, upsample=upsample)
