"""Landsat 8/9 Collection 2 Level-1: MTL metadata (text or JSON), DN -> TOA reflectance, QA bands."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firegrid.errors import InputError
from firegrid.imagery.rasters import open_raster
from firegrid.imagery.scene import BandSource, QaSource, Scene

_LINE = re.compile(r'^\s*([A-Z0-9_]+)\s*=\s*"?([^"]*)"?\s*$')


def parse_mtl(path: Path) -> dict[str, str]:
    """All ``KEY = value`` pairs of an MTL file (text ODL or JSON), groups flattened, first value wins."""
    text = path.read_text(encoding="utf-8", errors="replace")
    flat: dict[str, str] = {}
    if path.suffix.lower() == ".json":
        try:
            _flatten(json.loads(text), flat)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{path.name}: not a JSON MTL file ({exc})") from exc
        if not flat:
            raise InputError(f"{path.name}: an empty MTL file")
        return flat
    for line in text.splitlines():
        match = _LINE.match(line)
        if match and match.group(1) not in ("GROUP", "END_GROUP"):
            flat.setdefault(match.group(1), match.group(2).strip())
    if not flat:
        raise InputError(f"{path.name}: not an MTL metadata file")
    return flat


def _flatten(node: Any, flat: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict | list):
                _flatten(value, flat)
            else:
                flat.setdefault(str(key), str(value))
    elif isinstance(node, list):
        for item in node:
            _flatten(item, flat)


def reflectance_coefficients(mtl: dict[str, str], band: int) -> tuple[float, float]:
    """(REFLECTANCE_MULT_BAND_n, REFLECTANCE_ADD_BAND_n)."""
    try:
        mult, add = float(mtl[f"REFLECTANCE_MULT_BAND_{band}"]), float(mtl[f"REFLECTANCE_ADD_BAND_{band}"])
    except KeyError:
        raise InputError(f"MTL has no reflectance rescaling for band {band}") from None
    except ValueError as exc:
        raise InputError(f"MTL reflectance rescaling of band {band} is not a number ({exc})") from None
    if not (math.isfinite(mult) and math.isfinite(add)):
        raise InputError(f"MTL reflectance rescaling of band {band} is not finite")
    return mult, add


def acquisition_time(mtl: dict[str, str]) -> datetime | None:
    """DATE_ACQUIRED + SCENE_CENTER_TIME as UTC."""
    day = mtl.get("DATE_ACQUIRED")
    if not day:
        return None
    clock = mtl.get("SCENE_CENTER_TIME", "00:00:00Z").rstrip("Z")[:15]
    try:
        return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"MTL acquisition time {day!r} {clock!r} is not a date and time") from None


def find_mtl(folder: Path) -> Path | None:
    """The MTL file of a scene folder, if any."""
    found = sorted(folder.glob("*_MTL.txt")) + sorted(folder.glob("*_MTL.json"))
    return found[0] if found else None


def _band_file(folder: Path, mtl: dict[str, str], key: str, pattern: str) -> Path | None:
    name = mtl.get(key)
    if name and (folder / name).is_file():
        return folder / name
    found = sorted(folder.glob(pattern)) + sorted(folder.glob(pattern.lower()))
    return found[0] if found else None


def open_landsat(folder: Path, mtl_path: Path) -> Scene:
    """A Landsat C2 L1 scene: bands 1-7 as uncorrected TOA reflectance, QA_PIXEL and QA_RADSAT."""
    mtl = parse_mtl(mtl_path)
    bands: dict[str, BandSource] = {}
    for n in range(1, 8):
        path = _band_file(folder, mtl, f"FILE_NAME_BAND_{n}", f"*_B{n}.TIF")
        if path is None:
            continue
        scale, offset = reflectance_coefficients(mtl, n)
        bands[f"b{n}"] = BandSource(str(path), scale=scale, offset=offset, nodata=0)
    if "b7" not in bands:
        raise InputError(f"{folder}: no band 7 file next to {mtl_path.name}")
    qa = []
    for key, pattern, kind in (
        ("FILE_NAME_QUALITY_L1_PIXEL", "*_QA_PIXEL.TIF", "landsat_qa_pixel"),
        ("FILE_NAME_QUALITY_L1_RADIOMETRIC_SATURATION", "*_QA_RADSAT.TIF", "landsat_qa_radsat"),
    ):
        path = _band_file(folder, mtl, key, pattern)
        if path is not None:
            qa.append(QaSource(kind, str(path)))  # type: ignore[arg-type]
    with open_raster(bands["b7"].path) as ds:
        width, height, transform, crs = ds.width, ds.height, ds.transform, ds.crs.to_string()
    spacecraft = mtl.get("SPACECRAFT_ID", "LANDSAT_8")
    return Scene(
        scene_id=mtl.get("LANDSAT_PRODUCT_ID") or mtl.get("LANDSAT_SCENE_ID") or folder.name,
        sensor="landsat",
        platform=spacecraft.replace("LANDSAT_", "Landsat-"),
        acquired_at=acquisition_time(mtl),
        width=width,
        height=height,
        transform=transform,
        crs=crs,
        bands=bands,
        reflectance="uncorrected",
        source=str(folder),
        sun_elevation=float(mtl["SUN_ELEVATION"]) if "SUN_ELEVATION" in mtl else None,
        qa=qa,
    )
